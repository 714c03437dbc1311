#[courier::api]
trait UserApi {
    #[get("/users/{id}")]
    async fn user(id: u64) -> courier::Result<()>;

    #[delete("/users/{id}")]
    async fn delete(&mut self, id: u64) -> courier::Result<()>;
}

fn main() {}
