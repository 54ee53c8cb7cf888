use fc_runtime::{fc_function, fc_service, FcError};

#[fc_service(service = "s", timeout = "soon")]
pub trait T {
    #[fc_function(timeout = "15")]
    async fn no_unit(&self) -> Result<(), FcError>;
    #[fc_function(timeout = "0s")]
    async fn zero(&self) -> Result<(), FcError>;
    #[fc_function(timeout = "25h")]
    async fn too_long(&self) -> Result<(), FcError>;
    #[fc_function(timeout = 30)]
    async fn not_a_string(&self) -> Result<(), FcError>;
    #[fc_function(timeout = "1.5h")]
    async fn fraction(&self) -> Result<(), FcError>;
}

fn main() {}
