//! The code generator behind `#[fc_function]` and `#[fc_service]`, usable as a library so that the expansion
//! can be pretty-printed and inspected, plus Function Compute's naming rules shared with the runtime.

pub mod names;
