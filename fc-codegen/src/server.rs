//! The function side of an `#[fc_service(…, server)]` trait: a `{Trait}Server` trait with one method per
//! function (the same arguments, owned, and the same result, with the author's error type), the lifecycle hooks,
//! and `into_router()`. Where several client methods call one function, their types must agree: the generated
//! code asks the compiler to check it, at the disagreeing method.

use std::collections::BTreeMap;

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::Type;
use syn::spanned::Spanned;

use crate::ast::{ArgKind, InvocationInner, Method, Ret};
use crate::ctxt::Ctxt;

/// Names the generated trait provides itself.
const RESERVED: &[&str] = &["on_initialize", "on_pre_stop", "on_pre_freeze", "into_router"];

/// What the function returns, as the server sees it.
#[derive(Clone)]
enum Output {
    Json(Type),
    Unit,
    Bytes(Type),
}

impl Output {
    fn of(ret: Ret<'_>) -> Option<Output> {
        match ret {
            Ret::Json(t) | Ret::Invocation(InvocationInner::Json(t)) => Some(Output::Json(t.clone())),
            Ret::Unit | Ret::Invocation(InvocationInner::Unit) => Some(Output::Unit),
            Ret::Bytes(t) | Ret::Invocation(InvocationInner::Bytes(t)) => Some(Output::Bytes(t.clone())),
            // An async call's result is discarded: it says nothing about the function's.
            Ret::Accepted(_) => None,
        }
    }

    fn ty(&self) -> TokenStream {
        match self {
            Output::Json(t) | Output::Bytes(t) => quote!(#t),
            Output::Unit => quote!(()),
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Output::Json(_) => "JSON",
            Output::Unit => "nothing",
            Output::Bytes(_) => "raw bytes",
        }
    }
}

/// One argument of the function, owned.
struct Param {
    ident: syn::Ident,
    ty: Type,
    span: Span,
    kind: ArgKind,
    key: String,
}

/// The owned type a server receives for an argument the client borrows: `&str` → `String`, `&[T]` → `Vec<T>`,
/// `&T` → `T`.
fn owned(ty: &Type) -> Type {
    match ty {
        Type::Reference(r) => match &*r.elem {
            Type::Path(p) if p.qself.is_none() && p.path.is_ident("str") => syn::parse_quote!(::std::string::String),
            Type::Slice(s) => {
                let elem = &s.elem;
                syn::parse_quote!(::std::vec::Vec<#elem>)
            }
            other => owned(other),
        },
        Type::Paren(p) => owned(&p.elem),
        Type::Group(g) => owned(&g.elem),
        other => other.clone(),
    }
}

fn params(m: &Method<'_>) -> Vec<Param> {
    m.args
        .iter()
        .filter(|a| a.kind != ArgKind::InvocationId)
        .map(|a| Param { ident: a.ident.clone(), ty: owned(a.ty), span: a.ty.span(), kind: a.kind, key: a.key.clone() })
        .collect()
}

/// The client methods of one function.
struct Function<'m, 'a> {
    name: String,
    methods: Vec<&'m Method<'a>>,
}

/// Generates the server trait for the valid methods of a trait, or records why it cannot.
pub(crate) fn expand(
    ctx: &Ctxt,
    item: &syn::ItemTrait,
    methods: &[Method<'_>],
    flag_span: Span,
    rt: &TokenStream,
) -> TokenStream {
    if !item.generics.params.is_empty() {
        ctx.error_spanned_by(
            &item.generics,
            "`server` needs a trait without generic parameters: the router decodes each event into one concrete type",
        );
        return TokenStream::new();
    }
    let mut functions: BTreeMap<String, Function<'_, '_>> = BTreeMap::new();
    let mut order = Vec::new();
    for m in methods {
        if !m.item.sig.generics.params.is_empty() {
            ctx.error_spanned_by(
                &m.item.sig.generics,
                "`server` needs methods without generic parameters: the router decodes each event into one concrete type",
            );
            continue;
        }
        let (name, _) = m.function_name();
        if !functions.contains_key(&name) {
            order.push(name.clone());
        }
        functions.entry(name.clone()).or_insert_with(|| Function { name, methods: Vec::new() }).methods.push(m);
    }

    let p = quote!(#rt::__private);
    let g = quote!(#rt::function::__generated);
    let mut declarations = Vec::new();
    let mut routes = Vec::new();
    let mut checks = Vec::new();
    for name in &order {
        let f = &functions[name];
        // The server method is named after the client method that is named after the function, else the first.
        let canonical = f.methods.iter().find(|m| crate::ast::unraw(m.name()) == f.name).unwrap_or(&f.methods[0]);
        let method_ident = canonical.name().clone();
        if RESERVED.contains(&crate::ast::unraw(&method_ident).as_str()) {
            ctx.error_spanned_by(
                &method_ident,
                format!("`{method_ident}` is a method the generated server trait provides; rename this one"),
            );
            continue;
        }
        let args = params(canonical);
        let output = f.methods.iter().find_map(|m| m.ret.and_then(Output::of));
        let output_from = f.methods.iter().find(|m| m.ret.and_then(Output::of).is_some()).map(|m| m.name().clone());

        // Every other client method of the function must agree on the event and the result.
        for other in f.methods.iter().filter(|m| m.name() != canonical.name()) {
            let theirs = params(other);
            if theirs.len() != args.len() {
                ctx.error_spanned_by(
                    other.name(),
                    format!(
                        "`{}` and `{}` both call function {:?} but send {} and {} arguments: one function takes one event",
                        other.name(),
                        canonical.name(),
                        f.name,
                        theirs.len(),
                        args.len()
                    ),
                );
                continue;
            }
            for (mine, their) in args.iter().zip(&theirs) {
                if mine.key != their.key && args.len() > 1 {
                    ctx.error_spanned_by(
                        &their.ident,
                        format!(
                            "field `{}` here is `{}` in `{}`: both methods call function {:?}, so the event's fields must match",
                            their.key,
                            mine.key,
                            canonical.name(),
                            f.name
                        ),
                    );
                }
                let (a, b) = (&mine.ty, &their.ty);
                checks.push(quote_spanned! {their.span=>
                    const _: () = { fn __fc_same_event(x: #a) -> #b { x } };
                });
            }
            if let (Some(out), Some(theirs)) = (&output, other.ret.and_then(Output::of)) {
                match (out, &theirs) {
                    (Output::Json(a), Output::Json(b)) | (Output::Bytes(a), Output::Bytes(b)) => {
                        let span = other.ok_type.map_or_else(|| other.name().span(), |t| t.span());
                        checks.push(quote_spanned! {span=>
                            const _: () = { fn __fc_same_result(x: #a) -> #b { x } };
                        });
                    }
                    (Output::Unit, Output::Unit) => {}
                    (a, b) => ctx.error_spanned_by(
                        other.ok_type.map_or_else(|| other.name().to_token_stream(), |t| t.to_token_stream()),
                        format!(
                            "`{}` expects {} from function {:?} but `{}` expects {}",
                            other.name(),
                            b.kind(),
                            f.name,
                            output_from.as_ref().unwrap_or(canonical.name()),
                            a.kind()
                        ),
                    ),
                }
            }
        }

        let out_ty = output.as_ref().map_or_else(|| quote!(()), Output::ty);
        let decl_args = args.iter().map(|a| {
            let (ident, ty) = (&a.ident, &a.ty);
            quote!(#ident: #ty)
        });
        let docs = canonical.item.attrs.iter().filter(|a| a.path().is_ident("doc"));
        let function = &f.name;
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
    let hook_route = |register: &str, method: &str| {
        let (register, method) = (format_ident!("{register}"), format_ident!("{method}"));
        quote! {
            .#register({
                let __fc_this = __fc_this.clone();
                move || {
                    let __fc_this = __fc_this.clone();
                    async move { __fc_this.#method().await.map_err(#g::failure) }
                }
            })
        }
    };
    let hook_routes = [
        hook_route("on_initialize", "on_initialize"),
        hook_route("on_pre_stop", "on_pre_stop"),
        hook_route("on_pre_freeze", "on_pre_freeze"),
    ];
    let flag = quote_spanned!(flag_span=> #rt::function::Router);
    quote! {
        #[doc = #doc]
        #vis trait #ident: #p::Send + #p::Sync + 'static {
            /// The author's error: it becomes the function error `{"errorMessage", "errorType"}` (any
            /// `std::error::Error` converts, its type name becoming `errorType`), which the client stub turns
            /// back into `FcError::Function` with the same `error_type`.
            type Error: #p::Into<#rt::function::Failure> + #p::Send + 'static;

            #(#declarations)*

            #(#hooks)*

            /// The router from function name to method, with the hooks, for `fc_runtime::function::serve` or
            /// `LocalFc`.
            fn into_router(self) -> #flag where Self: ::core::marker::Sized {
                let __fc_this = ::std::sync::Arc::new(self);
                #rt::function::Router::new()
                    #(#routes)*
                    #(#hook_routes)*
            }
        }
        #(#checks)*
    }
}

use quote::ToTokens;
