//! Raw bytes, unit results, generics, and a lone `#[fc_function]` on a trait with the `Invoke` supertrait.

use fc_runtime::{Bytes, FcError, Invoke, fc_function, fc_service};

#[fc_service(service = "storage")]
pub trait Blobs<K> {
    /// Raw bytes travel unchanged as `application/octet-stream`.
    #[fc_function]
    async fn put_blob(&self, data: &[u8]) -> Result<(), FcError>;

    /// Raw bytes back.
    #[fc_function]
    async fn get_blob(&self, key: K) -> Result<Bytes, FcError>;

    /// A generic method: bounds are inferred.
    #[fc_function(function = "get_json")]
    async fn get_as<T>(&self, key: K, r#type: &str) -> Result<T, FcError>;
}

pub trait Health: Invoke {
    /// No argument: an empty event.
    #[fc_function(service = "ops", function = "ping")]
    fn ping(&self) -> impl Future<Output = Result<(), FcError>> + Send;
}
