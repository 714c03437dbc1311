#[courier::api]
trait UserApi {
    #[get("/me")]
    async fn me(&self, #[cookie] session: &str) -> courier::Result<()>;

    #[get("/me")]
    async fn me_too(&self, #[body(json)] user: &str, #[query(skip)] page: u32) -> courier::Result<()>;
}

fn main() {}
