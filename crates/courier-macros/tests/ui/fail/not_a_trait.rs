#[courier::api]
struct UserApi;

#[courier::api(name = "Users")]
trait Users {}

fn main() {}
