//! The client side: for a valid method, a default body that encodes the arguments, calls `Invoke::invoke` and
//! decodes the answer (a method with a mistake gets its fallback); for an `#[fc_service]` trait, the trait with
//! its stubs, the `Invoke` supertrait, and its implementations for `Client` and `DynInvoke`. Every path is
//! absolute (`::core::…`, `<crate>::__private::…`).

use proc_macro2::TokenStream;
use quote::{ToTokens, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::visit::Visit;
use syn::{FnArg, Type, WherePredicate};

use crate::ast::{ArgKind, Entry, InvocationInner, Method, Ret, Service, is_fc_function};
use crate::attr::{Invocation, Log};

/// The runtime crate's path: `crate = "…"` or `::fc_runtime`.
pub(crate) fn runtime_path(m: &Method<'_>) -> TokenStream {
    match &m.settings.krate {
        Some(k) => k.value.to_token_stream(),
        None => quote!(::fc_runtime),
    }
}

/// Whether a type names one of `generics` (so a bound must be added for it).
fn mentions(ty: &Type, generics: &[syn::Ident]) -> bool {
    struct Finder<'a> {
        generics: &'a [syn::Ident],
        found: bool,
    }
    impl<'ast> Visit<'ast> for Finder<'_> {
        fn visit_path(&mut self, p: &'ast syn::Path) {
            if p.leading_colon.is_none() && self.generics.iter().any(|g| p.segments[0].ident == *g) {
                self.found = true;
            }
            syn::visit::visit_path(self, p);
        }
    }
    let mut f = Finder { generics, found: false };
    f.visit_type(ty);
    f.found
}

/// Whether a type has a reference or `'_` without a named lifetime (such types cannot appear in where clauses).
fn has_elided_lifetime(ty: &Type) -> bool {
    struct Finder(bool);
    impl<'ast> Visit<'ast> for Finder {
        fn visit_type_reference(&mut self, r: &'ast syn::TypeReference) {
            if r.lifetime.is_none() {
                self.0 = true;
            }
            syn::visit::visit_type_reference(self, r);
        }
        fn visit_lifetime(&mut self, l: &'ast syn::Lifetime) {
            if l.ident == "_" {
                self.0 = true;
            }
        }
    }
    let mut f = Finder(false);
    f.visit_type(ty);
    f.0
}

/// `&T` is serialized as `T`: bound the referent.
fn strip_refs(ty: &Type) -> &Type {
    match ty {
        Type::Reference(r) => strip_refs(&r.elem),
        Type::Group(g) => strip_refs(&g.elem),
        Type::Paren(p) => strip_refs(&p.elem),
        other => other,
    }
}

/// The bound an argument or result type that mentions a generic parameter needs, as a where-clause predicate:
/// the method's own parameters, and the trait's when `#[fc_service]` tells them. Concrete types are checked
/// where the body uses them, with the error spanned at the type. Types with elided lifetimes cannot appear in
/// where clauses and are also left to the body.
fn inferred_bound(ty: &Type, generics: &[syn::Ident], bound: TokenStream) -> Option<WherePredicate> {
    let target = strip_refs(ty);
    if !mentions(target, generics) || has_elided_lifetime(target) {
        return None;
    }
    let bound = respan(bound, target.span());
    Some(syn::parse_quote!(#target: #bound))
}

/// Gives every token the span of the user's type, so that "`X: Serialize` is not satisfied" points at `X`.
pub(crate) fn respan(tokens: TokenStream, span: proc_macro2::Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut tt| {
            if let proc_macro2::TokenTree::Group(g) = &tt {
                let mut group = proc_macro2::Group::new(g.delimiter(), respan(g.stream(), span));
                group.set_span(span);
                tt = proc_macro2::TokenTree::Group(group);
            } else {
                tt.set_span(span);
            }
            tt
        })
        .collect()
}

/// The generated method, replacing the declaration.
pub(crate) fn method(m: &Method<'_>, trait_generics: &[syn::Ident]) -> TokenStream {
    let rt = runtime_path(m);
    let p = quote!(#rt::__private);
    let item = m.item;
    let mut sig = item.sig.clone();
    sig.asyncness = None;
    for input in sig.inputs.iter_mut() {
        if let FnArg::Typed(pt) = input {
            pt.attrs.retain(|a| !a.path().is_ident("fc"));
        }
    }
    // What the user wrote is kept, so that their imports (`Future`, `FcError`, …) stay used: an `async fn`
    // becomes `fn … -> impl Future<Output = …> + Send`, and a written `impl Future<…>` only gains `+ Send`.
    let declared = crate::ast::declared_output(item).expect("validated");
    if item.sig.asyncness.is_some() {
        sig.output = syn::parse_quote! {
            -> impl #p::Future<Output = #declared> + #p::Send
        };
    } else if let syn::ReturnType::Type(_, ty) = &mut sig.output
        && let Type::ImplTrait(imp) = &mut **ty
        && !imp.bounds.iter().any(
            |b| matches!(b, syn::TypeParamBound::Trait(t) if t.path.segments.last().is_some_and(|s| s.ident == "Send")),
        )
    {
        imp.bounds.push(syn::parse_quote!(#p::Send));
    }

    let mut generics: Vec<syn::Ident> = trait_generics.to_vec();
    generics.extend(sig.generics.type_params().map(|t| t.ident.clone()));
    let mut bounds: Vec<WherePredicate> = Vec::new();
    for arg in &m.args {
        if arg.kind == ArgKind::Json {
            bounds.extend(inferred_bound(arg.ty, &generics, quote!(#p::Serialize)));
        }
    }
    let decoded = match m.ret.expect("validated") {
        Ret::Json(t) | Ret::Invocation(InvocationInner::Json(t)) => Some(t),
        _ => None,
    };
    if let Some(t) = decoded {
        bounds.extend(inferred_bound(t, &generics, quote!(#p::DeserializeOwned)));
    }
    if !bounds.is_empty() {
        sig.generics.make_where_clause().predicates.extend(bounds);
    }

    let (function, _) = m.function_name();
    let mut request = if m.is_fc3() {
        quote!(#p::InvokeRequest::fc3(#function))
    } else {
        let service = &m.settings.service.as_ref().expect("validated").value;
        quote!(#p::InvokeRequest::new(#service, #function))
    };
    if let Some(q) = &m.settings.qualifier {
        let q = &q.value;
        request.extend(quote!(.qualifier(#q)));
    }
    // An invocation id implies async, so `invocation = "async"` adds nothing to it.
    if let Some(id) = m.args.iter().find(|a| a.kind == ArgKind::InvocationId) {
        let ident = &id.ident;
        request.extend(quote!(.invocation_id(#p::AsRef::<str>::as_ref(&#ident))));
    } else if m.settings.invocation.as_ref().is_some_and(|i| i.value == Invocation::Async) {
        request.extend(quote!(.invocation_type(#p::InvocationType::Async)));
    }
    if m.settings.log.as_ref().is_some_and(|l| l.value == Log::Tail) {
        request.extend(quote!(.log_type(#p::LogType::Tail)));
    }
    if let Some(t) = &m.settings.timeout {
        let ms = t.value;
        request.extend(quote!(.timeout(#p::Duration::from_millis(#ms))));
    }

    // The event is encoded and the call prepared when the method is called: the future holds the request's
    // future (which owns bytes), not the arguments, and not `self` — so a trait without the `Invoke` supertrait
    // gets one error, at `Invoke::invoke`, and nothing about `Send`.
    let invoke_path = respan(quote!(#p::Invoke::invoke), item.sig.ident.span());
    let body_args: Vec<_> = m.args.iter().filter(|a| a.kind != ArgKind::InvocationId).collect();
    let (prepare, await_call) = match body_args.as_slice() {
        [] => (quote_spanned!(item.sig.ident.span()=> #invoke_path(self, #request)), quote!(__fc_call.await?)),
        [arg] if arg.kind == ArgKind::Bytes => {
            let ident = &arg.ident;
            let into_body = quote_spanned!(arg.ty.span()=> #p::IntoBody::into_body(#ident));
            let call = quote_spanned!(item.sig.ident.span()=> #invoke_path(self, #request.bytes(#into_body)));
            (call, quote!(__fc_call.await?))
        }
        [arg] => {
            let (ident, ty) = (&arg.ident, arg.ty);
            let encode = quote_spanned!(ty.span()=> #p::encode_json::<#ty>(&#ident));
            let call = quote_spanned!(item.sig.ident.span()=> #invoke_path(self, #request.json_bytes(__fc_event)));
            (quote!(#encode.map(|__fc_event| #call)), quote!(__fc_call?.await?))
        }
        several => {
            let fields = several.iter().map(|arg| {
                let (ident, ty, key) = (&arg.ident, arg.ty, &arg.key);
                quote_spanned!(ty.span()=> .field::<#ty>(#key, &#ident))
            });
            let call = quote_spanned!(item.sig.ident.span()=> #invoke_path(self, #request.json_bytes(__fc_event)));
            (quote!(#p::JsonObject::new() #(#fields)* .finish().map(|__fc_event| #call)), quote!(__fc_call?.await?))
        }
    };

    let decode = match m.ret.expect("validated") {
        Ret::Json(t) => {
            let decode = quote_spanned!(t.span()=> #p::decode_json::<#t>(&__fc_response));
            quote!(#p::sync_result(&__fc_response)?; #decode)
        }
        Ret::Unit => quote!(#p::sync_result(&__fc_response)),
        Ret::Bytes(t) => {
            let from = quote_spanned!(t.span()=> #p::from_body::<#t>(__fc_response.body));
            quote!(#p::sync_result(&__fc_response)?; #p::Ok(#from))
        }
        Ret::Invocation(InvocationInner::Json(t)) => {
            let decode = quote_spanned!(t.span()=> #p::decode_json::<#t>(&__fc_response)?);
            quote! {
                #p::sync_result(&__fc_response)?;
                #p::Ok(#p::Invocation::new(#decode, __fc_response.meta))
            }
        }
        Ret::Invocation(InvocationInner::Unit) => quote! {
            #p::sync_result(&__fc_response)?;
            #p::Ok(#p::Invocation::new((), __fc_response.meta))
        },
        Ret::Invocation(InvocationInner::Bytes(t)) => {
            let from = quote_spanned!(t.span()=> #p::from_body::<#t>(__fc_response.body));
            quote! {
                #p::sync_result(&__fc_response)?;
                #p::Ok(#p::Invocation::new(#from, __fc_response.meta))
            }
        }
        Ret::Accepted(_) => quote!(#p::Accepted::from_response(__fc_response)),
    };
    let attrs = item.attrs.iter().filter(|a| !is_fc_function(a));
    quote! {
        #(#attrs)*
        #sig {
            let __fc_call = #prepare;
            async move {
                let __fc_response = #await_call;
                #decode
            }
        }
    }
}

/// The trait of an `#[fc_service]`: each method's stub (or fallback), the `Invoke` supertrait, and the
/// implementations for `Client` and `DynInvoke`.
pub(crate) fn service(service: &Service<'_>) -> TokenStream {
    let tr = service.item;
    let rt = service.runtime_path();
    let trait_generics: Vec<syn::Ident> = tr.generics.type_params().map(|t| t.ident.clone()).collect();
    // The inner `#[fc_function]` attributes are consumed here; naming their paths once keeps the user's
    // `use fc_runtime::fc_function` import used (it is needed for the attribute to resolve anyway).
    let mut attr_paths: Vec<syn::Path> = Vec::new();
    let items: Vec<TokenStream> = service
        .entries
        .iter()
        .map(|entry| match entry {
            Entry::Unmarked(item) => crate::fallback::method(item),
            Entry::Function(m) => {
                let path = m.attr.path();
                if !attr_paths.iter().any(|p| p.to_token_stream().to_string() == path.to_token_stream().to_string()) {
                    attr_paths.push(path.clone());
                }
                if m.ok { method(&m.model, &trait_generics) } else { crate::fallback::method(m.model.item) }
            }
        })
        .collect();
    let mut supertraits = tr.supertraits.clone();
    let has_invoke = supertraits.iter().any(|b| match b {
        syn::TypeParamBound::Trait(t) => t.path.segments.last().is_some_and(|s| s.ident == "Invoke"),
        _ => false,
    });
    if !has_invoke {
        supertraits.push(syn::parse_quote!(#rt::__private::Invoke));
    }
    let (impl_generics, ty_generics, where_clause) = tr.generics.split_for_impl();
    let (attrs, vis, unsafety, ident, generics) = (&tr.attrs, &tr.vis, &tr.unsafety, &tr.ident, &tr.generics);
    quote! {
        #(#attrs)*
        #vis #unsafety trait #ident #generics : #supertraits #where_clause {
            #(#items)*
        }
        impl #impl_generics #ident #ty_generics for #rt::__private::Client #where_clause {}
        impl #impl_generics #ident #ty_generics for #rt::__private::DynInvoke #where_clause {}
        const _: () = {
            #(#[allow(unused_imports)] use #attr_paths as _;)*
        };
    }
}
