//! The demo functions as FC runs them: the function side of the `Demo` trait (`POST /invoke`, routed by the
//! function name FC sends) and the demo web function (every other request, an HTTP trigger's), one binary. Built
//! and deployed by `cargo fc build -p fc-demo` and `cargo fc deploy -p fc-demo` with the settings in this
//! package's `Cargo.toml`.

use examples::{DemoFunctions, DemoServer};
use examples_web::demo_web;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    fc_runtime::function::serve(DemoFunctions::process().into_router().http(demo_web())).await
}
