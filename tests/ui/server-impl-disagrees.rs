//! An implementation whose method does not take what the callers send is a compile error at the implementation.
use fc_runtime::{fc_function, fc_service, FcError};

#[derive(serde::Serialize, serde::Deserialize)]
pub struct Job { pub n: u32 }

#[fc_service(service = "jobs", server)]
pub trait Jobs {
    #[fc_function]
    async fn run(&self, job: Job) -> Result<u32, FcError>;
}

struct Worker;

#[derive(Debug)]
struct No;

impl std::fmt::Display for No {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("no")
    }
}

impl std::error::Error for No {}

impl JobsServer for Worker {
    type Error = No;

    async fn run(&self, job: String) -> Result<u32, No> {
        Ok(job.len() as u32)
    }
}

fn main() {}
