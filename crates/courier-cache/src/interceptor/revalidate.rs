//! Revalidating stale entries: in line (a 304 freshens metadata only, a 200 replaces, a 5xx
//! or a network failure may serve stale) and in the background (RFC 5861
//! `stale-while-revalidate`).

use courier::{Next, Request, Response, Result, ValidateStatus};
use http::StatusCode;

use super::Call;
use super::coalesce::{Outcome, Role};
use super::fetch::origin_failure;
use super::new_entry::{NewEntry, store_with_variant, variant_key_of};
use super::served::{RequestParts, Stored, later};
use crate::cache_policy::CachePolicy;
use crate::entry::{CacheEntry, EntryMetadata};
use crate::options::CacheOptions;
use crate::policy::{
    Freshened, OriginFailure, Policy, ResponseView, Revalidated, Revalidation, Storability,
};
use crate::status::CacheStatus;

impl Call<'_> {
    /// Revalidates a stale entry with a conditional request.
    pub(super) async fn revalidate(
        &self,
        request: Request,
        parts: &RequestParts,
        stored: Stored,
        revalidation: Revalidation,
        next: Next<'_>,
    ) -> Result<Response> {
        let Some(mut conditional) = request.try_clone() else {
            return self
                .fetch(request, parts, stored.entry.metadata.key.clone(), next)
                .await;
        };
        make_conditional(&mut conditional, &revalidation);
        let request_time = self.now();
        let result = next.run(conditional).await;
        let response_time = self.now();
        let key = stored.entry.metadata.key.clone();
        match result {
            Ok(response) => {
                let response_view = ResponseView {
                    status: response.status(),
                    headers: response.headers(),
                };
                match self.policy.after_revalidation(
                    &parts.view(),
                    &stored.exchange(),
                    &response_view,
                    request_time,
                    response_time,
                ) {
                    Revalidated::NotModified(freshened) => {
                        let mut freshened = freshened;
                        let served_headers = std::mem::take(&mut freshened.served_headers);
                        let served = stored.response(parts, served_headers);
                        freshen(self.options, stored.entry.metadata, freshened).await;
                        self.finish(Ok(served), CacheStatus::Revalidated)
                    }
                    Revalidated::Modified(_) => {
                        let (response, stored_again) = self
                            .store(
                                parts,
                                key.clone(),
                                response,
                                request_time,
                                response_time,
                                None,
                                false,
                            )
                            .await;
                        if !stored_again {
                            self.delete(&key).await;
                        }
                        self.finish(
                            Ok(response),
                            CacheStatus::Miss {
                                stored: stored_again,
                            },
                        )
                    }
                    Revalidated::ServerError(on_error) => {
                        // A 5xx the caller's validate_status accepts.
                        let failure = OriginFailure::Status(response.status());
                        match on_error.response_for(failure, self.app_fallback(failure), self.now())
                        {
                            Some(headers) => {
                                self.serve(&stored, parts, headers, CacheStatus::Stale)
                                    .await
                            }
                            None => self.finish(Ok(response), CacheStatus::Miss { stored: false }),
                        }
                    }
                    Revalidated::Unselected => {
                        let mut again = match request.try_clone() {
                            Some(again) => again,
                            None => {
                                return self
                                    .finish(Ok(response), CacheStatus::Miss { stored: false });
                            }
                        };
                        again.headers_mut().remove(http::header::IF_NONE_MATCH);
                        again.headers_mut().remove(http::header::IF_MODIFIED_SINCE);
                        self.fetch_and_store(again, parts, key, None, next, false)
                            .await
                    }
                }
            }
            Err(error) => {
                let Some(failure) = origin_failure(&error) else {
                    return Err(error);
                };
                match revalidation.on_error().response_for(
                    failure,
                    self.app_fallback(failure),
                    self.now(),
                ) {
                    Some(headers) => {
                        self.serve(&stored, parts, headers, CacheStatus::Stale)
                            .await
                    }
                    None => Err(error),
                }
            }
        }
    }

    /// RFC 5861 `stale-while-revalidate`: the stale entry is served now, and refreshed by a
    /// conditional request that runs on after this call returns.
    pub(super) fn revalidate_in_background(
        &self,
        request: &Request,
        stored: &Stored,
        revalidation: Revalidation,
        next: Next<'_>,
    ) {
        let Some(mut conditional) = request.try_clone() else {
            return;
        };
        make_conditional(&mut conditional, &revalidation);
        // The caller's cancel token and deadline belong to the caller, not to this refresh.
        conditional.options_mut().set_cancel_token(None);
        conditional.options_mut().set_timeout(None);
        conditional.extensions_mut().insert(CachePolicy::Request);
        // One background revalidation per entry at a time, however many stale hits.
        let Role::Leader(leader) = self
            .coalescer
            .join(&format!("revalidate\u{1f}{}", stored.entry.metadata.key))
        else {
            return;
        };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let background = BackgroundRevalidation {
            options: self.options.clone(),
            policy: self.policy.clone(),
            parts: RequestParts::of(request),
            entry: stored.entry.clone(),
        };
        let chain = next.detach();
        runtime.spawn(async move {
            background.run(conditional, chain).await;
            leader.finish(Outcome::Stored);
        });
    }
}

/// Turns a copy of the request into the revalidation: the policy's validators, and a 304
/// accepted as an answer (not a bad status) on top of what the caller accepts.
fn make_conditional(conditional: &mut Request, revalidation: &Revalidation) {
    revalidation.apply_to(conditional.headers_mut());
    let accept = conditional.options().validate_status().clone();
    conditional
        .options_mut()
        .set_validate_status(ValidateStatus::new(move |status| {
            status == StatusCode::NOT_MODIFIED || accept.is_valid(status)
        }));
}

/// Writes freshened headers and times into the stored metadata (§4.3.4), renewing the
/// deletion deadline. Metadata only: the body is never rewritten by a 304 or a HEAD. When the
/// new headers forbid storing (`no-store`, or `private` in a shared cache), the entry is
/// removed instead: the origin has withdrawn its permission to keep it.
pub(super) async fn freshen(
    options: &CacheOptions,
    mut metadata: EntryMetadata,
    mut freshened: Box<Freshened>,
) {
    if !freshened.storable {
        if let Err(error) = options.store.delete(&metadata.key).await {
            tracing::warn!(target: "courier::cache", %error, "could not remove an entry the origin no longer lets us store");
        }
        return;
    }
    metadata.headers = std::mem::take(&mut freshened.response_headers);
    metadata.request_time = freshened.request_time;
    metadata.response_time = freshened.response_time;
    if let Some(max_stale) = options.max_stale {
        let fresh_until = later(freshened.response_time, freshened.freshness.lifetime);
        metadata.expires_at = Some(later(fresh_until, max_stale));
    }
    if let Err(error) = options.store.update_metadata(metadata).await {
        tracing::warn!(target: "courier::cache", %error, "could not freshen an entry");
    }
}

/// A stale-while-revalidate refresh running after its call returned: a 304 freshens the
/// entry's metadata, a new response replaces it.
struct BackgroundRevalidation {
    options: CacheOptions,
    policy: Policy,
    parts: RequestParts,
    entry: CacheEntry,
}

impl BackgroundRevalidation {
    async fn run(self, conditional: Request, chain: courier::DetachedNext) {
        let request_time = self.options.clock.now();
        let result = chain.run(conditional).await;
        let response_time = self.options.clock.now();
        let Ok(response) = result else {
            return;
        };
        let stored = Stored::new(self.entry.clone());
        let view = ResponseView {
            status: response.status(),
            headers: response.headers(),
        };
        match self.policy.after_revalidation(
            &self.parts.view(),
            &stored.exchange(),
            &view,
            request_time,
            response_time,
        ) {
            Revalidated::NotModified(freshened) => {
                freshen(&self.options, self.entry.metadata, freshened).await;
            }
            Revalidated::Modified(Storability::Store {
                response_headers,
                request_headers,
                fresh_until,
                ..
            }) => {
                let status = response.status().as_u16();
                let url = response.url().to_string();
                let Ok(body) = response.bytes().await else {
                    return;
                };
                if body.len() as u64 > self.options.max_entry_size {
                    return;
                }
                let metadata = NewEntry {
                    key: self.entry.metadata.key.clone(),
                    method: self.parts.method.clone(),
                    url: &url,
                    status,
                    headers: response_headers,
                    vary_request_headers: request_headers,
                    request_time,
                    response_time,
                    fresh_until,
                }
                .metadata(&self.options);
                let variant = variant_key_of(&metadata);
                store_with_variant(
                    &*self.options.store,
                    CacheEntry::new(metadata, body),
                    variant,
                )
                .await;
            }
            Revalidated::Modified(Storability::DoNotStore(_)) => {
                if let Err(error) = self.options.store.delete(&self.entry.metadata.key).await {
                    tracing::warn!(target: "courier::cache", %error, "cache delete failed");
                }
            }
            Revalidated::ServerError(_) | Revalidated::Unselected => {}
        }
    }
}
