use fc_runtime::{fc_function, fc_service, FcError};

#[derive(serde::Serialize)]
pub struct Job { pub n: u32 }
#[derive(serde::Deserialize)]
pub struct Done { pub ok: bool }

#[fc_service(service = "s")]
pub trait T {
    #[fc_function(invocation = "Async")]
    async fn a(&mut self, job: Job) -> Result<Done, FcError>;

    #[fc_function(function = "b c", log = "tail", invocation = "async")]
    async fn b(&self, #[fc(invocation_id)] id: u32) -> Result<Done, FcError>;

    #[fc_function]
    async fn good(&self, job: Job) -> Result<Done, FcError>;
}

// The trait is still emitted: the impl for Client exists and the good method is callable.
async fn later(client: fc_runtime::Client) {
    let _ = client.good(Job { n: 1 }).await;
}

fn main() {}
