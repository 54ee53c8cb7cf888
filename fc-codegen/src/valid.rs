//! Semantic checks of a modelled method: FC's naming rules and the combinations that cannot work.

use std::collections::HashMap;

use crate::ast::{ArgKind, Method, Ret};
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
