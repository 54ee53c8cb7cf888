use fc_runtime::{fc_function, FcError, Invoke};

#[derive(serde::Serialize)]
pub struct Job { pub n: u32 }
#[derive(serde::Deserialize)]
pub struct Done { pub ok: bool }

pub trait T: Invoke {
    #[fc_function(service = "my svc")]
    async fn a(&self, job: Job) -> Result<Done, FcError>;

    #[fc_function(service = "1st")]
    async fn b(&self, job: Job) -> Result<Done, FcError>;

    #[fc_function(service = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    async fn c(&self, job: Job) -> Result<Done, FcError>;
}

fn main() {}
