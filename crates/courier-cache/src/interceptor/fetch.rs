//! Going to the origin: misses (coalesced), `Refresh`, storing what may be stored, and the
//! offline fallbacks when the origin fails.

use std::time::SystemTime;

use courier::{Error, ErrorKind, Next, Request, Response, Result};
use http::StatusCode;

use super::Call;
use super::coalesce::{FOLLOWER_PATIENCE, Leader, Outcome, Role};
use super::new_entry::{NewEntry, variant_key_of};
use super::served::{RequestParts, Stored};
use super::storing_body::StoringBody;
use crate::cache_policy::CachePolicy;
use crate::policy::{Lookup, OriginFailure, ResponseView, Storability, vary};
use crate::status::CacheStatus;

impl Call<'_> {
    /// A miss: fetch (one request for concurrent misses of one key) and store.
    pub(super) async fn fetch(
        &self,
        request: Request,
        parts: &RequestParts,
        key: String,
        next: Next<'_>,
    ) -> Result<Response> {
        if !self.options.coalesce {
            return self
                .fetch_and_store(request, parts, key, None, next, false)
                .await;
        }
        loop {
            match self.coalescer.join(&key) {
                Role::Leader(leader) => {
                    return self
                        .fetch_and_store(request, parts, key, Some(leader), next, false)
                        .await;
                }
                Role::Follower(follower) => match follower.wait_at_most(FOLLOWER_PATIENCE).await {
                    Some(Outcome::Stored) => {
                        if let Some(stored) = self.read(&key, parts).await
                            && let Lookup::Fresh { response_headers } =
                                self.policy
                                    .lookup(&parts.view(), &stored.exchange(), self.now())
                        {
                            return self
                                .serve(&stored, parts, response_headers, CacheStatus::Hit)
                                .await;
                        }
                        return self
                            .fetch_and_store(request, parts, key, None, next, false)
                            .await;
                    }
                    // Not shareable, or the leader's body is still unread (perhaps by the
                    // task waiting here): fetch without waiting any longer.
                    Some(Outcome::NotStorable | Outcome::StillReading) => {
                        return self
                            .fetch_and_store(request, parts, key, None, next, false)
                            .await;
                    }
                    // The leader failed or was cancelled: try again, perhaps as the leader.
                    None => {}
                },
            }
        }
    }

    /// `Refresh` and `RefreshForceCache`: always the network, with the offline fallbacks.
    pub(super) async fn refresh(
        &self,
        request: Request,
        parts: &RequestParts,
        key: String,
        next: Next<'_>,
    ) -> Result<Response> {
        let fallback_request = request.try_clone();
        let force = self.options.policy == CachePolicy::RefreshForceCache;
        match self
            .fetch_and_store(request, parts, key.clone(), None, next, force)
            .await
        {
            Ok(response) => Ok(response),
            Err(error) => {
                if let Some(failure) = self.allowed_fallback(&error)
                    && let Some(stored) = self.read(&key, parts).await
                    && let Some(headers) = self.stale_fallback(&stored, parts, failure)
                {
                    drop(fallback_request);
                    return self
                        .serve(&stored, parts, headers, CacheStatus::Stale)
                        .await;
                }
                Err(error)
            }
        }
    }

    /// Whether the options allow serving the cache for this failure.
    pub(super) fn allowed_fallback(&self, error: &Error) -> Option<OriginFailure> {
        origin_failure(error).filter(|failure| self.app_fallback(*failure))
    }

    /// Whether the options (`hit_cache_on_network_failure`, `hit_cache_on_error_codes`) ask
    /// for the cache to answer after `failure`.
    pub(super) fn app_fallback(&self, failure: OriginFailure) -> bool {
        match failure {
            OriginFailure::Network => self.options.hit_cache_on_network_failure,
            OriginFailure::Status(status) => {
                self.options.hit_cache_on_error_codes.contains(&status)
            }
        }
    }

    /// The headers to serve a stale entry with after `failure`, when its directives and
    /// `max_stale` allow (`must-revalidate` never does once stale).
    pub(super) fn stale_fallback(
        &self,
        stored: &Stored,
        parts: &RequestParts,
        failure: OriginFailure,
    ) -> Option<http::HeaderMap> {
        let exchange = stored.exchange();
        let lifetime = self.policy.freshness(&exchange).lifetime;
        let age = self.policy.current_age(&exchange, self.now());
        if age >= lifetime && stored.cache_control.must_revalidate() {
            tracing::debug!(target: "courier::cache", ?failure, "must-revalidate: stale entry not served");
            return None;
        }
        self.policy
            .force_cache(&parts.view(), &exchange, self.now())
    }

    /// Sends the request and stores the response if the policy (or `force`) allows.
    pub(super) async fn fetch_and_store(
        &self,
        request: Request,
        parts: &RequestParts,
        key: String,
        leader: Option<Leader>,
        next: Next<'_>,
        force: bool,
    ) -> Result<Response> {
        let request_time = self.now();
        let result = next.run(request).await;
        let response_time = self.now();
        let response = match result {
            Ok(response) => response,
            Err(error) => {
                // The leader's guard is dropped: followers try again.
                drop(leader);
                return Err(error);
            }
        };
        let (response, stored) = self
            .store(
                parts,
                key,
                response,
                request_time,
                response_time,
                leader,
                force,
            )
            .await;
        let status = match self.options.policy {
            CachePolicy::Refresh | CachePolicy::RefreshForceCache => CacheStatus::Bypass { stored },
            _ => CacheStatus::Miss { stored },
        };
        self.finish(Ok(response), status)
    }

    /// Stores `response` if allowed: returns it (its body now copied into the store as it is
    /// read) and whether it will be stored.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn store(
        &self,
        parts: &RequestParts,
        key: String,
        mut response: Response,
        request_time: SystemTime,
        response_time: SystemTime,
        leader: Option<Leader>,
        force: bool,
    ) -> (Response, bool) {
        let response_view = ResponseView {
            status: response.status(),
            headers: response.headers(),
        };
        let decision =
            self.policy
                .storability(&parts.view(), &response_view, request_time, response_time);
        let (headers, vary_request_headers, fresh_until) = match decision {
            Storability::Store {
                response_headers,
                request_headers,
                fresh_until,
                ..
            } => (response_headers, request_headers, fresh_until),
            Storability::DoNotStore(reason) => {
                let forced = (force || self.options.policy.stores_without_directives())
                    && response.status().is_success()
                    && response.status() != StatusCode::PARTIAL_CONTENT;
                if !forced {
                    tracing::debug!(target: "courier::cache", ?reason, "response not stored");
                    if let Some(leader) = leader {
                        leader.finish(Outcome::NotStorable);
                    }
                    return (response, false);
                }
                let selected = vary::select_request_headers(response.headers(), &parts.headers)
                    .unwrap_or_default();
                (response.headers().clone(), selected, response_time)
            }
        };
        if response
            .content_length()
            .is_some_and(|length| length > self.options.max_entry_size)
        {
            if let Some(leader) = leader {
                leader.finish(Outcome::NotStorable);
            }
            return (response, false);
        }
        let metadata = NewEntry {
            key,
            method: parts.method.clone(),
            url: response.url().as_str(),
            status: response.status().as_u16(),
            headers,
            vary_request_headers,
            request_time,
            response_time,
            fresh_until,
        }
        .metadata(self.options);
        let variant = variant_key_of(&metadata);

        let store = self.options.store.clone();
        let limit = self.options.max_entry_size;
        let expected_length = response.content_length();
        let body = response.take_body();
        *response.body_mut() = body.map_stream(move |stream| {
            Box::pin(StoringBody::new(
                stream,
                metadata,
                variant,
                limit,
                expected_length,
                store,
                leader,
            ))
        });
        (response, true)
    }
}

/// What kind of origin failure `error` is, for the stale fallbacks: a network failure or a
/// bad status. A cancelled request, a decoding error or an invalid request is none: the cache
/// never answers for those.
pub(super) fn origin_failure(error: &Error) -> Option<OriginFailure> {
    match error.kind() {
        ErrorKind::BadResponse => error.status().map(OriginFailure::Status),
        ErrorKind::Connection
        | ErrorKind::ConnectTimeout
        | ErrorKind::SendTimeout
        | ErrorKind::ReceiveTimeout
        | ErrorKind::Timeout => Some(OriginFailure::Network),
        _ => None,
    }
}
