//! §4.2 Readers–writers, as a guard-returning lock with three policies.
//!
//! Every [`RwLock`] guarantees categorical mutual exclusion: any number of
//! readers together, or one writer alone (no other writer, no reader). They
//! differ in who may starve:
//!
//! * [`ReadersFirst`] (the book's first solution): the first reader in locks
//!   the room, the last out unlocks it. A steady stream of overlapping
//!   readers starves writers.
//! * [`NoStarve`] (§4.2.3): a writer arriving closes a turnstile, so readers
//!   already inside finish but no new reader enters before some writer has
//!   written: once the writer holds the turnstile, each reader enters at most
//!   once more before it. With the FIFO semaphores used here, nobody starves.
//! * [`WriterPriority`] (§4.2.5): once a writer arrives, no reader enters
//!   until every writer in the system has left. Readers may starve.
//!
//! `std::sync::RwLock` leaves the policy to the OS; this type makes it a
//! visible, documented choice.

use std::cell::UnsafeCell;
use std::fmt;
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};

crate::flavours! {
    use {FifoSemaphore, Lightswitch};

    /// The four operations of a readers–writers protocol.
    #[allow(async_fn_in_trait)]
    pub trait Protocol: Default + Send + Sync {
        /// Reader entry.
        async fn read_lock(&self);
        /// Reader exit (never waits, so a guard can run it on drop).
        fn read_unlock(&self);
        /// Writer entry. `arrived` runs at the point from which the
        /// policy's promise to a waiting writer counts (see
        /// [`RwLock::write_noting`]).
        async fn write_lock(&self, arrived: impl FnOnce());
        /// Writer exit (never waits).
        fn write_unlock(&self);
    }

    /// Readers' lightswitch on `roomEmpty`; writers may starve.
    #[derive(Debug)]
    pub struct ReadersFirst {
        room_empty: FifoSemaphore,
        read_switch: Lightswitch,
    }

    impl Default for ReadersFirst {
        fn default() -> Self {
            ReadersFirst {
                room_empty: FifoSemaphore::new(1),
                read_switch: Lightswitch::new(),
            }
        }
    }

    impl Protocol for ReadersFirst {
        async fn read_lock(&self) {
            self.read_switch.lock(&self.room_empty).await;
        }
        fn read_unlock(&self) {
            self.read_switch.unlock(&self.room_empty);
        }
        async fn write_lock(&self, arrived: impl FnOnce()) {
            arrived();
            self.room_empty.wait().await;
        }
        fn write_unlock(&self) {
            self.room_empty.signal();
        }
    }

    /// Adds a turnstile that a waiting writer holds shut; nobody starves.
    #[derive(Debug)]
    pub struct NoStarve {
        room_empty: FifoSemaphore,
        turnstile: FifoSemaphore,
        read_switch: Lightswitch,
    }

    impl Default for NoStarve {
        fn default() -> Self {
            NoStarve {
                room_empty: FifoSemaphore::new(1),
                turnstile: FifoSemaphore::new(1),
                read_switch: Lightswitch::new(),
            }
        }
    }

    impl Protocol for NoStarve {
        async fn read_lock(&self) {
            self.turnstile.wait().await;
            self.turnstile.signal();
            self.read_switch.lock(&self.room_empty).await;
        }
        fn read_unlock(&self) {
            self.read_switch.unlock(&self.room_empty);
        }
        async fn write_lock(&self, arrived: impl FnOnce()) {
            self.turnstile.wait().await;
            arrived();
            self.room_empty.wait().await;
        }
        fn write_unlock(&self) {
            self.turnstile.signal();
            self.room_empty.signal();
        }
    }

    /// Writers' lightswitch on `noReaders`; readers may starve.
    #[derive(Debug)]
    pub struct WriterPriority {
        no_readers: FifoSemaphore,
        no_writers: FifoSemaphore,
        read_switch: Lightswitch,
        write_switch: Lightswitch,
    }

    impl Default for WriterPriority {
        fn default() -> Self {
            WriterPriority {
                no_readers: FifoSemaphore::new(1),
                no_writers: FifoSemaphore::new(1),
                read_switch: Lightswitch::new(),
                write_switch: Lightswitch::new(),
            }
        }
    }

    impl Protocol for WriterPriority {
        async fn read_lock(&self) {
            self.no_readers.wait().await;
            self.read_switch.lock(&self.no_writers).await;
            self.no_readers.signal();
        }
        fn read_unlock(&self) {
            self.read_switch.unlock(&self.no_writers);
        }
        async fn write_lock(&self, arrived: impl FnOnce()) {
            self.write_switch.lock(&self.no_readers).await;
            arrived();
            self.no_writers.wait().await;
        }
        fn write_unlock(&self) {
            self.no_writers.signal();
            self.write_switch.unlock(&self.no_readers);
        }
    }

    /// A value guarded by a readers–writers protocol `P`.
    pub struct RwLock<T, P: Protocol = NoStarve> {
        protocol: P,
        value: UnsafeCell<T>,
        _p: PhantomData<P>,
    }

    // SAFETY: the protocol admits either shared readers (`&T`, needs `T: Sync`) or
    // one writer (`&mut T`, needs `T: Send`), never both at once.
    unsafe impl<T: Send + Sync, P: Protocol> Sync for RwLock<T, P> {}
    unsafe impl<T: Send, P: Protocol> Send for RwLock<T, P> {}

    impl<T, P: Protocol> RwLock<T, P> {
        /// Wraps `value`.
        pub fn new(value: T) -> Self {
            RwLock {
                protocol: P::default(),
                value: UnsafeCell::new(value),
                _p: PhantomData,
            }
        }

        /// Enter as a reader.
        pub async fn read(&self) -> ReadGuard<'_, T, P> {
            self.protocol.read_lock().await;
            ReadGuard { l: self }
        }

        /// Enter as a writer.
        pub async fn write(&self) -> WriteGuard<'_, T, P> {
            self.write_noting(|| {}).await
        }

        /// [`RwLock::write`], running `arrived` at the moment the writer
        /// counts as waiting: for [`NoStarve`] once it holds the turnstile
        /// (from then on each reader enters at most once more before it: only
        /// one already past the turnstile can), for [`WriterPriority`] once it
        /// is in the writers' lightswitch (from then on no reader enters before
        /// it), for [`ReadersFirst`] at once (no bound: readers may keep
        /// entering while the room stays occupied).
        pub async fn write_noting(&self, arrived: impl FnOnce()) -> WriteGuard<'_, T, P> {
            self.protocol.write_lock(arrived).await;
            WriteGuard { l: self }
        }

        /// The value, once no guard can exist.
        pub fn into_inner(self) -> T {
            self.value.into_inner()
        }
    }

    impl<T, P: Protocol> fmt::Debug for RwLock<T, P> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.debug_struct("RwLock")
                .field("protocol", &std::any::type_name::<P>())
                .finish_non_exhaustive()
        }
    }

    /// Shared access; the reader leaves on drop.
    pub struct ReadGuard<'a, T, P: Protocol> {
        l: &'a RwLock<T, P>,
    }

    impl<T, P: Protocol> Deref for ReadGuard<'_, T, P> {
        type Target = T;
        fn deref(&self) -> &T {
            // SAFETY: no writer is inside while a reader is.
            unsafe { &*self.l.value.get() }
        }
    }

    impl<T: fmt::Debug, P: Protocol> fmt::Debug for ReadGuard<'_, T, P> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            (**self).fmt(f)
        }
    }

    impl<T, P: Protocol> Drop for ReadGuard<'_, T, P> {
        fn drop(&mut self) {
            self.l.protocol.read_unlock();
        }
    }

    /// Exclusive access; the writer leaves on drop.
    pub struct WriteGuard<'a, T, P: Protocol> {
        l: &'a RwLock<T, P>,
    }

    impl<T, P: Protocol> Deref for WriteGuard<'_, T, P> {
        type Target = T;
        fn deref(&self) -> &T {
            // SAFETY: the writer is alone inside.
            unsafe { &*self.l.value.get() }
        }
    }

    impl<T, P: Protocol> DerefMut for WriteGuard<'_, T, P> {
        fn deref_mut(&mut self) -> &mut T {
            // SAFETY: the writer is alone inside, and `&mut self` is unique.
            unsafe { &mut *self.l.value.get() }
        }
    }

    impl<T: fmt::Debug, P: Protocol> fmt::Debug for WriteGuard<'_, T, P> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            (**self).fmt(f)
        }
    }

    impl<T, P: Protocol> Drop for WriteGuard<'_, T, P> {
        fn drop(&mut self) {
            self.l.protocol.write_unlock();
        }
    }
}
