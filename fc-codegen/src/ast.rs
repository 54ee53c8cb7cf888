//! The model of one annotated method, borrowing from syn. Building it records structural mistakes
//! (receivers, patterns, return types); `valid.rs` checks the combinations.

use proc_macro2::Span;
use syn::{FnArg, GenericArgument, Pat, PathArguments, ReturnType, TraitItemFn, Type};

use crate::attr::{self, ArgAttrs, Settings};
use crate::ctxt::Ctxt;

/// How an argument travels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ArgKind {
    /// Serialized into the JSON event.
    Json,
    /// Raw bytes, sent as the body unchanged.
    Bytes,
    /// The stateful async invocation id header.
    InvocationId,
}

pub(crate) struct Arg<'a> {
    pub ident: &'a syn::Ident,
    pub ty: &'a Type,
    pub kind: ArgKind,
    /// Field name in a multi-argument event.
    pub key: String,
    pub key_span: Span,
    pub attrs: ArgAttrs,
}

/// What the caller gets back.
#[derive(Clone, Copy)]
pub(crate) enum Ret<'a> {
    Json(&'a Type),
    Unit,
    Bytes(&'a Type),
    Invocation(InvocationInner<'a>),
    Accepted(&'a Type),
}

#[derive(Clone, Copy)]
pub(crate) enum InvocationInner<'a> {
    Json(&'a Type),
    Unit,
    Bytes(&'a Type),
}

pub(crate) struct Method<'a> {
    pub item: &'a TraitItemFn,
    pub settings: Settings,
    /// Where the attribute was written (for errors about missing keys).
    pub attr_span: Span,
    pub args: Vec<Arg<'a>>,
    /// `None` when the return type is not `Result<_, FcError>` (already reported).
    pub ret: Option<Ret<'a>>,
    /// The `T` of `Result<T, FcError>`.
    pub ok_type: Option<&'a Type>,
}

impl<'a> Method<'a> {
    pub fn name(&self) -> &'a syn::Ident {
        &self.item.sig.ident
    }

    /// The function this method calls: `function = "…"` or the method name (raw identifiers unrawed).
    /// Whether the method targets FC 3.0 (`api = "3.0"` here or on the trait).
    pub fn is_fc3(&self) -> bool {
        self.settings.api.as_ref().is_some_and(|a| a.value == crate::attr::Api::Fc3)
    }

    pub fn function_name(&self) -> (String, Span) {
        match &self.settings.function {
            Some(f) => (f.value.clone(), f.span),
            None => (unraw(self.name()), self.name().span()),
        }
    }
}

pub(crate) fn unraw(ident: &syn::Ident) -> String {
    let s = ident.to_string();
    s.strip_prefix("r#").map(str::to_owned).unwrap_or(s)
}

/// The last path segment of a type, looking through references: `&'a [u8]` → None, `bytes::Bytes` → `Bytes`.
fn last_segment(ty: &Type) -> Option<&syn::PathSegment> {
    match ty {
        Type::Path(p) if p.qself.is_none() => p.path.segments.last(),
        Type::Group(g) => last_segment(&g.elem),
        Type::Paren(p) => last_segment(&p.elem),
        _ => None,
    }
}

fn single_generic(seg: &syn::PathSegment) -> Option<&Type> {
    match &seg.arguments {
        PathArguments::AngleBracketed(a) if a.args.len() == 1 => match &a.args[0] {
            GenericArgument::Type(t) => Some(t),
            _ => None,
        },
        _ => None,
    }
}

fn is_u8(ty: &Type) -> bool {
    last_segment(ty).is_some_and(|s| s.ident == "u8" && s.arguments.is_empty())
}

/// `Vec<u8>` or `Bytes` (owned raw bytes).
pub(crate) fn is_owned_bytes(ty: &Type) -> bool {
    match last_segment(ty) {
        Some(seg) if seg.ident == "Vec" => single_generic(seg).is_some_and(is_u8),
        Some(seg) => seg.ident == "Bytes" && seg.arguments.is_empty(),
        None => false,
    }
}

/// `Vec<u8>`, `Bytes`, `&[u8]`, `&Vec<u8>`, `&Bytes`.
pub(crate) fn is_bytes_arg(ty: &Type) -> bool {
    match ty {
        Type::Reference(r) => match &*r.elem {
            Type::Slice(s) => is_u8(&s.elem),
            other => is_owned_bytes(other),
        },
        Type::Group(g) => is_bytes_arg(&g.elem),
        other => is_owned_bytes(other),
    }
}

/// `&str`, `String`, `&String`.
pub(crate) fn is_string_arg(ty: &Type) -> bool {
    let is_string = |t: &Type| last_segment(t).is_some_and(|s| s.ident == "String" && s.arguments.is_empty());
    match ty {
        Type::Reference(r) => {
            is_string(&r.elem) || last_segment(&r.elem).is_some_and(|s| s.ident == "str" && s.arguments.is_empty())
        }
        Type::Group(g) => is_string_arg(&g.elem),
        other => is_string(other),
    }
}

fn is_unit(ty: &Type) -> bool {
    matches!(ty, Type::Tuple(t) if t.elems.is_empty())
}

fn is_named(ty: &Type, name: &str) -> bool {
    last_segment(ty).is_some_and(|s| s.ident == name && s.arguments.is_empty())
}

/// `Result<T, FcError>` → `T`, looking through `impl Future<Output = …>` when the method is written that way.
fn result_ok_type(ty: &Type) -> Option<&Type> {
    let seg = last_segment(ty)?;
    if seg.ident != "Result" {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &seg.arguments else { return None };
    let types: Vec<&Type> = args
        .args
        .iter()
        .filter_map(|a| match a {
            GenericArgument::Type(t) => Some(t),
            _ => None,
        })
        .collect();
    match types.as_slice() {
        [ok, err] if is_named(err, "FcError") => Some(*ok),
        _ => None,
    }
}

/// For `fn m(..) -> impl Future<Output = X> [+ Send]`, returns `X`.
fn future_output(ty: &Type) -> Option<&Type> {
    let Type::ImplTrait(it) = ty else { return None };
    it.bounds.iter().find_map(|b| match b {
        syn::TypeParamBound::Trait(t) => {
            let seg = t.path.segments.last()?;
            if seg.ident != "Future" {
                return None;
            }
            let PathArguments::AngleBracketed(args) = &seg.arguments else { return None };
            args.args.iter().find_map(|a| match a {
                GenericArgument::AssocType(at) if at.ident == "Output" => Some(&at.ty),
                _ => None,
            })
        }
        _ => None,
    })
}

fn classify_ret(ok: &Type) -> Ret<'_> {
    if is_unit(ok) {
        return Ret::Unit;
    }
    if is_owned_bytes(ok) {
        return Ret::Bytes(ok);
    }
    if is_named(ok, "Accepted") {
        return Ret::Accepted(ok);
    }
    if let Some(seg) = last_segment(ok).filter(|s| s.ident == "Invocation")
        && let Some(inner) = single_generic(seg)
    {
        let inner_kind = if is_unit(inner) {
            InvocationInner::Unit
        } else if is_owned_bytes(inner) {
            InvocationInner::Bytes(inner)
        } else {
            InvocationInner::Json(inner)
        };
        return Ret::Invocation(inner_kind);
    }
    Ret::Json(ok)
}

/// The declared return type, whether written as `async fn … -> R` or `fn … -> impl Future<Output = R>`.
pub(crate) fn declared_output(item: &TraitItemFn) -> Option<&Type> {
    let ReturnType::Type(_, ty) = &item.sig.output else { return None };
    if item.sig.asyncness.is_some() { Some(ty) } else { future_output(ty) }
}

/// Builds the model, recording what cannot be modelled.
pub(crate) fn method<'a>(ctx: &Ctxt, item: &'a TraitItemFn, settings: Settings, attr_span: Span) -> Method<'a> {
    let sig = &item.sig;
    match sig.inputs.first() {
        Some(FnArg::Receiver(r)) if r.reference.is_some() && r.mutability.is_none() && r.colon_token.is_none() => {}
        Some(FnArg::Receiver(r)) if r.mutability.is_some() && r.reference.is_some() => ctx.error_spanned_by(
            r,
            "#[fc_function] methods take `&self`, not `&mut self`: the client is shared and calls run concurrently",
        ),
        Some(FnArg::Receiver(r)) => ctx.error_spanned_by(
            r,
            "#[fc_function] methods take `&self`: a call must not consume or mutably borrow the client",
        ),
        _ => ctx.error_at(
            sig.paren_token.span.join(),
            "#[fc_function] methods need a `&self` receiver: the call goes through `self`'s `Invoke` implementation",
        ),
    }
    if let Some(unsafety) = &sig.unsafety {
        ctx.error_spanned_by(unsafety, "#[fc_function] methods cannot be `unsafe`");
    }
    if let Some(constness) = &sig.constness {
        ctx.error_spanned_by(constness, "#[fc_function] methods cannot be `const`");
    }
    if let Some(abi) = &sig.abi {
        ctx.error_spanned_by(abi, "#[fc_function] methods cannot have an `extern` ABI");
    }
    if let Some(v) = &sig.variadic {
        ctx.error_spanned_by(v, "#[fc_function] methods cannot be variadic");
    }
    if let Some(body) = &item.default {
        ctx.error_at(
            body.brace_token.span.join(),
            "#[fc_function] writes the method body: declare the method without one (end it with `;`)",
        );
    }

    let mut args = Vec::new();
    for input in sig.inputs.iter() {
        let FnArg::Typed(pt) = input else { continue };
        let attrs = attr::parse_arg_attrs(ctx, &pt.attrs);
        let ident = match &*pt.pat {
            Pat::Ident(pi) if pi.by_ref.is_none() && pi.subpat.is_none() => &pi.ident,
            other => {
                ctx.error_spanned_by(
                    other,
                    "#[fc_function] arguments must be plain names (e.g. `job: Resize`): the name is the event's field name",
                );
                continue;
            }
        };
        if let Type::ImplTrait(it) = &*pt.ty {
            ctx.error_spanned_by(
                it,
                "`impl Trait` arguments are not supported by #[fc_function]: use a concrete type or a generic parameter",
            );
            continue;
        }
        let kind = if attrs.invocation_id.is_some() {
            ArgKind::InvocationId
        } else if is_bytes_arg(&pt.ty) {
            ArgKind::Bytes
        } else {
            ArgKind::Json
        };
        let (key, key_span) = match &attrs.rename {
            Some(r) => (r.value.clone(), r.span),
            None => (unraw(ident), ident.span()),
        };
        args.push(Arg { ident, ty: &pt.ty, kind, key, key_span, attrs });
    }

    let declared = declared_output(item);
    let ok_type = declared.and_then(result_ok_type);
    if ok_type.is_none() {
        let message = "#[fc_function] methods return `Result<T, FcError>` (written as `async fn … -> Result<T, FcError>` \
                       or `fn … -> impl Future<Output = Result<T, FcError>> + Send`)";
        match (&sig.output, declared) {
            (_, Some(ty)) => ctx.error_spanned_by(ty, message),
            (ReturnType::Type(_, ty), None) => ctx.error_spanned_by(ty, message),
            (ReturnType::Default, None) => ctx.error_spanned_by(sig, message),
        }
    }
    Method { item, settings, attr_span, args, ret: ok_type.map(classify_ret), ok_type }
}
