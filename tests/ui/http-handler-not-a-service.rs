//! `Router::http` takes a tower `Service`; a plain `async fn` handler is not one, and the message says what to
//! wrap it in.
use fc_runtime::function::Router;

async fn handler() -> &'static str {
    "hello"
}

fn main() {
    let _ = Router::new().http(handler);
}
