//! The flat search: breadth-first on one core over packed states, when the compiled step
//! applies (SPIN's design: a state vector of fixed size, steps in place).
//!
//! Every state is [`Compiled::pack`]ed into `W` bytes per slot and stored in one arena with a
//! fixed stride; a hash table of state numbers (with 32 bits of their hash) over their bytes
//! is the visited set, and a parent number per state gives counterexample paths. The arena is also the
//! breadth-first queue: states are numbered in the order they are found, so state `i` is
//! expanded `i`-th. A state is unpacked into the compiled step's flat state, each successor
//! packed from its parent's bytes and the step's undo log, in a scratch buffer: nothing is
//! allocated per successor and nothing goes through the general encoding.
//!
//! It visits the same states in the same order as [`super::breadth_first`] with one job:
//! successors in the order of the successor function, limits looked at after the same
//! chunks of states, so counts, verdicts and counterexamples are the same. Where the compiled
//! step gives up on a state ([`lbos_vm::compiled::Bail`]: a fault, a case it does not cover),
//! the interpreter expands that state, and its successors are packed. Packing with `W = 1`
//! fails on a value without a one-byte code (an integer beyond about ±100, a long program's
//! pc): the search starts again with 2, then 4 bytes per slot; a successor that does not fit
//! the layout at all ends it ([`Outcome::GiveUp`]), and the caller runs the general search.

use lbos_vm::compiled::{Compiled, Flat};

use super::{Batch, Item, Scratch, Search, Stop, Verdict, Violation, fault_verdict};

/// The visited set: open addressing with linear probing over one array of slots, each the
/// state's number + 1 (0: empty) and 32 bits of its hash. A lookup reads one slot (and the
/// state's bytes only when those 32 bits match); growing reads the slots alone. The position
/// of a state is its 32 hash bits scaled to the table (so growing needs no other bits).
struct Table {
    slots: Vec<u64>,
    len: usize,
}

impl Table {
    fn new() -> Table {
        Table {
            slots: vec![0; 1 << 10],
            len: 0,
        }
    }

    #[inline]
    fn home(tag: u32, cap: usize) -> usize {
        ((u64::from(tag) * cap as u64) >> 32) as usize
    }

    fn capacity(&self) -> usize {
        self.slots.len()
    }

    /// Asks the processor to fetch the slot where a lookup of `hash` starts (the lookups of a
    /// state's successors then wait for memory together rather than one after the other).
    #[inline]
    fn prefetch(&self, hash: u64) {
        let pos = Self::home((hash >> 32) as u32, self.slots.len());
        #[cfg(target_arch = "x86_64")]
        {
            use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
            // SAFETY: SSE is part of x86_64; a prefetch is a hint that reads nothing, and the
            // address is within the table.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(self.slots[pos..].as_ptr().cast()) };
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = pos;
    }

    /// The number of the state with this hash for which `eq` holds; else stores `new` and
    /// returns None.
    #[inline]
    fn find_or_insert(&mut self, hash: u64, new: u32, eq: impl Fn(u32) -> bool) -> Option<u32> {
        let tag = (hash >> 32) as u32;
        let cap = self.slots.len();
        let mut pos = Self::home(tag, cap);
        loop {
            let s = self.slots[pos];
            if s == 0 {
                self.slots[pos] = (u64::from(tag) << 32) | u64::from(new + 1);
                self.len += 1;
                if self.len * 4 > cap * 3 {
                    self.grow();
                }
                return None;
            }
            if (s >> 32) as u32 == tag && eq(s as u32 - 1) {
                return Some(s as u32 - 1);
            }
            pos += 1;
            if pos == cap {
                pos = 0;
            }
        }
    }

    fn grow(&mut self) {
        let cap = self.slots.len() * 2;
        let mut slots: Vec<u64> = vec![0; cap];
        for &s in &self.slots {
            if s == 0 {
                continue;
            }
            let mut pos = Self::home((s >> 32) as u32, cap);
            while slots[pos] != 0 {
                pos += 1;
                if pos == cap {
                    pos = 0;
                }
            }
            slots[pos] = s;
        }
        self.slots = slots;
    }
}

/// How a flat search ended.
pub(super) enum Outcome {
    /// The search is over (complete, or stopped by a limit or a violation).
    Done(Result<(), Stop>),
    /// A value needs more bytes per slot: start again wider.
    Wider,
    /// A state does not fit the layout: run the general search (the reason).
    GiveUp(String),
}

/// The packed states and their links. States are kept in chunks of `1 << shift` states, so
/// that the arena grows without copying (and every page is written once).
struct Arena {
    stride: usize,
    shift: u32,
    chunks: Vec<Vec<u8>>,
    parent: Vec<u32>,
    table: Table,
}

/// About this many bytes per chunk of the arena.
const CHUNK_BYTES: usize = 32 << 20;

#[inline]
fn state_at(chunks: &[Vec<u8>], shift: u32, stride: usize, i: u32) -> &[u8] {
    let c = &chunks[(i >> shift) as usize];
    let at = (i & ((1 << shift) - 1)) as usize * stride;
    &c[at..at + stride]
}

impl Arena {
    fn new(stride: usize) -> Arena {
        let shift = (CHUNK_BYTES / stride.max(1)).max(2).ilog2();
        Arena {
            stride,
            shift,
            chunks: Vec::new(),
            parent: Vec::new(),
            table: Table::new(),
        }
    }

    fn len(&self) -> usize {
        self.parent.len()
    }

    fn get(&self, i: u32) -> &[u8] {
        state_at(&self.chunks, self.shift, self.stride, i)
    }

    fn heap_bytes(&self) -> u64 {
        (self.chunks.iter().map(Vec::len).sum::<usize>()
            + self.parent.capacity() * 4
            + self.table.capacity() * 8) as u64
    }

    /// Inserts a packed state unless it is known; its number if it is new.
    fn insert(
        &mut self,
        hasher: &impl std::hash::BuildHasher,
        key: &[u8],
        parent: u32,
    ) -> Option<u32> {
        self.insert_hashed(hasher.hash_one(key), key, parent)
    }

    /// [`Arena::insert`] of a state whose hash is known.
    fn insert_hashed(&mut self, hash: u64, key: &[u8], parent: u32) -> Option<u32> {
        let (chunks, shift, stride) = (&self.chunks, self.shift, self.stride);
        let at = |i: u32| state_at(chunks, shift, stride, i);
        let i = self.parent.len() as u32;
        if self
            .table
            .find_or_insert(hash, i, |j| at(j) == key)
            .is_some()
        {
            return None;
        }
        if (i >> shift) as usize == self.chunks.len() {
            self.chunks.push(Vec::with_capacity(stride << shift));
        }
        self.chunks[(i >> shift) as usize].extend_from_slice(key);
        self.parent.push(parent);
        Some(i)
    }

    /// The states from the initial one to `i`.
    fn path(&self, mut i: u32) -> Vec<u32> {
        let mut p = vec![i];
        while self.parent[i as usize] != super::ROOT {
            i = self.parent[i as usize];
            p.push(i);
        }
        p.reverse();
        p
    }
}

/// The flat search, from the initial state encoded (canonically) as `init`. On
/// [`Outcome::Done`] the search's statistics hold its states and memory.
pub(super) fn breadth_first<const W: usize>(
    search: &mut Search,
    c: &Compiled,
    init: &[u8],
) -> Outcome {
    let exp = search.exp;
    let m = exp.m;
    let hasher = *search.store.hasher();
    let stride = c.packed_len::<W>();
    let mut flat = c.new_flat();
    if !c.load(init, &mut flat) {
        return Outcome::GiveUp("the initial state does not fit the layout".into());
    }
    let mut arena = Arena::new(stride);
    let mut key = vec![0u8; stride];
    if !c.pack::<W>(&flat, &mut key) {
        return Outcome::Wider;
    }
    arena.insert(&hasher, &key, super::ROOT);

    let code = &m.program.code;
    let local = exp.local.as_deref();
    let mut rows = std::mem::take(&mut search.rows);
    // Successors of the state being expanded: packed, and whether each is a deadlock.
    let mut succ: Vec<u8> = Vec::new();
    let mut dead: Vec<bool> = Vec::new();
    let mut batch = Batch::default();
    let mut scratch = Scratch::default();
    let mut enc = Vec::new();
    let mut other = c.new_flat();

    let mut result = Ok(());
    let mut level_start = 0usize;
    let mut depth = 0u32;
    'levels: while level_start < arena.len() {
        let level_end = arena.len();
        if search.opts.max_depth.is_some_and(|d| depth >= d) {
            for i in level_start..level_end {
                c.unpack::<W>(arena.get(i as u32), &mut flat);
                mark_rows(c, code, &flat, &mut rows);
            }
            break;
        }
        // The chunks of `super::expand_level` with one job: limits are looked at after each.
        let chunk = (level_end - level_start).div_ceil(4).clamp(1, super::CHUNK);
        for i in level_start..level_end {
            // The flat state holds state `i - 1` (restored after its steps): decode only the
            // fields that differ.
            // Rows: those of the pcs that changed (the others were marked before).
            if i > 0 {
                c.unpack_from::<W>(
                    arena.get(i as u32),
                    arena.get(i as u32 - 1),
                    &mut flat,
                    |pc| rows[code[pc as usize].row as usize] = true,
                );
            } else {
                c.unpack::<W>(arena.get(0), &mut flat);
                mark_rows(c, code, &flat, &mut rows);
            }
            succ.clear();
            dead.clear();
            let mut fits = true;
            let parent = arena.get(i as u32);
            let ran = c.moves(
                &mut flat,
                local,
                &mut |s| {
                    let at = succ.len();
                    succ.resize(at + stride, 0);
                    fits &= c.pack_successor::<W>(s.flat, parent, &mut succ[at..]);
                    dead.push(c.is_deadlock(s.flat));
                },
                &mut |f| mark_rows(c, code, f, &mut rows),
            );
            let stop = if ran.is_ok() {
                if !fits {
                    search.rows = rows;
                    return Outcome::Wider;
                }
                absorb_packed(search, &mut arena, &hasher, &succ, &dead, i as u32, depth)
            } else {
                // The interpreter expands it; its successors are packed.
                enc.clear();
                c.unpack::<W>(arena.get(i as u32), &mut flat);
                c.encode(&flat, &mut enc);
                let state = lbos_vm::codec::decode(&enc);
                batch.clear();
                scratch.rows = std::mem::take(&mut rows);
                exp.expand_state(0, &state, &mut batch, &mut scratch);
                rows = std::mem::take(&mut scratch.rows);
                match absorb_batch::<W>(
                    search, c, &mut arena, &hasher, &batch, &mut other, &mut key, i as u32, depth,
                ) {
                    Ok(r) => r,
                    Err(giving_up) => {
                        search.rows = rows;
                        return giving_up;
                    }
                }
            };
            if let Err(s) = stop {
                result = Err(s);
                break 'levels;
            }
            let done_in_level = i + 1 - level_start;
            if done_in_level % chunk == 0 || i + 1 == level_end {
                let remaining = (level_end - (i + 1)) as u64;
                let next = (arena.len() - level_end) as u64;
                if let Err(s) = tick(search, &arena, remaining + next) {
                    result = Err(s);
                    break 'levels;
                }
            }
        }
        level_start = level_end;
        depth += 1;
    }
    search.rows = rows;
    search.flat = Some((arena.len() as u64, arena.heap_bytes()));
    Outcome::Done(result)
}

fn mark_rows(c: &Compiled, code: &[lbos_lang::program::Instr], flat: &Flat, rows: &mut [bool]) {
    c.for_each_pc(flat, |pc| {
        if pc != lbos_lang::program::END {
            rows[code[pc as usize].row as usize] = true;
        }
    });
}

/// Stores the packed successors of state `source` (at `depth`) in order, as
/// [`Search::absorb`] stores a batch.
fn absorb_packed(
    search: &mut Search,
    arena: &mut Arena,
    hasher: &impl std::hash::BuildHasher,
    succ: &[u8],
    dead: &[bool],
    source: u32,
    depth: u32,
) -> Result<(), Stop> {
    let stride = arena.stride;
    let mut hashes = [0u64; 16];
    for (k, h) in hashes.iter_mut().enumerate().take(dead.len()) {
        *h = hasher.hash_one(&succ[k * stride..(k + 1) * stride]);
        arena.table.prefetch(*h);
    }
    for (k, &deadlock) in dead.iter().enumerate() {
        search.stats.transitions += 1;
        let key = &succ[k * stride..(k + 1) * stride];
        let found = match hashes.get(k) {
            Some(&h) => arena.insert_hashed(h, key, source),
            None => arena.insert(hasher, key, source),
        };
        let Some(idx) = found else {
            continue;
        };
        search.stats.max_depth = search.stats.max_depth.max(depth as u64 + 1);
        if deadlock {
            return Err(search.deadlock_stop(trace_to(search, arena, idx), depth));
        }
    }
    Ok(())
}

/// The transitions from the initial state to state `i` (as `super::transitions_to`).
fn trace_to(search: &Search, arena: &Arena, i: u32) -> Option<Vec<lbos_vm::Transition>> {
    let c = search.exp.compiled.as_ref()?;
    let width = arena.stride / c.packed_len::<1>();
    let mut flat = c.new_flat();
    let path = arena.path(i);
    let encodings = path[1..].iter().map(|&w| {
        match width {
            1 => c.unpack::<1>(arena.get(w), &mut flat),
            2 => c.unpack::<2>(arena.get(w), &mut flat),
            _ => c.unpack::<4>(arena.get(w), &mut flat),
        }
        let mut enc = Vec::new();
        c.encode(&flat, &mut enc);
        enc
    });
    super::transitions_along(search.exp, encodings).map(|(t, _)| t)
}

/// Stores the interpreter's successors of state `source` (a batch of one state), packed.
/// `Err` when one does not fit: wider, or not at all.
#[allow(clippy::too_many_arguments)]
fn absorb_batch<const W: usize>(
    search: &mut Search,
    c: &Compiled,
    arena: &mut Arena,
    hasher: &impl std::hash::BuildHasher,
    batch: &Batch,
    other: &mut Flat,
    key: &mut [u8],
    source: u32,
    depth: u32,
) -> Result<Result<(), Stop>, Outcome> {
    // Pack them all first: a successor that does not fit ends this search before any is
    // stored.
    let mut packed = Vec::with_capacity(batch.items.len() * key.len());
    for it in &batch.items {
        if let Item::State { bytes, .. } = it {
            let enc = &batch.bytes[bytes.0 as usize..bytes.1 as usize];
            if !c.load(enc, other) {
                return Err(Outcome::GiveUp(
                    "a successor does not fit the compiled layout".into(),
                ));
            }
            if !c.pack::<W>(other, key) {
                return Err(Outcome::Wider);
            }
            packed.extend_from_slice(key);
        }
    }
    let stride = arena.stride;
    let mut k = 0;
    for it in &batch.items {
        search.stats.transitions += 1;
        match it {
            Item::Fault {
                fault, transitions, ..
            } => {
                if fault.message == lbos_vm::budget::INTERRUPTED
                    && let Some(reason) = search.watchdog.tripped()
                {
                    return Ok(Err((Verdict::Incomplete, None, Some(reason))));
                }
                let trace = match trace_to(search, arena, source) {
                    Some(mut t) => {
                        t.extend(transitions.iter().cloned());
                        t
                    }
                    None => {
                        search.lost_trace = Some(depth + 1);
                        Vec::new()
                    }
                };
                search.stats.max_depth = search.stats.max_depth.max(depth as u64 + 1);
                let verdict = fault_verdict(fault);
                let v = Violation {
                    verdict,
                    fault: Some(fault.clone()),
                    trace,
                };
                return Ok(Err((verdict, Some(v), None)));
            }
            Item::State { deadlock, .. } => {
                let key = &packed[k * stride..(k + 1) * stride];
                k += 1;
                let Some(idx) = arena.insert(hasher, key, source) else {
                    continue;
                };
                search.stats.max_depth = search.stats.max_depth.max(depth as u64 + 1);
                if *deadlock {
                    return Ok(Err(
                        search.deadlock_stop(trace_to(search, arena, idx), depth)
                    ));
                }
            }
        }
    }
    Ok(Ok(()))
}

/// [`Search::tick`] for the flat search.
fn tick(search: &mut Search, arena: &Arena, frontier: u64) -> Result<(), Stop> {
    if search.stats.transitions < search.last_limit_check + 4096 {
        return Ok(());
    }
    search.last_limit_check = search.stats.transitions;
    search.stats.frontier = frontier;
    let states = arena.len() as u64;
    if states >= (super::ROOT - 1) as u64 {
        return Err((
            Verdict::Incomplete,
            None,
            Some(format!("the store numbers at most {states} states")),
        ));
    }
    let rss = crate::memory::current_rss_bytes().unwrap_or(search.base_rss + arena.heap_bytes());
    search.peak_rss = search.peak_rss.max(rss);
    if let Some(reason) = super::limit_reason(
        search.opts,
        search.watchdog,
        search.start.elapsed(),
        states,
        rss.saturating_sub(search.base_rss),
    ) {
        return Err((Verdict::Incomplete, None, Some(reason)));
    }
    if let Some(cb) = &search.opts.progress
        && search.last_progress.elapsed() >= search.opts.progress_interval
    {
        search.last_progress = std::time::Instant::now();
        let mut p = search.stats.clone();
        p.states = states;
        p.seconds = search.start.elapsed().as_secs_f64();
        p.states_per_second = p.states as f64 / p.seconds.max(1e-9);
        p.peak_memory_bytes = search.peak_rss;
        p.bytes_per_state = arena.heap_bytes() / states.max(1);
        cb(&p);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_finds_what_it_stored_through_collisions_and_growth() {
        let mut t = Table::new();
        // Keys 0..5000; hashes with few distinct tags, so that tags collide and probes run.
        let hash = |k: u32| (u64::from(k % 7) << 32) | u64::from(k);
        for k in 0..5000u32 {
            assert_eq!(t.find_or_insert(hash(k), k, |j| j == k), None, "{k} is new");
        }
        assert!(t.capacity() >= 5000 * 4 / 3);
        for k in 0..5000u32 {
            assert_eq!(t.find_or_insert(hash(k), 9999, |j| j == k), Some(k), "{k}");
        }
        assert_eq!(t.len, 5000);
    }
}
