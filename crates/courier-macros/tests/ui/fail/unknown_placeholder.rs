#[courier::api]
trait UserApi {
    #[get("/users/{id}/posts/{post}")]
    async fn post(&self, id: u64) -> courier::Result<()>;

    #[get("/users/{id}")]
    async fn user(&self, #[query] id: u64) -> courier::Result<()>;
}

fn main() {}
