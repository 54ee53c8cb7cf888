//! An in-process route that logs without end holds a bounded log, alone in its test binary (it measures the
//! process's resident memory). RELIABILITY.md reports the million-line run.

use fc_runtime::function::{Failure, Router};
use fc_runtime::local::LocalFc;
use fc_runtime::{InvokeRequest, LogType};

fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// One invocation logs `FC_SOAK_LOG_LINES` lines of 1 KiB (default 100,000, 100 MiB of log; the long run is a
/// million): the invocation's log keeps its last 256 KiB, so resident memory does not follow the volume, and the
/// Tail is still the last lines.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_route_logging_a_million_lines_holds_a_bounded_log() {
    let lines: u64 = std::env::var("FC_SOAK_LOG_LINES").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let router = Router::new().json("chatty", |n: u64, ctx| async move {
        let line = "x".repeat(1000);
        for i in 0..n {
            ctx.log(format!("{i:>10} {line}"));
        }
        Ok::<_, Failure>(n)
    });
    let fc = LocalFc::builder().router("soak", router).start().await.unwrap();
    let client = fc.client();
    let call = |n: u64| {
        let client = client.clone();
        async move {
            let request = InvokeRequest::new("soak", "chatty").json_bytes(n.to_string()).log_type(LogType::Tail);
            client.invoke(request).await.unwrap()
        }
    };
    call(10_000).await;
    let before = rss_kib();
    let answer = call(lines).await;
    let after = rss_kib();
    let tail = answer.meta.log_tail.unwrap();
    assert!(tail.contains(&format!("{:>10} ", lines - 1)), "the tail holds the last line");
    let grown = after.saturating_sub(before);
    println!("{lines} lines of 1 KiB logged by one invocation: RSS {before} KiB -> {after} KiB (+{grown} KiB)");
    assert!(grown < 16 * 1024, "RSS grew by {grown} KiB over {lines} logged KiB: the log is not bounded");
}
