//! The function side must agree with the calls: two stubs of one function with different events or results,
//! a generic trait, and `server` with a value.
use fc_runtime::{fc_function, fc_service, FcError, Invocation};

#[derive(serde::Serialize, serde::Deserialize)]
pub struct Job { pub n: u32 }
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Other { pub s: String }
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Done { pub ok: bool }

#[fc_service(service = "jobs", server)]
pub trait Jobs {
    #[fc_function]
    async fn run(&self, job: Job) -> Result<Done, FcError>;

    #[fc_function(function = "run", log = "tail")]
    async fn run_traced(&self, job: Other) -> Result<Invocation<Done>, FcError>;

    #[fc_function(function = "run")]
    async fn run_raw(&self, job: Job) -> Result<Vec<u8>, FcError>;

    #[fc_function(function = "run")]
    async fn run_counted(&self, job: Job) -> Result<u64, FcError>;
}

#[fc_service(service = "jobs", server)]
pub trait Generic<T: serde::Serialize + Send + Sync> {
    #[fc_function]
    async fn take(&self, value: T) -> Result<(), FcError>;
}

#[fc_service(service = "jobs", server = true)]
pub trait Valued {
    #[fc_function]
    async fn go(&self) -> Result<(), FcError>;
}

fn main() {}
