//! The user pool domain: pools, app clients, users, groups, attributes,
//! password policy, one-time codes, sign-in flows and the claims of the
//! tokens they produce.
//!
//! This crate decides; it does not do I/O. Storage is reached through the
//! [`store::Store`] trait, time through [`clock::Clock`], randomness through
//! [`rng::Rng`], code delivery through [`service::Deliver`]. It knows nothing of
//! HTTP, JSON wire names or SQL.
#![forbid(unsafe_code)]

pub mod clock;
pub mod error;
pub mod model;
pub mod rng;
pub mod service;
pub mod store;

pub use error::{CoreError, CoreResult};
