//! §6.1 Search–insert–delete: three-way categorical exclusion on a list.
//!
//! Guarantees: any number of searchers together; at most one inserter at a
//! time, possibly alongside searchers; a deleter alone (no searcher, no
//! inserter, no other deleter). No starvation guarantee: as the book says, a
//! stream of searchers or inserters can keep a deleter out forever.

crate::flavours! {
    use {FifoSemaphore, Lightswitch};

    /// The exclusion protocol for one shared list.
    #[derive(Debug)]
    pub struct SearchInsertDelete {
        insert_mutex: FifoSemaphore,
        no_searcher: FifoSemaphore,
        no_inserter: FifoSemaphore,
        search_switch: Lightswitch,
        insert_switch: Lightswitch,
    }

    impl Default for SearchInsertDelete {
        fn default() -> Self {
            Self::new()
        }
    }

    impl SearchInsertDelete {
        /// Nobody inside.
        pub fn new() -> Self {
            SearchInsertDelete {
                insert_mutex: FifoSemaphore::new(1),
                no_searcher: FifoSemaphore::new(1),
                no_inserter: FifoSemaphore::new(1),
                search_switch: Lightswitch::new(),
                insert_switch: Lightswitch::new(),
            }
        }

        /// Runs `f` as a searcher.
        pub async fn search<R>(&self, f: impl FnOnce() -> R) -> R {
            self.search_switch.lock(&self.no_searcher).await;
            let r = f();
            self.search_switch.unlock(&self.no_searcher);
            r
        }

        /// Runs `f` as an inserter.
        pub async fn insert<R>(&self, f: impl FnOnce() -> R) -> R {
            self.insert_switch.lock(&self.no_inserter).await;
            self.insert_mutex.wait().await;
            let r = f();
            self.insert_mutex.signal();
            self.insert_switch.unlock(&self.no_inserter);
            r
        }

        /// Runs `f` as a deleter, alone.
        pub async fn delete<R>(&self, f: impl FnOnce() -> R) -> R {
            self.no_searcher.wait().await;
            self.no_inserter.wait().await;
            let r = f();
            self.no_inserter.signal();
            self.no_searcher.signal();
            r
        }
    }
}
