struct NotSerialize;
struct NotDeserialize;
struct NotDisplay;

#[courier::api]
trait UserApi {
    #[post("/users")]
    async fn create(&self, #[body] user: &NotSerialize) -> courier::Result<()>;

    #[get("/users")]
    async fn users(&self) -> courier::Result<NotDeserialize>;

    #[get("/users/{id}")]
    async fn user(&self, id: NotDisplay) -> courier::Result<()>;
}

fn main() {}
