//! The smallest useful FC custom runtime: one `echo` function served with `fc_runtime::function::serve`. The
//! benchmark starts it to measure cold start (process start to the first answered `/invoke`) and throughput.

use fc_runtime::function::{Failure, Router};

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let router = Router::new().route("echo", |event, _ctx| async move { Ok::<_, Failure>(event) });
    fc_runtime::function::serve(router).await
}
