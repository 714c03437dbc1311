//! A public, documented API using every attribute and return type compiles without a
//! warning, and a fake can implement the trait with plain `async fn`s.
#![deny(warnings, missing_docs)]

use bytes::Bytes;
use courier::multipart::Form;
use courier::{CancelToken, Response, Result};
use serde::{Deserialize, Serialize};

/// A user.
#[derive(Deserialize)]
pub struct User {
    /// Their name.
    pub name: String,
}

/// A new user.
#[derive(Serialize)]
pub struct NewUser {
    /// Their name.
    pub name: String,
}

/// Search filters.
#[derive(Serialize)]
pub struct Filters {
    /// Only this role.
    pub role: Option<String>,
}

/// A per-request marker for an interceptor.
#[derive(Clone)]
pub struct Priority(pub u8);

/// The users API.
#[courier::api]
pub trait UserApi {
    /// One user.
    #[get("/users/{id}")]
    async fn user(&self, id: u64, cancel: &CancelToken) -> Result<User>;

    /// A page of users.
    #[get("/users")]
    #[headers("Accept: application/json")]
    async fn users(
        &self,
        #[query] page: u32,
        #[query("per_page")] size: Option<u32>,
        #[query(flatten)] filters: &Filters,
        cancel: Option<&CancelToken>,
    ) -> Result<Vec<User>>;

    /// Creates a user.
    #[post("/users")]
    async fn create(
        &self,
        #[body] user: &NewUser,
        #[header("Idempotency-Key")] key: &str,
        #[extension] priority: Priority,
    ) -> Result<Response>;

    /// Signs in.
    #[post("/session")]
    async fn sign_in(&self, #[form] credentials: &[(&str, &str)]) -> Result<String>;

    /// Uploads an avatar.
    #[put("/users/{id}/avatar")]
    async fn upload(&self, id: u64, #[multipart] form: Form) -> Result<()>;

    /// Renames.
    #[patch("/users/{id}")]
    async fn rename(&self, #[path("id")] user_id: u64, #[body] name: &str) -> Result<()>;

    /// Deletes.
    #[delete("/users/{id}")]
    async fn delete(&self, id: u64) -> Result<()>;

    /// The avatar's bytes.
    #[head("/users/{id}/avatar")]
    async fn avatar(&self, id: u64, #[header] if_none_match: Option<&str>) -> Result<Bytes>;
}

struct Fake;

impl UserApi for Fake {
    async fn user(&self, _id: u64, _cancel: &CancelToken) -> Result<User> {
        Ok(User { name: "Ada".into() })
    }
    async fn users(
        &self,
        _page: u32,
        _size: Option<u32>,
        _filters: &Filters,
        _cancel: Option<&CancelToken>,
    ) -> Result<Vec<User>> {
        Ok(Vec::new())
    }
    async fn create(&self, _user: &NewUser, _key: &str, _priority: Priority) -> Result<Response> {
        Ok(Response::new(courier::http::StatusCode::CREATED, ""))
    }
    async fn sign_in(&self, _credentials: &[(&str, &str)]) -> Result<String> {
        Ok(String::new())
    }
    async fn upload(&self, _id: u64, _form: Form) -> Result<()> {
        Ok(())
    }
    async fn rename(&self, _user_id: u64, _name: &str) -> Result<()> {
        Ok(())
    }
    async fn delete(&self, _id: u64) -> Result<()> {
        Ok(())
    }
    async fn avatar(&self, _id: u64, _if_none_match: Option<&str>) -> Result<Bytes> {
        Ok(Bytes::new())
    }
}

fn main() {
    fn uses<A: UserApi>(_: &A) {}
    uses(&UserApiClient::new(courier::Client::new()));
    uses(&Fake);
    let _ = Fake.user(1, &CancelToken::new());
}
