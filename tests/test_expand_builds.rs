//! The checked-in expansions (`examples/expand/*.expanded.rs`) compiled as plain modules, with no macro involved:
//! what they show is code that builds and runs. A separate test binary from `test_expand`, so that a stale
//! expansion that no longer compiles can still be refreshed.

#[allow(unused_imports, dead_code, clippy::all)]
#[rustfmt::skip]
#[path = "../examples/expand/images.expanded.rs"]
mod images_expanded;

#[allow(unused_imports, dead_code, clippy::all)]
#[rustfmt::skip]
#[path = "../examples/expand/storage.expanded.rs"]
mod storage_expanded;

#[tokio::test]
async fn same_expansion_compiles_and_calls() {
    use fc_runtime::function::{Failure, Router};
    use fc_runtime::local::LocalFc;
    use images_expanded::{Images, Resize};
    let fc = LocalFc::builder()
        .router(
            "images",
            Router::new().json("resize", |job: serde_json::Value, _ctx| async move {
                Ok::<_, Failure>(
                    serde_json::json!({ "url": format!("{}?w={}", job["url"].as_str().unwrap(), job["width"]) }),
                )
            }),
        )
        .versions("images", 1)
        .alias("images", "prod", "1")
        .start()
        .await
        .unwrap();
    let thumb = fc.client().resize(Resize { url: "a.png".into(), width: 64 }).await.unwrap();
    assert_eq!(thumb.url, "a.png?w=64");
}
