//! RFC 9111 §4.4: a non-error response to an unsafe method invalidates the URIs it changed.

use courier::{Next, Request, Response, Result};
use http::Method;

use super::Call;
use super::served::RequestParts;
use crate::policy::{ResponseView, invalidation};
use crate::status::CacheStatus;
use crate::store::MatchFilter;

impl Call<'_> {
    /// A non-error response to an unsafe method invalidates the URIs it changed (§4.4).
    pub(super) async fn forward_and_invalidate(
        &self,
        request: Request,
        next: Next<'_>,
    ) -> Result<Response> {
        let parts = RequestParts::of(&request);
        let result = next.run(request).await;
        if let Ok(response) = &result
            && !invalidation::is_safe_method(&parts.method)
        {
            let view = ResponseView {
                status: response.status(),
                headers: response.headers(),
            };
            for uri in self.policy.invalidations(&parts.view(), &view) {
                self.invalidate(&uri).await;
            }
        }
        self.finish(result, CacheStatus::Bypass { stored: false })
    }

    pub(super) async fn invalidate(&self, url: &url::Url) {
        for method in [Method::GET, Method::HEAD] {
            let request = Request::new(method, url.clone());
            self.delete(&self.options.key_builder.key(&request)).await;
        }
        // Variants of the URI (stored under their own keys).
        let filter = MatchFilter::new().path_glob(url.path());
        match self.options.store.get_matching(&filter, self.now()).await {
            Ok(entries) => {
                for entry in entries {
                    if entry.metadata.url == url.as_str() {
                        self.delete(entry.key()).await;
                    }
                }
            }
            Err(error) => {
                tracing::warn!(target: "courier::cache", %error, "could not list entries to invalidate");
            }
        }
    }
}
