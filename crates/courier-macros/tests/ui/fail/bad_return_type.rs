struct User;

#[courier::api]
trait UserApi {
    #[get("/a")]
    async fn a(&self);

    #[get("/b")]
    async fn b(&self) -> User;
}

fn main() {}
