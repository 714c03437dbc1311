#[courier::api]
trait UserApi {
    #[get("/a")]
    #[headers("Accept application/json")]
    async fn a(&self) -> courier::Result<()>;

    #[get("/b")]
    async fn b(&self, #[header("X Trace")] trace: &str) -> courier::Result<()>;
}

fn main() {}
