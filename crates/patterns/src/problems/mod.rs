//! One module per problem of the book, each with the API a program would
//! call and docs stating exactly which of the catalog's constraints it
//! guarantees. All of them are built only from this crate's
//! [`blocking`](crate::blocking) primitives, as the book builds them.

pub mod barrier;
pub mod dining_philosophers;
pub mod multiplex;
pub mod mutex;
pub mod no_starve_mutex;
pub mod producer_consumer;
pub mod queue;
pub mod readers_writers;
pub mod rendezvous;
pub mod signaling;
pub mod smokers;
pub mod barbershop;
pub mod h2o;
pub mod hilzer;
pub mod river;
pub mod roller_coaster;
pub mod santa;
pub mod savages;
