use fc_runtime::{fc_function, FcError, Invoke};

#[derive(serde::Serialize)]
pub struct Job { pub n: u32 }
#[derive(serde::Deserialize)]
pub struct Done { pub ok: bool }

pub trait T: Invoke {
    #[fc_function(service = "s", name = "other", version = "1", invocation_type = "async")]
    async fn a(&self, job: Job) -> Result<Done, FcError>;
}

fn main() {}
