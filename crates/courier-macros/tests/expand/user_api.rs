//! The README's API: a path parameter, a query, a JSON body, a header, an extension, a cancel
//! token and every kind of return value.

#[courier::api]
pub trait UserApi {
    /// Fetches one user.
    #[get("/users/{id}")]
    async fn user(&self, id: u64) -> courier::Result<User>;

    #[get("/users")]
    #[headers("Accept: application/json")]
    async fn users(
        &self,
        #[query] page: u32,
        #[query("per-page")] per_page: Option<u32>,
        cancel: &courier::CancelToken,
    ) -> courier::Result<Vec<User>>;

    #[post("/users")]
    async fn create(&self, #[body] user: &NewUser, #[header("X-Trace")] trace: Option<&str>) -> courier::Result<courier::Response>;

    #[put("/users/{id}/avatar")]
    async fn set_avatar(&self, id: u64, #[multipart] form: courier::multipart::Form) -> courier::Result<()>;

    #[delete("/users/{id}")]
    async fn delete(&self, id: u64, #[extension] policy: Policy) -> courier::Result<String>;

    #[head("/files/{path}")]
    async fn exists(&self, path: &str) -> courier::Result<bytes::Bytes>;
}
