//! The interceptors courier ships.

pub mod auth;
pub mod log;
pub mod retry;
