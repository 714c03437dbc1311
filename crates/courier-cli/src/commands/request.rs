//! `courier get|post|put|delete URL`: one request through the cache.

use std::io::Write;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use courier::redact::{is_secret_header, redact_url};
use courier::{Client, ErrorKind, Response};
use courier_cache::{CacheInterceptor, CacheOptions, CachePolicy, CacheStatus};

use super::{interrupt_token, parse_header};
use crate::cli::{PolicyArg, RequestArgs};
use crate::{failure, store_location};

pub(crate) async fn run(method: http::Method, args: RequestArgs) -> anyhow::Result<ExitCode> {
    let store = store_location::open(&args.store).await?;
    let cache = CacheOptions::new(store.clone()).policy(policy(args.policy));
    let client = Client::builder()
        .timeout(Duration::try_from_secs_f64(args.timeout).unwrap_or(Duration::from_secs(30)))
        .interceptor(CacheInterceptor::new(cache))
        .build()?;

    let mut request = client.request(method, &args.url);
    for header in &args.headers {
        let (name, value) = parse_header(header)?;
        request = request.header(name, value);
    }
    if !args.query.is_empty() {
        let pairs = args
            .query
            .iter()
            .map(|pair| pair.split_once('=').unwrap_or((pair.as_str(), "")))
            .collect::<Vec<_>>();
        request = request.query(&pairs);
    }
    if let Some(data) = &args.data {
        let body: serde_json::Value = serde_json::from_str(data).map_err(|error| {
            courier::Error::with_source(ErrorKind::InvalidRequest, error)
                .with_message("the -d body is not valid JSON")
        })?;
        request = request.json(&body);
    }
    let request = request.cancel_token(&interrupt_token()).build()?;
    if args.verbose {
        print_request(&request);
    }

    let started = Instant::now();
    let result = client.execute(request).await;
    let (response, code) = match result {
        Ok(response) => (response, ExitCode::SUCCESS),
        Err(error) if error.kind() == ErrorKind::BadResponse && error.response().is_some() => {
            let status = error.status().unwrap_or(http::StatusCode::BAD_GATEWAY);
            let Some(response) = error.into_response() else {
                unreachable!("checked above");
            };
            eprintln!("error: the server answered {status}");
            (response, ExitCode::from(failure::status_code(status)))
        }
        Err(error) => return Err(error.into()),
    };
    if args.verbose {
        print_response(&response, started.elapsed());
    }
    let body = response.bytes().await?;
    let mut stdout = std::io::stdout().lock();
    match args
        .json
        .then(|| serde_json::from_slice::<serde_json::Value>(&body).ok())
        .flatten()
    {
        Some(value) => writeln!(stdout, "{}", serde_json::to_string_pretty(&value)?)?,
        None => stdout.write_all(&body)?,
    }
    stdout.flush()?;
    store.close().await.ok();
    Ok(code)
}

fn policy(policy: PolicyArg) -> CachePolicy {
    match policy {
        PolicyArg::Request => CachePolicy::Request,
        PolicyArg::ForceCache => CachePolicy::ForceCache,
        PolicyArg::Refresh => CachePolicy::Refresh,
        PolicyArg::RefreshForceCache => CachePolicy::RefreshForceCache,
        PolicyArg::NoCache => CachePolicy::NoCache,
        PolicyArg::OnlyIfCached => CachePolicy::OnlyIfCached,
    }
}

fn print_request(request: &courier::Request) {
    eprintln!("> {} {}", request.method(), redact_url(request.url()));
    print_headers('>', request.headers());
}

fn print_response(response: &Response, elapsed: Duration) {
    eprintln!("< {:?} {}", response.version(), response.status());
    print_headers('<', response.headers());
    let cache = response.extensions().get::<CacheStatus>().map_or_else(
        || "none".to_owned(),
        |status| status.to_header_value("courier"),
    );
    eprintln!("* {} ms, cache: {cache}", elapsed.as_millis());
}

/// Headers, with secrets (Authorization, Cookie, API keys) masked.
fn print_headers(direction: char, headers: &http::HeaderMap) {
    for (name, value) in headers {
        let shown = if is_secret_header(name, &[]) {
            "***".into()
        } else {
            String::from_utf8_lossy(value.as_bytes()).into_owned()
        };
        eprintln!("{direction} {name}: {shown}");
    }
}
