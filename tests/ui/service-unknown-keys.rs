use fc_runtime::{fc_function, fc_service, FcError};

#[derive(serde::Serialize)]
pub struct Job { pub n: u32 }
#[derive(serde::Deserialize)]
pub struct Done { pub ok: bool }

#[fc_service(service = "s", function = "f", invocation = "async", timeout = "3s")]
pub trait T {
    #[fc_function]
    async fn a(&self, job: Job) -> Result<Done, FcError>;
}

fn main() {}
