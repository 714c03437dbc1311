//! The trait stays a trait: code written against it takes the generated client in
//! production and a hand-written fake in tests, and its futures are `Send`.

use std::sync::Mutex;

use courier::mock::matchers::path;
use courier::{Client, ErrorKind, Mock, MockTransport, ResponseTemplate, Result};
use serde::Deserialize;

#[derive(Debug, Clone, PartialEq, Deserialize)]
struct Profile {
    name: String,
}

#[courier::api]
trait ProfileApi {
    #[get("/profiles/{id}")]
    async fn profile(&self, id: u64) -> Result<Profile>;

    #[put("/profiles/{id}/name")]
    async fn rename(&self, id: u64, #[body] name: &str) -> Result<()>;

    /// A provided method: kept in the trait, available to the client and to fakes.
    async fn display_name(&self, id: u64) -> Result<String>
    where
        Self: Sync,
    {
        Ok(self.profile(id).await?.name.to_uppercase())
    }
}

/// Application code: knows the trait, not the transport.
async fn greeting(api: &impl ProfileApi, id: u64) -> String {
    match api.profile(id).await {
        Ok(profile) => format!("Hello, {}!", profile.name),
        Err(error) if error.kind() == ErrorKind::BadResponse => "Who are you?".to_owned(),
        Err(_) => "Offline".to_owned(),
    }
}

/// A fake written with plain `async fn`s.
#[derive(Default)]
struct FakeProfiles {
    renamed: Mutex<Vec<(u64, String)>>,
}

impl ProfileApi for FakeProfiles {
    async fn profile(&self, id: u64) -> Result<Profile> {
        match id {
            1 => Ok(Profile { name: "Ada".into() }),
            _ => Err(courier::Error::new(ErrorKind::Connection)),
        }
    }

    async fn rename(&self, id: u64, name: &str) -> Result<()> {
        self.renamed.lock().unwrap().push((id, name.to_owned()));
        Ok(())
    }
}

#[tokio::test]
async fn application_code_runs_on_a_fake() {
    let fake = FakeProfiles::default();
    assert_eq!(greeting(&fake, 1).await, "Hello, Ada!");
    assert_eq!(greeting(&fake, 2).await, "Offline");
    fake.rename(1, "Grace").await.unwrap();
    assert_eq!(*fake.renamed.lock().unwrap(), vec![(1, "Grace".to_owned())]);
    assert_eq!(fake.display_name(1).await.unwrap(), "ADA");
}

#[tokio::test]
async fn application_code_runs_on_the_generated_client() {
    let mock = MockTransport::new();
    Mock::given(path("/profiles/1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"name": "Ada"})))
        .mount(&mock);
    let client = Client::builder()
        .base_url("https://api.example")
        .transport(mock)
        .build()
        .unwrap();
    let api = ProfileApiClient::new(client);
    assert_eq!(greeting(&api, 1).await, "Hello, Ada!");
    assert_eq!(greeting(&api, 2).await, "Who are you?");
    assert_eq!(api.display_name(1).await.unwrap(), "ADA");
}

#[tokio::test]
async fn trait_futures_can_be_spawned_from_generic_code() {
    async fn spawn_lookup<A: ProfileApi + Clone + Send + Sync + 'static>(
        api: A,
    ) -> Result<Profile> {
        tokio::spawn(async move { api.profile(1).await })
            .await
            .unwrap()
    }
    let mock = MockTransport::new();
    Mock::given(path("/profiles/1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"name": "Ada"})))
        .mount(&mock);
    let client = Client::builder()
        .base_url("https://api.example")
        .transport(mock)
        .build()
        .unwrap();
    let profile = spawn_lookup(ProfileApiClient::new(client)).await.unwrap();
    assert_eq!(profile.name, "Ada");
}
