#[courier::api]
trait UserApi {
    #[get("/users/{id}")]
    fn user(&self, id: u64) -> courier::Result<()>;
}

fn main() {}
