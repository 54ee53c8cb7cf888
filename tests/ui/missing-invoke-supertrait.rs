use fc_runtime::{fc_function, FcError};

#[derive(serde::Serialize)]
pub struct Job { pub n: u32 }
#[derive(serde::Deserialize)]
pub struct Done { pub ok: bool }

pub trait T {
    #[fc_function(service = "s")]
    async fn a(&self, job: Job) -> Result<Done, FcError>;
}

fn main() {}
