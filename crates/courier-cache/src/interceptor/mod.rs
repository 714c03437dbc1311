//! The cache interceptor: glues the pure policy and a store into a courier client.
//!
//! (Being built: request coalescing is here; the interceptor itself lands with the policy
//! and stores.)

#[allow(dead_code)] // used by the interceptor, which lands next
mod coalesce;
