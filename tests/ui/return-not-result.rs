use fc_runtime::{fc_function, FcError, Invoke};

#[derive(serde::Serialize)]
pub struct Job { pub n: u32 }
#[derive(serde::Deserialize)]
pub struct Done { pub ok: bool }

pub trait T: Invoke {
    #[fc_function(service = "s")]
    async fn a(&self, job: Job) -> Done;

    #[fc_function(service = "s")]
    async fn b(&self, job: Job) -> Result<Done, String>;

    #[fc_function(service = "s")]
    async fn c(&self, job: Job);

    #[fc_function(service = "s")]
    fn d(&self, job: Job) -> Result<Done, FcError>;
}

fn main() {}
