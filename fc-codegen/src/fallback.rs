//! What is emitted for a method with mistakes: the method as declared, with a body that type-checks whatever
//! its signature, so that the errors reported are the user's mistakes and not a cascade (missing methods in
//! `impl … for Client {}`, unknown `#[fc]` attributes, …).

use proc_macro2::TokenStream;
use quote::quote;
use syn::{FnArg, ReturnType, TraitItemFn, Type};

use crate::ast::is_fc_function;

pub(crate) fn method(item: &TraitItemFn) -> TokenStream {
    let mut item = item.clone();
    item.attrs.retain(|a| !is_fc_function(a));
    for input in item.sig.inputs.iter_mut() {
        if let FnArg::Typed(pt) = input {
            pt.attrs.retain(|a| !a.path().is_ident("fc"));
        }
    }
    let returns_impl = matches!(&item.sig.output, ReturnType::Type(_, ty) if matches!(**ty, Type::ImplTrait(_)));
    let body = if returns_impl && item.sig.asyncness.is_none() {
        quote!({ ::core::future::pending() })
    } else {
        quote!({ ::core::unimplemented!("this method has errors reported by #[fc_function]") })
    };
    item.attrs.push(syn::parse_quote!(#[allow(unused_variables)]));
    item.default = Some(syn::parse2(body).expect("fallback body parses"));
    item.semi_token = None;
    if let Some(FnArg::Receiver(r)) = item.sig.inputs.first()
        && r.reference.is_none()
    {
        item.sig.generics.make_where_clause().predicates.push(syn::parse_quote!(Self: ::core::marker::Sized));
    }
    quote!(#item)
}
