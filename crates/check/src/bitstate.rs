//! Bitstate search (SPIN's `-DBITSTATE`, Holzmann's supertrace) for state spaces beyond
//! memory: a depth-first search that remembers a state only as `k` bits of a bit array, set
//! by `k` hash functions of its canonical encoding. A state whose bits are all already set is
//! taken as seen, so two states whose bits collide lose one of them and everything only it
//! leads to: the result is probabilistic. Violations found are real (their traces are re-run
//! on the real program); "ok" means none was found in the part of the space covered, which
//! [`Coverage`] estimates.
//!
//! Swarm verification (Holzmann, Joshi, Groce): several bitstate searches with different
//! seeds, which change both the hash functions and the order successors are explored in, so
//! the states one search loses to collisions another probably reaches. The runs are
//! independent; the first violation (by run number) is reported.

use std::sync::atomic::Ordering;
use std::time::Instant;

use hashbrown::DefaultHashBuilder;
use lbos_vm::{Machine, State};
use serde::{Deserialize, Serialize};

use crate::memory::current_rss_bytes;
use crate::search::{
    Batch, Expander, Item, Options, Report, Scratch, Stats, Verdict, Violation, Watchdog,
    limit_reason, matching_fault, transitions_along,
};

/// How to run a bitstate search.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bitstate {
    /// Size of the bit array in bytes (rounded down to a power of two, at least 8).
    pub bytes: u64,
    /// Bits set per state (SPIN's `-k`, 3 by default).
    pub hashes: u32,
    /// Seed of the first run: its hash functions and, from the second run on, successor order.
    pub seed: u64,
    /// Number of differently seeded runs (1 = a single bitstate search).
    pub runs: u32,
}

impl Default for Bitstate {
    fn default() -> Self {
        Bitstate {
            bytes: 16 << 20,
            hashes: 3,
            seed: 0,
            runs: 1,
        }
    }
}

/// What a bitstate search covered: always reported with its verdict, because "ok" is only
/// probable.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Coverage {
    /// Always true: the verdict `ok` means no violation was found, not that none exists.
    pub probabilistic: bool,
    pub bits: u64,
    pub hash_functions: u32,
    /// One per run, in run order.
    pub runs: Vec<RunCoverage>,
    /// Over the runs: the greatest estimated coverage (an upper bound for the runs together).
    pub coverage_estimate: f64,
    /// Every run's coverage is likely incomplete.
    pub likely_incomplete: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunCoverage {
    pub seed: u64,
    /// States whose bits were not all set when reached (distinct states stored).
    pub states: u64,
    /// SPIN's hash factor: bits per state stored; above 100 the loss is negligible.
    pub hash_factor: f64,
    /// Fraction of the bit array set at the end.
    pub fill: f64,
    /// Expected number of new states taken for seen ones: the sum, over the states taken as
    /// seen, of the chance that a new state's `k` bits were all set already (fill^k at the
    /// time). What those states alone lead to is lost too, and not counted.
    pub expected_missed: f64,
    /// states / (states + expected_missed): an upper bound on the fraction covered.
    pub coverage_estimate: f64,
    /// The coverage is likely incomplete: a hash factor below 100 (SPIN's rule of thumb) or
    /// one or more states expected missed. A bigger bit array helps.
    pub likely_incomplete: bool,
}

struct Bits {
    words: Vec<u64>,
    /// Number of bits minus one (a power of two minus one).
    mask: u64,
    set: u64,
}

impl Bits {
    fn new(bytes: u64) -> Bits {
        let bits = (bytes.max(8) * 8).next_power_of_two();
        let bits = if bits > bytes.max(8) * 8 {
            bits / 2
        } else {
            bits
        };
        Bits {
            words: vec![0; (bits / 64) as usize],
            mask: bits - 1,
            set: 0,
        }
    }

    fn len(&self) -> u64 {
        self.mask + 1
    }

    /// Sets the `k` bits of the state with hashes `(h1, h2)`; true if one was not set yet.
    fn insert(&mut self, h1: u64, h2: u64, k: u32) -> bool {
        let mut new = false;
        for i in 0..k as u64 {
            let bit = h1.wrapping_add(i.wrapping_mul(h2)) & self.mask;
            let (w, b) = ((bit / 64) as usize, bit % 64);
            if self.words[w] & (1 << b) == 0 {
                self.words[w] |= 1 << b;
                self.set += 1;
                new = true;
            }
        }
        new
    }
}

/// A 64-bit hash of `bytes` under `seed` (multiply-xorshift over 8-byte words).
fn hash64(bytes: &[u8], seed: u64) -> u64 {
    const M: u64 = 0x9E37_79B9_7F4A_7C15;
    let mix = |x: u64| {
        let x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        let x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        x ^ (x >> 31)
    };
    let mut h = mix(seed ^ M ^ bytes.len() as u64);
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        h = mix(h ^ u64::from_le_bytes(c.try_into().unwrap())).wrapping_add(M);
    }
    let mut tail = [0u8; 8];
    tail[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
    mix(h ^ u64::from_le_bytes(tail))
}

/// A small deterministic generator for the successor order of swarm runs.
struct XorShift(u64);

impl XorShift {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

/// One run's end: a violation (with the canonical path to it), a limit, or done.
struct Run {
    coverage: RunCoverage,
    transitions: u64,
    max_depth: u64,
    stop: Option<(Verdict, Option<Violation>, Option<String>)>,
}

/// The bitstate search (or swarm of them) that `opts.bitstate` asks for.
pub(crate) fn check(m: &Machine, opts: &Options) -> Report {
    let bs = opts.bitstate.unwrap_or_default();
    let start = Instant::now();
    let rss = current_rss_bytes().unwrap_or(0);
    let exp = Expander::new(m, opts, DefaultHashBuilder::default());
    let _watching = lbos_vm::budget::watch(exp.interrupt.clone());
    let watchdog = Watchdog::start(opts, exp.interrupt.clone(), rss);
    let mut stats = Stats::default();
    let mut runs = Vec::new();
    let mut end = None;
    let mut bits_len = 0;
    for r in 0..bs.runs.max(1) {
        let seed = bs.seed.wrapping_add(r as u64);
        let mut bits = Bits::new(bs.bytes);
        bits_len = bits.len();
        // The first run explores in the successor function's order; the others shuffle it.
        let order = (r > 0).then(|| XorShift(hash64(&seed.to_le_bytes(), 1) | 1));
        let run = one_run(
            &exp, opts, &watchdog, &mut bits, bs.hashes, seed, order, start,
        );
        stats.transitions += run.transitions;
        stats.max_depth = stats.max_depth.max(run.max_depth);
        stats.states = stats.states.max(run.coverage.states);
        runs.push(run.coverage);
        if let Some(stop) = run.stop {
            end = Some(stop);
            break;
        }
    }
    stats.seconds = start.elapsed().as_secs_f64();
    stats.states_per_second = stats.states as f64 / stats.seconds.max(1e-9);
    stats.peak_memory_bytes = current_rss_bytes().unwrap_or(0);
    stats.bytes_per_state = (bits_len / 8).checked_div(stats.states).unwrap_or(0);
    stats.bitstate = Some(Coverage {
        probabilistic: true,
        bits: bits_len,
        hash_functions: bs.hashes,
        coverage_estimate: runs.iter().map(|r| r.coverage_estimate).fold(0.0, f64::max),
        likely_incomplete: runs.iter().all(|r| r.likely_incomplete),
        runs,
    });
    let (verdict, violation, reason) = end.unwrap_or((Verdict::Ok, None, None));
    Report {
        verdict,
        violation,
        stats,
        // Rows a lost state stands on would be reported dead: not a claim to make.
        dead_rows: Vec::new(),
        incomplete_reason: reason,
        shortest: false,
        starvation: None,
    }
}

#[allow(clippy::too_many_arguments)]
fn one_run(
    exp: &Expander,
    opts: &Options,
    watchdog: &Watchdog,
    bits: &mut Bits,
    k: u32,
    seed: u64,
    mut order: Option<XorShift>,
    start: Instant,
) -> Run {
    let m = exp.m;
    let k = k.clamp(1, 32);
    let seed2 = hash64(&seed.to_le_bytes(), 2);
    let hashes = |enc: &[u8]| (hash64(enc, seed), hash64(enc, seed2) | 1);
    let mut expected_missed = 0.0;
    let mut states = 0u64;
    let mut transitions = 0u64;
    let mut max_depth = 0u64;
    let mut visit = |bits: &mut Bits, enc: &[u8], states: &mut u64| {
        let (h1, h2) = hashes(enc);
        let fill = bits.set as f64 / bits.len() as f64;
        let new = bits.insert(h1, h2, k);
        if new {
            *states += 1;
        } else {
            // Taken as seen: with this chance it was a new state whose bits were all set.
            expected_missed += fill.powi(k as i32);
        }
        new
    };
    let finish = |states: u64, expected_missed: f64, bits: &Bits| RunCoverage {
        seed,
        states,
        hash_factor: bits.len() as f64 / states.max(1) as f64,
        fill: bits.set as f64 / bits.len() as f64,
        expected_missed,
        coverage_estimate: states as f64 / (states as f64 + expected_missed),
        likely_incomplete: (bits.len() as f64) < 100.0 * states as f64 || expected_missed >= 1.0,
    };

    let init = m.initial_state();
    if let Err(f) = m.check_invariants(init) {
        let v = Violation {
            verdict: crate::search::fault_verdict(&f),
            fault: Some(f),
            trace: Vec::new(),
        };
        return Run {
            coverage: finish(0, 0.0, bits),
            transitions: 0,
            max_depth: 0,
            stop: Some((v.verdict, Some(v), None)),
        };
    }
    let mut canonical = init.clone();
    exp.canonical(&mut canonical);
    let mut enc = Vec::new();
    lbos_vm::codec::encode(&canonical, &mut enc);
    visit(bits, &enc, &mut states);
    if m.is_deadlock(init) {
        let v = Violation {
            verdict: Verdict::Deadlock,
            fault: None,
            trace: Vec::new(),
        };
        return Run {
            coverage: finish(states, 0.0, bits),
            transitions: 0,
            max_depth: 0,
            stop: Some((Verdict::Deadlock, Some(v), None)),
        };
    }
    // Depth-first: `stack` holds states to expand with their depth, `path` the canonical
    // states from the initial one to the one being expanded.
    // Both reuse their memory: the stack's encodings live in one buffer (`stack_bytes`, each
    // entry from its start to the next one's), and `path` keeps its buffers (the path to the
    // state being expanded at depth d is `path[..=d]`).
    let mut stack_bytes: Vec<u8> = enc;
    let mut stack: Vec<(usize, u32)> = vec![(0, 0)];
    let mut path: Vec<Vec<u8>> = Vec::new();
    let mut batch = Batch::default();
    let mut scratch = Scratch::new(m.program.rows.len());
    let mut children: Vec<(u32, u32)> = Vec::new();
    let mut last_check = 0u64;
    let violation = |path: &[Vec<u8>], last: Option<&[u8]>, fault: Option<&lbos_vm::Fault>| {
        let along = path[1..].iter().cloned().chain(last.map(|l| l.to_vec()));
        let (mut trace, real) = transitions_along(exp, along)?;
        let mut fault = fault.cloned();
        if let Some(f) = &fault {
            let (tail, real_fault) = matching_fault(exp, &real, f)?;
            trace.extend(tail);
            fault = Some(real_fault);
        }
        let verdict = match &fault {
            Some(f) => crate::search::fault_verdict(f),
            None => Verdict::Deadlock,
        };
        Some(Violation {
            verdict,
            fault,
            trace,
        })
    };
    // A violation whose canonical path does not replay (see `search::transitions_to`): a
    // search without symmetry, bounded by its depth, finds a real one.
    let refind = |depth: usize| {
        let exact = crate::search::check(
            m,
            &Options {
                symmetry: false,
                bitstate: None,
                max_depth: Some(depth as u32),
                progress: None,
                ..opts.clone()
            },
        );
        exact.violation
    };
    while let Some((at, depth)) = stack.pop() {
        let d = depth as usize;
        if path.len() <= d {
            path.push(Vec::new());
        }
        path[d].clear();
        path[d].extend_from_slice(&stack_bytes[at..]);
        stack_bytes.truncate(at);
        let path = &path[..=d];
        max_depth = max_depth.max(depth as u64);
        if transitions >= last_check + 4096 {
            last_check = transitions;
            // Memory is the watchdog's: the bit array is all a run allocates up front.
            if let Some(reason) = limit_reason(opts, watchdog, start.elapsed(), states, 0) {
                return Run {
                    coverage: finish(states, expected_missed, bits),
                    transitions,
                    max_depth,
                    stop: Some((Verdict::Incomplete, None, Some(reason))),
                };
            }
        }
        if opts.max_depth.is_some_and(|d| depth >= d) {
            continue;
        }
        let state: State = lbos_vm::codec::decode(&path[d]);
        batch.clear();
        exp.expand_state(0, &state, &mut batch, &mut scratch);
        children.clear();
        for it in &batch.items {
            transitions += 1;
            match it {
                Item::Fault { fault, .. } => {
                    if fault.message == lbos_vm::budget::INTERRUPTED
                        && let Some(reason) = watchdog.tripped()
                    {
                        return Run {
                            coverage: finish(states, expected_missed, bits),
                            transitions,
                            max_depth,
                            stop: Some((Verdict::Incomplete, None, Some(reason))),
                        };
                    }
                    let v = violation(path, None, Some(fault))
                        .or_else(|| refind(path.len()))
                        .expect("a violation found with symmetry is found without it");
                    return Run {
                        coverage: finish(states, expected_missed, bits),
                        transitions,
                        max_depth: max_depth + 1,
                        stop: Some((v.verdict, Some(v), None)),
                    };
                }
                Item::State {
                    bytes, deadlock, ..
                } => {
                    let child = &batch.bytes[bytes.0 as usize..bytes.1 as usize];
                    if !visit(bits, child, &mut states) {
                        continue;
                    }
                    if *deadlock {
                        let v = violation(path, Some(child), None)
                            .or_else(|| refind(path.len()))
                            .expect("a deadlock found with symmetry is found without it");
                        return Run {
                            coverage: finish(states, expected_missed, bits),
                            transitions,
                            max_depth: max_depth + 1,
                            stop: Some((Verdict::Deadlock, Some(v), None)),
                        };
                    }
                    children.push(*bytes);
                }
            }
        }
        if let Some(rng) = &mut order {
            for i in (1..children.len()).rev() {
                children.swap(i, rng.below(i + 1));
            }
        }
        // Pushed in reverse, so that the first child is expanded first.
        for &(a, b) in children.iter().rev() {
            stack.push((stack_bytes.len(), depth + 1));
            stack_bytes.extend_from_slice(&batch.bytes[a as usize..b as usize]);
        }
        if opts.stop.load(Ordering::Relaxed) {
            break;
        }
    }
    Run {
        coverage: finish(states, expected_missed, bits),
        transitions,
        max_depth,
        stop: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bit_arrays_are_powers_of_two_within_the_size_asked() {
        assert_eq!(Bits::new(1).len(), 64);
        assert_eq!(Bits::new(1 << 20).len(), 8 << 20);
        assert_eq!(Bits::new(3 << 20).len(), 16 << 20);
    }

    #[test]
    fn a_state_sets_k_bits_and_is_then_seen() {
        let mut b = Bits::new(1 << 10);
        let (h1, h2) = (hash64(b"state", 0), hash64(b"state", 9) | 1);
        assert!(b.insert(h1, h2, 3));
        assert_eq!(b.set, 3);
        assert!(!b.insert(h1, h2, 3));
        assert_ne!(
            hash64(b"state", 0),
            hash64(b"state", 1),
            "seeds change the hash"
        );
    }
}
