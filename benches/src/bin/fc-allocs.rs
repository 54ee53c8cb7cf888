//! Heap allocations per call, counted by a counting global allocator: the typed stub, `Client::invoke` with a
//! pre-encoded body, and bare reqwest and bare hyper sending the same pre-signed request, each against a LocalFc in
//! its own process (so that only the client's allocations count), one call at a time on a current-thread runtime.
//!
//! ```text
//! cargo run --release -p fc-benches --bin fc-allocs [-- CALLS]
//! ```

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use fc_benches::{ACCESS_KEY_ID, ACCESS_KEY_SECRET, Bench as _, NoIo, event_1kb};
use fc_runtime::{Client, Credentials, InvokeRequest, RetryPolicy};
use http_body_util::{BodyExt as _, Full};

struct Counting;

static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);
static BYTES: AtomicU64 = AtomicU64::new(0);

// SAFETY: every call is passed to the system allocator unchanged; only counters are added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        BYTES.fetch_add(layout.size() as u64, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        BYTES.fetch_add(new_size as u64, Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Allocations and bytes per call of `call`, over `calls` calls after a warm-up.
async fn per_call<F, Fut>(calls: u64, mut call: F) -> (f64, f64)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..200 {
        assert!(call().await, "the warm-up call failed");
    }
    let (a0, b0) = (ALLOCATIONS.load(Ordering::SeqCst), BYTES.load(Ordering::SeqCst));
    for _ in 0..calls {
        assert!(call().await, "a call failed");
    }
    let (a1, b1) = (ALLOCATIONS.load(Ordering::SeqCst), BYTES.load(Ordering::SeqCst));
    ((a1 - a0) as f64 / calls as f64, (b1 - b0) as f64 / calls as f64)
}

fn main() -> Result<(), BoxError> {
    let calls: u64 = std::env::args().nth(1).map(|c| c.parse()).transpose()?.unwrap_or(2_000);
    let bench = std::env::current_exe()?.with_file_name("fc-bench");
    let mut child =
        Command::new(&bench).args(["server", "localfc"]).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn()?;
    let mut stdout = BufReader::new(child.stdout.take().ok_or("no stdout")?);
    let endpoint = loop {
        let mut line = String::new();
        if stdout.read_line(&mut line)? == 0 {
            return Err("the server did not start".into());
        }
        if let Some(endpoint) = line.trim().strip_prefix("listening on ") {
            break endpoint.to_owned();
        }
    };
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let client = Client::builder()
        .endpoint(&endpoint)
        .credentials(Credentials::new(ACCESS_KEY_ID, ACCESS_KEY_SECRET))
        .retry(RetryPolicy::none())
        .use_env_proxy(false)
        .build()?;
    let event = event_1kb();
    let body = Bytes::from(serde_json::to_vec(&event)?);
    let request = NoIo::default().build(&InvokeRequest::new(fc_benches::SERVICE, "echo").json_bytes(body.clone()));
    let (parts, _) = request.into_parts();
    let url = format!("{endpoint}{}", parts.uri.path());
    let headers = parts.headers;
    let reqwest = reqwest::Client::builder().no_proxy().tcp_nodelay(true).build()?;
    let hyper =
        hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new()).build_http::<Full<Bytes>>();
    let uri: http::Uri = url.parse()?;

    let rows = rt.block_on(async {
        let typed = per_call(calls, || async { client.echo(&event).await.is_ok() }).await;
        let raw = per_call(calls, || async {
            client.invoke(InvokeRequest::new(fc_benches::SERVICE, "echo").json_bytes(body.clone())).await.is_ok()
        })
        .await;
        let plain = per_call(calls, || async {
            let sent = reqwest.post(&url).headers(headers.clone()).body(body.clone()).send().await;
            match sent {
                Ok(r) => r.bytes().await.is_ok(),
                Err(_) => false,
            }
        })
        .await;
        let bare = per_call(calls, || async {
            let mut req = http::Request::post(uri.clone()).body(Full::new(body.clone())).expect("request");
            *req.headers_mut() = headers.clone();
            match hyper.request(req).await {
                Ok(r) => r.into_body().collect().await.is_ok(),
                Err(_) => false,
            }
        })
        .await;
        [
            ("typed stub", typed),
            ("Client::invoke, body pre-encoded", raw),
            ("bare reqwest, pre-signed", plain),
            ("bare hyper, pre-signed", bare),
        ]
    });
    println!(
        "| Client (1 KB echo, one call at a time, {calls} calls) | allocations per call | bytes allocated per call |"
    );
    println!("|---|---|---|");
    for (name, (allocations, bytes)) in rows {
        println!("| {name} | {allocations:.1} | {bytes:.0} |");
    }
    drop(child.stdin.take());
    let _ = child.wait();
    Ok(())
}
