//! The interceptors courier ships.

pub mod log;
