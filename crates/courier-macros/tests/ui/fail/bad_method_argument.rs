#[courier::api]
trait UserApi {
    #[get]
    async fn a(&self) -> courier::Result<()>;

    #[post(42)]
    async fn b(&self) -> courier::Result<()>;

    #[put("/c", "/d")]
    async fn c(&self) -> courier::Result<()>;

    #[get("/e")]
    #[delete("/e")]
    async fn e(&self) -> courier::Result<()>;

    async fn f(&self) -> courier::Result<()>;
}

fn main() {}
