//! Semantic checks of a modelled method: FC's naming rules and the combinations that cannot work.

use std::collections::HashMap;

use crate::ast::{ArgKind, Entry, Method, Output, Ret, Service};
use crate::attr::{Invocation, Log};
use crate::ctxt::Ctxt;
use crate::names;

pub(crate) fn check_method(ctx: &Ctxt, m: &Method<'_>) {
    let (function, span) = m.function_name();
    if m.is_fc3() {
        if let Some(s) = &m.settings.service {
            ctx.error_at(
                s.span,
                "FC 3.0 functions have no service: remove `service` (or target FC 2.0 with `api = \"2.0\"`)",
            );
        }
        if let Err(e) = names::check_fc3_function(&function) {
            ctx.error_at(span, format!("invalid FC 3.0 function name {function:?}: it {e}"));
        }
    } else {
        match &m.settings.service {
            None => ctx.error_at(
                m.attr_span,
                "missing `service`: write `#[fc_function(service = \"…\")]`, or put `#[fc_service(service = \"…\")]` on the trait (an FC 3.0 function has none: `api = \"3.0\"`)",
            ),
            Some(s) => {
                if let Err(e) = names::check_service(&s.value) {
                    ctx.error_at(s.span, format!("invalid service name {:?}: it {e}", s.value));
                }
            }
        }
        if let Err(e) = names::check_function(&function) {
            ctx.error_at(span, format!("invalid function name {function:?}: it {e}"));
        }
    }
    if let Some(q) = &m.settings.qualifier
        && let Err(e) = names::check_qualifier(&q.value)
    {
        ctx.error_at(
            q.span,
            format!("invalid qualifier {:?}: use `LATEST`, a version number or an alias name; it {e}", q.value),
        );
    }

    let is_async = m.settings.invocation.as_ref().is_some_and(|i| i.value == Invocation::Async);
    if let Some(log) = &m.settings.log
        && log.value == Log::Tail
        && is_async
    {
        ctx.error_at(
            log.span,
            "`log = \"tail\"` needs a sync invocation: an async call returns before the function runs",
        );
    }

    let mut seen_id = false;
    let mut keys: HashMap<&str, ()> = HashMap::new();
    let body_args = m.args.iter().filter(|a| a.kind != ArgKind::InvocationId).count();
    for arg in &m.args {
        match arg.kind {
            ArgKind::InvocationId => {
                let span = arg.attrs.invocation_id.unwrap_or(arg.key_span);
                if seen_id {
                    ctx.error_at(span, "only one argument can be `#[fc(invocation_id)]`");
                }
                seen_id = true;
                if !is_async {
                    ctx.error_at(
                        span,
                        "`#[fc(invocation_id)]` names a stateful async invocation: add `invocation = \"async\"` to #[fc_function]",
                    );
                }
                if !crate::ast::is_string_arg(arg.ty) {
                    ctx.error_spanned_by(arg.ty, "`#[fc(invocation_id)]` goes on a `&str` or `String` argument");
                }
                if let Some(r) = &arg.attrs.rename {
                    ctx.error_at(
                        r.span,
                        "`rename` has no effect on the `invocation_id` argument: it is sent as a header",
                    );
                }
            }
            ArgKind::Bytes if body_args > 1 => ctx.error_spanned_by(
                arg.ty,
                "a raw-bytes argument is the whole event body: it must be the method's only event argument",
            ),
            ArgKind::Bytes | ArgKind::Json => {
                if let Some(r) = &arg.attrs.rename {
                    if r.value.is_empty() {
                        ctx.error_at(r.span, "`rename` needs a non-empty field name");
                    } else if body_args == 1 {
                        ctx.error_at(
                            r.span,
                            "`rename` needs several event arguments: a single argument is the whole event",
                        );
                    }
                }
                if body_args > 1 && keys.insert(arg.key.as_str(), ()).is_some() {
                    ctx.error_at(arg.key_span, format!("two arguments are sent as the event field {:?}", arg.key));
                }
            }
        }
    }

    match (&m.ret, is_async) {
        (Some(Ret::Accepted(_)), true) | (None, _) => {}
        (Some(_), true) => {
            if let Some(ok) = m.ok_type {
                ctx.error_spanned_by(
                    ok,
                    "async invocations return `Result<Accepted, FcError>`: the function's result is not available to the caller",
                );
            }
        }
        (Some(Ret::Accepted(ty)), false) => ctx.error_spanned_by(
            ty,
            "`Accepted` is the result of async invocations: add `invocation = \"async\"` to #[fc_function]",
        ),
        (Some(_), false) => {}
    }
}

/// Checks a whole `#[fc_service]` trait, once: every method (marking those without mistakes, whose stubs are
/// generated), the stubs of one function against each other, and, with `server`, what the function side needs.
pub(crate) fn check_service(ctx: &Ctxt, service: &mut Service<'_>) {
    for entry in &mut service.entries {
        if let Entry::Function(m) = entry {
            let before = ctx.error_count();
            // Checks of combinations would only echo a malformed attribute (a misspelt `invocation` is not
            // "async"), so they run once the attribute itself is right.
            if m.settings_ok {
                check_method(ctx, &m.model);
            }
            m.ok = m.model_errors == 0 && ctx.error_count() == before;
        }
    }
    check_one_event_kind(ctx, service);
    if service.defaults.server.is_some() {
        check_server(ctx, service);
    }
}

/// Stubs of one function send one kind of event: JSON or raw bytes.
fn check_one_event_kind(ctx: &Ctxt, service: &Service<'_>) {
    let mut seen: Vec<((String, String), &Method<'_>, bool)> = Vec::new();
    for m in service.methods().map(|m| &m.model) {
        let target = (m.settings.service.as_ref().map(|s| s.value.clone()).unwrap_or_default(), m.function_name().0);
        let bytes = m.event_args().any(|a| a.kind == ArgKind::Bytes);
        for (_, earlier, earlier_bytes) in seen.iter().filter(|(t, ..)| *t == target) {
            if *earlier_bytes != bytes {
                let kind = |b: bool| if b { "raw bytes" } else { "JSON" };
                ctx.error_at(
                    m.name().span(),
                    format!(
                        "`{}` sends function {:?} {} but `{}` sends it {}: one function takes one kind of event",
                        m.name(),
                        target.1,
                        kind(bytes),
                        earlier.name(),
                        kind(*earlier_bytes),
                    ),
                );
            }
        }
        seen.push((target, m, bytes));
    }
}

/// Names the generated server trait provides itself.
pub(crate) const RESERVED: &[&str] = &["on_initialize", "on_pre_stop", "on_pre_freeze", "into_router", "FUNCTIONS"];

/// The client method of a function the server method takes its name and event from: the one named after the
/// function, else the first (methods with generic parameters cannot be served, and are left out).
pub(crate) fn canonical<'m, 'a>(function: &str, methods: &[&'m Method<'a>]) -> Option<&'m Method<'a>> {
    let servable: Vec<&'m Method<'a>> =
        methods.iter().copied().filter(|m| m.item.sig.generics.params.is_empty()).collect();
    servable.iter().copied().find(|m| crate::ast::unraw(m.name()) == function).or(servable.first().copied())
}

/// What the function side needs: a trait without generics, methods without generics and with names of their own,
/// and stubs of one function that agree on the event's fields and the result's kind (their types are checked by
/// the compiler, at the disagreeing stub).
fn check_server(ctx: &Ctxt, service: &Service<'_>) {
    if !service.item.generics.params.is_empty() {
        ctx.error_spanned_by(
            &service.item.generics,
            "`server` needs a trait without generic parameters: the router decodes each event into one concrete type",
        );
        return;
    }
    for (function, methods) in service.by_function() {
        for m in &methods {
            if !m.item.sig.generics.params.is_empty() {
                ctx.error_spanned_by(
                    &m.item.sig.generics,
                    "`server` needs methods without generic parameters: the router decodes each event into one concrete type",
                );
            }
        }
        let Some(canonical) = canonical(&function, &methods) else { continue };
        if RESERVED.contains(&crate::ast::unraw(canonical.name()).as_str()) {
            ctx.error_spanned_by(
                canonical.name(),
                format!("`{}` is a method the generated server trait provides; rename this one", canonical.name()),
            );
        }
        let args: Vec<_> = canonical.event_args().collect();
        for arg in &args {
            check_owned(ctx, arg.ty);
        }
        let output = methods.iter().find_map(|m| m.output().map(|o| (m.name(), o)));
        for other in methods.iter().filter(|m| m.name() != canonical.name() && m.item.sig.generics.params.is_empty()) {
            let theirs: Vec<_> = other.event_args().collect();
            if theirs.len() != args.len() {
                ctx.error_spanned_by(
                    other.name(),
                    format!(
                        "`{}` and `{}` both call function {:?} but send {} and {} arguments: one function takes one event",
                        other.name(),
                        canonical.name(),
                        function,
                        theirs.len(),
                        args.len()
                    ),
                );
                continue;
            }
            if args.len() > 1 {
                for (mine, their) in args.iter().zip(&theirs) {
                    if mine.key != their.key {
                        ctx.error_spanned_by(
                            &their.ident,
                            format!(
                                "field `{}` here is `{}` in `{}`: both methods call function {:?}, so the event's fields must match",
                                their.key,
                                mine.key,
                                canonical.name(),
                                function
                            ),
                        );
                    }
                }
            }
            if let (Some((from, out)), Some(theirs)) = (&output, other.output()) {
                let kind = |o: &Output<'_>| match o {
                    Output::Json(_) => "JSON",
                    Output::Unit => "nothing",
                    Output::Bytes(_) => "raw bytes",
                };
                if kind(out) != kind(&theirs) {
                    use quote::ToTokens;
                    let at = other.ok_type.map_or_else(|| other.name().to_token_stream(), |t| t.to_token_stream());
                    ctx.error_spanned_by(
                        at,
                        format!(
                            "`{}` expects {} from function {:?} but `{}` expects {}",
                            other.name(),
                            kind(&theirs),
                            function,
                            from,
                            kind(out)
                        ),
                    );
                }
            }
        }
    }
}

/// A server argument is decoded into an owned value: a borrow at the top (`&str`, `&[T]`, `&T`) becomes its owned
/// type in the server trait, but one nested in another type (`Option<&str>`, `Vec<&str>`, `Cow<'a, str>`) cannot
/// be decoded into, and is refused here with the owned type to write instead.
fn check_owned(ctx: &Ctxt, ty: &syn::Type) {
    let inner = match ty {
        syn::Type::Reference(r) => &*r.elem,
        other => other,
    };
    if !borrows(inner) {
        return;
    }
    let owned = deep_owned(ty);
    let suggestion = if borrows(&owned) {
        "an owned type (without a lifetime)".to_owned()
    } else {
        format!("`{}`", type_text(&owned))
    };
    ctx.error_spanned_by(
        ty,
        format!(
            "server arguments are owned; use {suggestion} (the `server` trait decodes `{}` from the event, and cannot \
             decode into a borrow; the client stub may keep it)",
            type_text(ty)
        ),
    );
}

/// Whether a type holds a reference or a lifetime anywhere.
fn borrows(ty: &syn::Type) -> bool {
    struct Finder(bool);
    impl<'ast> syn::visit::Visit<'ast> for Finder {
        fn visit_type_reference(&mut self, _: &'ast syn::TypeReference) {
            self.0 = true;
        }
        fn visit_lifetime(&mut self, _: &'ast syn::Lifetime) {
            self.0 = true;
        }
    }
    let mut finder = Finder(false);
    syn::visit::Visit::visit_type(&mut finder, ty);
    finder.0
}

/// The owned type for a borrowing one, at every depth: `&str` → `String`, `&[T]` → `Vec<T>`, `&T` → `T`,
/// `Cow<'_, str>` → `String`, `Cow<'_, [T]>` → `Vec<T>`.
pub(crate) fn deep_owned(ty: &syn::Type) -> syn::Type {
    use syn::{GenericArgument, PathArguments, Type};
    match ty {
        Type::Reference(r) => match &*r.elem {
            Type::Path(p) if p.qself.is_none() && p.path.is_ident("str") => syn::parse_quote!(::std::string::String),
            Type::Slice(s) => {
                let elem = deep_owned(&s.elem);
                syn::parse_quote!(::std::vec::Vec<#elem>)
            }
            other => deep_owned(other),
        },
        Type::Path(p) if p.qself.is_none() => {
            let last = p.path.segments.last();
            if let Some(seg) = last.filter(|s| s.ident == "Cow")
                && let PathArguments::AngleBracketed(args) = &seg.arguments
                && let Some(inner) = args.args.iter().find_map(|a| match a {
                    GenericArgument::Type(t) => Some(t),
                    _ => None,
                })
            {
                let as_ref: syn::Type = syn::parse_quote!(&#inner);
                return deep_owned(&as_ref);
            }
            let mut p = p.clone();
            for seg in &mut p.path.segments {
                if let PathArguments::AngleBracketed(args) = &mut seg.arguments {
                    for arg in &mut args.args {
                        if let GenericArgument::Type(t) = arg {
                            *t = deep_owned(t);
                        }
                    }
                }
            }
            Type::Path(p)
        }
        Type::Tuple(t) => {
            let mut t = t.clone();
            for elem in &mut t.elems {
                *elem = deep_owned(elem);
            }
            Type::Tuple(t)
        }
        Type::Array(a) => {
            let mut a = a.clone();
            *a.elem = deep_owned(&a.elem);
            Type::Array(a)
        }
        Type::Slice(s) => {
            let elem = deep_owned(&s.elem);
            syn::parse_quote!(::std::vec::Vec<#elem>)
        }
        Type::Paren(p) => deep_owned(&p.elem),
        Type::Group(g) => deep_owned(&g.elem),
        other => other.clone(),
    }
}

/// A type as written, without the token stream's spaces: `Option<&str>`.
fn type_text(ty: &syn::Type) -> String {
    use quote::ToTokens;
    let mut text = ty.to_token_stream().to_string();
    for path in [":: std :: string :: ", ":: std :: vec :: "] {
        text = text.replace(path, "");
    }
    for (from, to) in [(" <", "<"), ("< ", "<"), (" >", ">"), ("& ", "&"), (" ,", ","), (" :: ", "::"), (":: ", "::")] {
        text = text.replace(from, to);
    }
    text
}
