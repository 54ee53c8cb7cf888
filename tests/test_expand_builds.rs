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

#[allow(unused_imports, dead_code, clippy::all)]
#[rustfmt::skip]
#[path = "../examples/expand/orders.expanded.rs"]
mod orders_expanded;

/// The expanded function side, implemented and hosted: both ends of the checked-in expansion talk to each other.
#[tokio::test]
async fn the_expanded_server_trait_serves_its_own_stubs() {
    use fc_runtime::local::{LocalFc, Namespace};
    use orders_expanded::{Order, Orders, OrdersServer, Receipt};

    struct Shop;
    impl OrdersServer for Shop {
        type Error = std::io::Error;
        async fn place(&self, order: Order) -> Result<Receipt, std::io::Error> {
            Ok(Receipt { id: format!("{}x{}", order.quantity, order.sku) })
        }
        async fn cancel(&self, id: String, reason: Option<String>) -> Result<(), std::io::Error> {
            match reason {
                Some(_) => Ok(()),
                None => Err(std::io::Error::other(format!("no reason to cancel {id}"))),
            }
        }
        async fn invoice_pdf(&self, id: fc_runtime::Bytes) -> Result<Vec<u8>, std::io::Error> {
            Ok([b"%PDF-".as_slice(), &id].concat())
        }
    }
    assert_eq!(<Shop as OrdersServer>::FUNCTIONS, ["place", "cancel", "invoice_pdf"]);
    let fc = LocalFc::builder().router(Namespace::Fc3, Shop.into_router()).start().await.unwrap();
    let client = fc.client();
    let order = Order { sku: "tea".into(), quantity: 2 };
    assert_eq!(client.place(&order).await.unwrap().id, "2xtea");
    assert_eq!(client.place_traced(&order).await.unwrap().value.id, "2xtea");
    client.cancel("o-1", Some("changed my mind".into())).await.unwrap();
    let err = client.cancel("o-2", None).await.unwrap_err();
    assert_eq!(err.as_function().and_then(|f| f.error_type.as_deref()), Some("Error"));
    assert_eq!(client.invoice_pdf(fc_runtime::Bytes::from_static(b"o-1")).await.unwrap(), b"%PDF-o-1");
}

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
        .versions(("images", "resize"), 1)
        .alias(("images", "resize"), "prod", "1")
        .start()
        .await
        .unwrap();
    let thumb = fc.client().resize(Resize { url: "a.png".into(), width: 64 }).await.unwrap();
    assert_eq!(thumb.url, "a.png?w=64");
}
