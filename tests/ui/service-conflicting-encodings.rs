use fc_runtime::{fc_function, fc_service, FcError};

#[derive(serde::Serialize)]
pub struct Job { pub n: u32 }
#[derive(serde::Deserialize)]
pub struct Done { pub ok: bool }

#[fc_service(service = "s")]
pub trait T {
    #[fc_function(function = "upload")]
    async fn upload_json(&self, job: Job) -> Result<Done, FcError>;

    #[fc_function(function = "upload")]
    async fn upload_raw(&self, data: Vec<u8>) -> Result<Done, FcError>;
}

fn main() {}
