//! The demo functions as a Function Compute custom runtime: the function side of the `Demo` trait, served over
//! FC's `POST /invoke` protocol on `0.0.0.0`, port `FC_CUSTOM_LISTEN_PORT` (else `FC_SERVER_PORT`, else 9000).
//!
//! ```sh
//! cargo run --example function                                   # serves on 0.0.0.0:9000
//! RUST_FC_LISTEN_HOST=127.0.0.1 FC_CUSTOM_LISTEN_PORT=0 cargo run --example function
//! ```
//!
//! Deployed as is on FC (see `examples/deploy/`), or run by `LocalFc` from a command
//! (`cargo run --example local_fc -- --function-command target/debug/examples/function`).

use examples::{DemoFunctions, DemoServer};
use examples_web::demo_web;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    // `POST /invoke` (API calls and triggers) by the trait, every other request (an HTTP trigger's) by the web
    // function.
    fc_runtime::function::serve(DemoFunctions::process().into_router().http(demo_web())).await
}
