#[courier::api]
trait UserApi {
    #[post("/users")]
    async fn create(
        &self,
        #[body] user: &serde_json::Value,
        #[form] form: &[(&str, &str)],
        #[multipart] upload: courier::multipart::Form,
    ) -> courier::Result<()>;
}

fn main() {}
