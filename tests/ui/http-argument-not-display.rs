//! A route argument that cannot travel in the URL or a header gets its error at the argument's type.
use fc_runtime::{fc_http, FcError};

pub struct Filter { pub min: u32 }

#[fc_http]
pub trait Photos {
    #[route(GET, "/photos")]
    async fn search(&self, #[fc(query)] filter: Filter) -> Result<(), FcError>;

    #[route(GET, "/photos/{id}")]
    async fn photo(&self, id: Filter) -> Result<(), FcError>;

    #[route(GET, "/photos")]
    async fn tagged(&self, #[fc(header = "x-filter")] filter: Filter) -> Result<(), FcError>;
}

fn main() {}
