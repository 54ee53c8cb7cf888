use fc_runtime::{fc_function, FcError, Invoke};

#[derive(serde::Serialize)]
pub struct Job { pub n: u32 }
#[derive(serde::Deserialize)]
pub struct Done { pub ok: bool }

pub struct Opaque;

pub trait T: Invoke {
    #[fc_function(service = "s")]
    async fn a(&self, job: Opaque) -> Result<Done, FcError>;

    #[fc_function(service = "s")]
    async fn b(&self, first: u32, second: &Opaque) -> Result<Done, FcError>;
}

fn main() {}
