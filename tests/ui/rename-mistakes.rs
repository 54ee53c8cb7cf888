use fc_runtime::{fc_function, FcError, Invoke};

#[derive(serde::Serialize)]
pub struct Job { pub n: u32 }
#[derive(serde::Deserialize)]
pub struct Done { pub ok: bool }

pub trait T: Invoke {
    #[fc_function(service = "s")]
    async fn a(&self, #[fc(rename = "n")] first: u32, n: u32) -> Result<Done, FcError>;

    #[fc_function(service = "s")]
    async fn b(&self, #[fc(rename = "x")] only: u32) -> Result<Done, FcError>;

    #[fc_function(service = "s")]
    async fn c(&self, #[fc(rename = "")] a: u32, b: u32) -> Result<Done, FcError>;
}

fn main() {}
