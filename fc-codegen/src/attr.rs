//! Parsing of `#[fc_function(...)]`, `#[fc_service(...)]` and `#[fc(...)]`: syntax only; meaning is checked in
//! `valid.rs`.

use proc_macro2::Span;
use syn::meta::ParseNestedMeta;
use syn::{Expr, ExprLit, Lit, LitStr};

use crate::ctxt::Ctxt;

/// A value with the span it was written at.
#[derive(Clone, Debug)]
pub(crate) struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

/// `invocation = "sync" | "async"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Invocation {
    Sync,
    Async,
}

/// `api = "2.0" | "3.0"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Api {
    Fc2,
    Fc3,
}

/// `log = "none" | "tail"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Log {
    None,
    Tail,
}

/// The settings one attribute wrote.
#[derive(Clone, Default)]
pub(crate) struct Settings {
    pub service: Option<Spanned<String>>,
    pub function: Option<Spanned<String>>,
    pub qualifier: Option<Spanned<String>>,
    pub invocation: Option<Spanned<Invocation>>,
    pub log: Option<Spanned<Log>>,
    /// Milliseconds.
    pub timeout: Option<Spanned<u64>>,
    pub api: Option<Spanned<Api>>,
    pub krate: Option<Spanned<syn::Path>>,
    /// `server` on `#[fc_service]`: also generate the function side.
    pub server: Option<Span>,
}

/// Which attribute is being parsed: decides the valid keys.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum AttrKind {
    Function,
    Service,
}

impl AttrKind {
    fn name(self) -> &'static str {
        match self {
            AttrKind::Function => "#[fc_function]",
            AttrKind::Service => "#[fc_service]",
        }
    }

    /// The keys this attribute takes, in the table's order.
    fn keys(self) -> impl Iterator<Item = &'static str> {
        KEYS.iter().filter(move |k| k.on.contains(&self)).map(|k| k.name)
    }
}

const BOTH: &[AttrKind] = &[AttrKind::Function, AttrKind::Service];
const FUNCTION: &[AttrKind] = &[AttrKind::Function];
const SERVICE: &[AttrKind] = &[AttrKind::Service];

/// One attribute key: where it may be written, an example value, how its value is parsed and stored, whether a
/// method inherits it from the trait's `#[fc_service]`, and what to say when it is written on the other attribute.
/// Adding a key is one row here (and the `Settings` field it fills).
struct Key {
    name: &'static str,
    on: &'static [AttrKind],
    example: &'static str,
    parse: Parse,
    is_set: fn(&Settings) -> bool,
    /// Copies the trait's value into a method's settings that lack one (`None`: not inherited).
    inherit: Option<fn(&mut Settings, &Settings)>,
    /// Said when the key is written on an attribute that does not take it.
    misplaced: &'static str,
}

/// How a key's value is read into the settings.
enum Parse {
    /// `key = "…"`.
    Value(fn(&Ctxt, &mut Settings, &LitStr)),
    /// A bare `key`.
    Flag(fn(&mut Settings, Span)),
}

const ON_METHOD: &str = "belongs on each method's #[fc_function]";

const KEYS: &[Key] = &[
    Key {
        name: "api",
        on: BOTH,
        example: "3.0",
        parse: Parse::Value(parse_api),
        is_set: |s| s.api.is_some(),
        inherit: Some(|s, d| s.api = s.api.take().or_else(|| d.api.clone())),
        misplaced: "",
    },
    Key {
        name: "service",
        on: BOTH,
        example: "images",
        parse: Parse::Value(|_, s, lit| s.service = Some(text(lit))),
        is_set: |s| s.service.is_some(),
        inherit: Some(|s, d| s.service = s.service.take().or_else(|| d.service.clone())),
        misplaced: "",
    },
    Key {
        name: "function",
        on: FUNCTION,
        example: "resize",
        parse: Parse::Value(|_, s, lit| s.function = Some(text(lit))),
        is_set: |s| s.function.is_some(),
        inherit: None,
        misplaced: ON_METHOD,
    },
    Key {
        name: "qualifier",
        on: BOTH,
        example: "LATEST",
        parse: Parse::Value(|_, s, lit| s.qualifier = Some(text(lit))),
        is_set: |s| s.qualifier.is_some(),
        inherit: Some(|s, d| s.qualifier = s.qualifier.take().or_else(|| d.qualifier.clone())),
        misplaced: "",
    },
    Key {
        name: "invocation",
        on: FUNCTION,
        example: "async",
        parse: Parse::Value(parse_invocation),
        is_set: |s| s.invocation.is_some(),
        inherit: None,
        misplaced: ON_METHOD,
    },
    Key {
        name: "log",
        on: FUNCTION,
        example: "tail",
        parse: Parse::Value(parse_log),
        is_set: |s| s.log.is_some(),
        inherit: None,
        misplaced: ON_METHOD,
    },
    Key {
        name: "timeout",
        on: BOTH,
        example: "15m",
        parse: Parse::Value(parse_timeout),
        is_set: |s| s.timeout.is_some(),
        inherit: Some(|s, d| s.timeout = s.timeout.take().or_else(|| d.timeout.clone())),
        misplaced: "",
    },
    Key {
        name: "crate",
        on: BOTH,
        example: "::fc_runtime",
        parse: Parse::Value(parse_crate),
        is_set: |s| s.krate.is_some(),
        inherit: Some(|s, d| s.krate = s.krate.take().or_else(|| d.krate.clone())),
        misplaced: "",
    },
    Key {
        name: "server",
        on: SERVICE,
        example: "",
        parse: Parse::Flag(|s, span| s.server = Some(span)),
        is_set: |s| s.server.is_some(),
        inherit: None,
        misplaced: "goes on the trait's #[fc_service], and generates the function side of every method",
    },
];

/// Names users write for a key, and the key they mean.
const NEAR_MISSES: &[(&str, &str)] = &[
    ("name", "function"),
    ("func", "function"),
    ("function_name", "function"),
    ("svc", "service"),
    ("service_name", "service"),
    ("version", "qualifier"),
    ("alias", "qualifier"),
    ("invocation_type", "invocation"),
    ("type", "invocation"),
    ("mode", "invocation"),
    ("log_type", "log"),
    ("client", "server"),
];

impl Settings {
    /// Method settings over service defaults: the keys the table marks as inherited.
    pub fn or(mut self, defaults: &Settings) -> Settings {
        for key in KEYS {
            if let Some(inherit) = key.inherit {
                inherit(&mut self, defaults);
            }
        }
        self.server = None;
        self
    }
}

fn text(lit: &LitStr) -> Spanned<String> {
    Spanned { value: lit.value(), span: lit.span() }
}

fn string_value(ctx: &Ctxt, meta: &ParseNestedMeta<'_>, key: &str, example: &str) -> syn::Result<Option<LitStr>> {
    let expr: Expr = meta.value()?.parse()?;
    match expr {
        Expr::Lit(ExprLit { lit: Lit::Str(s), .. }) => Ok(Some(s)),
        other => {
            ctx.error_spanned_by(other, format!("`{key}` expects a string literal, e.g. `{key} = \"{example}\"`"));
            Ok(None)
        }
    }
}

/// Near misses such as `"Async"` or `"tail "` get a hint.
fn enum_hint(got: &str, allowed: &[&str]) -> String {
    let normalized = got.trim().to_ascii_lowercase();
    match allowed.iter().find(|a| **a == normalized) {
        Some(a) => format!("; did you mean \"{a}\"? (values are lower-case)"),
        None => String::new(),
    }
}

fn parse_invocation(ctx: &Ctxt, s: &mut Settings, lit: &LitStr) {
    let t = text(lit);
    match t.value.as_str() {
        "sync" => s.invocation = Some(Spanned { value: Invocation::Sync, span: t.span }),
        "async" => s.invocation = Some(Spanned { value: Invocation::Async, span: t.span }),
        other => ctx.error_at(
            t.span,
            format!(
                "`invocation` must be \"sync\" or \"async\", not {other:?}{}",
                enum_hint(other, &["sync", "async"])
            ),
        ),
    }
}

fn parse_log(ctx: &Ctxt, s: &mut Settings, lit: &LitStr) {
    let t = text(lit);
    match t.value.as_str() {
        "none" => s.log = Some(Spanned { value: Log::None, span: t.span }),
        "tail" => s.log = Some(Spanned { value: Log::Tail, span: t.span }),
        other => ctx.error_at(
            t.span,
            format!("`log` must be \"tail\" or \"none\", not {other:?}{}", enum_hint(other, &["tail", "none"])),
        ),
    }
}

fn parse_api(ctx: &Ctxt, s: &mut Settings, lit: &LitStr) {
    let t = text(lit);
    match t.value.as_str() {
        "2.0" => s.api = Some(Spanned { value: Api::Fc2, span: t.span }),
        "3.0" => s.api = Some(Spanned { value: Api::Fc3, span: t.span }),
        other => {
            let hint = match other.trim().to_ascii_lowercase().trim_start_matches(['v', 'f', 'c']) {
                "3" | "3.0" | "2023-03-30" => "; did you mean \"3.0\"?",
                "2" | "2.0" | "2016-08-15" => "; did you mean \"2.0\"?",
                _ => "",
            };
            ctx.error_at(t.span, format!("`api` must be \"2.0\" or \"3.0\", not {other:?}{hint}"))
        }
    }
}

fn parse_timeout(ctx: &Ctxt, s: &mut Settings, lit: &LitStr) {
    let t = text(lit);
    match parse_duration_ms(&t.value) {
        Ok(ms) => s.timeout = Some(Spanned { value: ms, span: t.span }),
        Err(why) => ctx.error_at(t.span, why),
    }
}

fn parse_crate(ctx: &Ctxt, s: &mut Settings, lit: &LitStr) {
    match lit.parse::<syn::Path>() {
        Ok(path) => s.krate = Some(Spanned { value: path, span: lit.span() }),
        Err(_) => {
            ctx.error_at(lit.span(), format!("`crate` must be a path such as \"::fc_runtime\", not {:?}", lit.value()))
        }
    }
}

/// Parses one `key = value` (or bare key) of a settings attribute into `settings`, recording mistakes.
pub(crate) fn parse_setting(
    ctx: &Ctxt,
    kind: AttrKind,
    settings: &mut Settings,
    meta: ParseNestedMeta<'_>,
) -> syn::Result<()> {
    let name = meta.path.get_ident().map(ToString::to_string).unwrap_or_else(|| {
        use quote::ToTokens;
        meta.path.to_token_stream().to_string().replace(' ', "")
    });
    let span = meta.path.get_ident().map_or_else(|| meta.input.span(), syn::Ident::span);
    let has_value = meta.input.peek(syn::Token![=]);
    let Some(key) = KEYS.iter().find(|k| k.name == name && k.on.contains(&kind)) else {
        let hint = match KEYS.iter().find(|k| k.name == name) {
            Some(elsewhere) => format!("; `{name}` {}", elsewhere.misplaced),
            None => match NEAR_MISSES.iter().find(|(miss, _)| *miss == name) {
                Some((_, meant)) => match KEYS.iter().find(|k| k.name == *meant) {
                    Some(k) if k.on.contains(&kind) => format!("; did you mean `{meant}`?"),
                    Some(k) if kind == AttrKind::Function && k.misplaced != ON_METHOD => {
                        format!("; `{meant}` {}", k.misplaced)
                    }
                    _ => String::new(),
                },
                None => String::new(),
            },
        };
        let keys: Vec<&str> = kind.keys().collect();
        ctx.error_at(
            span,
            format!("unknown key `{name}` in {}; expected one of: {}{hint}", kind.name(), keys.join(", ")),
        );
        if has_value {
            let _: Expr = meta.value()?.parse()?;
        }
        return Ok(());
    };
    let parse = match key.parse {
        Parse::Value(parse) => parse,
        Parse::Flag(set) => {
            if has_value {
                let attr = kind.name().trim_end_matches(']');
                ctx.error_at(span, format!("`{name}` takes no value: write `{attr}(…, {name})]`"));
                let _: Expr = meta.value()?.parse()?;
            } else if (key.is_set)(settings) {
                ctx.error_at(span, format!("duplicate key `{name}` in {}", kind.name()));
            } else {
                set(settings, span);
            }
            return Ok(());
        }
    };
    if !has_value {
        ctx.error_at(span, format!("`{name}` needs a value, e.g. `{name} = \"…\"`"));
        return Ok(());
    }
    let Some(lit) = string_value(ctx, &meta, &name, key.example)? else { return Ok(()) };
    if (key.is_set)(settings) {
        ctx.error_at(span, format!("duplicate key `{name}` in {}", kind.name()));
        return Ok(());
    }
    parse(ctx, settings, &lit);
    Ok(())
}

/// The longest call FC runs (an FC 3.0 function may run up to 24 hours).
const MAX_TIMEOUT_MS: u64 = 24 * 60 * 60 * 1000;

/// `timeout = "…"`: one or more `<number><unit>` with units `ms`, `s`, `m`, `h` (e.g. `"90s"`, `"1h30m"`), more
/// than zero and at most 24 hours. Returns milliseconds, or the message of a compile error.
pub(crate) fn parse_duration_ms(text: &str) -> Result<u64, String> {
    let bad = || format!("`timeout` must be a duration such as \"30s\", \"15m\", \"1h30m\" or \"500ms\", not {text:?}");
    let mut rest = text;
    let mut total: u64 = 0;
    if rest.is_empty() {
        return Err(bad());
    }
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 || digits > 9 {
            return Err(bad());
        }
        let number: u64 = rest[..digits].parse().map_err(|_| bad())?;
        rest = &rest[digits..];
        let (unit_ms, len) = if rest.starts_with("ms") {
            (1, 2)
        } else if rest.starts_with('s') {
            (1_000, 1)
        } else if rest.starts_with('m') {
            (60_000, 1)
        } else if rest.starts_with('h') {
            (3_600_000, 1)
        } else {
            return Err(bad());
        };
        rest = &rest[len..];
        total = total.saturating_add(number.saturating_mul(unit_ms));
    }
    if total == 0 {
        return Err(format!("`timeout` must be longer than zero, not {text:?}"));
    }
    if total > MAX_TIMEOUT_MS {
        return Err(format!("`timeout` {text:?} is longer than the 24 hours a Function Compute call may run"));
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::parse_duration_ms;

    #[test]
    fn durations() {
        assert_eq!(parse_duration_ms("500ms"), Ok(500));
        assert_eq!(parse_duration_ms("30s"), Ok(30_000));
        assert_eq!(parse_duration_ms("15m"), Ok(900_000));
        assert_eq!(parse_duration_ms("1h30m"), Ok(5_400_000));
        assert_eq!(parse_duration_ms("24h"), Ok(86_400_000));
        for bad in ["", "15", "m", "1.5h", "15 m", "15min", "-1s", "1d", "9999999999s"] {
            assert!(parse_duration_ms(bad).is_err(), "{bad:?}");
        }
        assert!(parse_duration_ms("0s").unwrap_err().contains("longer than zero"));
        assert!(parse_duration_ms("24h1ms").unwrap_err().contains("24 hours"));
    }
}

/// Parses the arguments of a settings attribute.
pub(crate) fn parse_settings(ctx: &Ctxt, kind: AttrKind, args: proc_macro2::TokenStream) -> Settings {
    use syn::parse::Parser;
    let mut settings = Settings::default();
    let parser = syn::meta::parser(|meta| parse_setting(ctx, kind, &mut settings, meta));
    if let Err(e) = parser.parse2(args) {
        ctx.syn_error(e);
    }
    settings
}

/// `#[fc(invocation_id)]` / `#[fc(rename = "…")]` on an argument.
#[derive(Default)]
pub(crate) struct ArgAttrs {
    pub invocation_id: Option<Span>,
    pub rename: Option<Spanned<String>>,
}

pub(crate) fn parse_arg_attrs(ctx: &Ctxt, attrs: &[syn::Attribute]) -> ArgAttrs {
    let mut out = ArgAttrs::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident("fc")) {
        let result = attr.parse_nested_meta(|meta| {
            let span = meta.path.get_ident().map_or_else(Span::call_site, syn::Ident::span);
            if meta.path.is_ident("invocation_id") {
                if out.invocation_id.is_some() {
                    ctx.error_at(span, "duplicate `invocation_id` in #[fc(...)]");
                }
                out.invocation_id = Some(span);
                if meta.input.peek(syn::Token![=]) {
                    let v: Expr = meta.value()?.parse()?;
                    ctx.error_spanned_by(v, "`invocation_id` takes no value: write `#[fc(invocation_id)]`");
                }
                Ok(())
            } else if meta.path.is_ident("rename") {
                if !meta.input.peek(syn::Token![=]) {
                    ctx.error_at(span, "`rename` needs a value, e.g. `#[fc(rename = \"type\")]`");
                    return Ok(());
                }
                if let Some(lit) = string_value(ctx, &meta, "rename", "type")? {
                    if out.rename.is_some() {
                        ctx.error_at(lit.span(), "duplicate key `rename` in #[fc(...)]");
                    } else {
                        out.rename = Some(Spanned { value: lit.value(), span: lit.span() });
                    }
                }
                Ok(())
            } else {
                use quote::ToTokens;
                let key = meta.path.to_token_stream().to_string().replace(' ', "");
                ctx.error_at(
                    span,
                    format!("unknown key `{key}` in #[fc(...)]; expected `invocation_id` or `rename = \"…\"`"),
                );
                if meta.input.peek(syn::Token![=]) {
                    let _: Expr = meta.value()?.parse()?;
                }
                Ok(())
            }
        });
        if let Err(e) = result {
            ctx.syn_error(e);
        }
    }
    out
}
