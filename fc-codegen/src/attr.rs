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

impl Settings {
    /// Method settings over service defaults.
    pub fn or(self, defaults: &Settings) -> Settings {
        Settings {
            service: self.service.or_else(|| defaults.service.clone()),
            function: self.function,
            qualifier: self.qualifier.or_else(|| defaults.qualifier.clone()),
            invocation: self.invocation,
            log: self.log,
            timeout: self.timeout.or_else(|| defaults.timeout.clone()),
            api: self.api.or_else(|| defaults.api.clone()),
            krate: self.krate.or_else(|| defaults.krate.clone()),
            server: None,
        }
    }
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

    fn keys(self) -> &'static [&'static str] {
        match self {
            AttrKind::Function => &["api", "service", "function", "qualifier", "invocation", "log", "timeout", "crate"],
            AttrKind::Service => &["api", "service", "qualifier", "timeout", "crate", "server"],
        }
    }
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

/// Parses one `key = value` (or bare key) of a settings attribute into `settings`, recording mistakes.
pub(crate) fn parse_setting(
    ctx: &Ctxt,
    kind: AttrKind,
    settings: &mut Settings,
    meta: ParseNestedMeta<'_>,
) -> syn::Result<()> {
    let key = meta.path.get_ident().map(ToString::to_string).unwrap_or_else(|| {
        use quote::ToTokens;
        meta.path.to_token_stream().to_string().replace(' ', "")
    });
    let span = meta.path.get_ident().map_or_else(|| meta.input.span(), syn::Ident::span);
    let is_duplicate = match key.as_str() {
        "service" => settings.service.is_some(),
        "function" => settings.function.is_some(),
        "qualifier" => settings.qualifier.is_some(),
        "invocation" => settings.invocation.is_some(),
        "log" => settings.log.is_some(),
        "timeout" => settings.timeout.is_some(),
        "api" => settings.api.is_some(),
        "crate" => settings.krate.is_some(),
        _ => false,
    };
    if key == "server" && kind == AttrKind::Service {
        if meta.input.peek(syn::Token![=]) {
            ctx.error_at(span, "`server` takes no value: write `#[fc_service(…, server)]`");
            let _: Expr = meta.value()?.parse()?;
        } else if settings.server.is_some() {
            ctx.error_at(span, "duplicate key `server` in #[fc_service]");
        } else {
            settings.server = Some(span);
        }
        return Ok(());
    }
    if !kind.keys().contains(&key.as_str()) {
        let hint = match (kind, key.as_str()) {
            (AttrKind::Function, "server" | "client") => {
                "; `server` goes on the trait's #[fc_service], and generates the function side of every method".into()
            }
            (AttrKind::Service, "function" | "invocation" | "log") => {
                format!("; `{key}` belongs on each method's #[fc_function]")
            }
            (_, "name" | "func" | "function_name") if kind == AttrKind::Function => "; did you mean `function`?".into(),
            (_, "svc" | "service_name") => "; did you mean `service`?".into(),
            (_, "version" | "alias") => "; did you mean `qualifier`?".into(),
            (_, "invocation_type" | "type" | "mode") if kind == AttrKind::Function => {
                "; did you mean `invocation`?".into()
            }
            (_, "log_type") if kind == AttrKind::Function => "; did you mean `log`?".into(),
            _ => String::new(),
        };
        ctx.error_at(
            span,
            format!("unknown key `{key}` in {}; expected one of: {}{hint}", kind.name(), kind.keys().join(", ")),
        );
        if meta.input.peek(syn::Token![=]) {
            let _: Expr = meta.value()?.parse()?;
        }
        return Ok(());
    }
    if !meta.input.peek(syn::Token![=]) {
        ctx.error_at(span, format!("`{key}` needs a value, e.g. `{key} = \"…\"`"));
        return Ok(());
    }
    let example = match key.as_str() {
        "service" => "images",
        "function" => "resize",
        "qualifier" => "LATEST",
        "invocation" => "async",
        "log" => "tail",
        "timeout" => "15m",
        "api" => "3.0",
        _ => "::fc_runtime",
    };
    let Some(lit) = string_value(ctx, &meta, &key, example)? else { return Ok(()) };
    if is_duplicate {
        ctx.error_at(span, format!("duplicate key `{key}` in {}", kind.name()));
        return Ok(());
    }
    let text = Spanned { value: lit.value(), span: lit.span() };
    match key.as_str() {
        "service" => settings.service = Some(text),
        "function" => settings.function = Some(text),
        "qualifier" => settings.qualifier = Some(text),
        "invocation" => match text.value.as_str() {
            "sync" => settings.invocation = Some(Spanned { value: Invocation::Sync, span: text.span }),
            "async" => settings.invocation = Some(Spanned { value: Invocation::Async, span: text.span }),
            other => ctx.error_at(
                text.span,
                format!(
                    "`invocation` must be \"sync\" or \"async\", not {other:?}{}",
                    enum_hint(other, &["sync", "async"])
                ),
            ),
        },
        "log" => match text.value.as_str() {
            "none" => settings.log = Some(Spanned { value: Log::None, span: text.span }),
            "tail" => settings.log = Some(Spanned { value: Log::Tail, span: text.span }),
            other => ctx.error_at(
                text.span,
                format!("`log` must be \"tail\" or \"none\", not {other:?}{}", enum_hint(other, &["tail", "none"])),
            ),
        },
        "api" => match text.value.as_str() {
            "2.0" => settings.api = Some(Spanned { value: Api::Fc2, span: text.span }),
            "3.0" => settings.api = Some(Spanned { value: Api::Fc3, span: text.span }),
            other => {
                let hint = match other.trim().to_ascii_lowercase().trim_start_matches(['v', 'f', 'c']) {
                    "3" | "3.0" | "2023-03-30" => "; did you mean \"3.0\"?",
                    "2" | "2.0" | "2016-08-15" => "; did you mean \"2.0\"?",
                    _ => "",
                };
                ctx.error_at(text.span, format!("`api` must be \"2.0\" or \"3.0\", not {other:?}{hint}"))
            }
        },
        "timeout" => match parse_duration_ms(&text.value) {
            Ok(ms) => settings.timeout = Some(Spanned { value: ms, span: text.span }),
            Err(why) => ctx.error_at(text.span, why),
        },
        _ => match lit.parse::<syn::Path>() {
            Ok(path) => settings.krate = Some(Spanned { value: path, span: text.span }),
            Err(_) => ctx
                .error_at(text.span, format!("`crate` must be a path such as \"::fc_runtime\", not {:?}", text.value)),
        },
    }
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
