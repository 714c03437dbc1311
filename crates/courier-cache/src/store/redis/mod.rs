//! [`RedisStore`]: one cache shared by many instances of an application, on a Redis server or
//! a Redis Cluster (feature `redis`).
//!
//! The type's docs say how entries are laid out and why. Here: `builder` connects,
//! `connection` hides single server versus cluster (and walks keys with `SCAN`),
//! `layout` names keys, `expiry` turns deadlines into server-side expiries, `scripts`
//! holds the compare-and-act Lua scripts, `error` maps Redis errors, and `store`
//! implements [`CacheStore`](crate::store::CacheStore).

mod builder;
mod connection;
mod error;
mod expiry;
mod layout;
mod scripts;
mod store;

pub use builder::RedisStoreBuilder;
pub use store::RedisStore;
