//! A `server` trait's arguments are decoded into owned values: a borrow at the top becomes its owned type, one
//! nested in another type is refused with the owned type to write.
use std::borrow::Cow;

use fc_runtime::{fc_function, fc_service, FcError};

#[fc_service(service = "notes", server)]
pub trait Notes {
    #[fc_function]
    async fn top(&self, text: &str, ids: &[u32]) -> Result<(), FcError>;

    #[fc_function]
    async fn nested(&self, title: Option<&str>) -> Result<(), FcError>;

    #[fc_function]
    async fn listed(&self, tags: Vec<&str>, pairs: (u8, &[u16])) -> Result<(), FcError>;

    #[fc_function]
    async fn cow(&self, body: Cow<'_, str>) -> Result<(), FcError>;
}

/// Without `server`, the stubs may borrow at any depth.
#[fc_service(service = "notes")]
pub trait ClientOnly {
    #[fc_function]
    async fn nested(&self, title: Option<&str>) -> Result<(), FcError>;
}

fn main() {}
