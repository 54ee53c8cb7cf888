//! A method in the `impl Future` form keeps the user's `Future` import in use, so `-D warnings` builds pass;
//! `+ Send` is added where the user left it out.
#![deny(warnings)]

use std::future::Future;

use fc_runtime::{FcError, fc_function, fc_service};

#[fc_service(service = "demo")]
pub trait Demo {
    #[fc_function]
    fn ping(&self) -> impl Future<Output = Result<(), FcError>> + Send;

    #[fc_function(function = "ping")]
    fn ping_unsent(&self) -> impl Future<Output = Result<(), FcError>>;
}

fn assert_send<F: Send>(_: F) {}

fn main() {
    let client = fc_runtime::Client::builder()
        .endpoint("http://127.0.0.1:9")
        .credentials(fc_runtime::Credentials::new("id", "secret"))
        .build()
        .unwrap();
    assert_send(client.ping());
    assert_send(client.ping_unsent());
}
