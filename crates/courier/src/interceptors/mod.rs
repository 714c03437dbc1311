//! The interceptors courier ships.

pub mod log;
pub mod retry;
