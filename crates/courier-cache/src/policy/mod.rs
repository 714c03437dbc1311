//! The pure RFC 9111 policy: when to store, serve, revalidate and invalidate.
//!
//! # Why a separate, pure policy
//!
//! HTTP caching is a set of rules over headers and times, and almost every bug users report
//! in other caches is one of those rules applied wrongly: a stale entry served after a 5xx
//! despite `must-revalidate`, `Vary` ignored, `s-maxage` ignored, a 304 that rewrites the body.
//! Keeping the rules apart from any store, runtime or clock makes each one a function of its
//! inputs that a table test with a virtual clock can pin to its RFC section. Nothing here does
//! I/O or reads the time: callers pass `now` (from a [`Clock`](crate::Clock)), borrowed
//! request and response parts ([`RequestView`], [`ResponseView`]) and a borrowed view of the
//! stored entry ([`StoredExchange`]).
//!
//! # Decisions carry the next step
//!
//! Each question returns an enum whose variants hold what the caller has to use next, so it
//! cannot serve a fresh response without its `Age`, or revalidate without validators:
//! - [`Policy::storability`] → [`Storability`]: `Store { response_headers, request_headers,
//!   cache_control, .. }` or `DoNotStore(`[`NotStorable`]`)`;
//! - [`Policy::lookup`] → [`Lookup`]: `Fresh`, `NotModified`, `Stale`,
//!   `StaleWhileRevalidate`, `Revalidate(`[`Revalidation`]`)`, `Forward`, `GatewayTimeout`;
//! - [`Policy::after_revalidation`] → [`Revalidated`]: `NotModified(`[`Freshened`]`)`,
//!   `Modified(Storability)`, `ServerError(`[`StaleOnError`]`)`, `Unselected`;
//! - [`Policy::freshen_with_head`] → [`HeadFreshening`];
//! - [`Policy::invalidations`] → the URIs to drop.
//!
//! # One concept per module
//!
//! [`cache_control`](CacheControl) parses `Cache-Control`; [`dates`] reads HTTP-dates;
//! [`age`] computes §4.2.3 ages; [`freshness`] lifetimes; [`RequestDirectives`] the request's
//! wishes; [`storage`] §3; [`vary`] secondary keys; [`validation`] conditional requests and
//! 304s; [`invalidation`] §4.4.

pub mod age;
mod cache_control;
mod config;
pub mod dates;
mod decision;
mod engine;
mod exchange;
pub mod freshness;
pub mod invalidation;
mod request_directives;
pub mod storage;
pub mod validation;
pub mod vary;

pub use cache_control::{CacheControl, FieldScope, MaxStale, ParseCacheControlError};
pub use config::PolicyConfig;
pub use decision::{
    ForwardReason, Freshened, HeadFreshening, Lookup, NotStorable, OriginFailure, Revalidated,
    Revalidation, StaleOnError, Storability,
};
pub use engine::Policy;
pub use exchange::{RequestView, ResponseView, StoredExchange};
pub use request_directives::RequestDirectives;
