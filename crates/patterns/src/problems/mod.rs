//! One module per problem of the book, each with the API a program would
//! call and docs stating exactly which of the catalog's constraints it
//! guarantees. All of them are built only from this crate's
//! [`blocking`](crate::blocking) primitives, as the book builds them.

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
