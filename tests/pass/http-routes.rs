//! Every supported form of an `#[fc_http]` route compiles, and the trait is implemented for `HttpTriggerClient`.

use std::future::Future;

use fc_runtime::http_trigger::{HttpTriggerClient, Reply, TriggerResponse, TriggerStream};
use fc_runtime::{fc_http, Bytes, FcError};

#[derive(serde::Serialize)]
pub struct NewAlbum { pub title: String }
#[derive(serde::Deserialize)]
pub struct Album { pub id: u64 }

#[fc_http]
pub trait Albums {
    /// A doc comment is kept.
    #[route(GET, "/albums/{id}", idempotent)]
    async fn album(&self, id: u64, #[fc(query)] fields: Option<&str>) -> Result<Album, FcError>;
    #[route(POST, "/albums")]
    async fn create(&self, #[fc(body)] album: &NewAlbum, #[fc(header = "x-request-tag")] tag: &str) -> Result<Reply<Album>, FcError>;
    #[route(PUT, "/albums/{id}/cover.{ext}")]
    fn cover(&self, id: u64, ext: &str, #[fc(body)] image: Bytes) -> impl Future<Output = Result<(), FcError>>;
    #[route(POST, "/notes", log = "tail")]
    async fn note(&self, #[fc(body)] text: String) -> Result<Reply<String>, FcError>;
    #[route(POST, "/later", invocation = "async")]
    async fn later(&self, #[fc(body)] data: &[u8]) -> Result<TriggerResponse, FcError>;
    #[route(GET, "/export")]
    async fn export(&self, #[fc(query = "format")] kind: &str) -> Result<TriggerStream, FcError>;
    #[route(DELETE, "/albums/{type}")]
    async fn delete(&self, r#type: &str) -> Result<Vec<u8>, FcError>;
}

fn assert_send<T: Send>(_: T) {}

fn main() {
    let client = HttpTriggerClient::builder("http://127.0.0.1:1").build().unwrap();
    assert_send(client.album(1, None));
    assert_send(client.create(&NewAlbum { title: "t".into() }, "tag"));
    assert_send(client.cover(1, "png", Bytes::new()));
    assert_send(client.note("n".into()));
    assert_send(client.later(b"x"));
    assert_send(client.export("csv"));
    assert_send(client.delete("x"));
}
