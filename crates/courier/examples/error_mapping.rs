//! The seed's `AppError` mapping, in Rust: every courier error becomes a domain error a UI
//! can render. Runs offline (an in-process `MockTransport` plays the API).
//!
//! `cargo run -p courier --example error_mapping`
//!
//! The Dart original maps `connectionTimeout` and `receiveTimeout` but forgets
//! `sendTimeout`, and turns a cancelled request into `ServerError(0)`. Mapping from
//! [`ApiError`] makes both impossible to forget: the match below must cover every case.

use std::time::Duration;

use courier::mock::Fault;
use courier::mock::matchers::path;
use courier::{ApiError, Client, FieldErrors, Mock, MockTransport, ResponseTemplate};

/// What the app's screens know how to show.
#[derive(Debug)]
enum AppError {
    Network,
    Timeout,
    Unauthorized,
    /// Shown next to each form field.
    Validation(FieldErrors),
    /// "Try again in N seconds".
    RateLimited(Option<Duration>),
    Server(u16),
    /// Nothing to show: the user navigated away.
    Cancelled,
    /// A bug or an unexpected answer: report it, show a generic message.
    Unexpected(String),
}

impl AppError {
    /// The line a screen shows.
    fn message(&self) -> String {
        match self {
            AppError::Network => "You're offline. Check your connection.".into(),
            AppError::Timeout => "The server is taking too long. Try again.".into(),
            AppError::Unauthorized => "Please sign in again.".into(),
            AppError::Validation(fields) => fields
                .iter()
                .map(|(field, messages)| format!("{field}: {}", messages.join("; ")))
                .collect::<Vec<_>>()
                .join(", "),
            AppError::RateLimited(Some(wait)) => {
                format!("Too many requests. Try again in {} s.", wait.as_secs())
            }
            AppError::RateLimited(None) => "Too many requests. Try again later.".into(),
            AppError::Server(code) => format!("The server failed ({code}). Try again later."),
            AppError::Cancelled => String::new(),
            AppError::Unexpected(detail) => format!("Something went wrong ({detail})."),
        }
    }
}

fn map_error(error: &courier::Error) -> AppError {
    match ApiError::from(error) {
        ApiError::Network => AppError::Network,
        ApiError::Timeout { .. } => AppError::Timeout,
        ApiError::Unauthorized { .. } => AppError::Unauthorized,
        ApiError::Validation { fields, .. } => AppError::Validation(fields),
        ApiError::RateLimited { retry_after, .. } => AppError::RateLimited(retry_after),
        ApiError::Server { status, .. } => AppError::Server(status.as_u16()),
        ApiError::Cancelled => AppError::Cancelled,
        other => AppError::Unexpected(other.to_string()),
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let api = MockTransport::new();
    Mock::given(path("/signup"))
        .respond_with(
            ResponseTemplate::new(422)
                .insert_header("content-type", "application/problem+json")
                .body(
                    r##"{"type": "https://api.example/probs/validation", "title": "Invalid sign-up",
                        "errors": [{"pointer": "#/email", "detail": "is already registered"},
                                   {"pointer": "#/password", "detail": "needs 12 characters"}]}"##,
                ),
        )
        .mount(&api);
    Mock::given(path("/feed"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "30"))
        .mount(&api);
    Mock::given(path("/me"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&api);
    Mock::given(path("/report"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&api);
    Mock::given(path("/offline"))
        .respond_with(ResponseTemplate::fault(Fault::ConnectionRefused))
        .mount(&api);

    let client = Client::builder()
        .base_url("https://api.example")
        .transport(api)
        .build()?;

    for (method, route) in [
        ("POST", "signup"),
        ("GET", "feed"),
        ("GET", "me"),
        ("GET", "report"),
        ("GET", "offline"),
    ] {
        let request = match method {
            "POST" => client.post(route),
            _ => client.get(route),
        };
        let Err(error) = request.send().await else {
            continue;
        };
        println!("{method} /{route}: {}", map_error(&error).message());
    }
    Ok(())
}
