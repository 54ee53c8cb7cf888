//! `#[fc_http]`: a trait whose methods are the routes of a web function behind an HTTP trigger.
//!
//! One pass per concern, as for `#[fc_service]`: `route.rs` models a method (its `#[route(...)]`, its arguments'
//! places, its result) recording every mistake; here, [`render_route`] writes the call of a method without
//! mistakes and [`fc_http`] puts the trait back together with the `TriggerClient` supertrait and the
//! implementation for `HttpTriggerClient`.

mod route;

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned as _;
use syn::{FnArg, LitStr, TraitItem, Type};

use crate::ast::{declared_output, is_owned_bytes, unraw};
use crate::ctxt::Ctxt;
use route::{BodyKind, Decoded, Piece, Place, Ret, Route, is_route_attr, route};

/// Expands `#[fc_http(args)]` applied to `item`.
pub fn fc_http(args: TokenStream, item: TokenStream) -> TokenStream {
    let ctx = Ctxt::new();
    let krate = parse_trait_args(&ctx, args);
    let Ok(mut tr) = syn::parse2::<syn::ItemTrait>(item.clone()) else {
        ctx.error_at(
            Span::call_site(),
            "#[fc_http] goes on a trait whose methods are marked #[route(METHOD, \"/path\")], e.g. \
             `#[route(GET, \"/albums/{id}\")] async fn album(&self, id: u64) -> Result<Album, FcError>;`",
        );
        let errors = ctx.check();
        return quote!(#errors #item);
    };
    let p = quote!(#krate::__private);
    if !tr.generics.params.is_empty() {
        ctx.error_spanned_by(&tr.generics, "an #[fc_http] trait cannot be generic");
    }
    let mut items = Vec::new();
    let mut all_ok = true;
    for trait_item in &tr.items {
        let TraitItem::Fn(method) = trait_item else {
            ctx.error_spanned_by(
                trait_item,
                "an #[fc_http] trait holds only routes: methods marked #[route(METHOD, \"/path\")]",
            );
            all_ok = false;
            continue;
        };
        let before = ctx.error_count();
        let route = route(&ctx, method);
        if ctx.error_count() > before {
            // The method with a body that type-checks: the implementation below stays valid, so the only errors
            // are the route's own.
            let mut cleaned = method.clone();
            cleaned.attrs.retain(|a| !is_route_attr(a));
            items.push(crate::fallback::method(&cleaned));
        } else {
            items.push(render_route(&route, &p));
        }
    }
    tr.items.clear();
    tr.supertraits.push(syn::parse_quote!(#p::TriggerClient));
    let ident = &tr.ident;
    // Without items other than methods (which would need definitions), the trait is implemented even when a
    // route has mistakes: callers' code then reports nothing more.
    let implementation = if all_ok && tr.generics.params.is_empty() {
        quote!(impl #ident for #p::HttpTriggerClient {})
    } else {
        TokenStream::new()
    };
    let (attrs, vis, unsafety, supertraits) = (&tr.attrs, &tr.vis, &tr.unsafety, &tr.supertraits);
    let generics = &tr.generics;
    let errors = ctx.check();
    quote! {
        #errors
        #(#attrs)*
        #vis #unsafety trait #ident #generics: #supertraits {
            #(#items)*
        }
        #implementation
    }
}

/// `crate = "…"`, the only key of `#[fc_http(...)]`.
fn parse_trait_args(ctx: &Ctxt, args: TokenStream) -> TokenStream {
    let mut krate = quote!(::fc_runtime);
    let parser = syn::meta::parser(|meta| {
        if meta.path.is_ident("crate") {
            let lit: LitStr = meta.value()?.parse()?;
            match lit.parse::<syn::Path>() {
                Ok(path) => krate = quote!(#path),
                Err(_) => ctx.error_spanned_by(&lit, "`crate` is a path, e.g. `crate = \"::fc_runtime\"`"),
            }
            Ok(())
        } else {
            Err(meta.error("unknown key in #[fc_http(...)]; the only key is `crate = \"…\"`"))
        }
    });
    if let Err(e) = syn::parse::Parser::parse2(parser, args) {
        ctx.syn_error(e);
    }
    krate
}

/// The generated method.
fn render_route(route: &Route<'_>, p: &TokenStream) -> TokenStream {
    let item = route.item;
    let mut sig = item.sig.clone();
    sig.asyncness = None;
    for input in sig.inputs.iter_mut() {
        if let FnArg::Typed(pt) = input {
            pt.attrs.retain(|a| !a.path().is_ident("fc"));
        }
    }
    let declared = declared_output(item).expect("validated");
    if item.sig.asyncness.is_some() {
        sig.output = syn::parse_quote!(-> impl #p::Future<Output = #declared> + #p::Send);
    } else if let syn::ReturnType::Type(_, ty) = &mut sig.output
        && let Type::ImplTrait(imp) = &mut **ty
        && !imp.bounds.iter().any(
            |b| matches!(b, syn::TypeParamBound::Trait(t) if t.path.segments.last().is_some_and(|s| s.ident == "Send")),
        )
    {
        imp.bounds.push(syn::parse_quote!(#p::Send));
    }

    let arg_of = |name: &str| route.args.iter().find(|a| unraw(a.ident) == name).expect("validated");
    let segments = route.segments.iter().map(|pieces| match pieces.as_slice() {
        [Piece::Text(t)] => quote!(#p::String::from(#t)),
        [Piece::Param(name, _)] => {
            let arg = arg_of(name);
            let (ident, ty) = (arg.ident, arg.ty);
            quote_spanned!(ty.span()=> #p::url_value(&#ident))
        }
        several => {
            let mut format = String::new();
            let mut values = Vec::new();
            for piece in several {
                match piece {
                    Piece::Text(t) => format.push_str(&t.replace('{', "{{").replace('}', "}}")),
                    Piece::Param(name, _) => {
                        format.push_str("{}");
                        let arg = arg_of(name);
                        let (ident, ty) = (arg.ident, arg.ty);
                        values.push(quote_spanned!(ty.span()=> #p::url_value(&#ident)));
                    }
                }
            }
            quote!(#p::format!(#format, #(#values),*))
        }
    });
    let method = &route.method;
    let mut steps = Vec::new();
    for arg in &route.args {
        let (ident, ty) = (arg.ident, arg.ty);
        steps.push(match &arg.place {
            Place::Path => continue,
            Place::Query { name, optional: false, repeated: false } => {
                quote_spanned!(ty.span()=> __fc_call = __fc_call.query(#name, #p::url_value(&#ident));)
            }
            Place::Query { name, optional: false, repeated: true } => quote_spanned! {ty.span()=>
                for __fc_value in #ident.iter() {
                    __fc_call = __fc_call.query(#name, #p::url_value(__fc_value));
                }
            },
            Place::Query { name, optional: true, .. } => quote_spanned! {ty.span()=>
                if let #p::Some(__fc_value) = &#ident {
                    __fc_call = __fc_call.query(#name, #p::url_value(__fc_value));
                }
            },
            Place::Header(name) => {
                quote_spanned!(ty.span()=> __fc_call = __fc_call.header(#name, &#p::url_value(&#ident));)
            }
            Place::Body(BodyKind::Json) => {
                quote_spanned!(ty.span()=> __fc_call = __fc_call.json::<#ty>(&#ident)?;)
            }
            Place::Body(BodyKind::Text) => {
                quote_spanned!(ty.span()=> __fc_call = __fc_call.text(#p::ToString::to_string(&#ident));)
            }
            Place::Body(BodyKind::Bytes) if is_owned_bytes(ty) => {
                quote_spanned!(ty.span()=> __fc_call = __fc_call.bytes(#ident);)
            }
            Place::Body(BodyKind::Bytes) => quote_spanned!(ty.span()=>
                __fc_call = __fc_call.bytes(#p::Bytes::copy_from_slice(#p::AsRef::<[u8]>::as_ref(#ident)));
            ),
        });
    }
    if route.log_tail {
        steps.push(quote!(__fc_call = __fc_call.log_tail();));
    }
    if route.asynchronous {
        steps.push(quote!(__fc_call = __fc_call.asynchronous();));
    }
    if route.idempotent {
        steps.push(quote!(__fc_call = __fc_call.idempotent();));
    }
    let decode = |d: Decoded<'_>| match d {
        Decoded::Unit => quote!({ let _ = &__fc_response; #p::Ok::<(), #p::FcError>(()) }),
        Decoded::Text => quote!(__fc_response.text()),
        Decoded::Bytes(t) => {
            quote_spanned!(t.span()=> #p::Ok::<#t, #p::FcError>(#p::trigger_body::<#t>(&__fc_response)))
        }
        Decoded::Json(t) => quote_spanned!(t.span()=> __fc_response.json::<#t>()),
    };
    let (send, finish) = match route.ret.expect("validated") {
        Ret::Value(d) => {
            let d = decode(d);
            (quote!(send), quote!(#d))
        }
        Ret::Reply(d) => {
            let d = decode(d);
            (quote!(send), quote!(#p::Ok(#p::Reply::new(#d?, __fc_response))))
        }
        Ret::Response => (quote!(send), quote!(#p::Ok(__fc_response))),
        Ret::Stream => (quote!(send_streaming), quote!(#p::Ok(__fc_response))),
    };
    let attrs = item.attrs.iter().filter(|a| !is_route_attr(a));
    let client = quote_spanned!(sig.ident.span()=> #p::TriggerClient::trigger_client(self));
    quote! {
        #(#attrs)*
        #[allow(unused_mut)]
        #sig {
            let __fc_call = (|| -> #p::Result<#p::TriggerCall, #p::FcError> {
                let mut __fc_call =
                    #p::TriggerRequests::request_segments(#client, #p::Method::#method, [#(#segments),*]);
                #(#steps)*
                #p::Ok(__fc_call)
            })();
            async move {
                let __fc_response = __fc_call?.#send().await?;
                #finish
            }
        }
    }
}
