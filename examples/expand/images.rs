//! The trait from the project's design: a typed contract for an image service.

use fc_runtime::{Accepted, FcError, Invocation, fc_function, fc_service};
use serde::{Deserialize, Serialize};

#[derive(Serialize)]
pub struct Resize {
    pub url: String,
    pub width: u32,
}

#[derive(Deserialize)]
pub struct Thumbnail {
    pub url: String,
}

#[fc_service(service = "images", qualifier = "prod")]
pub trait Images {
    /// One argument is the whole event body.
    #[fc_function]
    async fn resize(&self, job: Resize) -> Result<Thumbnail, FcError>;

    /// Metadata (request id, decoded log tail, duration, memory, version) next to the value.
    #[fc_function(function = "resize", log = "tail")]
    async fn resize_traced(&self, job: Resize) -> Result<Invocation<Thumbnail>, FcError>;

    /// Several arguments become a JSON object keyed by name; the marked one becomes the
    /// stateful async invocation id header instead of a body field.
    #[fc_function(service = "video", qualifier = "LATEST", invocation = "async")]
    async fn transcode(&self, #[fc(invocation_id)] name: &str, source: String, preset: String)
    -> Result<Accepted, FcError>;
}
