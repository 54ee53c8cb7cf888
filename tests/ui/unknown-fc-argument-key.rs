use fc_runtime::{fc_function, FcError, Invoke};

#[derive(serde::Serialize)]
pub struct Job { pub n: u32 }
#[derive(serde::Deserialize)]
pub struct Done { pub ok: bool }

pub trait T: Invoke {
    #[fc_function(service = "s")]
    async fn a(&self, #[fc(renme = "x")] a: u32, #[fc(invocation)] b: u32) -> Result<Done, FcError>;
}

fn main() {}
