//! §3.5 Multiplex: at most `n` threads in the critical section at once.
//!
//! Guarantees: never more than `n` live [`MultiplexGuard`]s; a thread that
//! arrives when `n` are inside waits until one leaves. Waiters enter in
//! arrival order (the multiplex is a [`FifoSemaphore`]), so nobody starves as
//! long as every guard is eventually dropped.

crate::flavours! {
    use {FifoSemaphore};

    /// A semaphore initialised to `n`.
    #[derive(Debug)]
    pub struct Multiplex {
        sem: FifoSemaphore,
    }

    impl Multiplex {
        /// Room for `n` threads.
        pub fn new(n: usize) -> Self {
            Multiplex {
                sem: FifoSemaphore::new(n),
            }
        }

        /// Enter; leave by dropping the guard.
        pub async fn enter(&self) -> MultiplexGuard<'_> {
            self.sem.wait().await;
            MultiplexGuard { m: self }
        }

        /// Runs `f` inside the multiplex.
        pub async fn run<R>(&self, f: impl FnOnce() -> R) -> R {
            let _g = self.enter().await;
            f()
        }
    }

    /// One of the `n` places in a [`Multiplex`].
    #[derive(Debug)]
    pub struct MultiplexGuard<'a> {
        m: &'a Multiplex,
    }

    impl Drop for MultiplexGuard<'_> {
        fn drop(&mut self) {
            self.m.sem.signal();
        }
    }
}
