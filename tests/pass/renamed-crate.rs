// The runtime reached through another path, as a renamed dependency would be.
use fc_runtime as fcr;

#[fcr::fc_service(service = "svc", crate = "fcr")]
pub trait ThroughAlias {
    #[fcr::fc_function]
    async fn call(&self, n: u32) -> Result<u32, fcr::FcError>;
}

fn main() {}
