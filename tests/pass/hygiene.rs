#![no_implicit_prelude]
#![allow(dead_code, non_camel_case_types)]

// Everything a careless expansion might name unqualified, shadowed by something else.
struct Result;
struct Ok;
struct Err;
struct Option;
struct Some;
struct None;
struct Vec;
struct String;
struct Box;
struct Send;
struct Future;
struct Serialize;
struct core;
struct std;
mod __private {}

#[derive(::serde::Serialize, ::serde::Deserialize)]
pub struct Job {
    pub n: u32,
}

#[::fc_runtime::fc_service(service = "svc")]
pub trait Hygienic {
    #[::fc_runtime::fc_function]
    async fn call(&self, job: Job) -> ::core::result::Result<Job, ::fc_runtime::FcError>;
    #[::fc_runtime::fc_function(function = "call")]
    async fn several(&self, a: u32, b: &Job) -> ::core::result::Result<(), ::fc_runtime::FcError>;
    #[::fc_runtime::fc_function(invocation = "async")]
    async fn later(
        &self,
        #[fc(invocation_id)] id: &str,
        data: ::std::vec::Vec<u8>,
    ) -> ::core::result::Result<::fc_runtime::Accepted, ::fc_runtime::FcError>;
}

fn main() {}
