use std::future::Future;

use fc_runtime::{Accepted, Bytes, Client, FcError, Invocation, Invoke, fc_function, fc_service};
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
pub struct Job {
    pub n: u32,
}

#[fc_service(service = "svc", qualifier = "prod")]
pub trait Everything {
    #[fc_function]
    async fn none(&self) -> Result<(), FcError>;
    #[fc_function]
    async fn one(&self, job: Job) -> Result<Job, FcError>;
    #[fc_function]
    async fn by_ref(&self, job: &Job) -> Result<Job, FcError>;
    #[fc_function]
    async fn several(&self, r#type: String, #[fc(rename = "count")] n: u32, job: &Job) -> Result<Job, FcError>;
    #[fc_function]
    async fn vec_bytes(&self, data: Vec<u8>) -> Result<Vec<u8>, FcError>;
    #[fc_function(function = "vec_bytes")]
    async fn slice_bytes(&self, data: &[u8]) -> Result<Bytes, FcError>;
    #[fc_function(function = "vec_bytes")]
    async fn bytes_bytes(&self, data: Bytes) -> Result<Invocation<Bytes>, FcError>;
    #[fc_function(log = "tail", qualifier = "LATEST")]
    async fn traced(&self, job: Job) -> Result<Invocation<Job>, FcError>;
    #[fc_function(log = "none", invocation = "sync")]
    async fn traced_unit(&self, job: Job) -> Result<Invocation<()>, FcError>;
    #[fc_function(service = "other", invocation = "async")]
    async fn stateful(&self, #[fc(invocation_id)] id: &str, job: Job) -> Result<Accepted, FcError>;
    #[fc_function(service = "other", function = "stateful", invocation = "async")]
    async fn stateful_owned(&self, #[fc(invocation_id)] id: String) -> Result<Accepted, FcError>;
    #[fc_function(function = "one")]
    fn desugared(&self, job: Job) -> impl Future<Output = Result<Job, FcError>> + Send;
    #[fc_function(function = "one")]
    async fn generic<T: Serialize, R>(&self, value: T) -> Result<R, FcError>;
    #[fc_function(function = "one")]
    async fn with_lifetime<'a>(&self, value: &'a Job) -> Result<Job, FcError>;
    /// Documented.
    #[doc(alias = "old")]
    #[deprecated]
    #[fc_function(function = "one")]
    async fn deprecated(&self, job: Job) -> Result<Job, FcError>;
}

pub trait Generic<T: Serialize + serde::de::DeserializeOwned>: Invoke {
    #[fc_function(service = "svc")]
    async fn put(&self, value: T) -> Result<T, FcError>;
}

impl<T: Serialize + serde::de::DeserializeOwned> Generic<T> for Client {}

#[fc_service(service = "svc")]
pub trait GenericService<K, V> {
    #[fc_function]
    async fn get(&self, key: K) -> Result<Option<V>, FcError>;
}

fn assert_send<F: Future + Send>(_: F) {}

#[allow(deprecated)]
fn main() {
    let client = Client::builder().endpoint("http://127.0.0.1:9").credentials(fc_runtime::Credentials::new("a", "b")).build().unwrap();
    assert_send(client.one(Job { n: 1 }));
    assert_send(client.deprecated(Job { n: 1 }));
    assert_send(client.stateful("id", Job { n: 1 }));
    assert_send(Generic::<Job>::put(&client, Job { n: 1 }));
    assert_send(GenericService::<String, Job>::get(&client, "k".to_string()));
    let _: Option<Invocation<Job>> = None;
}
