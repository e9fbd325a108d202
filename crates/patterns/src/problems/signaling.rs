//! §3.1 Signaling: one thread tells others that something has happened.
//!
//! Constraint guaranteed: everything a thread did before [`Signal::notify`]
//! happens before anything a thread does after [`Signal::wait`] returns; no
//! waiter returns before the first `notify`. Any number of waiters pass, since
//! each one passes the permit on (a turnstile), which is why Downey's Sync.py
//! version re-signals.

crate::flavours! {
    use {Semaphore};

    /// A one-shot "it happened" flag built on a semaphore initialised to 0.
    #[derive(Debug)]
    pub struct Signal {
        sem: Semaphore,
    }

    impl Default for Signal {
        fn default() -> Self {
            Self::new()
        }
    }

    impl Signal {
        /// Not yet signalled.
        pub fn new() -> Self {
            Signal {
                sem: Semaphore::new(0),
            }
        }

        /// Announce the event (thread A's `sem.signal()` after statement a1).
        pub fn notify(&self) {
            self.sem.signal();
        }

        /// Wait for the event (thread B's `sem.wait().await` before statement b1).
        /// Returns at once if it has already happened.
        pub async fn wait(&self) {
            self.sem.wait().await;
            self.sem.signal();
        }
    }
}
