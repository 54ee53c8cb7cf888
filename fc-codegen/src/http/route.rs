//! The model of one `#[fc_http]` route, with every check: its `#[route(...)]`, each argument's place (path,
//! query, header, body) and its result. Mistakes are recorded in the `Ctxt` at the offending tokens.

use proc_macro2::Span;
use syn::parse::ParseStream;
use syn::{FnArg, LitStr, Pat, TraitItemFn, Type};

use crate::ast::{
    declared_output, is_bytes_arg, is_named, is_owned_bytes, is_string_arg, is_unit, last_segment, result_ok_type,
    single_generic, unraw,
};
use crate::ctxt::Ctxt;

/// The methods an HTTP trigger may be configured to accept.
const METHODS: &[&str] = &["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"];

/// Request headers a route may not set from an argument: FC's (`x-fc-*`, refused by FC), the hop-by-hop ones, and
/// those the client sets itself.
const RESERVED_HEADERS: &[&str] =
    &["connection", "keep-alive", "authorization", "host", "content-type", "content-length", "x-acs-date"];

/// One piece of a path segment: text, or an argument's value.
#[derive(Debug, Clone)]
pub(super) enum Piece {
    Text(String),
    Param(String, Span),
}

/// How a body argument is sent.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum BodyKind {
    Json,
    Text,
    Bytes,
}

/// Where an argument goes.
#[derive(Debug, Clone)]
pub(super) enum Place {
    Path,
    /// `repeated`: a `Vec<T>` or `&[T]`, one `name=value` a value (`?tag=a&tag=b`).
    Query {
        name: String,
        optional: bool,
        repeated: bool,
    },
    Header(String),
    Body(BodyKind),
}

pub(super) struct Arg<'a> {
    pub(super) ident: &'a syn::Ident,
    pub(super) ty: &'a Type,
    pub(super) place: Place,
}

/// What the answer becomes.
#[derive(Clone, Copy)]
pub(super) enum Decoded<'a> {
    Unit,
    Text,
    Bytes(&'a Type),
    Json(&'a Type),
}

#[derive(Clone, Copy)]
pub(super) enum Ret<'a> {
    Value(Decoded<'a>),
    Reply(Decoded<'a>),
    Response,
    Stream,
}

pub(super) struct Route<'a> {
    pub(super) item: &'a TraitItemFn,
    pub(super) method: syn::Ident,
    pub(super) segments: Vec<Vec<Piece>>,
    pub(super) log_tail: bool,
    pub(super) asynchronous: bool,
    pub(super) idempotent: bool,
    pub(super) args: Vec<Arg<'a>>,
    pub(super) ret: Option<Ret<'a>>,
}

pub(super) fn is_route_attr(attr: &syn::Attribute) -> bool {
    attr.path().is_ident("route")
}

/// What `#[route(...)]` says.
pub(super) struct RouteAttr {
    method: syn::Ident,
    path: LitStr,
    options: Vec<(syn::Ident, Option<LitStr>)>,
}

fn parse_route_attr(input: ParseStream<'_>) -> syn::Result<RouteAttr> {
    let method: syn::Ident = input.parse()?;
    input.parse::<syn::Token![,]>()?;
    let path: LitStr = input.parse()?;
    let mut options = Vec::new();
    while !input.is_empty() {
        input.parse::<syn::Token![,]>()?;
        if input.is_empty() {
            break;
        }
        let key: syn::Ident = input.parse()?;
        let value = if input.peek(syn::Token![=]) {
            input.parse::<syn::Token![=]>()?;
            Some(input.parse::<LitStr>()?)
        } else {
            None
        };
        options.push((key, value));
    }
    Ok(RouteAttr { method, path, options })
}

/// `/albums/{id}/tracks` → `[[albums], [{id}], [tracks]]`, each mistake recorded at the path.
fn parse_path(ctx: &Ctxt, lit: &LitStr) -> Vec<Vec<Piece>> {
    let text = lit.value();
    let Some(rest) = text.strip_prefix('/') else {
        ctx.error_spanned_by(lit, format!("a route's path starts with `/`: write \"/{text}\""));
        return Vec::new();
    };
    if text.contains("{r#") {
        ctx.error_spanned_by(lit, "a path parameter is named without `r#`: `{type}` for the argument `r#type`");
        return Vec::new();
    }
    if let Some(c) = text.chars().find(|c| matches!(c, '?' | '#') || c.is_whitespace() || c.is_control()) {
        ctx.error_spanned_by(
            lit,
            format!("a route's path may not contain {c:?}: query parameters are arguments marked #[fc(query)]"),
        );
        return Vec::new();
    }
    let mut segments = Vec::new();
    for segment in rest.split('/') {
        let mut pieces = Vec::new();
        let mut chars = segment.char_indices().peekable();
        let mut text_start = 0;
        while let Some((i, c)) = chars.next() {
            match c {
                '{' => {
                    if i > text_start {
                        pieces.push(Piece::Text(segment[text_start..i].to_owned()));
                    }
                    let Some(close) = segment[i..].find('}') else {
                        ctx.error_spanned_by(lit, format!("unclosed `{{` in the path segment {segment:?}"));
                        return Vec::new();
                    };
                    let name = &segment[i + 1..i + close];
                    let identifier = name.chars().next().is_some_and(|c| c.is_alphabetic() || c == '_')
                        && name.chars().all(|c| c.is_alphanumeric() || c == '_')
                        && name != "_";
                    if !identifier {
                        ctx.error_spanned_by(
                            lit,
                            format!("`{{{name}}}` is not a parameter: write the name of an argument, e.g. `{{id}}`"),
                        );
                    }
                    pieces.push(Piece::Param(name.to_owned(), lit.span()));
                    for _ in 0..close {
                        chars.next();
                    }
                    text_start = i + close + 1;
                }
                '}' => {
                    ctx.error_spanned_by(lit, format!("unmatched `}}` in the path segment {segment:?}"));
                    return Vec::new();
                }
                _ => {}
            }
        }
        if text_start < segment.len() {
            pieces.push(Piece::Text(segment[text_start..].to_owned()));
        }
        if pieces.is_empty() {
            pieces.push(Piece::Text(String::new()));
        }
        let params = pieces.iter().filter(|p| matches!(p, Piece::Param(..))).count();
        if params > 1 {
            ctx.error_spanned_by(lit, format!("the path segment {segment:?} has two parameters with nothing between"));
        }
        segments.push(pieces);
    }
    segments
}

/// A header name an argument may set, lower-cased, or why not.
fn header_name(name: &str) -> Result<String, String> {
    let lower = name.to_ascii_lowercase();
    let token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
    if lower.is_empty() || !lower.chars().all(token) {
        return Err(format!("{name:?} is not a header name"));
    }
    if lower.starts_with("x-fc-") {
        return Err(format!(
            "{name:?} is FC's: FC refuses x-fc-* request headers through an HTTP trigger (use `log = \"tail\"` or \
             `invocation = \"async\"` on the route for the two it takes)"
        ));
    }
    if RESERVED_HEADERS.contains(&lower.as_str()) {
        return Err(format!("the client sets {name:?} itself"));
    }
    Ok(lower)
}

fn decoded(ty: &Type) -> Decoded<'_> {
    if is_unit(ty) {
        Decoded::Unit
    } else if is_named(ty, "String") {
        Decoded::Text
    } else if is_owned_bytes(ty) {
        Decoded::Bytes(ty)
    } else {
        Decoded::Json(ty)
    }
}

fn classify(ok: &Type) -> Ret<'_> {
    if is_named(ok, "TriggerResponse") {
        return Ret::Response;
    }
    if is_named(ok, "TriggerStream") {
        return Ret::Stream;
    }
    if let Some(seg) = last_segment(ok).filter(|s| s.ident == "Reply")
        && let Some(inner) = single_generic(seg)
    {
        return Ret::Reply(decoded(inner));
    }
    Ret::Value(decoded(ok))
}

/// Models one method, recording every mistake.
pub(super) fn route<'a>(ctx: &Ctxt, item: &'a TraitItemFn) -> Route<'a> {
    let sig = &item.sig;
    let mut route = Route {
        item,
        method: syn::Ident::new("GET", sig.ident.span()),
        segments: Vec::new(),
        log_tail: false,
        asynchronous: false,
        idempotent: false,
        args: Vec::new(),
        ret: None,
    };
    let attrs: Vec<&syn::Attribute> = item.attrs.iter().filter(|a| is_route_attr(a)).collect();
    match attrs.as_slice() {
        [] => ctx.error_at(
            sig.ident.span(),
            "every method of an #[fc_http] trait is a route: mark it #[route(METHOD, \"/path\")], e.g. \
             #[route(POST, \"/greet\")]",
        ),
        [attr] => match attr.parse_args_with(parse_route_attr) {
            Ok(parsed) => route_attr(ctx, &mut route, parsed),
            Err(e) => ctx.syn_error(syn::Error::new(
                e.span(),
                format!("{e}: write #[route(METHOD, \"/path\")] with optional `log = \"tail\"`, `invocation = \"async\"`, `idempotent`"),
            )),
        },
        [_, second, ..] => ctx.error_spanned_by(second, "a method is one route: one #[route(...)] each"),
    }
    if let Some(body) = &item.default {
        ctx.error_spanned_by(body, "a route is declared without a body: #[fc_http] writes it");
    }
    if let Some(u) = &sig.unsafety {
        ctx.error_spanned_by(u, "a route cannot be `unsafe`");
    }
    if let Some(c) = &sig.constness {
        ctx.error_spanned_by(c, "a route cannot be `const`");
    }
    if let Some(abi) = &sig.abi {
        ctx.error_spanned_by(abi, "a route cannot be `extern`");
    }
    if !sig.generics.params.is_empty() {
        ctx.error_spanned_by(&sig.generics, "a route cannot be generic");
    }
    match sig.receiver() {
        Some(r) if r.reference.is_some() && r.mutability.is_none() => {}
        Some(r) => ctx.error_spanned_by(r, "a route takes `&self`"),
        None => ctx.error_at(sig.ident.span(), "a route takes `&self` as its first argument"),
    }
    // Any other name is free (the client has no method of its own), but this one is the supertrait's.
    if sig.ident == "trigger_client" {
        ctx.error_spanned_by(
            &sig.ident,
            "a route cannot be called `trigger_client`: every #[fc_http] trait inherits that method from `TriggerClient`",
        );
    }

    // The arguments' places.
    let params: Vec<(String, Span)> = route
        .segments
        .iter()
        .flatten()
        .filter_map(|p| match p {
            Piece::Param(name, span) => Some((name.clone(), *span)),
            Piece::Text(_) => None,
        })
        .collect();
    let mut body_seen = false;
    for input in &sig.inputs {
        let FnArg::Typed(pt) = input else { continue };
        let Pat::Ident(pi) = &*pt.pat else {
            ctx.error_spanned_by(&pt.pat, "a route's arguments are named: write `name: Type`");
            continue;
        };
        if matches!(&*pt.ty, Type::ImplTrait(_)) {
            ctx.error_spanned_by(&pt.ty, "a route's argument cannot be `impl Trait`: name the type");
            continue;
        }
        let name = unraw(&pi.ident);
        let Ok(marked) = arg_place(ctx, pt, &name) else { continue };
        let in_path = params.iter().any(|(p, _)| *p == name);
        let place = match (in_path, marked) {
            (true, None) => Place::Path,
            (true, Some(_)) => {
                ctx.error_spanned_by(&pt.pat, format!("`{name}` is a path parameter: it takes no #[fc(...)]"));
                continue;
            }
            (false, Some(place)) => place,
            (false, None) => {
                ctx.error_spanned_by(
                    &pt.pat,
                    format!(
                        "`{name}` is not in the path {:?}: put `{{{name}}}` in it, or mark it #[fc(query)], \
                         #[fc(header = \"…\")] or #[fc(body)]",
                        route_path_text(&route)
                    ),
                );
                continue;
            }
        };
        if let Place::Body(_) = place {
            if body_seen {
                ctx.error_spanned_by(&pt.pat, "a route has one body: only one argument may be #[fc(body)]");
            }
            body_seen = true;
        }
        route.args.push(Arg { ident: &pi.ident, ty: &pt.ty, place });
    }
    for (param, span) in &params {
        if !route.args.iter().any(|a| matches!(a.place, Place::Path) && unraw(a.ident) == *param) {
            ctx.error_at(*span, format!("the path parameter `{{{param}}}` is not an argument of `{}`", sig.ident));
        }
    }
    let mut seen = std::collections::HashSet::new();
    for (param, span) in &params {
        if !seen.insert(param) {
            ctx.error_at(*span, format!("the path parameter `{{{param}}}` appears twice"));
        }
    }

    // The result.
    match declared_output(item) {
        None => ctx.error_spanned_by(
            &sig.ident,
            "a route is `async fn …(&self, …) -> Result<T, FcError>` (or returns `impl Future<Output = Result<T, FcError>>`)",
        ),
        Some(out) => match result_ok_type(out) {
            None => ctx.error_spanned_by(out, "a route returns `Result<T, FcError>`"),
            Some(ok) => {
                let ret = classify(ok);
                if route.asynchronous
                    && !matches!(ret, Ret::Value(Decoded::Unit) | Ret::Response | Ret::Reply(Decoded::Unit))
                {
                    ctx.error_spanned_by(
                        ok,
                        "an async route's answer is FC's 202 with no body: return `()`, `Reply<()>` or \
                         `TriggerResponse`",
                    );
                }
                route.ret = Some(ret);
            }
        },
    }
    route
}

fn route_path_text(route: &Route<'_>) -> String {
    let mut text = String::new();
    for segment in &route.segments {
        text.push('/');
        for piece in segment {
            match piece {
                Piece::Text(t) => text.push_str(t),
                Piece::Param(p, _) => text.push_str(&format!("{{{p}}}")),
            }
        }
    }
    text
}

fn route_attr(ctx: &Ctxt, route: &mut Route<'_>, attr: RouteAttr) {
    let method = attr.method.to_string();
    if METHODS.contains(&method.as_str()) {
        route.method = attr.method.clone();
    } else if METHODS.contains(&method.to_ascii_uppercase().as_str()) {
        ctx.error_spanned_by(&attr.method, format!("write the method in capitals: `{}`", method.to_ascii_uppercase()));
    } else {
        ctx.error_spanned_by(
            &attr.method,
            format!("`{method}` is not a method an HTTP trigger takes; expected one of {}", METHODS.join(", ")),
        );
    }
    route.segments = parse_path(ctx, &attr.path);
    let mut log_span = None;
    for (key, value) in attr.options {
        let text = value.as_ref().map(LitStr::value);
        match (key.to_string().as_str(), text.as_deref()) {
            ("log", Some("tail")) => {
                route.log_tail = true;
                log_span = Some(key.span());
            }
            ("log", Some("none")) => {}
            ("invocation", Some("async")) => route.asynchronous = true,
            ("invocation", Some("sync")) => {}
            ("idempotent", None) => route.idempotent = true,
            ("log", _) => ctx.error_spanned_by(&key, "`log` is \"tail\" or \"none\""),
            ("invocation", _) => ctx.error_spanned_by(&key, "`invocation` is \"sync\" or \"async\""),
            ("idempotent", Some(_)) => ctx.error_spanned_by(&key, "`idempotent` takes no value"),
            (other, _) => ctx.error_spanned_by(
                &key,
                format!("unknown key `{other}` in #[route(...)]; expected `log`, `invocation` or `idempotent`"),
            ),
        }
    }
    if route.asynchronous
        && let Some(span) = log_span
    {
        ctx.error_at(
            span,
            "an async request answers at once: it has no log tail (`log = \"tail\"` needs a sync route)",
        );
    }
}

/// The argument's `#[fc(query | query = "…" | header = "…" | body)]`, if any.
/// `Err` when it has one that is wrong (reported here).
fn arg_place(ctx: &Ctxt, pt: &syn::PatType, name: &str) -> Result<Option<Place>, ()> {
    let before = ctx.error_count();
    let mut place = None;
    for attr in pt.attrs.iter().filter(|a| a.path().is_ident("fc")) {
        let result = attr.parse_nested_meta(|meta| {
            let key = meta.path.get_ident().map(ToString::to_string).unwrap_or_default();
            let value = if meta.input.peek(syn::Token![=]) { Some(meta.value()?.parse::<LitStr>()?) } else { None };
            let new = match (key.as_str(), &value) {
                ("query", None) => {
                    Place::Query { name: name.to_owned(), optional: is_option(&pt.ty), repeated: is_repeated(&pt.ty) }
                }
                ("query", Some(v)) if !v.value().is_empty() => {
                    Place::Query { name: v.value(), optional: is_option(&pt.ty), repeated: is_repeated(&pt.ty) }
                }
                ("query", Some(v)) => {
                    ctx.error_spanned_by(v, "a query parameter's name is not empty");
                    return Ok(());
                }
                ("header", Some(v)) => match header_name(&v.value()) {
                    Ok(header) => Place::Header(header),
                    Err(why) => {
                        ctx.error_spanned_by(v, why);
                        return Ok(());
                    }
                },
                ("header", None) => {
                    ctx.error_spanned_by(&meta.path, "`header` names the header: #[fc(header = \"x-request-tag\")]");
                    return Ok(());
                }
                ("body", None) => Place::Body(if is_bytes_arg(&pt.ty) {
                    BodyKind::Bytes
                } else if is_string_arg(&pt.ty) {
                    BodyKind::Text
                } else {
                    BodyKind::Json
                }),
                ("body", Some(v)) => {
                    ctx.error_spanned_by(v, "`body` takes no value: its type decides (bytes, text or JSON)");
                    return Ok(());
                }
                _ => {
                    ctx.error_spanned_by(
                        &meta.path,
                        format!(
                            "unknown key `{key}` in a route's #[fc(...)]; expected `query`, `query = \"…\"`, \
                             `header = \"…\"` or `body`"
                        ),
                    );
                    return Ok(());
                }
            };
            if place.is_some() {
                ctx.error_spanned_by(&meta.path, format!("`{name}` already has a place: one of query, header, body"));
            } else {
                place = Some(new);
            }
            Ok(())
        });
        if let Err(e) = result {
            ctx.syn_error(e);
        }
    }
    if ctx.error_count() > before { Err(()) } else { Ok(place) }
}

fn is_option(ty: &Type) -> bool {
    last_segment(ty).is_some_and(|s| s.ident == "Option" && single_generic(s).is_some())
}

/// A repeated query parameter's type: `Vec<T>`, `&[T]`, `&Vec<T>` (bytes are a body, not a query).
fn is_repeated(ty: &Type) -> bool {
    match ty {
        Type::Reference(r) => matches!(&*r.elem, Type::Slice(_)) || is_repeated(&r.elem),
        Type::Slice(_) => true,
        _ => last_segment(ty).is_some_and(|s| s.ident == "Vec" && single_generic(s).is_some()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(route: &str) -> Vec<String> {
        let item: TraitItemFn = syn::parse_str(route).unwrap();
        let ctx = Ctxt::new();
        let _ = super::route(&ctx, &item);
        let rendered = ctx.check().to_string();
        rendered.split("compile_error !").skip(1).map(str::to_owned).collect()
    }

    #[test]
    fn a_well_formed_route_has_no_errors() {
        let ok = r#"#[route(GET, "/albums/{id}/tracks/{name}.txt", idempotent)]
            async fn track(&self, id: u64, name: &str, #[fc(query)] sort: Option<&str>,
                           #[fc(header = "X-Tag")] tag: &str) -> Result<Track, FcError>;"#;
        assert_eq!(errors(ok), Vec::<String>::new());
    }

    #[test]
    fn route_mistakes_are_errors() {
        for (route, expected) in [
            (r#"#[route(GET, "albums")] async fn a(&self) -> Result<(), FcError>;"#, "starts with `/`"),
            (r#"#[route(get, "/a")] async fn a(&self) -> Result<(), FcError>;"#, "in capitals"),
            (r#"#[route(FETCH, "/a")] async fn a(&self) -> Result<(), FcError>;"#, "not a method"),
            (r#"#[route(GET, "/a/{id}")] async fn a(&self) -> Result<(), FcError>;"#, "not an argument"),
            (r#"#[route(GET, "/a")] async fn a(&self, id: u64) -> Result<(), FcError>;"#, "not in the path"),
            (r#"#[route(GET, "/a/{id")] async fn a(&self, id: u64) -> Result<(), FcError>;"#, "unclosed"),
            (r#"#[route(GET, "/a?x=1")] async fn a(&self) -> Result<(), FcError>;"#, "may not contain"),
            (
                r#"#[route(POST, "/a")] async fn a(&self, #[fc(body)] x: &X, #[fc(body)] y: &Y) -> Result<(), FcError>;"#,
                "one body",
            ),
            (
                r#"#[route(GET, "/a")] async fn a(&self, #[fc(header = "x-fc-trace")] t: &str) -> Result<(), FcError>;"#,
                "x-fc-*",
            ),
            (r#"#[route(POST, "/a", invocation = "async")] async fn a(&self) -> Result<Greeting, FcError>;"#, "202"),
            (
                r#"#[route(POST, "/a", invocation = "async", log = "tail")] async fn a(&self) -> Result<(), FcError>;"#,
                "no log tail",
            ),
            (r#"#[route(POST, "/a", retry)] async fn a(&self) -> Result<(), FcError>;"#, "unknown key `retry`"),
            (r#"#[route(POST, "/a")] async fn a(&self) -> Result<(), String>;"#, "Result<T, FcError>"),
            (r#"async fn a(&self) -> Result<(), FcError>;"#, "mark it #[route"),
            (r#"#[route(POST, "/a")] async fn a(&mut self) -> Result<(), FcError>;"#, "`&self`"),
        ] {
            let found = errors(route);
            assert!(found.iter().any(|e| e.contains(expected)), "{route}: expected {expected:?} in {found:?}");
        }
    }
}
