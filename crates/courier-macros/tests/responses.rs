//! How `#[courier::api]` reads a response: by the `T` of `Result<T>`.

use bytes::Bytes;
use courier::mock::matchers::path;
use courier::{Client, ErrorKind, Mock, MockTransport, Response, ResponseTemplate};
use serde::Deserialize;
use serde::de::DeserializeOwned;

#[derive(Debug, PartialEq, Deserialize)]
struct Note {
    text: String,
}

/// An application's own error: any `E: From<courier::Error>` works.
#[derive(Debug)]
enum AppError {
    Offline,
    Server(u16),
    Other(ErrorKind),
}

impl From<courier::Error> for AppError {
    fn from(error: courier::Error) -> Self {
        match (error.kind(), error.status()) {
            (ErrorKind::Connection, _) => AppError::Offline,
            (_, Some(status)) => AppError::Server(status.as_u16()),
            (kind, None) => AppError::Other(kind),
        }
    }
}

#[courier::api(client = Notes)]
pub(crate) trait NoteApi {
    #[get("/note")]
    async fn note(&self) -> courier::Result<Note>;

    #[get("/note")]
    async fn raw(&self) -> courier::Result<Response>;

    #[get("/note")]
    async fn text(&self) -> courier::Result<String>;

    #[get("/note")]
    async fn bytes(&self) -> courier::Result<Bytes>;

    #[get("/note")]
    async fn touch(&self) -> courier::Result<()>;

    #[get("/note")]
    async fn optional(&self) -> courier::Result<Option<Note>>;

    #[get("/note")]
    async fn with_app_error(&self) -> Result<Note, AppError>;

    /// The caller picks the type to decode.
    #[get("/{name}")]
    async fn any<T: DeserializeOwned + Send + 'static>(&self, name: &str) -> courier::Result<T>;
}

fn notes(template: ResponseTemplate) -> (Notes, MockTransport) {
    let mock = MockTransport::new();
    Mock::given(path("/note"))
        .respond_with(template)
        .mount(&mock);
    let client = Client::builder()
        .base_url("https://api.example")
        .transport(mock.clone())
        .build()
        .unwrap();
    (Notes::new(client), mock)
}

fn note_json() -> ResponseTemplate {
    ResponseTemplate::new(200)
        .insert_header("x-id", "n1")
        .set_body_json(serde_json::json!({"text": "buy milk"}))
}

#[tokio::test]
async fn a_type_is_decoded_from_json() {
    let (api, _mock) = notes(note_json());
    assert_eq!(
        api.note().await.unwrap(),
        Note {
            text: "buy milk".into()
        }
    );
}

#[tokio::test]
async fn a_response_comes_back_unread() {
    let (api, _mock) = notes(note_json());
    let response = api.raw().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["x-id"], "n1");
    assert_eq!(response.text().await.unwrap(), r#"{"text":"buy milk"}"#);
}

#[tokio::test]
async fn text_bytes_and_unit_read_the_body() {
    let (api, _mock) = notes(ResponseTemplate::new(200).body("plain words"));
    assert_eq!(api.text().await.unwrap(), "plain words");
    assert_eq!(
        api.bytes().await.unwrap(),
        Bytes::from_static(b"plain words")
    );
    api.touch().await.unwrap();
}

#[tokio::test]
async fn a_body_that_is_not_the_type_is_a_decode_error() {
    let (api, _mock) = notes(ResponseTemplate::new(200).body("not json"));
    assert_eq!(api.note().await.unwrap_err().kind(), ErrorKind::Decode);
    let (api, _mock) = notes(ResponseTemplate::new(200).body("null"));
    assert_eq!(api.optional().await.unwrap(), None);
}

#[tokio::test]
async fn a_rejected_status_is_a_bad_response_for_every_return_type() {
    let (api, _mock) = notes(ResponseTemplate::new(404).body("no such note"));
    for error in [
        api.note().await.unwrap_err(),
        api.raw().await.unwrap_err(),
        api.text().await.unwrap_err(),
        api.bytes().await.unwrap_err(),
        api.touch().await.unwrap_err(),
    ] {
        assert_eq!(error.kind(), ErrorKind::BadResponse);
        assert_eq!(error.status(), Some(courier::http::StatusCode::NOT_FOUND));
    }
}

#[tokio::test]
async fn errors_convert_into_the_declared_error_type() {
    let (api, _mock) = notes(note_json());
    assert_eq!(api.with_app_error().await.unwrap().text, "buy milk");
    let (api, _mock) = notes(ResponseTemplate::new(503));
    assert!(matches!(
        api.with_app_error().await,
        Err(AppError::Server(503))
    ));
    let (api, _mock) = notes(ResponseTemplate::fault(
        courier::mock::Fault::ConnectionRefused,
    ));
    assert!(matches!(api.with_app_error().await, Err(AppError::Offline)));
    let (api, _mock) = notes(ResponseTemplate::new(200).body("{"));
    assert!(matches!(
        api.with_app_error().await,
        Err(AppError::Other(ErrorKind::Decode))
    ));
}

#[tokio::test]
async fn a_generic_endpoint_decodes_what_the_caller_asks_for() {
    let (api, _mock) = notes(note_json());
    let note: Note = api.any("note").await.unwrap();
    assert_eq!(note.text, "buy milk");
    // Through the trait too: the forwarding names the type parameter.
    let value: serde_json::Value = NoteApi::any(&api, "note").await.unwrap();
    assert_eq!(value["text"], "buy milk");
}
