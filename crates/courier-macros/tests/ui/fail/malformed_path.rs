#[courier::api]
trait UserApi {
    #[get("/users/{id")]
    async fn a(&self, id: u64) -> courier::Result<()>;

    #[get("/search?q={q}")]
    async fn b(&self, q: &str) -> courier::Result<()>;

    #[get("/users/{user id}")]
    async fn c(&self) -> courier::Result<()>;
}

fn main() {}
