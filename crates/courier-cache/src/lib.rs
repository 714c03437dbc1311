//! # courier-cache
//!
//! An RFC 9111 HTTP cache for [courier](https://docs.rs/courier), in three parts:
//!
//! - a **pure policy** ([`policy`]): RFC 9111 decisions from request and response parts and an
//!   injected [`Clock`] (see [`clock`]), with no I/O, returned as enums that carry the next
//!   step;
//! - **stores** (`store`): a `CacheStore` trait (I/O only) with memory, file and backup
//!   stores, versioned entries with a checksum, and optional AEAD encryption;
//! - the **interceptor** that glues them into a courier client.
//!
//! The policy never touches a store; a store never parses a header.
#![deny(missing_docs)]
#![cfg_attr(not(test), warn(clippy::unwrap_used, clippy::expect_used))]

pub mod clock;
pub mod policy;

pub use clock::{Clock, MockClock, SystemClock};
pub use policy::{CacheControl, Lookup, Policy, PolicyConfig, Revalidated, Storability};
