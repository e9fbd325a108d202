//! §4.1 Producer–consumer, with an unbounded and a bounded buffer.
//!
//! Guarantees: buffer operations are mutually exclusive; a consumer never
//! takes from an empty buffer (it waits for an item); with [`BoundedBuffer`] a
//! producer never adds to a full buffer (it waits for a space). Items come out
//! in the order they went in. Producing (`waitForEvent`) and consuming
//! (`event.process()`) happen outside the buffer's mutex: the caller does them
//! before `put` and after `get`.

use crate::board::Board;
use std::collections::VecDeque;

crate::flavours! {
    use {Semaphore};

    /// Unbounded buffer: `mutex` + `items`.
    pub struct Buffer<T> {
        items: Semaphore,
        mutex: Semaphore,
        buf: Board<VecDeque<T>>,
    }

    impl<T> std::fmt::Debug for Buffer<T> {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("Buffer")
                .field("items", &self.items)
                .finish()
        }
    }

    impl<T> Default for Buffer<T> {
        fn default() -> Self {
            Self::new()
        }
    }

    impl<T> Buffer<T> {
        /// An empty buffer.
        pub fn new() -> Self {
            Buffer {
                items: Semaphore::new(0),
                mutex: Semaphore::new(1),
                buf: Board::new(VecDeque::new()),
            }
        }

        /// Adds an event; never blocks except on the mutex. Signals `items`
        /// after releasing the mutex (the book's improved producer).
        pub async fn put(&self, event: T) {
            self.mutex.wait().await;
            self.buf.with(|b| b.push_back(event));
            self.mutex.signal();
            self.items.signal();
        }

        /// Takes the oldest event, waiting while the buffer is empty.
        pub async fn get(&self) -> T {
            self.items.wait().await;
            self.mutex.wait().await;
            let e = self.buf.with(|b| b.pop_front());
            self.mutex.signal();
            e.expect("items counted an event that is not in the buffer")
        }
    }

    /// Finite buffer: `mutex` + `items` + `spaces`.
    pub struct BoundedBuffer<T> {
        items: Semaphore,
        spaces: Semaphore,
        mutex: Semaphore,
        capacity: usize,
        buf: Board<VecDeque<T>>,
    }

    impl<T> std::fmt::Debug for BoundedBuffer<T> {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("BoundedBuffer")
                .field("capacity", &self.capacity)
                .field("items", &self.items)
                .finish()
        }
    }

    impl<T> BoundedBuffer<T> {
        /// An empty buffer holding at most `capacity` events.
        pub fn new(capacity: usize) -> Self {
            BoundedBuffer {
                items: Semaphore::new(0),
                spaces: Semaphore::new(capacity),
                mutex: Semaphore::new(1),
                capacity,
                buf: Board::new(VecDeque::with_capacity(capacity)),
            }
        }

        /// A buffer of `capacity` already holding `initial` (at most `capacity`)
        /// events, e.g. the coke machine that starts with 5 of 10.
        pub fn with_items(capacity: usize, initial: impl IntoIterator<Item = T>) -> Self {
            let buf: VecDeque<T> = initial.into_iter().collect();
            assert!(buf.len() <= capacity, "more initial items than capacity");
            BoundedBuffer {
                items: Semaphore::new(buf.len()),
                spaces: Semaphore::new(capacity - buf.len()),
                mutex: Semaphore::new(1),
                capacity,
                buf: Board::new(buf),
            }
        }

        /// The capacity.
        pub fn capacity(&self) -> usize {
            self.capacity
        }

        /// Adds an event, waiting while the buffer is full.
        pub async fn put(&self, event: T) {
            self.spaces.wait().await;
            self.mutex.wait().await;
            self.buf.with(|b| {
                debug_assert!(b.len() < self.capacity);
                b.push_back(event)
            });
            self.mutex.signal();
            self.items.signal();
        }

        /// Takes the oldest event, waiting while the buffer is empty.
        pub async fn get(&self) -> T {
            self.items.wait().await;
            self.mutex.wait().await;
            let e = self.buf.with(|b| b.pop_front());
            self.mutex.signal();
            self.spaces.signal();
            e.expect("items counted an event that is not in the buffer")
        }
    }
}
