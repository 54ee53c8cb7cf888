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
    /// The argument's name (a placeholder when it was written as a pattern, which is an error).
    pub ident: syn::Ident,
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

    /// Whether the method targets FC 3.0 (`api = "3.0"` here or on the trait).
    pub fn is_fc3(&self) -> bool {
        self.settings.api.as_ref().is_some_and(|a| a.value == crate::attr::Api::Fc3)
    }

    /// The function this method calls: `function = "…"` or the method name (raw identifiers unrawed).
    pub fn function_name(&self) -> (String, Span) {
        match &self.settings.function {
            Some(f) => (f.value.clone(), f.span),
            None => (unraw(self.name()), self.name().span()),
        }
    }
}

/// What the function returns, as the function side sees it.
#[derive(Clone)]
pub(crate) enum Output<'a> {
    Json(&'a Type),
    Unit,
    Bytes(&'a Type),
}

impl<'a> Method<'a> {
    /// What the called function returns; `None` for an async call, whose `Accepted` says nothing about it. A
    /// return type written wrong (already reported) still gives its best reading: `Result<T, _>` → `T`, any
    /// other type → itself, none → nothing.
    pub fn output(&self) -> Option<Output<'a>> {
        let ret = match self.ret {
            Some(ret) => ret,
            None => match declared_output(self.item) {
                None => return Some(Output::Unit),
                Some(ty) => classify_ret(any_result_ok_type(ty).unwrap_or(ty)),
            },
        };
        match ret {
            Ret::Json(t) | Ret::Invocation(InvocationInner::Json(t)) => Some(Output::Json(t)),
            Ret::Unit | Ret::Invocation(InvocationInner::Unit) => Some(Output::Unit),
            Ret::Bytes(t) | Ret::Invocation(InvocationInner::Bytes(t)) => Some(Output::Bytes(t)),
            Ret::Accepted(_) => None,
        }
    }

    /// The arguments that make up the event (the invocation id travels in a header).
    pub fn event_args(&self) -> impl Iterator<Item = &Arg<'a>> {
        self.args.iter().filter(|a| a.kind != ArgKind::InvocationId)
    }
}

/// `Result<T, E>` → `T`, whatever `E`.
fn any_result_ok_type(ty: &Type) -> Option<&Type> {
    let seg = last_segment(ty).filter(|s| s.ident == "Result")?;
    let PathArguments::AngleBracketed(args) = &seg.arguments else { return None };
    args.args.iter().find_map(|a| match a {
        GenericArgument::Type(t) => Some(t),
        _ => None,
    })
}

pub(crate) fn unraw(ident: &syn::Ident) -> String {
    let s = ident.to_string();
    s.strip_prefix("r#").map(str::to_owned).unwrap_or(s)
}

/// The last path segment of a type, looking through references: `&'a [u8]` → None, `bytes::Bytes` → `Bytes`.
pub(crate) fn last_segment(ty: &Type) -> Option<&syn::PathSegment> {
    match ty {
        Type::Path(p) if p.qself.is_none() => p.path.segments.last(),
        Type::Group(g) => last_segment(&g.elem),
        Type::Paren(p) => last_segment(&p.elem),
        _ => None,
    }
}

pub(crate) fn single_generic(seg: &syn::PathSegment) -> Option<&Type> {
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

pub(crate) fn is_unit(ty: &Type) -> bool {
    matches!(ty, Type::Tuple(t) if t.elems.is_empty())
}

pub(crate) fn is_named(ty: &Type, name: &str) -> bool {
    last_segment(ty).is_some_and(|s| s.ident == name && s.arguments.is_empty())
}

/// `Result<T, FcError>` → `T`, looking through `impl Future<Output = …>` when the method is written that way.
pub(crate) fn result_ok_type(ty: &Type) -> Option<&Type> {
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
            Pat::Ident(pi) if pi.by_ref.is_none() && pi.subpat.is_none() => pi.ident.clone(),
            other => {
                ctx.error_spanned_by(
                    other,
                    "#[fc_function] arguments must be plain names (e.g. `job: Resize`): the name is the event's field name",
                );
                // Kept under a placeholder name, so that the function side still has the argument.
                quote::format_ident!("__fc_arg{}", args.len())
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
            None => (unraw(&ident), ident.span()),
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

/// One `#[fc_function]` method of an `#[fc_service]` trait.
pub(crate) struct ServiceMethod<'a> {
    pub model: Method<'a>,
    /// The `#[fc_function]` attribute as written.
    pub attr: &'a syn::Attribute,
    /// Whether the attribute itself parsed (combinations are checked only then: a misspelt value would echo).
    pub settings_ok: bool,
    /// Mistakes recorded while modelling the method.
    pub model_errors: usize,
    /// Whether the method has no mistake at all, set by validation: then its stub is generated, otherwise its
    /// fallback.
    pub ok: bool,
}

/// An item of the trait, in order.
pub(crate) enum Entry<'a> {
    Function(Box<ServiceMethod<'a>>),
    /// A method without `#[fc_function]` (reported): emitted as declared, with a fallback body.
    Unmarked(&'a TraitItemFn),
}

/// The model of an `#[fc_service]` trait: parsed once, then validated, then rendered as the client stubs and
/// (with `server`) the function side.
pub(crate) struct Service<'a> {
    pub item: &'a syn::ItemTrait,
    pub defaults: Settings,
    pub entries: Vec<Entry<'a>>,
}

impl<'a> Service<'a> {
    /// The `#[fc_function]` methods, in order.
    pub fn methods(&self) -> impl Iterator<Item = &ServiceMethod<'a>> {
        self.entries.iter().filter_map(|e| match e {
            Entry::Function(m) => Some(&**m),
            Entry::Unmarked(_) => None,
        })
    }

    /// The methods grouped by the function they call, in order of first appearance.
    pub fn by_function(&self) -> Vec<(String, Vec<&Method<'a>>)> {
        let mut groups: Vec<(String, Vec<&Method<'a>>)> = Vec::new();
        for m in self.methods() {
            let (name, _) = m.model.function_name();
            match groups.iter_mut().find(|(n, _)| *n == name) {
                Some((_, methods)) => methods.push(&m.model),
                None => groups.push((name, vec![&m.model])),
            }
        }
        groups
    }

    /// The runtime crate's path: `crate = "…"` on the trait, or `::fc_runtime`.
    pub fn runtime_path(&self) -> proc_macro2::TokenStream {
        use quote::ToTokens;
        match &self.defaults.krate {
            Some(k) => k.value.to_token_stream(),
            None => quote::quote!(::fc_runtime),
        }
    }
}

/// Whether an attribute is `#[fc_function]` (however its path is written).
pub(crate) fn is_fc_function(attr: &syn::Attribute) -> bool {
    attr.path().segments.last().is_some_and(|s| s.ident == "fc_function")
}

/// Models every item of an `#[fc_service]` trait, recording what cannot be modelled.
pub(crate) fn service<'a>(ctx: &Ctxt, item: &'a syn::ItemTrait, defaults: Settings) -> Service<'a> {
    let mut entries = Vec::new();
    for trait_item in &item.items {
        let syn::TraitItem::Fn(method_item) = trait_item else {
            ctx.error_spanned_by(
                trait_item,
                "an #[fc_service] trait holds only #[fc_function] methods; move other items to another trait",
            );
            continue;
        };
        let Some(attr) = method_item.attrs.iter().find(|a| is_fc_function(a)) else {
            ctx.error_at(
                method_item.sig.ident.span(),
                format!(
                    "method `{}` of an #[fc_service] trait needs #[fc_function]: every method calls a function",
                    method_item.sig.ident
                ),
            );
            entries.push(Entry::Unmarked(method_item));
            continue;
        };
        let before = ctx.error_count();
        let settings = match &attr.meta {
            syn::Meta::Path(_) => Settings::default(),
            syn::Meta::List(list) => attr::parse_settings(ctx, attr::AttrKind::Function, list.tokens.clone()),
            syn::Meta::NameValue(nv) => {
                ctx.error_spanned_by(nv, "write #[fc_function(key = \"value\", …)]");
                Settings::default()
            }
        }
        .or(&defaults);
        let settings_ok = ctx.error_count() == before;
        let model = method(ctx, method_item, settings, syn::spanned::Spanned::span(attr));
        let model_errors = ctx.error_count() - before;
        entries.push(Entry::Function(Box::new(ServiceMethod { model, attr, settings_ok, model_errors, ok: false })));
    }
    Service { item, defaults, entries }
}
