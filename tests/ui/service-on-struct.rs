use fc_runtime::fc_service;

#[derive(serde::Serialize)]
pub struct Job { pub n: u32 }
#[derive(serde::Deserialize)]
pub struct Done { pub ok: bool }

#[fc_service(service = "s")]
pub struct NotATrait;

fn main() {}
