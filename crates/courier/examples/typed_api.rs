//! A typed API client with `#[courier::api]` (Retrofit's typed APIs): a GitHub-like API as a
//! trait, the generated `RepoApiClient` on a client with a base URL and an auth hook, and the
//! same application code run on a hand-written fake. Runs offline (an in-process
//! `MockTransport` plays the API).
//!
//! `cargo run -p courier --example typed_api`
//!
//! Prints the requests the client sent and what came back, e.g.
//! `GET /v3/repos/rust-lang/rust/issues?state=open&per_page=2` and the decoded issues.

use courier::mock::matchers::{body_json, header, method, path, query_param};
use courier::multipart::Form;
use courier::{
    CancelToken, Client, ErrorKind, Mock, MockTransport, RequestFlow, ResponseTemplate, Result,
    on_request,
};
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize)]
struct Repo {
    full_name: String,
    stars: u32,
}

#[derive(Debug, Deserialize)]
struct Issue {
    number: u64,
    title: String,
}

#[derive(Serialize)]
struct NewIssue<'a> {
    title: &'a str,
    labels: &'a [&'a str],
}

/// Filters of the issue list, sent as query parameters.
#[derive(Serialize)]
struct IssueFilter {
    state: &'static str,
    per_page: u8,
}

/// The repository endpoints the app uses.
#[courier::api]
trait RepoApi {
    /// One repository.
    #[get("/repos/{owner}/{repo}")]
    async fn repo(&self, owner: &str, repo: &str) -> Result<Repo>;

    /// Issues, filtered.
    #[get("/repos/{owner}/{repo}/issues")]
    #[headers("Accept: application/vnd.github+json")]
    async fn issues(
        &self,
        owner: &str,
        repo: &str,
        #[query(flatten)] filter: &IssueFilter,
        cancel: Option<&CancelToken>,
    ) -> Result<Vec<Issue>>;

    /// Opens an issue; the request id makes retries safe.
    #[post("/repos/{owner}/{repo}/issues")]
    async fn open_issue(
        &self,
        owner: &str,
        repo: &str,
        #[body] issue: &NewIssue<'_>,
        #[header("X-Request-Id")] request_id: &str,
    ) -> Result<Issue>;

    /// Uploads a release asset.
    #[post("/repos/{owner}/{repo}/releases/{id}/assets")]
    async fn upload_asset(
        &self,
        owner: &str,
        repo: &str,
        id: u64,
        #[query] name: &str,
        #[multipart] file: Form,
    ) -> Result<()>;

    /// The raw README.
    #[get("/repos/{owner}/{repo}/readme")]
    async fn readme(&self, owner: &str, repo: &str) -> Result<String>;
}

/// Application code depends on the trait, so tests can hand it a fake.
async fn summary(api: &impl RepoApi, owner: &str, repo: &str) -> String {
    match api.repo(owner, repo).await {
        Ok(repo) => format!("{} ({} stars)", repo.full_name, repo.stars),
        Err(error) if error.status().map(|s| s.as_u16()) == Some(404) => "no such repo".into(),
        Err(error) => format!("unavailable ({:?})", error.kind()),
    }
}

struct OfflineRepos;

impl RepoApi for OfflineRepos {
    async fn repo(&self, _owner: &str, _repo: &str) -> Result<Repo> {
        Err(courier::Error::new(ErrorKind::Connection))
    }
    async fn issues(
        &self,
        _owner: &str,
        _repo: &str,
        _filter: &IssueFilter,
        _cancel: Option<&CancelToken>,
    ) -> Result<Vec<Issue>> {
        Ok(Vec::new())
    }
    async fn open_issue(
        &self,
        _owner: &str,
        _repo: &str,
        _issue: &NewIssue<'_>,
        _request_id: &str,
    ) -> Result<Issue> {
        Err(courier::Error::new(ErrorKind::Connection))
    }
    async fn upload_asset(
        &self,
        _owner: &str,
        _repo: &str,
        _id: u64,
        _name: &str,
        _file: Form,
    ) -> Result<()> {
        Ok(())
    }
    async fn readme(&self, _owner: &str, _repo: &str) -> Result<String> {
        Ok(String::new())
    }
}

fn mock_api() -> MockTransport {
    let mock = MockTransport::new();
    Mock::given(method("GET"))
        .and(path("/v3/repos/rust-lang/rust"))
        .and(header("authorization", "Bearer demo-token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "full_name": "rust-lang/rust", "stars": 100000
        })))
        .mount(&mock);
    Mock::given(method("GET"))
        .and(path("/v3/repos/rust-lang/rust/issues"))
        .and(query_param("state", "open"))
        .and(header("accept", "application/vnd.github+json"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!([
            {"number": 1, "title": "Faster compiles"},
            {"number": 2, "title": "Better errors"}
        ])))
        .mount(&mock);
    Mock::given(method("POST"))
        .and(path("/v3/repos/rust-lang/rust/issues"))
        .and(header("x-request-id", "req-42"))
        .and(body_json(
            serde_json::json!({"title": "Typed clients", "labels": ["idea"]}),
        ))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_json(serde_json::json!({"number": 3, "title": "Typed clients"})),
        )
        .mount(&mock);
    // A path parameter with a `/` stays one segment: `a%2Fb`.
    Mock::given(method("POST"))
        .and(path("/v3/repos/me/tools%2Fcli/releases/9/assets"))
        .and(query_param("name", "cli.tar.gz"))
        .respond_with(ResponseTemplate::new(201))
        .mount(&mock);
    Mock::given(method("GET"))
        .and(path("/v3/repos/rust-lang/rust/readme"))
        .respond_with(ResponseTemplate::new(200).body("# The Rust Programming Language"))
        .mount(&mock);
    mock
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<()> {
    let mock = mock_api();
    let auth = on_request(|mut request: courier::Request| async move {
        request.headers_mut().insert(
            "authorization",
            courier::http::HeaderValue::from_static("Bearer demo-token"),
        );
        Ok(RequestFlow::Next(request))
    });
    let client = Client::builder()
        .base_url("https://api.example/v3")
        .interceptor(auth)
        .transport(mock.clone())
        .build()?;
    let api = RepoApiClient::new(client);

    println!("summary: {}", summary(&api, "rust-lang", "rust").await);
    println!("summary: {}", summary(&api, "rust-lang", "nope").await);
    println!(
        "offline: {}",
        summary(&OfflineRepos, "rust-lang", "rust").await
    );

    let screen = CancelToken::new();
    let filter = IssueFilter {
        state: "open",
        per_page: 2,
    };
    for issue in api
        .issues("rust-lang", "rust", &filter, Some(&screen))
        .await?
    {
        println!("issue #{}: {}", issue.number, issue.title);
    }

    let new_issue = NewIssue {
        title: "Typed clients",
        labels: &["idea"],
    };
    let opened = api
        .open_issue("rust-lang", "rust", &new_issue, "req-42")
        .await?;
    println!("opened #{}: {}", opened.number, opened.title);

    let asset = Form::new().text("checksum", "sha256:…");
    api.upload_asset("me", "tools/cli", 9, "cli.tar.gz", asset)
        .await?;
    println!("uploaded an asset to me/tools%2Fcli");

    println!("readme: {}", api.readme("rust-lang", "rust").await?);

    println!("requests sent:");
    for request in mock.received_requests() {
        let url = request.url();
        let query = url.query().map(|q| format!("?{q}")).unwrap_or_default();
        println!("  {} {}{}", request.method(), url.path(), query);
    }
    Ok(())
}
