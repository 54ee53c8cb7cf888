//! The code generator behind `#[fc_function]`, `#[fc_service]` and `#[fc_http]`.
//!
//! It is a library so that the expansion can be inspected: [`fc_function`], [`fc_service`] and [`fc_http`] take
//! the attribute's arguments and the annotated item and return the generated code, which a test can
//! pretty-print. The proc-macro crate `fc-macros` is a thin wrapper around these functions. The module [`names`] holds
//! Function Compute's naming rules, shared with the runtime's checks.
//!
//! Pipeline, one concern per module: `attr` (attribute syntax, one table of keys) → `ast` (the model of a method,
//! and of a whole service) → `valid` (every check, once) → `render_client` (the stubs) and `render_server` (the
//! function side), or `fallback` (the best item plus every error) for a method with mistakes. `http/` is
//! `#[fc_http]` (HTTP-trigger routes) whole.

mod ast;
mod attr;
mod ctxt;
mod fallback;
mod http;
mod render_client;
mod render_server;
mod valid;

/// Function Compute's naming rules (the `fc-names` crate), shared with the runtime's checks.
pub use fc_names as names;
pub use http::fc_http;

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::spanned::Spanned;
use syn::{Item, TraitItemFn};

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
        render_client::method(&model, trait_generics)
    }
}

/// Expands `#[fc_service(args)]` applied to `item`: parse the trait into one model, validate it once, render
/// the client side and (with `server`) the function side from it.
pub fn fc_service(args: TokenStream, item: TokenStream) -> TokenStream {
    let ctx = Ctxt::new();
    let defaults = attr::parse_settings(&ctx, AttrKind::Service, args);
    let Ok(tr) = syn::parse2::<syn::ItemTrait>(item.clone()) else {
        ctx.error_at(item_span(&item), "#[fc_service] goes on a trait whose methods are marked #[fc_function]");
        let errors = ctx.check();
        return quote!(#errors #item);
    };
    let mut service = ast::service(&ctx, &tr, defaults);
    valid::check_service(&ctx, &mut service);
    let client = render_client::service(&service);
    let server = match service.defaults.server {
        Some(span) => {
            // Through a macro of the runtime that passes the items on only when its `function` feature is on, and
            // otherwise is one compile error saying which feature to enable (at `server`).
            let side = render_server::service(&service);
            let rt = service.runtime_path();
            quote::quote_spanned!(span=> #rt::__fc_function_side! { #side })
        }
        None => TokenStream::new(),
    };
    let errors = ctx.check();
    quote! {
        #errors
        #server
        #client
    }
}
