//! The function side of an `#[fc_service(…, server)]` trait: a `{Trait}Server` trait with one method per function
//! (the same arguments, owned, and the same result, with the author's error type), the lifecycle hooks, the list
//! of function names, and `into_router()`.
//!
//! It is rendered from the service model for every declared function, whether or not its client stub has a
//! mistake, so that the implementer sees only the mistake. Where several stubs call one function, the compiler
//! checks that they agree on the event's and the result's types, with the project's message at the disagreeing
//! stub.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::Type;
use syn::spanned::Spanned;

use crate::ast::{ArgKind, Method, Output, Service};
use crate::valid::{RESERVED, canonical};

/// The owned type a server receives for an argument the client borrows: `&str` → `String`, `&[T]` → `Vec<T>`,
/// `&T` → `T` (a borrow nested deeper is refused by validation, and rendered owned so that it is the only error).
fn owned(ty: &Type) -> Type {
    crate::valid::deep_owned(ty)
}

/// One argument of the function, owned.
struct Param {
    ident: syn::Ident,
    ty: Type,
    span: Span,
    kind: ArgKind,
    key: String,
}

fn params(m: &Method<'_>) -> Vec<Param> {
    m.event_args()
        .map(|a| Param { ident: a.ident.clone(), ty: owned(a.ty), span: a.ty.span(), kind: a.kind, key: a.key.clone() })
        .collect()
}

/// Two types written alike need no check; others are left to the compiler.
fn same_tokens(a: &Type, b: &Type) -> bool {
    a.to_token_stream().to_string() == b.to_token_stream().to_string()
}

/// Asks the compiler whether `theirs` is `mine`, reporting at `span` in the project's words (`check` names the
/// trait that carries the message: `SameEvent` or `SameResult`).
fn agreement(check: &str, theirs: &Type, mine: &Type, span: Span, p: &TokenStream) -> TokenStream {
    let check = format_ident!("{check}");
    let predicate = crate::render_client::respan(quote!(#theirs: #p::#check<#mine>), span);
    quote_spanned! {span=>
        const _: () = {
            fn __fc_agree() where #predicate {}
        };
    }
}

/// The `{Trait}Server` trait for a validated service model (nothing when the trait is generic: reported).
pub(crate) fn service(service: &Service<'_>) -> TokenStream {
    let item = service.item;
    if !item.generics.params.is_empty() {
        return TokenStream::new();
    }
    let rt = service.runtime_path();
    let p = quote!(#rt::__private);
    let g = quote!(#rt::function::__generated);
    let mut declarations = Vec::new();
    let mut routes = Vec::new();
    let mut checks = Vec::new();
    let mut names = Vec::new();
    for (function, methods) in service.by_function() {
        let Some(canonical) = canonical(&function, &methods) else { continue };
        let method_ident = canonical.name().clone();
        if RESERVED.contains(&crate::ast::unraw(&method_ident).as_str()) {
            continue;
        }
        let args = params(canonical);
        let output = methods.iter().find_map(|m| m.output());

        // Every other stub of the function must agree on the event's and the result's types.
        for other in methods.iter().filter(|m| m.name() != canonical.name()) {
            let theirs = params(other);
            if theirs.len() == args.len() {
                for (mine, their) in args.iter().zip(&theirs) {
                    if !same_tokens(&mine.ty, &their.ty) {
                        checks.push(agreement("SameEvent", &their.ty, &mine.ty, their.span, &p));
                    }
                }
            }
            match (&output, other.output()) {
                (Some(Output::Json(a)), Some(Output::Json(b))) | (Some(Output::Bytes(a)), Some(Output::Bytes(b)))
                    if !same_tokens(a, b) =>
                {
                    let span = other.ok_type.map_or_else(|| other.name().span(), |t| t.span());
                    checks.push(agreement("SameResult", b, a, span, &p));
                }
                _ => {}
            }
        }

        let out_ty = match &output {
            None | Some(Output::Unit) => quote!(()),
            Some(Output::Json(t) | Output::Bytes(t)) => quote!(#t),
        };
        let decl_args = args.iter().map(|a| {
            let (ident, ty) = (&a.ident, &a.ty);
            quote!(#ident: #ty)
        });
        let docs = canonical.item.attrs.iter().filter(|a| a.path().is_ident("doc"));
        let doc_line = format!(" Serves function `{function}`.");
        declarations.push(quote! {
            #(#docs)*
            #[doc = ""]
            #[doc = #doc_line]
            fn #method_ident(&self, #(#decl_args),*)
                -> impl #p::Future<Output = #p::Result<#out_ty, Self::Error>> + #p::Send;
        });

        let idents: Vec<&syn::Ident> = args.iter().map(|a| &a.ident).collect();
        let decode = match args.as_slice() {
            [] => quote!(),
            [a] if a.kind == ArgKind::Bytes => {
                let (ident, ty) = (&a.ident, &a.ty);
                quote_spanned!(a.span=> let #ident: #ty = #p::from_body::<#ty>(__fc_event);)
            }
            [a] => {
                let (ident, ty) = (&a.ident, &a.ty);
                quote_spanned!(a.span=> let #ident = #g::decode_event::<#ty>(&__fc_event)?;)
            }
            several => {
                let fields = several.iter().map(|a| {
                    let (ident, ty, key) = (&a.ident, &a.ty, &a.key);
                    quote_spanned!(a.span=> let #ident = __fc_object.field::<#ty>(#key)?;)
                });
                quote!(let mut __fc_object = #g::EventObject::parse(&__fc_event)?; #(#fields)*)
            }
        };
        let encode = match &output {
            None | Some(Output::Unit) => quote!(let () = __fc_out; #p::Ok(#p::Bytes::new())),
            Some(Output::Json(t)) => quote_spanned!(t.span()=> #g::encode_result(&__fc_out)),
            Some(Output::Bytes(t)) => quote_spanned!(t.span()=> #p::Ok(#p::IntoBody::into_body(__fc_out))),
        };
        let unused_event = if args.is_empty() { quote!(let _ = __fc_event;) } else { quote!() };
        routes.push(quote! {
            .route(#function, {
                let __fc_this = __fc_this.clone();
                move |__fc_event: #p::Bytes, _: #rt::function::Context| {
                    let __fc_this = __fc_this.clone();
                    async move {
                        #unused_event
                        #decode
                        let __fc_out = __fc_this.#method_ident(#(#idents),*).await.map_err(#g::failure)?;
                        #encode
                    }
                }
            })
        });
        names.push(function);
    }

    let ident = format_ident!("{}Server", item.ident);
    let vis = &item.vis;
    let client = &item.ident;
    let doc = format!(
        " The function side of [`{client}`]: implement it with `async fn`s over the same types, and serve \
         [`into_router`](Self::into_router) with `fc_runtime::function::serve` (or host it in `LocalFc`)."
    );
    let hook = |name: &str, what: &str| {
        let ident = format_ident!("{name}");
        let doc = format!(" {what} Does nothing unless implemented.");
        quote! {
            #[doc = #doc]
            fn #ident(&self) -> impl #p::Future<Output = #p::Result<(), Self::Error>> + #p::Send {
                async { #p::Ok(()) }
            }
        }
    };
    let hooks = [
        hook(
            "on_initialize",
            "Runs on `POST /initialize`: once per instance, before its first invocation, when the function has an initializer.",
        ),
        hook("on_pre_stop", "Runs on `GET /pre-stop`: before the instance is destroyed."),
        hook("on_pre_freeze", "Runs on `GET /pre-freeze` (FC 2.0): before the instance is frozen."),
    ];
    let hook_routes = ["on_initialize", "on_pre_stop", "on_pre_freeze"].map(|name| {
        let name = format_ident!("{name}");
        quote! {
            .#name({
                let __fc_this = __fc_this.clone();
                move || {
                    let __fc_this = __fc_this.clone();
                    async move { __fc_this.#name().await.map_err(#g::failure) }
                }
            })
        }
    });
    let flag_span = service.defaults.server.unwrap_or_else(Span::call_site);
    let router = quote_spanned!(flag_span=> #rt::function::Router);
    quote! {
        #[doc = #doc]
        #vis trait #ident: #p::Send + #p::Sync + 'static {
            /// The author's error: it becomes the function error `{"errorMessage", "errorType"}` by
            /// `Failure::from_error` (any `std::error::Error + Send + Sync`, `anyhow::Error` or
            /// `Box<dyn Error + Send + Sync>`, its type's name becoming `errorType`; `Failure` itself to choose
            /// `errorType` per variant), which the client stub turns back into `FcError::Function` with the
            /// same `error_type`.
            type Error: #p::Into<#rt::function::BoxError> + #p::Send + 'static;

            /// The names of the functions this trait serves, in the order they are declared.
            const FUNCTIONS: &'static [&'static str] = &[#(#names),*];

            #(#declarations)*

            #(#hooks)*

            /// The router from function name to method, with the hooks, for `fc_runtime::function::serve` or
            /// `LocalFc`.
            fn into_router(self) -> #router where Self: ::core::marker::Sized {
                let __fc_this = ::std::sync::Arc::new(self);
                #rt::function::Router::new()
                    #(#routes)*
                    #(#hook_routes)*
            }
        }
        #(#checks)*
    }
}
