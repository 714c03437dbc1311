//! What `#[courier::api]` puts in a request: method, path (percent-encoded), query, headers
//! and body, checked against `MockTransport` matchers.

use courier::mock::matchers::{
    body_json, body_string, header, method, path, query_param, query_param_is_missing,
};
use courier::{Client, ErrorKind, Mock, MockTransport, ResponseTemplate, Result};
use serde::{Deserialize, Serialize};

#[derive(Debug, PartialEq, Deserialize)]
struct User {
    id: u64,
    name: String,
}

#[derive(Serialize)]
struct NewUser<'a> {
    name: &'a str,
    admin: bool,
}

#[derive(Serialize)]
struct Filters {
    role: &'static str,
    active: bool,
}

#[courier::api]
trait UserApi {
    #[get("/users/{id}")]
    async fn user(&self, id: u64) -> Result<User>;

    #[get("/files/{name}")]
    async fn file(&self, name: &str) -> Result<String>;

    #[get("/orgs/{org}/repos/{repo}.json")]
    async fn repo(&self, org: &str, #[path("repo")] name: String) -> Result<()>;

    #[get("/users")]
    async fn users(
        &self,
        #[query] page: u32,
        #[query("per-page")] per_page: Option<u32>,
        #[query] r#type: Option<&str>,
    ) -> Result<Vec<User>>;

    #[get("/search?sort=name")]
    async fn search(&self, #[query(flatten)] filters: &Filters, #[query] q: &str) -> Result<()>;

    #[get("/me")]
    #[headers("Accept: application/vnd.api+json", "X-Api-Version: 2")]
    async fn me(
        &self,
        #[header("X-Trace")] trace: &str,
        #[header] if_none_match: Option<&str>,
        #[header] x_count: u32,
    ) -> Result<()>;

    #[post("/users")]
    async fn create(&self, #[body] user: &NewUser<'_>) -> Result<User>;

    #[post("/login")]
    async fn login(&self, #[form] credentials: &[(&str, &str)]) -> Result<()>;

    #[put("/users/{id}/avatar")]
    async fn set_avatar(&self, id: u64, #[multipart] form: courier::multipart::Form) -> Result<()>;

    #[patch("/users/{id}")]
    async fn rename(&self, id: u64, #[body] patch: serde_json::Value) -> Result<()>;

    #[delete("/users/{id}")]
    async fn delete(&self, id: u64) -> Result<()>;

    #[head("/users/{id}")]
    async fn exists(&self, id: u64) -> Result<courier::Response>;

    /// Parameters named like the generated code's locals.
    #[post("/echo/{path}")]
    async fn echo(
        &self,
        path: &str,
        #[query] request: u8,
        #[header] response: &str,
        #[body] value: &str,
    ) -> Result<()>;
}

fn api(base_url: &str) -> (UserApiClient, MockTransport) {
    let mock = MockTransport::new();
    let client = Client::builder()
        .base_url(base_url)
        .transport(mock.clone())
        .build()
        .unwrap();
    (UserApiClient::new(client), mock)
}

fn ok() -> ResponseTemplate {
    ResponseTemplate::new(200)
}

#[tokio::test]
async fn a_path_parameter_fills_its_placeholder_and_the_json_is_decoded() {
    let (api, mock) = api("https://api.example");
    Mock::given(method("GET"))
        .and(path("/users/7"))
        .respond_with(ok().set_body_json(serde_json::json!({"id": 7, "name": "Ada"})))
        .expect(1)
        .mount(&mock);
    let user = api.user(7).await.unwrap();
    assert_eq!(
        user,
        User {
            id: 7,
            name: "Ada".into()
        }
    );
}

#[tokio::test]
async fn path_values_are_percent_encoded_as_one_segment() {
    let (api, mock) = api("https://api.example");
    Mock::given(path("/files/a%2Fb%20c"))
        .respond_with(ok().body("found"))
        .expect(1)
        .mount(&mock);
    Mock::given(path("/files/%3F%23%25%3A"))
        .respond_with(ok().body("odd"))
        .expect(1)
        .mount(&mock);
    assert_eq!(api.file("a/b c").await.unwrap(), "found");
    assert_eq!(api.file("?#%:").await.unwrap(), "odd");
    let requests = mock.received_requests();
    assert_eq!(
        requests[0].url().as_str(),
        "https://api.example/files/a%2Fb%20c"
    );
    assert_eq!(requests[1].url().query(), None);
}

#[tokio::test]
async fn a_path_value_that_would_change_the_resource_fails_before_sending() {
    let (api, mock) = api("https://api.example");
    for value in ["..", ".", ""] {
        let error = api.file(value).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidRequest, "{value:?}");
        assert!(error.to_string().contains("`name`"), "{error}");
    }
    assert!(mock.received_requests().is_empty());
}

#[tokio::test]
async fn paths_go_under_the_base_url_path_and_path_attributes_rename() {
    let (api, mock) = api("https://api.example/v1/");
    Mock::given(path("/v1/orgs/rust-lang/repos/rust.json"))
        .respond_with(ok())
        .expect(1)
        .mount(&mock);
    api.repo("rust-lang", "rust".to_owned()).await.unwrap();
}

#[tokio::test]
async fn query_parameters_are_named_after_the_parameter_and_none_is_left_out() {
    let (api, mock) = api("https://api.example");
    Mock::given(path("/users"))
        .and(query_param("page", "2"))
        .and(query_param("per-page", "50"))
        .and(query_param_is_missing("type"))
        .respond_with(ok().set_body_json(serde_json::json!([])))
        .expect(1)
        .mount(&mock);
    Mock::given(path("/users"))
        .and(query_param("page", "3"))
        .and(query_param_is_missing("per-page"))
        .and(query_param("type", "bot & co"))
        .respond_with(ok().set_body_json(serde_json::json!([{"id": 1, "name": "b"}])))
        .expect(1)
        .mount(&mock);
    assert!(api.users(2, Some(50), None).await.unwrap().is_empty());
    assert_eq!(api.users(3, None, Some("bot & co")).await.unwrap().len(), 1);
    assert_eq!(
        mock.received_requests()[1].url().query(),
        Some("page=3&type=bot+%26+co")
    );
}

#[tokio::test]
async fn a_flattened_query_adds_every_field_after_the_templates_own_query() {
    let (api, mock) = api("https://api.example");
    Mock::given(path("/search"))
        .respond_with(ok())
        .expect(1)
        .mount(&mock);
    let filters = Filters {
        role: "admin",
        active: true,
    };
    api.search(&filters, "ada").await.unwrap();
    assert_eq!(
        mock.received_requests()[0].url().query(),
        Some("sort=name&role=admin&active=true&q=ada")
    );
}

#[tokio::test]
async fn method_headers_and_header_parameters_are_sent() {
    let (api, mock) = api("https://api.example");
    Mock::given(path("/me"))
        .and(header("accept", "application/vnd.api+json"))
        .and(header("x-api-version", "2"))
        .and(header("x-trace", "t-1"))
        .and(header("if-none-match", "\"v1\""))
        .and(header("x-count", "3"))
        .respond_with(ok())
        .expect(1)
        .mount(&mock);
    api.me("t-1", Some("\"v1\""), 3).await.unwrap();
    // Without `If-None-Match` no mock matches (a 404), but the request shows what was sent.
    api.me("t-2", None, 4).await.unwrap_err();
    let second = &mock.received_requests()[1];
    assert!(second.headers().get("if-none-match").is_none());
    assert_eq!(second.headers()["x-trace"], "t-2");
}

#[tokio::test]
async fn a_header_value_that_is_not_a_header_fails_as_an_invalid_request() {
    let (api, mock) = api("https://api.example");
    let error = api.me("line\nbreak", None, 1).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidRequest);
    assert!(mock.received_requests().is_empty());
}

#[tokio::test]
async fn a_body_parameter_is_sent_as_json() {
    let (api, mock) = api("https://api.example");
    Mock::given(method("POST"))
        .and(path("/users"))
        .and(header("content-type", "application/json"))
        .and(body_json(
            serde_json::json!({"name": "Ada", "admin": false}),
        ))
        .respond_with(
            ResponseTemplate::new(201).set_body_json(serde_json::json!({"id": 1, "name": "Ada"})),
        )
        .expect(1)
        .mount(&mock);
    let created = api
        .create(&NewUser {
            name: "Ada",
            admin: false,
        })
        .await
        .unwrap();
    assert_eq!(created.id, 1);
}

#[tokio::test]
async fn a_form_parameter_is_sent_url_encoded() {
    let (api, mock) = api("https://api.example");
    Mock::given(method("POST"))
        .and(path("/login"))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(body_string("user=ada&password=x+y%26z"))
        .respond_with(ok())
        .expect(1)
        .mount(&mock);
    api.login(&[("user", "ada"), ("password", "x y&z")])
        .await
        .unwrap();
}

#[tokio::test]
async fn a_multipart_parameter_is_sent_as_form_data() {
    let (api, mock) = api("https://api.example");
    Mock::given(method("PUT"))
        .and(path("/users/7/avatar"))
        .respond_with(ok())
        .expect(1)
        .mount(&mock);
    let form = courier::multipart::Form::new().text("caption", "me at the beach");
    let boundary = form.boundary().to_owned();
    api.set_avatar(7, form).await.unwrap();
    let request = &mock.received_requests()[0];
    assert_eq!(
        request.headers()["content-type"],
        format!("multipart/form-data; boundary={boundary}").as_str()
    );
    let body = String::from_utf8(request.body().to_vec()).unwrap();
    assert!(body.contains("name=\"caption\""), "{body}");
    assert!(body.contains("me at the beach"), "{body}");
}

#[tokio::test]
async fn patch_delete_and_head_use_their_methods() {
    let (api, mock) = api("https://api.example");
    for verb in ["PATCH", "DELETE", "HEAD"] {
        Mock::given(method(verb))
            .and(path("/users/7"))
            .respond_with(ok().insert_header("x-verb", verb))
            .expect(1)
            .mount(&mock);
    }
    api.rename(7, serde_json::json!({"name": "Grace"}))
        .await
        .unwrap();
    api.delete(7).await.unwrap();
    let head = api.exists(7).await.unwrap();
    assert_eq!(head.headers()["x-verb"], "HEAD");
    let requests = mock.received_requests();
    assert_eq!(
        requests[0].body_json::<serde_json::Value>().unwrap(),
        serde_json::json!({"name": "Grace"})
    );
}

#[tokio::test]
async fn parameters_named_like_the_generated_locals_do_not_collide() {
    let (api, mock) = api("https://api.example");
    Mock::given(method("POST"))
        .and(path("/echo/p%2Fq"))
        .and(query_param("request", "5"))
        .and(header("response", "r"))
        .and(body_json("v"))
        .respond_with(ok())
        .expect(1)
        .mount(&mock);
    api.echo("p/q", 5, "r", "v").await.unwrap();
}

#[tokio::test]
async fn the_client_is_shared_and_reachable() {
    let (api, _mock) = api("https://api.example/v2");
    let copy = api.clone();
    assert_eq!(
        copy.client().get("x").build().unwrap().url().as_str(),
        "https://api.example/v2/x"
    );
    assert!(format!("{api:?}").contains("UserApiClient"));
}
