#[courier::api]
trait Generic<T> {
    #[get("/a")]
    async fn a(&self) -> courier::Result<()>;
}

#[courier::api]
trait WithItems: Clone {
    type Item;
    const LIMIT: u32;

    #[get("/new")]
    async fn new(&self) -> courier::Result<()>;

    #[get("/body")]
    async fn with_body(&self) -> courier::Result<()> {
        Ok(())
    }
}

fn main() {}
