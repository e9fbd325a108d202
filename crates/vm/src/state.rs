//! States are plain data: comparable, hashable, cheap to clone and serializable.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// A value. Objects (lists, semaphores, lightswitches, barriers) live in the heap and are
/// referred to by index, so they have identity as in Python.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Value {
    /// A variable that has not been assigned yet.
    Unset,
    None,
    Bool(bool),
    Int(i64),
    /// An interned string (program constants and thread names).
    Str(u32),
    Ref(u32),
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Object {
    List(Vec<Value>),
    /// Downey's semaphore: the value may go negative; `queue` holds the waiting threads. A weak
    /// semaphore keeps its queue sorted by thread (its order means nothing); a FIFO one keeps
    /// arrival order.
    Semaphore {
        value: i64,
        fifo: bool,
        queue: Vec<u32>,
    },
    /// The book's Lightswitch: a counter guarded by its own mutex (a semaphore in the heap).
    Lightswitch {
        counter: i64,
        mutex: u32,
    },
    /// A reusable barrier: the n-th arrival releases the n-1 waiting threads.
    Barrier {
        n: i64,
        count: i64,
        queue: Vec<u32>,
    },
}

impl Object {
    pub fn kind(&self) -> &'static str {
        match self {
            Object::List(_) => "list",
            Object::Semaphore { fifo: false, .. } => "Semaphore",
            Object::Semaphore { fifo: true, .. } => "FifoSemaphore",
            Object::Lightswitch { .. } => "Lightswitch",
            Object::Barrier { .. } => "Barrier",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Status {
    Runnable,
    /// Waiting in the queue of this object (a semaphore or a barrier).
    Blocked(u32),
    Done,
}

/// Marks a frame that runs a thread's column (not a procedure).
pub const NO_PROC: u32 = u32::MAX;

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Frame {
    pub proc: u32,
    pub pc: u32,
    /// Sub-step of a row that runs in several steps (a Lightswitch call); 0 otherwise.
    pub sub: u8,
    /// The lightswitch and the semaphore of a lightswitch call in progress.
    pub held: [Value; 2],
    pub locals: Vec<Value>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Thread {
    pub column: u32,
    /// 0-based instance number within the column (`self.index`).
    pub index: u32,
    pub status: Status,
    /// Call stack; empty once the thread is done.
    pub frames: Vec<Frame>,
    /// `self.x` attributes, by slot.
    pub attrs: Vec<Value>,
}

impl Thread {
    /// A done thread with no data: what stands in the thread vector while a thread steps
    /// (and for the initialization block and invariants, which run outside any thread).
    pub fn placeholder() -> Thread {
        Thread {
            column: u32::MAX,
            index: 0,
            status: Status::Done,
            frames: Vec::new(),
            attrs: Vec::new(),
        }
    }

    pub fn pc(&self) -> Option<u32> {
        self.frames.last().map(|f| f.pc)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct State {
    pub globals: Vec<Value>,
    /// Objects and threads are shared between a state and its successors until one of them
    /// changes it (copy on write: `Arc::make_mut`), so a step copies only what it touches.
    pub heap: Vec<Arc<Object>>,
    pub threads: Vec<Arc<Thread>>,
}

impl State {
    /// Object `r`, if it exists.
    pub fn object(&self, r: usize) -> Option<&Object> {
        self.heap.get(r).map(|o| &**o)
    }

    /// Object `r`, to change it (copied first if another state shares it).
    pub fn object_mut(&mut self, r: usize) -> &mut Object {
        Arc::make_mut(&mut self.heap[r])
    }

    /// Thread `t`, to change it (copied first if another state shares it).
    pub fn thread_mut(&mut self, t: usize) -> &mut Thread {
        Arc::make_mut(&mut self.threads[t])
    }

    pub fn runnable(&self) -> impl Iterator<Item = usize> + '_ {
        self.threads
            .iter()
            .enumerate()
            .filter(|(_, t)| t.status == Status::Runnable)
            .map(|(i, _)| i)
    }

    pub fn all_done(&self) -> bool {
        self.threads.iter().all(|t| t.status == Status::Done)
    }
}
