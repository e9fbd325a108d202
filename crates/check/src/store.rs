//! The visited set, compressed the way SPIN's COLLAPSE mode compresses states: a state's
//! encoding is cut into parts (the shared part: globals and heap; then one part per thread),
//! each distinct part is stored once and numbered, and a state is stored as the short list of
//! its parts' numbers. A program with N threads has few distinct thread parts, so most states
//! cost a few bytes of numbers plus their index entry. The compression is exact (no hashing
//! away of states): two states are merged only if their encodings are equal.

use std::hash::BuildHasher;

use hashbrown::{DefaultHashBuilder, HashTable};

/// Byte strings stored once each, numbered in order of arrival.
struct Interner {
    bytes: Vec<u8>,
    /// `ends[i]` is where item `i` ends in `bytes` (it starts where item `i - 1` ends).
    ends: Vec<u64>,
    table: HashTable<u32>,
}

impl Interner {
    fn new() -> Self {
        Interner {
            bytes: Vec::new(),
            ends: Vec::new(),
            table: HashTable::new(),
        }
    }

    fn len(&self) -> usize {
        self.ends.len()
    }

    fn get(&self, i: u32) -> &[u8] {
        item(&self.bytes, &self.ends, i)
    }

    /// The number of `key` (whose hash under `hasher` is `hash`), and whether it is new.
    fn intern(&mut self, hash: u64, key: &[u8], hasher: &DefaultHashBuilder) -> (u32, bool) {
        let (bytes, ends) = (&self.bytes, &self.ends);
        if let Some(&i) = self.table.find(hash, |&i| item(bytes, ends, i) == key) {
            return (i, false);
        }
        let i = self.ends.len() as u32;
        self.table
            .insert_unique(hash, i, |&j| hasher.hash_one(item(bytes, ends, j)));
        self.bytes.extend_from_slice(key);
        self.ends.push(self.bytes.len() as u64);
        (i, true)
    }

    /// Memory held, in bytes (allocated capacity, as the allocator sees it).
    fn heap_bytes(&self) -> usize {
        self.bytes.capacity() + self.ends.capacity() * 8 + self.table.capacity() * 5
    }
}

fn item<'a>(bytes: &'a [u8], ends: &[u64], i: u32) -> &'a [u8] {
    let start = if i == 0 { 0 } else { ends[i as usize - 1] };
    &bytes[start as usize..ends[i as usize] as usize]
}

fn put_varint(out: &mut Vec<u8>, mut v: u32) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn varints(mut b: &[u8]) -> impl Iterator<Item = u32> + '_ {
    std::iter::from_fn(move || {
        let (mut v, mut shift) = (0u32, 0);
        while let Some((&x, rest)) = b.split_first() {
            b = rest;
            v |= ((x & 0x7f) as u32) << shift;
            if x < 0x80 {
                return Some(v);
            }
            shift += 7;
        }
        None
    })
}

/// Hashes the parts of an encoding (see [`lbos_vm::codec::encode_parts`]) with the store's
/// hasher, so that workers can do it in parallel before the store interns them.
pub(crate) fn hash_parts(
    hasher: &DefaultHashBuilder,
    bytes: &[u8],
    parts: &[(u32, u32)],
    out: &mut Vec<u64>,
) {
    out.extend(
        parts
            .iter()
            .map(|&(a, b)| hasher.hash_one(&bytes[a as usize..b as usize])),
    );
}

pub(crate) const ROOT: u32 = u32::MAX;

/// The visited set with a parent link per state (for counterexamples). States are numbered in
/// order of insertion.
pub(crate) struct Store {
    shared: Interner,
    threads: Interner,
    /// Each state as the varint numbers of its shared part and its threads' parts.
    states: Interner,
    parent: Vec<u32>,
    hasher: DefaultHashBuilder,
    tuple: Vec<u8>,
    /// The part numbers of a parent state (scratch for [`Store::insert_reusing`]).
    parent_parts: Vec<u32>,
}

impl Store {
    pub(crate) fn new() -> Self {
        Store {
            shared: Interner::new(),
            threads: Interner::new(),
            states: Interner::new(),
            parent: Vec::new(),
            hasher: DefaultHashBuilder::default(),
            tuple: Vec::new(),
            parent_parts: Vec::new(),
        }
    }

    pub(crate) fn hasher(&self) -> &DefaultHashBuilder {
        &self.hasher
    }

    pub(crate) fn len(&self) -> usize {
        self.states.len()
    }

    /// Inserts a state given as its encoding's parts (byte ranges into `bytes`, with their
    /// hashes from [`hash_parts`]) unless it is known; returns its number if it is new. `None`
    /// also when the store cannot number more states (u32), which [`Store::full`] reports.
    pub(crate) fn insert(
        &mut self,
        bytes: &[u8],
        parts: &[(u32, u32)],
        hashes: &[u64],
        parent: u32,
    ) -> Option<u32> {
        let (idx, new) = self.insert_or_get(bytes, parts, hashes, parent);
        new.then_some(idx)
    }

    /// Like [`Store::insert`], but also gives the number of a known state: `(number, new)`.
    /// The liveness search keeps every edge, so it needs the target of edges to known states.
    pub(crate) fn insert_or_get(
        &mut self,
        bytes: &[u8],
        parts: &[(u32, u32)],
        hashes: &[u64],
        parent: u32,
    ) -> (u32, bool) {
        let part = |&(a, b): &(u32, u32)| &bytes[a as usize..b as usize];
        self.tuple.clear();
        let (shared, _) = self.shared.intern(hashes[0], part(&parts[0]), &self.hasher);
        put_varint(&mut self.tuple, shared);
        for (p, &h) in parts.iter().zip(hashes).skip(1) {
            let (t, _) = self.threads.intern(h, part(p), &self.hasher);
            put_varint(&mut self.tuple, t);
        }
        let hash = self.hasher.hash_one(&self.tuple[..]);
        let (idx, new) = self.states.intern(hash, &self.tuple, &self.hasher);
        if new {
            self.parent.push(parent);
        }
        (idx, new)
    }

    /// Like [`Store::insert`], for a state whose part `r` is the same as part `r` of state
    /// `parent` for every bit `r` set in `same` (parts 0..64): those are not looked up again.
    pub(crate) fn insert_reusing(
        &mut self,
        bytes: &[u8],
        parts: &[(u32, u32)],
        hashes: &[u64],
        parent: u32,
        same: u64,
    ) -> Option<u32> {
        if same == 0 {
            return self.insert(bytes, parts, hashes, parent);
        }
        let part = |&(a, b): &(u32, u32)| &bytes[a as usize..b as usize];
        self.parent_parts.clear();
        self.parent_parts.extend(varints(self.states.get(parent)));
        self.tuple.clear();
        for (r, (p, &h)) in parts.iter().zip(hashes).enumerate() {
            let number = if r < 64 && same & (1 << r) != 0 {
                self.parent_parts[r]
            } else if r == 0 {
                self.shared.intern(h, part(p), &self.hasher).0
            } else {
                self.threads.intern(h, part(p), &self.hasher).0
            };
            put_varint(&mut self.tuple, number);
        }
        let hash = self.hasher.hash_one(&self.tuple[..]);
        let (idx, new) = self.states.intern(hash, &self.tuple, &self.hasher);
        if new {
            self.parent.push(parent);
        }
        new.then_some(idx)
    }

    /// Whether the store holds as many states as it can number.
    pub(crate) fn full(&self) -> bool {
        self.len() >= (ROOT - 1) as usize
    }

    /// Appends state `i`'s encoding (as [`lbos_vm::codec::encode`] writes it) to `out`.
    pub(crate) fn encoding(&self, i: u32, out: &mut Vec<u8>) {
        let mut numbers = varints(self.states.get(i));
        let shared = numbers.next().expect("a stored state has a shared part");
        let threads: Vec<&[u8]> = numbers.map(|t| self.threads.get(t)).collect();
        lbos_vm::codec::join_parts(self.shared.get(shared), threads.into_iter(), out);
    }

    /// Memory the store holds, in bytes.
    pub(crate) fn heap_bytes(&self) -> u64 {
        (self.shared.heap_bytes()
            + self.threads.heap_bytes()
            + self.states.heap_bytes()
            + self.parent.capacity() * 4) as u64
    }

    /// Bytes of memory the store holds per state: parts, numbers, links and hash tables.
    pub(crate) fn bytes_per_state(&self) -> u64 {
        self.heap_bytes()
            .checked_div(self.len() as u64)
            .unwrap_or(0)
    }

    /// The states from the initial one to `i`.
    pub(crate) fn path(&self, mut i: u32) -> Vec<u32> {
        let mut p = vec![i];
        while self.parent[i as usize] != ROOT {
            i = self.parent[i as usize];
            p.push(i);
        }
        p.reverse();
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn insert(store: &mut Store, enc: &[u8], parts: &[(u32, u32)]) -> Option<u32> {
        let mut hashes = Vec::new();
        hash_parts(store.hasher(), enc, parts, &mut hashes);
        store.insert(enc, parts, &hashes, ROOT)
    }

    #[test]
    fn states_share_parts_and_come_back_whole() {
        let mut store = Store::new();
        // "SS" + count + two threads; the second state changes one thread only.
        let a = b"SS\x02AAABB";
        let b = b"SS\x02AAACC";
        let parts = [(0, 2), (3, 6), (6, 8)];
        assert_eq!(insert(&mut store, a, &parts), Some(0));
        assert_eq!(insert(&mut store, b, &parts), Some(1));
        assert_eq!(insert(&mut store, a, &parts), None, "a known state");
        assert_eq!(store.len(), 2);
        assert_eq!(store.shared.len(), 1, "one shared part for both");
        assert_eq!(store.threads.len(), 3, "AAA, BB, CC");
        let mut out = Vec::new();
        store.encoding(1, &mut out);
        assert_eq!(out, b);
        // The same parts in another order are another state.
        let c = b"SS\x02BBAAA";
        assert_eq!(insert(&mut store, c, &[(0, 2), (3, 5), (5, 8)]), Some(2));
    }

    #[test]
    fn numbers_past_one_byte_round_trip() {
        let mut out = Vec::new();
        for v in [0, 127, 128, 300, 1 << 20, u32::MAX - 1] {
            put_varint(&mut out, v);
        }
        let back: Vec<u32> = varints(&out).collect();
        assert_eq!(back, [0, 127, 128, 300, 1 << 20, u32::MAX - 1]);
    }
}
