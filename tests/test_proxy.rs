//! Proxies from the environment: a function's calls to LocalFc on 127.0.0.1 are never proxied (in process and
//! from the function's own process, which inherits the variables), and a connection error through a proxy says
//! which proxy. One test in its own binary: it sets the process's proxy variables.

use examples::{Demo, DemoFunctions, DemoServer, Greet};
use fc_runtime::local::{CustomRuntime, LocalFc};
use fc_runtime::{Client, Credentials, FcError, RetryPolicy};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn loopback_is_never_proxied_and_a_proxy_that_fails_is_named() {
    // A proxy that refuses every connection: a port nothing listens on.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let proxy = format!("http://{dead}");
    // SAFETY: the only test of this binary, before it starts anything that reads the environment.
    unsafe {
        for name in ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"] {
            std::env::set_var(name, &proxy);
        }
        std::env::remove_var("NO_PROXY");
        std::env::remove_var("no_proxy");
    }

    // A function calling another through `ctx.client()`, in process…
    let fc = LocalFc::builder().router("demo", DemoFunctions::default().into_router()).start().await.unwrap();
    let relayed = fc.client().relay(Greet { name: "Bo".into() }).await.unwrap();
    assert_eq!(relayed.greeting, "Hello, Bo! (relayed)");
    // …and from its own process, started with the same variables.
    let runtime = CustomRuntime::command(support::example_binary("function"));
    let fc = LocalFc::builder()
        .custom_runtime("demo", <DemoFunctions as DemoServer>::FUNCTIONS, runtime)
        .start()
        .await
        .unwrap();
    let relayed = fc.client().relay(Greet { name: "Cy".into() }).await.unwrap();
    assert_eq!(relayed.greeting, "Hello, Cy! (relayed)");

    // A client of a host that is not loopback goes through the proxy (only the proxy is dialled), and the error
    // names it.
    let client = Client::builder()
        .endpoint("http://fc.invalid")
        .credentials(Credentials::new("id", "secret"))
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let err = client.greet(Greet { name: "Di".into() }).await.unwrap_err();
    let FcError::Transport(transport) = &err else { panic!("{err:?}") };
    assert_eq!(transport.proxy.as_deref(), Some(format!("{proxy} (from HTTP_PROXY)").as_str()));
    let text = err.to_string();
    assert!(text.contains(&format!("through the proxy {proxy} (from HTTP_PROXY)")), "{text}");
}
