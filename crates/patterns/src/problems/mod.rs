//! One module per problem of the book, each with the API a program would
//! call and docs stating exactly which of the catalog's constraints it
//! guarantees. All of them are built only from this crate's
//! primitives, as the book builds them.
//!
//! Each module is written once and comes in two flavours (see
//! [`crate::flavour`]): its top level is for `std::thread` code, built on
//! [`crate::blocking`]; its `tasks` submodule is the same solution for async
//! code, built on [`crate::tasks`] (`problems::h2o::tasks::Water`, also
//! reachable as `problems::tasks::h2o::Water`).

pub mod barbershop;
pub mod barrier;
pub mod child_care;
pub mod coke_machine;
pub mod dining_hall;
pub mod dining_philosophers;
pub mod faneuil_hall;
pub mod h2o;
pub mod hilzer;
pub mod modus_hall;
pub mod multiplex;
pub mod mutex;
pub mod mutex_checker;
pub mod no_starve_mutex;
pub mod producer_consumer;
pub mod queue;
pub mod readers_writers;
pub mod rendezvous;
pub mod river;
pub mod roller_coaster;
pub mod room_party;
pub mod santa;
pub mod savages;
pub mod search_insert_delete;
pub mod senate_bus;
pub mod signaling;
pub mod smokers;
pub mod sushi_bar;
pub mod unisex_bathroom;

/// The async flavour of every problem, by problem name: `tasks::h2o` is
/// [`h2o::tasks`], and so on.
pub mod tasks {
    pub use super::barbershop::tasks as barbershop;
    pub use super::barrier::tasks as barrier;
    pub use super::child_care::tasks as child_care;
    pub use super::coke_machine::tasks as coke_machine;
    pub use super::dining_hall::tasks as dining_hall;
    pub use super::dining_philosophers::tasks as dining_philosophers;
    pub use super::faneuil_hall::tasks as faneuil_hall;
    pub use super::h2o::tasks as h2o;
    pub use super::hilzer::tasks as hilzer;
    pub use super::modus_hall::tasks as modus_hall;
    pub use super::multiplex::tasks as multiplex;
    pub use super::mutex::tasks as mutex;
    pub use super::mutex_checker::tasks as mutex_checker;
    pub use super::no_starve_mutex::tasks as no_starve_mutex;
    pub use super::producer_consumer::tasks as producer_consumer;
    pub use super::queue::tasks as queue;
    pub use super::readers_writers::tasks as readers_writers;
    pub use super::rendezvous::tasks as rendezvous;
    pub use super::river::tasks as river;
    pub use super::roller_coaster::tasks as roller_coaster;
    pub use super::room_party::tasks as room_party;
    pub use super::santa::tasks as santa;
    pub use super::savages::tasks as savages;
    pub use super::search_insert_delete::tasks as search_insert_delete;
    pub use super::senate_bus::tasks as senate_bus;
    pub use super::signaling::tasks as signaling;
    pub use super::smokers::tasks as smokers;
    pub use super::sushi_bar::tasks as sushi_bar;
    pub use super::unisex_bathroom::tasks as unisex_bathroom;
}
