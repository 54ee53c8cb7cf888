use fc_runtime::{fc_http, FcError};

#[derive(serde::Serialize)]
pub struct Album { pub title: String }

#[fc_http]
pub trait Albums {
    #[route(get, "/albums/{id}")]
    async fn lowercase(&self, id: u32) -> Result<(), FcError>;

    #[route(GET, "albums")]
    async fn relative(&self) -> Result<(), FcError>;

    #[route(GET, "/albums/{id}")]
    async fn missing_parameter(&self) -> Result<(), FcError>;

    #[route(GET, "/albums")]
    async fn unplaced(&self, id: u32) -> Result<(), FcError>;

    #[route(POST, "/albums")]
    async fn two_bodies(&self, #[fc(body)] a: &Album, #[fc(body)] b: &Album) -> Result<(), FcError>;

    #[route(GET, "/albums")]
    async fn fc_header(&self, #[fc(header = "x-fc-trace-id")] trace: &str) -> Result<(), FcError>;

    #[route(POST, "/albums", invocation = "async")]
    async fn async_with_value(&self) -> Result<String, FcError>;

    async fn no_route(&self) -> Result<(), FcError>;

    #[route(GET, "/client")]
    async fn trigger_client(&self) -> Result<(), FcError>;
}

fn main() {}
