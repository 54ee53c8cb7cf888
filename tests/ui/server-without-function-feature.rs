//! `#[fc_service(…, server)]` in a crate whose fc-runtime lacks the `function` feature: one error at `server`,
//! naming the feature. (The tests' own fc-runtime has the feature; `crate = "runtime"` points the generated code at
//! a stand-in whose `__fc_function_side!` is the featureless one.)
mod runtime {
    pub use fc_runtime::*;
    pub use fc_runtime::__fc_function_side_needs_the_feature as __fc_function_side;
}

use fc_runtime::{fc_function, FcError};

#[fc_runtime::fc_service(service = "demo", server, crate = "runtime")]
pub trait Demo {
    #[fc_function]
    async fn greet(&self, name: String) -> Result<String, FcError>;
}

fn main() {}
