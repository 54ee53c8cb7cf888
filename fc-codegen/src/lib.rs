//! The code generator behind `#[fc_function]` and `#[fc_service]`.
//!
//! It is a library so that the expansion can be inspected: [`fc_function`] and [`fc_service`] take the
//! attribute's arguments and the annotated item and return the generated code, which a test can pretty-print.
//! The proc-macro crate `fc-macros` is a thin wrapper around these two functions. The module [`names`] holds
//! Function Compute's naming rules, shared with the runtime's checks.
//!
//! Pipeline, one concern per module: `attr` (attribute syntax) → `ast` (the model) → `valid` (semantic checks)
//! → `expand` (codegen), or `fallback` (the best item plus every error) when the input has mistakes.

mod ast;
mod attr;
mod ctxt;
mod expand;
mod fallback;
mod server;
mod valid;

/// Function Compute's naming rules (the `fc-names` crate), shared with the runtime's checks.
pub use fc_names as names;

use std::collections::HashMap;

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote};
use syn::spanned::Spanned;
use syn::{Item, TraitItem, TraitItemFn};

use crate::attr::{AttrKind, Settings};
use crate::ctxt::Ctxt;

/// Expands `#[fc_function(args)]` applied to `item`.
pub fn fc_function(args: TokenStream, item: TokenStream) -> TokenStream {
    let ctx = Ctxt::new();
    let before = ctx.error_count();
    let settings = attr::parse_settings(&ctx, AttrKind::Function, args);
    let settings_ok = ctx.error_count() == before;
    let method = match parse_method(item.clone()) {
        Ok(method) => method,
        Err(message) => {
            ctx.error_at(item_span(&item), message);
            let errors = ctx.check();
            return quote!(#errors #item);
        }
    };
    let out = function_method(&ctx, &method, settings, settings_ok, Span::call_site(), &[]);
    let errors = ctx.check();
    quote!(#errors #out)
}

fn item_span(item: &TokenStream) -> Span {
    match syn::parse2::<Item>(item.clone()) {
        Ok(Item::Fn(f)) => f.sig.ident.span(),
        Ok(other) => other.span(),
        Err(_) => Span::call_site(),
    }
}

/// A trait method declaration, or an explanation of what the item is instead.
fn parse_method(item: TokenStream) -> Result<TraitItemFn, String> {
    const HINT: &str = "#[fc_function] goes on a method declared in a trait whose supertraits include \
                        `fc_runtime::Invoke` (or inside an #[fc_service] trait), e.g. \
                        `async fn resize(&self, job: Resize) -> Result<Thumbnail, FcError>;`";
    if let Ok(Item::Fn(f)) = syn::parse2::<Item>(item.clone()) {
        if f.sig.receiver().is_none() {
            return Err(format!("#[fc_function] cannot be used on a free function: {HINT}"));
        }
        if !matches!(f.vis, syn::Visibility::Inherited) {
            return Err(format!("#[fc_function] cannot be used on a method of an `impl` block: {HINT}"));
        }
    }
    syn::parse2::<TraitItemFn>(item).map_err(|_| format!("#[fc_function] cannot be used here: {HINT}"))
}

/// Models, checks and expands one method (or emits its fallback).
fn function_method(
    ctx: &Ctxt,
    item: &TraitItemFn,
    settings: Settings,
    settings_ok: bool,
    attr_span: Span,
    trait_generics: &[syn::Ident],
) -> TokenStream {
    let before = ctx.error_count();
    let model = ast::method(ctx, item, settings, attr_span);
    // Checks of combinations would only echo a malformed attribute (a misspelt `invocation` is not "async"),
    // so they run once the attribute itself is right.
    if settings_ok {
        valid::check_method(ctx, &model);
    }
    if !settings_ok || ctx.error_count() > before {
        fallback::method(item)
    } else {
        expand::method(&model, trait_generics)
    }
}

/// Expands `#[fc_service(args)]` applied to `item`.
pub fn fc_service(args: TokenStream, item: TokenStream) -> TokenStream {
    let ctx = Ctxt::new();
    let defaults = attr::parse_settings(&ctx, AttrKind::Service, args);
    let mut tr = match syn::parse2::<syn::ItemTrait>(item.clone()) {
        Ok(tr) => tr,
        Err(_) => {
            ctx.error_at(item_span(&item), "#[fc_service] goes on a trait whose methods are marked #[fc_function]");
            let errors = ctx.check();
            return quote!(#errors #item);
        }
    };
    let rt = match &defaults.krate {
        Some(k) => k.value.to_token_stream(),
        None => quote!(::fc_runtime),
    };
    let trait_generics: Vec<syn::Ident> = tr.generics.type_params().map(|t| t.ident.clone()).collect();

    struct Target {
        method: syn::Ident,
        bytes_event: bool,
    }
    let mut targets: HashMap<(String, String), Vec<Target>> = HashMap::new();
    // The methods the function side is generated from: those whose client side expanded without errors.
    let mut served: Vec<(TraitItemFn, Settings, Span)> = Vec::new();
    let mut items = Vec::new();
    // The inner `#[fc_function]` attributes are consumed here; naming their paths once keeps the user's
    // `use fc_runtime::fc_function` import used (it is needed for the attribute to resolve anyway).
    let mut attr_paths: Vec<syn::Path> = Vec::new();
    for trait_item in std::mem::take(&mut tr.items) {
        let TraitItem::Fn(method) = trait_item else {
            ctx.error_spanned_by(
                &trait_item,
                "an #[fc_service] trait holds only #[fc_function] methods; move other items to another trait",
            );
            continue;
        };
        let Some(attr) = method.attrs.iter().find(|a| expand::is_fc_function(a)) else {
            ctx.error_at(
                method.sig.ident.span(),
                format!(
                    "method `{}` of an #[fc_service] trait needs #[fc_function]: every method calls a function",
                    method.sig.ident
                ),
            );
            items.push(fallback::method(&method));
            continue;
        };
        if !attr_paths.iter().any(|p| p.to_token_stream().to_string() == attr.path().to_token_stream().to_string()) {
            attr_paths.push(attr.path().clone());
        }
        let before = ctx.error_count();
        let settings = match &attr.meta {
            syn::Meta::Path(_) => Settings::default(),
            syn::Meta::List(list) => attr::parse_settings(&ctx, AttrKind::Function, list.tokens.clone()),
            syn::Meta::NameValue(nv) => {
                ctx.error_spanned_by(nv, "write #[fc_function(key = \"value\", …)]");
                Settings::default()
            }
        }
        .or(&defaults);
        let settings_ok = ctx.error_count() == before;

        let (function, _) = match &settings.function {
            Some(f) => (f.value.clone(), f.span),
            None => (ast::unraw(&method.sig.ident), method.sig.ident.span()),
        };
        let service = settings.service.as_ref().map(|s| s.value.clone()).unwrap_or_default();
        let bytes_event = method.sig.inputs.iter().any(|i| match i {
            syn::FnArg::Typed(pt) => ast::is_bytes_arg(&pt.ty) && !pt.attrs.iter().any(|a| a.path().is_ident("fc")),
            _ => false,
        });
        let same_function = targets.entry((service, function.clone())).or_default();
        for earlier in same_function.iter() {
            if earlier.bytes_event != bytes_event {
                ctx.error_at(
                    method.sig.ident.span(),
                    format!(
                        "`{}` sends function {function:?} {} but `{}` sends it {}: one function takes one kind of event",
                        method.sig.ident,
                        if bytes_event { "raw bytes" } else { "JSON" },
                        earlier.method,
                        if earlier.bytes_event { "raw bytes" } else { "JSON" },
                    ),
                );
            }
        }
        same_function.push(Target { method: method.sig.ident.clone(), bytes_event });
        let before_method = ctx.error_count();
        let server_settings = settings.clone();
        items.push(function_method(&ctx, &method, settings, settings_ok, attr.span(), &trait_generics));
        if settings_ok && ctx.error_count() == before_method {
            served.push((method.clone(), server_settings, attr.span()));
        }
    }

    let has_invoke = tr.supertraits.iter().any(|b| match b {
        syn::TypeParamBound::Trait(t) => t.path.segments.last().is_some_and(|s| s.ident == "Invoke"),
        _ => false,
    });
    if !has_invoke {
        tr.supertraits.push(syn::parse_quote!(#rt::__private::Invoke));
        if tr.colon_token.is_none() {
            tr.colon_token = Some(Default::default());
        }
    }
    let (impl_generics, ty_generics, where_clause) = tr.generics.split_for_impl();
    let ident = &tr.ident;
    let impl_for_client = quote! {
        impl #impl_generics #ident #ty_generics for #rt::__private::Client #where_clause {}
        impl #impl_generics #ident #ty_generics for #rt::__private::DynInvoke #where_clause {}
    };
    let attrs = &tr.attrs;
    let vis = &tr.vis;
    let unsafety = &tr.unsafety;
    let generics = &tr.generics;
    let supertraits = &tr.supertraits;
    let server = match defaults.server {
        Some(flag_span) => {
            // The models were checked when the client side was built; this collector only satisfies the model.
            let scratch = Ctxt::new();
            let models: Vec<ast::Method<'_>> =
                served.iter().map(|(m, s, span)| ast::method(&scratch, m, s.clone(), *span)).collect();
            let out = server::expand(&ctx, &tr, &models, flag_span, &rt);
            let _ = scratch.check();
            out
        }
        None => TokenStream::new(),
    };
    let errors = ctx.check();
    quote! {
        #errors
        #server
        #(#attrs)*
        #vis #unsafety trait #ident #generics : #supertraits #where_clause {
            #(#items)*
        }
        #impl_for_client
        const _: () = {
            #(#[allow(unused_imports)] use #attr_paths as _;)*
        };
    }
}
