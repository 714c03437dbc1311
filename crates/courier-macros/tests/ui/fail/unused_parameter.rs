#[courier::api]
trait UserApi {
    #[get("/users")]
    async fn users(&self, page: u32) -> courier::Result<()>;

    #[get("/users")]
    async fn user(&self, #[path] id: u64) -> courier::Result<()>;
}

fn main() {}
