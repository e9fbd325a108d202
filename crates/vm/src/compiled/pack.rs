//! Packed states: the flat state as a fixed-size byte string, `W` bytes per slot, for a search
//! that stores states in one arena with a fixed stride (SPIN's state vector).
//!
//! Every slot that can change holds a code of its value (see [`Codes`]); slots that never
//! change are left out (references the globals and lists always hold, the bottom frame's
//! procedure and locals, and without lightswitches a frame's lightswitch sub-step and held
//! objects), a weak semaphore's or a barrier's queue
//! (a sorted set of threads) is one bitmask, and slots that the encoding of [`crate::codec`]
//! does not write (frames above the call depth, locals beyond the frame's procedure's, queue
//! entries beyond a FIFO semaphore's queue) hold 0. So two packed states are equal exactly
//! when their canonical encodings are. A value without a code in `W` bytes (a large integer)
//! makes packing fail: the caller packs wider, or gives up.
//!
//! A successor is packed from its parent's bytes and the step's undo log: only the slots the
//! step wrote are coded again (and, where a write changes which slots are live, the thread's
//! frames or the semaphore's queue).

use lbos_lang::program::END;

use super::{Compiled, Flat, NO_PROC, Value, int};

/// The code of a value: 0 unset, 1 None, 2 and 3 the booleans, then one code per object
/// reference, then one per string (program strings and thread names), then the integers,
/// zigzag (0, -1, 1, -2, ...).
#[derive(Clone, Copy, Debug)]
pub(super) struct Codes {
    refs: u32,
    strs: u32,
}

impl Codes {
    pub(super) fn new(refs: u32, strs: u32) -> Codes {
        Codes { refs, strs }
    }

    #[inline]
    fn int_base(self) -> u64 {
        4 + u64::from(self.refs) + u64::from(self.strs)
    }

    /// The code of `v`, or None if it has none below `limit`.
    #[inline]
    fn code(self, v: Value, limit: u64) -> Option<u64> {
        let c = match v {
            Value::Unset => 0,
            Value::None => 1,
            Value::Bool(b) => 2 + u64::from(b),
            Value::Ref(r) if r < self.refs => 4 + u64::from(r),
            Value::Str(s) if s < self.strs => 4 + u64::from(self.refs) + u64::from(s),
            Value::Int(i) => {
                let z = ((i << 1) ^ (i >> 63)) as u64;
                self.int_base().checked_add(z)?
            }
            Value::Ref(_) | Value::Str(_) => return None,
        };
        (c < limit).then_some(c)
    }

    #[inline]
    pub(super) fn value(self, c: u64) -> Value {
        match c {
            0 => Value::Unset,
            1 => Value::None,
            2 => Value::Bool(false),
            3 => Value::Bool(true),
            c if c < 4 + u64::from(self.refs) => Value::Ref((c - 4) as u32),
            c if c < self.int_base() => Value::Str((c - 4 - u64::from(self.refs)) as u32),
            c => {
                let z = c - self.int_base();
                Value::Int(((z >> 1) as i64) ^ -((z & 1) as i64))
            }
        }
    }
}

/// What a slot is, for packing a successor from its parent: which other slots become live or
/// dead when it changes.
#[derive(Clone, Copy, Debug)]
pub(super) enum Role {
    /// Always live, changes nothing else.
    Plain,
    /// Never changes: not packed.
    Constant,
    /// The queue length of the FIFO semaphore whose value is at `base`.
    SemLen { base: u32 },
    /// Entry `k` of the queue of the FIFO semaphore whose value is at `base`.
    SemEntry { base: u32, k: u32 },
    /// The queue length or an entry of the weak semaphore (or barrier) whose value is at
    /// `base`: its queue is packed as one bitmask of threads.
    WeakQueue { base: u32 },
    /// Thread `t`'s frame count.
    Frames { t: u32 },
    /// Slot `off` of frame `k` of thread `t` (0 is the procedure: it decides the locals).
    Frame { t: u32, k: u32, off: u32 },
}

/// The packed layout: where each slot goes.
#[derive(Debug, Default)]
pub(super) struct Layout {
    pub(super) roles: Vec<Role>,
    /// The packed field of each slot (a weak semaphore's queue slots: its mask's first field),
    /// with [`PC_FIELD`] set for a frame's procedure or pc; `u32::MAX` for a constant slot.
    pos: Vec<u32>,
    /// Packed fields in order: the slot each decodes into, or a mask.
    fields: Vec<Field>,
    /// Fields of a weak semaphore's mask.
    mask_fields: u32,
    /// Fields per packed state.
    len: u32,
}

#[derive(Clone, Copy, Debug)]
enum Field {
    Value(u32),
    /// A frame's procedure or pc (true): NO_PROC and END (u32::MAX) are 0, the rest + 1.
    Pc(u32, bool),
    /// The queue of the weak semaphore at `base`, as a bitmask over `mask_fields` fields of
    /// 8 bits each.
    Mask(u32),
    /// A further field of a mask.
    MaskMore,
}

/// Marks a position in [`Layout::pos`] whose field is coded as a frame's procedure or pc
/// (one lookup tells `slot` both).
const PC_FIELD: u32 = 1 << 31;

#[inline]
fn put<const W: usize>(out: &mut [u8], pos: u32, c: u64) {
    let at = pos as usize * W;
    match W {
        1 => out[at] = c as u8,
        2 => out[at..at + 2].copy_from_slice(&(c as u16).to_le_bytes()),
        _ => out[at..at + 4].copy_from_slice(&(c as u32).to_le_bytes()),
    }
}

#[inline]
fn get<const W: usize>(bytes: &[u8], pos: u32) -> u64 {
    let at = pos as usize * W;
    match W {
        1 => u64::from(bytes[at]),
        2 => u64::from(u16::from_le_bytes([bytes[at], bytes[at + 1]])),
        _ => u64::from(u32::from_le_bytes([
            bytes[at],
            bytes[at + 1],
            bytes[at + 2],
            bytes[at + 3],
        ])),
    }
}

const fn limit<const W: usize>() -> u64 {
    1u64 << (8 * W)
}

impl Compiled {
    /// Bytes of a packed state with `W` bytes per field.
    pub fn packed_len<const W: usize>(&self) -> usize {
        self.layout.len as usize * W
    }

    /// Writes slot `i`'s code. False if it has none in `W` bytes.
    #[inline]
    fn slot<const W: usize>(&self, flat: &Flat, out: &mut [u8], i: u32) -> bool {
        let pos = self.layout.pos[i as usize];
        if pos == u32::MAX {
            return true;
        }
        let v = flat.words[i as usize];
        let code = if pos & PC_FIELD != 0 {
            match v {
                Value::Int(x) if (0..=i64::from(u32::MAX)).contains(&x) => {
                    Some(u64::from((x as u32).wrapping_add(1))).filter(|&c| c < limit::<W>())
                }
                _ => None,
            }
        } else {
            self.codes.code(v, limit::<W>())
        };
        let pos = pos & !PC_FIELD;
        match code {
            Some(c) => {
                put::<W>(out, pos, c);
                true
            }
            None => false,
        }
    }

    /// Writes 0 for slot `i` (dead).
    #[inline]
    fn clear<const W: usize>(&self, out: &mut [u8], i: u32) {
        let pos = self.layout.pos[i as usize];
        if pos != u32::MAX {
            put::<W>(out, pos & !PC_FIELD, 0);
        }
    }

    /// Packs the queue of the semaphore at `base`: a FIFO one entry by entry (live entries
    /// coded, the rest 0), a weak one as a bitmask.
    fn pack_queue<const W: usize>(&self, flat: &Flat, out: &mut [u8], base: u32) -> bool {
        let n = int(flat.words[base as usize + 1]).clamp(0, i64::from(self.threads)) as u32;
        if let Role::WeakQueue { .. } = self.layout.roles[base as usize + 1] {
            let mut mask = 0u64;
            for k in 0..n {
                mask |= 1 << (int(flat.words[(base + 2 + k) as usize]) as u64 & 63);
            }
            let pos = self.layout.pos[base as usize + 1];
            for j in 0..self.layout.mask_fields {
                let bits = (mask >> (8 * j)) & 0xff;
                put::<W>(out, pos + j, bits);
            }
            return true;
        }
        if !self.slot::<W>(flat, out, base + 1) {
            return false;
        }
        for k in 0..self.threads {
            let i = base + 2 + k;
            if k < n {
                if !self.slot::<W>(flat, out, i) {
                    return false;
                }
            } else {
                self.clear::<W>(out, i);
            }
        }
        true
    }

    /// Packs frame `k` of thread `t` (0 if it is above the thread's call depth).
    fn pack_frame<const W: usize>(&self, flat: &Flat, out: &mut [u8], t: u32, k: u32) -> bool {
        let frames = int(flat.words[self.thread_base(t) as usize + 1]) as u32;
        let f = self.frame_base(t, k);
        let len = super::FRAME_HEADER + self.max_locals;
        if k >= frames {
            (f..f + len).for_each(|i| self.clear::<W>(out, i));
            return true;
        }
        let proc = int(flat.words[f as usize]) as u32;
        let live = super::FRAME_HEADER
            + if proc == NO_PROC || (proc as usize) < self.program.procs.len() {
                self.locals_of(proc)
            } else {
                0
            };
        for i in f..f + live {
            if !self.slot::<W>(flat, out, i) {
                return false;
            }
        }
        (f + live..f + len).for_each(|i| self.clear::<W>(out, i));
        true
    }

    fn pack_thread<const W: usize>(&self, flat: &Flat, out: &mut [u8], t: u32) -> bool {
        self.slot::<W>(flat, out, self.thread_base(t) + 1)
            && (0..self.max_frames).all(|k| self.pack_frame::<W>(flat, out, t, k))
    }

    /// Packs the whole flat state into `out` (of [`Compiled::packed_len`] bytes). False if a
    /// value has no code in `W` bytes.
    pub fn pack<const W: usize>(&self, flat: &Flat, out: &mut [u8]) -> bool {
        for (i, role) in self.layout.roles.iter().enumerate() {
            let i = i as u32;
            let ok = match *role {
                Role::Constant | Role::SemEntry { .. } | Role::Frame { .. } => true,
                Role::WeakQueue { base } => i != base + 1 || self.pack_queue::<W>(flat, out, base),
                Role::SemLen { base } => self.pack_queue::<W>(flat, out, base),
                Role::Frames { t } => self.pack_thread::<W>(flat, out, t),
                Role::Plain => self.slot::<W>(flat, out, i),
            };
            if !ok {
                return false;
            }
        }
        true
    }

    /// Packs the successor the flat state holds, whose parent is packed as `parent`: `out`
    /// becomes `parent` with the slots the step wrote coded again.
    pub fn pack_successor<const W: usize>(
        &self,
        flat: &Flat,
        parent: &[u8],
        out: &mut [u8],
    ) -> bool {
        out.copy_from_slice(parent);
        // The queue packed last: a wait or signal writes several of its slots, and packing it
        // once (from the successor's slots) covers them all.
        let mut queue = u32::MAX;
        for &(i, old) in &flat.undo {
            let ok = match self.layout.roles[i as usize] {
                Role::Plain => self.slot::<W>(flat, out, i),
                Role::Constant => true,
                Role::SemLen { base } | Role::WeakQueue { base } => {
                    base == queue || {
                        queue = base;
                        self.pack_queue::<W>(flat, out, base)
                    }
                }
                Role::SemEntry { base, k } => {
                    if i64::from(k) < int(flat.words[base as usize + 1]) {
                        self.slot::<W>(flat, out, i)
                    } else {
                        self.clear::<W>(out, i);
                        true
                    }
                }
                Role::Frames { t } => {
                    // Only the frames between the old and the new count change liveness;
                    // the slots written in the others have entries of their own.
                    let new = int(flat.words[i as usize]).clamp(0, i64::from(self.max_frames));
                    let old = int(old).clamp(0, i64::from(self.max_frames));
                    self.slot::<W>(flat, out, i)
                        && (new.min(old)..new.max(old))
                            .all(|k| self.pack_frame::<W>(flat, out, t, k as u32))
                }
                Role::Frame { t, k, off } => {
                    if off == 0 {
                        self.pack_frame::<W>(flat, out, t, k)
                    } else {
                        let frames = int(flat.words[self.thread_base(t) as usize + 1]) as u32;
                        let f = self.frame_base(t, k) as usize;
                        let proc = int(flat.words[f]) as u32;
                        let live = k < frames
                            && (off < super::FRAME_HEADER
                                || ((proc == NO_PROC
                                    || (proc as usize) < self.program.procs.len())
                                    && off - super::FRAME_HEADER < self.locals_of(proc)));
                        if live {
                            self.slot::<W>(flat, out, i)
                        } else {
                            self.clear::<W>(out, i);
                            true
                        }
                    }
                }
            };
            if !ok {
                return false;
            }
        }
        true
    }

    /// Loads a packed state into the flat state (the inverse of [`Compiled::pack`]). The flat
    /// state must hold a state of this program already (from [`Compiled::load`] or an earlier
    /// unpack): the constant slots are not written.
    pub fn unpack<const W: usize>(&self, bytes: &[u8], flat: &mut Flat) {
        for pos in 0..self.layout.len {
            let _ = self.unpack_field::<W>(bytes, pos, flat);
        }
    }

    /// [`Compiled::unpack`] of `bytes` into a flat state that holds the packed state `prev`
    /// (unpacked last, and restored since): only the fields that differ are decoded. Calls
    /// `pc` with every pc of a frame that differs (frames whose pc is unchanged stood on
    /// the same instruction in `prev`).
    pub fn unpack_from<const W: usize>(
        &self,
        bytes: &[u8],
        prev: &[u8],
        flat: &mut Flat,
        mut pc: impl FnMut(u32),
    ) {
        let n = bytes.len().min(prev.len());
        let mut at = 0;
        // Eight bytes at a time; in a chunk that differs, straight to each differing byte.
        while at + 8 <= n {
            let word = |b: &[u8]| u64::from_le_bytes(b[at..at + 8].try_into().unwrap_or([0; 8]));
            let mut d = word(bytes) ^ word(prev);
            while d != 0 {
                let k = (d.trailing_zeros() / 8) as usize;
                d &= !(0xff << (8 * k));
                self.unpack_changed::<W>(bytes, at + k, flat, &mut pc);
            }
            at += 8;
        }
        for k in at..n {
            if bytes[k] != prev[k] {
                self.unpack_changed::<W>(bytes, k, flat, &mut pc);
            }
        }
    }

    /// Decodes the field of byte `at`, which differs from the previous state's.
    #[inline]
    fn unpack_changed<const W: usize>(
        &self,
        bytes: &[u8],
        at: usize,
        flat: &mut Flat,
        pc: &mut impl FnMut(u32),
    ) {
        if let Some(p) = self.unpack_field::<W>(bytes, (at / W) as u32, flat) {
            pc(p);
        }
    }

    /// Decodes field `pos`; the pc it holds if it is a frame's pc (and not END).
    #[inline]
    fn unpack_field<const W: usize>(&self, bytes: &[u8], pos: u32, flat: &mut Flat) -> Option<u32> {
        let codes = self.codes;
        let w = &mut flat.words;
        {
            let field = &self.layout.fields[pos as usize];
            match *field {
                Field::Value(i) => {
                    w[i as usize] = if W == 1 {
                        self.decode1[bytes[pos as usize] as usize]
                    } else {
                        codes.value(get::<W>(bytes, pos))
                    }
                }
                Field::Pc(i, is_pc) => {
                    let c = (get::<W>(bytes, pos) as u32).wrapping_sub(1);
                    w[i as usize] = Value::Int(i64::from(c));
                    if is_pc && c != END {
                        return Some(c);
                    }
                }
                Field::Mask(base) => {
                    let mut mask = 0u64;
                    for j in 0..self.layout.mask_fields {
                        mask |= (get::<W>(bytes, pos + j) & 0xff) << (8 * j);
                    }
                    let mut n = 0;
                    while mask != 0 {
                        let t = mask.trailing_zeros();
                        mask &= mask - 1;
                        w[(base + 2 + n) as usize] = Value::Int(i64::from(t));
                        n += 1;
                    }
                    w[base as usize + 1] = Value::Int(i64::from(n));
                }
                Field::MaskMore => {
                    // The mask starts at the nearest Mask field before.
                    let mut p = pos;
                    while p > 0 && matches!(self.layout.fields[p as usize], Field::MaskMore) {
                        p -= 1;
                    }
                    if p != pos {
                        self.unpack_field::<W>(bytes, p, flat);
                    }
                }
            }
        }
        None
    }
}

/// The packed layout of `c`.
pub(super) fn layout(c: &Compiled) -> Layout {
    let n = c.thread_base(c.threads) as usize;
    let mut roles = vec![Role::Plain; n];
    for (i, f) in c.fixed.iter().enumerate() {
        if f.is_some() {
            roles[i] = Role::Constant;
        }
    }
    let mask_fields = c.threads.div_ceil(8).max(1);
    for o in &c.objects {
        // A barrier's queue is a sorted set, as a weak semaphore's.
        let queue = match *o {
            super::Obj::Sem { base, fifo } => Some((base, fifo)),
            super::Obj::Barrier { base, .. } => Some((base, false)),
            _ => None,
        };
        if let Some((base, fifo)) = queue {
            for k in 0..=c.threads {
                roles[(base + 1 + k) as usize] = if !fifo && c.threads <= 64 {
                    Role::WeakQueue { base }
                } else if k == 0 {
                    Role::SemLen { base }
                } else {
                    Role::SemEntry { base, k: k - 1 }
                };
            }
        }
    }
    let lightswitches = c
        .objects
        .iter()
        .any(|o| matches!(o, super::Obj::Lightswitch { .. }));
    for t in 0..c.threads {
        roles[c.thread_base(t) as usize + 1] = Role::Frames { t };
        for k in 0..c.max_frames {
            let f = c.frame_base(t, k);
            for off in 0..super::FRAME_HEADER + c.max_locals {
                // The bottom frame is the column's: its procedure never changes, and it has
                // no locals.
                let column = k == 0 && (off == 0 || off >= super::FRAME_HEADER);
                roles[(f + off) as usize] = if column || (2..5).contains(&off) && !lightswitches {
                    Role::Constant
                } else {
                    Role::Frame { t, k, off }
                };
            }
        }
    }
    let mut pos = vec![u32::MAX; n];
    let mut fields = Vec::new();
    for i in 0..n {
        match roles[i] {
            Role::Constant => {}
            Role::WeakQueue { base } => {
                if i as u32 == base + 1 {
                    pos[i] = fields.len() as u32;
                    fields.push(Field::Mask(base));
                    for _ in 1..mask_fields {
                        fields.push(Field::MaskMore);
                    }
                } else {
                    pos[i] = pos[base as usize + 1];
                }
            }
            Role::Frame {
                off: off @ (0 | 1), ..
            } => {
                pos[i] = fields.len() as u32 | PC_FIELD;
                fields.push(Field::Pc(i as u32, off == 1));
            }
            _ => {
                pos[i] = fields.len() as u32;
                fields.push(Field::Value(i as u32));
            }
        }
    }
    Layout {
        roles,
        pos,
        len: fields.len() as u32,
        fields,
        mask_fields,
    }
}
