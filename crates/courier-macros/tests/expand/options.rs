//! Macro arguments, a provided method, a generic endpoint, a deprecated one, and optional
//! header, extension and cancel parameters.

#[courier::api(client = Catalog, crate = ::http_client)]
pub(crate) trait CatalogApi {
    #[get("/items/{type}")]
    async fn items<T: DeserializeOwned>(&self, r#type: &str) -> http_client::Result<T>;

    #[deprecated = "use items"]
    #[get("/old")]
    async fn old(
        &self,
        #[header] if_none_match: Option<&str>,
        #[extension] policy: Option<Policy>,
        cancel: Option<CancelToken>,
    ) -> Result<(), AppError>;

    /// Kept as it is.
    async fn first(&self) -> http_client::Result<String> {
        self.items("first").await
    }
}
