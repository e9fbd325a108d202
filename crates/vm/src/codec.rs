//! A compact byte encoding of states, for the checker's visited set: equal states have equal
//! encodings (so hashing and comparing bytes is hashing and comparing states), and
//! `decode(encode(s)) == s`. Integers are varints, so a typical state takes tens of bytes.

use std::sync::Arc;

use crate::state::{Frame, NO_PROC, Object, State, Status, Thread, Value};
use lbos_lang::program::END;

#[inline]
pub(crate) fn put(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

#[inline]
pub(crate) fn put_i(out: &mut Vec<u8>, v: i64) {
    put(out, ((v << 1) ^ (v >> 63)) as u64);
}

#[inline]
pub(crate) fn put_value(out: &mut Vec<u8>, v: Value) {
    match v {
        Value::Unset => out.push(0),
        Value::None => out.push(1),
        Value::Bool(false) => out.push(2),
        Value::Bool(true) => out.push(3),
        Value::Int(i) => {
            out.push(4);
            put_i(out, i);
        }
        Value::Str(s) => {
            out.push(5);
            put(out, s as u64);
        }
        Value::Ref(r) => {
            out.push(6);
            put(out, r as u64);
        }
    }
}

fn put_values(out: &mut Vec<u8>, vs: &[Value]) {
    put(out, vs.len() as u64);
    for v in vs {
        put_value(out, *v);
    }
}

fn put_ids(out: &mut Vec<u8>, ids: &[u32]) {
    put(out, ids.len() as u64);
    for i in ids {
        put(out, *i as u64);
    }
}

/// Appends the encoding of `s` to `out`.
pub fn encode(s: &State, out: &mut Vec<u8>) {
    encode_shared(s, out);
    put(out, s.threads.len() as u64);
    for t in &s.threads {
        encode_thread(t, out);
    }
}

/// Like [`encode`], and records the byte ranges (relative to where the encoding starts in
/// `out`) of its parts: first the shared part (globals and heap), then each thread. The
/// checker stores each part once and a state as the list of its parts' numbers.
pub fn encode_parts(s: &State, out: &mut Vec<u8>, parts: &mut Vec<(u32, u32)>) {
    encode_parts_reusing(s, out, parts, |_| None);
}

/// Like [`encode_parts`], but a thread for which `known` gives its encoding (the caller has
/// encoded that same `Arc` before) is copied rather than encoded again.
pub fn encode_parts_reusing<'k>(
    s: &State,
    out: &mut Vec<u8>,
    parts: &mut Vec<(u32, u32)>,
    mut known: impl FnMut(&Arc<Thread>) -> Option<&'k [u8]>,
) {
    let base = out.len();
    encode_shared(s, out);
    parts.push((0, (out.len() - base) as u32));
    put(out, s.threads.len() as u64);
    for t in &s.threads {
        let start = out.len() - base;
        match known(t) {
            Some(enc) => out.extend_from_slice(enc),
            None => encode_thread(t, out),
        }
        parts.push((start as u32, (out.len() - base) as u32));
    }
}

/// Rebuilds the output of [`encode`] from the parts [`encode_parts`] recorded.
pub fn join_parts<'a>(
    shared: &[u8],
    threads: impl ExactSizeIterator<Item = &'a [u8]>,
    out: &mut Vec<u8>,
) {
    out.extend_from_slice(shared);
    put(out, threads.len() as u64);
    for t in threads {
        out.extend_from_slice(t);
    }
}

fn encode_shared(s: &State, out: &mut Vec<u8>) {
    put_values(out, &s.globals);
    put(out, s.heap.len() as u64);
    for o in &s.heap {
        match &**o {
            Object::List(items) => {
                out.push(0);
                put_values(out, items);
            }
            Object::Semaphore { value, fifo, queue } => {
                out.push(if *fifo { 2 } else { 1 });
                put_i(out, *value);
                put_ids(out, queue);
            }
            Object::Lightswitch { counter, mutex } => {
                out.push(3);
                put_i(out, *counter);
                put(out, *mutex as u64);
            }
            Object::Barrier { n, count, queue } => {
                out.push(4);
                put_i(out, *n);
                put_i(out, *count);
                put_ids(out, queue);
            }
        }
    }
}

/// Appends the encoding of one thread.
pub fn encode_thread(t: &Thread, out: &mut Vec<u8>) {
    put(out, t.column as u64);
    put(out, t.index as u64);
    encode_thread_rest(t, u32::MAX, out);
}

/// Appends the encoding of one thread without its index: what tells identical threads of a
/// column apart (for symmetry reduction).
/// Objects numbered `private_from` or higher (reached only through threads, after
/// [`crate::heap::canonicalize_heap`]) are all written alike: their numbers depend on the
/// threads' order, which is what the key is used to choose.
pub fn encode_thread_key(t: &Thread, private_from: u32, out: &mut Vec<u8>) {
    put(out, t.column as u64);
    encode_thread_rest(t, private_from, out);
}

fn encode_thread_rest(t: &Thread, private_from: u32, out: &mut Vec<u8>) {
    let obj = |o: u32| o.min(private_from);
    let value = |v: Value| match v {
        Value::Ref(r) => Value::Ref(obj(r)),
        other => other,
    };
    match t.status {
        Status::Runnable => out.push(0),
        Status::Blocked(o) => {
            out.push(1);
            put(out, obj(o) as u64);
        }
        Status::Done => out.push(2),
    }
    put(out, t.frames.len() as u64);
    for f in &t.frames {
        put(
            out,
            if f.proc == NO_PROC {
                0
            } else {
                f.proc as u64 + 1
            },
        );
        put(out, if f.pc == END { 0 } else { f.pc as u64 + 1 });
        out.push(f.sub);
        put_value(out, value(f.held[0]));
        put_value(out, value(f.held[1]));
        put(out, f.locals.len() as u64);
        f.locals.iter().for_each(|&v| put_value(out, value(v)));
    }
    put(out, t.attrs.len() as u64);
    t.attrs.iter().for_each(|&v| put_value(out, value(v)));
}

struct Reader<'a> {
    b: &'a [u8],
    i: usize,
}

impl Reader<'_> {
    fn byte(&mut self) -> u8 {
        let v = self.b[self.i];
        self.i += 1;
        v
    }
    fn get(&mut self) -> u64 {
        let mut v = 0u64;
        let mut shift = 0;
        loop {
            let b = self.byte();
            v |= ((b & 0x7f) as u64) << shift;
            if b < 0x80 {
                return v;
            }
            shift += 7;
        }
    }
    fn get_i(&mut self) -> i64 {
        let u = self.get();
        ((u >> 1) as i64) ^ -((u & 1) as i64)
    }
    fn value(&mut self) -> Value {
        match self.byte() {
            0 => Value::Unset,
            1 => Value::None,
            2 => Value::Bool(false),
            3 => Value::Bool(true),
            4 => Value::Int(self.get_i()),
            5 => Value::Str(self.get() as u32),
            _ => Value::Ref(self.get() as u32),
        }
    }
    fn values(&mut self) -> Vec<Value> {
        let n = self.get() as usize;
        (0..n).map(|_| self.value()).collect()
    }
    fn ids(&mut self) -> Vec<u32> {
        let n = self.get() as usize;
        (0..n).map(|_| self.get() as u32).collect()
    }
}

/// Decodes a state written by [`encode`]. The input must come from `encode`.
pub fn decode(bytes: &[u8]) -> State {
    let mut r = Reader { b: bytes, i: 0 };
    let globals = r.values();
    let nheap = r.get() as usize;
    let mut heap = Vec::with_capacity(nheap);
    for _ in 0..nheap {
        heap.push(Arc::new(match r.byte() {
            0 => Object::List(r.values()),
            k @ (1 | 2) => Object::Semaphore {
                value: r.get_i(),
                fifo: k == 2,
                queue: r.ids(),
            },
            3 => Object::Lightswitch {
                counter: r.get_i(),
                mutex: r.get() as u32,
            },
            _ => Object::Barrier {
                n: r.get_i(),
                count: r.get_i(),
                queue: r.ids(),
            },
        }));
    }
    let nthreads = r.get() as usize;
    let mut threads = Vec::with_capacity(nthreads);
    for _ in 0..nthreads {
        let column = r.get() as u32;
        let index = r.get() as u32;
        let status = match r.byte() {
            0 => Status::Runnable,
            1 => Status::Blocked(r.get() as u32),
            _ => Status::Done,
        };
        let nframes = r.get() as usize;
        let mut frames = Vec::with_capacity(nframes);
        for _ in 0..nframes {
            let proc = match r.get() {
                0 => NO_PROC,
                p => (p - 1) as u32,
            };
            let pc = match r.get() {
                0 => END,
                p => (p - 1) as u32,
            };
            let sub = r.byte();
            let held = [r.value(), r.value()];
            let locals = r.values();
            frames.push(Frame {
                proc,
                pc,
                sub,
                held,
                locals,
            });
        }
        let attrs = r.values();
        threads.push(Arc::new(Thread {
            column,
            index,
            status,
            frames,
            attrs,
        }));
    }
    State {
        globals,
        heap,
        threads,
    }
}
