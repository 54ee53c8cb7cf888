use fc_runtime::{fc_function, FcError};

#[derive(serde::Serialize)]
pub struct Job { pub n: u32 }
#[derive(serde::Deserialize)]
pub struct Done { pub ok: bool }

#[fc_function(service = "s")]
pub async fn a(_job: Job) -> Result<Done, FcError> {
    unimplemented!()
}

fn main() {}
