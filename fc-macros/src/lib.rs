//! Placeholder
use proc_macro::TokenStream;
/// x
#[proc_macro_attribute]
pub fn fc_function(_a: TokenStream, i: TokenStream) -> TokenStream {
    i
}
/// x
#[proc_macro_attribute]
pub fn fc_service(_a: TokenStream, i: TokenStream) -> TokenStream {
    i
}
