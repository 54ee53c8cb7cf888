//! A mistake in a client stub of a `server` trait is reported once, at the mistake: the function side still has
//! every declared function, so the implementation below (which is right) gets no error of its own.
use fc_runtime::{fc_function, fc_service, Accepted, FcError};

#[derive(serde::Serialize, serde::Deserialize)]
pub struct Job { pub n: u32 }
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Done { pub ok: bool }

#[fc_service(service = "jobs", server)]
pub trait Jobs {
    #[fc_function]
    async fn run(&self, job: Job) -> Result<Done, FcError>;

    #[fc_function(invocation = "Async")]
    async fn later(&self, job: Job) -> Result<Accepted, FcError>;

    #[fc_function]
    async fn count(&self, (a, b): (u32, u32)) -> u64;
}

struct Worker;

impl JobsServer for Worker {
    type Error = std::io::Error;

    async fn run(&self, job: Job) -> Result<Done, std::io::Error> {
        Ok(Done { ok: job.n > 0 })
    }

    async fn later(&self, _job: Job) -> Result<(), std::io::Error> {
        Ok(())
    }

    async fn count(&self, pair: (u32, u32)) -> Result<u64, std::io::Error> {
        Ok(u64::from(pair.0 + pair.1))
    }
}

fn main() {
    let _ = Worker.into_router();
    let _ = <Worker as JobsServer>::FUNCTIONS;
}
