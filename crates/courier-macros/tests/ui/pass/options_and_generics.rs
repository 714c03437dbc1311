//! Macro arguments (`client = …`, `crate = …`), restricted visibility, generic and
//! `impl Trait` parameters, raw identifiers, `mut` patterns, `cfg` and `deprecated`
//! methods; and every future is `Send`, even with parameters that are not `Sync`.
#![deny(warnings)]

extern crate courier as http_client;

use std::cell::Cell;

use serde::Serialize;
use serde::de::DeserializeOwned;

mod api {
    use super::*;

    #[http_client::api(client = Catalog, crate = ::http_client)]
    pub(crate) trait CatalogApi {
        #[get("/items/{type}")]
        async fn items<T: DeserializeOwned>(&self, r#type: &str) -> http_client::Result<T>;

        #[post("/search")]
        async fn search(&self, #[body] query: &impl Serialize) -> http_client::Result<()>;

        #[get("/count")]
        async fn count(&self, #[query(flatten)] mut filter: Filter) -> http_client::Result<u64>;

        #[cfg(any())]
        #[get("/never")]
        async fn never(&self) -> http_client::Result<()>;

        #[deprecated = "use items"]
        #[get("/old")]
        async fn old(&self) -> http_client::Result<()>;
    }
}

/// Serializable but not `Sync`.
#[derive(Serialize)]
struct Filter {
    #[serde(skip)]
    seen: Cell<bool>,
    name: &'static str,
}

fn assert_send<F: Send>(future: F) -> F {
    future
}

fn main() {
    use api::CatalogApi;
    let catalog = api::Catalog::new(http_client::Client::new());
    let filter = Filter { seen: Cell::new(false), name: "x" };
    let _ = filter.seen.get() || filter.name.is_empty();
    let _ = assert_send(catalog.count(filter));
    let _ = assert_send(catalog.items::<Vec<String>>("books"));
    let _ = assert_send(CatalogApi::search(&catalog, &[("q", "rust")]));
    fn through_trait<A: CatalogApi>(api: &A) {
        let _ = assert_send(api.items::<String>("x"));
        #[allow(deprecated)]
        let _ = assert_send(api.old());
    }
    through_trait(&catalog);
}
