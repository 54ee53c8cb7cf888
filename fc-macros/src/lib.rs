//! `#[fc_function]` and `#[fc_service]`: typed Function Compute stubs. Use them through `fc_runtime`, which
//! re-exports both and documents the grammar.

use proc_macro::TokenStream;

/// Turns a trait method declaration into a typed Function Compute call. See `fc_runtime::fc_function`.
#[proc_macro_attribute]
pub fn fc_function(args: TokenStream, item: TokenStream) -> TokenStream {
    fc_codegen::fc_function(args.into(), item.into()).into()
}

/// Sets defaults for every `#[fc_function]` of a trait, adds the `Invoke` supertrait and implements the trait for
/// `fc_runtime::Client`. See `fc_runtime::fc_service`.
#[proc_macro_attribute]
pub fn fc_service(args: TokenStream, item: TokenStream) -> TokenStream {
    fc_codegen::fc_service(args.into(), item.into()).into()
}
