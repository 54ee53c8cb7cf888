//! `#[fc_function]`, `#[fc_service]` and `#[fc_http]`: typed Function Compute stubs. Use them through
//! `fc_runtime`, which re-exports all three.

use proc_macro::TokenStream;

/// Turns a trait method declaration into a typed Function Compute call.
///
/// ```text
/// #[fc_function(service = "…", function = "…", qualifier = "…", invocation = "sync" | "async",
///               log = "tail" | "none", timeout = "15m", crate = "…")]
/// ```
///
/// Put it on a method declared (without a body) in a trait whose supertraits include `fc_runtime::Invoke`, or
/// inside an `#[fc_service]` trait. The method becomes a default method
/// `fn m(&self, …) -> impl Future<Output = Result<T, FcError>> + Send` that encodes the arguments, calls
/// `Invoke::invoke` on `self` and decodes the answer; doc comments, `#[deprecated]`, `#[cfg]` and other
/// attributes are kept. A method written in the `fn … -> impl Future<…>` form keeps its return type as written
/// (gaining `+ Send` if it lacked it), so the imports it names stay in use.
///
/// # Keys
///
/// - `service`: the FC service (required here or on the trait's `#[fc_service]`).
/// - `function`: the function; defaults to the method name, raw identifiers unrawed.
/// - `qualifier`: `LATEST`, a version number or an alias; absent means the service's default (`LATEST`).
/// - `invocation`: `"sync"` (default) waits for the result; `"async"` returns `Accepted` once FC queued it.
/// - `log`: `"tail"` asks for the last 4 KB of the log (read it from `Invocation<T>::meta.log_tail`).
/// - `timeout`: how long to wait for the answer, e.g. `"30s"`, `"15m"`, `"1h30m"`, `"500ms"` (more than zero, at
///   most 24 hours); defaults to the service's, then the client's. `Client::with_timeout` overrides it per call.
/// - `crate`: the runtime crate's path when it is renamed in `Cargo.toml` (default `::fc_runtime`).
///
/// # Encoding
///
/// - No argument: an empty event. One argument: that value is the event (`&T` is serialized without a clone).
///   Several: a JSON object keyed by argument name; `#[fc(rename = "…")]` renames a field.
/// - Arguments are serialized when the method is called, not when its future is first polled: the future holds
///   the encoded event, and an encoding error is returned when it is awaited.
/// - A `Vec<u8>`, `&[u8]` or `Bytes` argument is the raw body (`application/octet-stream`). `Bytes` is the
///   zero-copy way to send a large payload; `&[u8]` is copied once, `Vec<u8>` is moved.
/// - `#[fc(invocation_id)]` on a `&str` or `String` argument of an async method sends it as the stateful
///   invocation id header instead of a field.
/// - Results: any `DeserializeOwned` type, `()` (body ignored), `Vec<u8>` or `Bytes` (raw), `Invocation<T>`
///   (value and metadata), `Accepted` (async).
/// - Generic parameters of the method (and of the trait, under `#[fc_service]`) get the `Serialize` /
///   `DeserializeOwned` bounds they need.
///
/// # Compile errors
///
/// Each is reported at the offending tokens, all of them in one build, and the trait is still emitted:
/// unknown key (listing the valid ones, with hints such as `name` → `function`), duplicate key, a value that is
/// not a string, `invocation`/`log` values other than the allowed ones (with a hint for `"Async"`), empty or
/// invalid service, function and qualifier names under FC's rules, missing `service`, `&mut self`, `self` or no
/// receiver, a method body, `unsafe`/`const`/`extern` methods, pattern or `impl Trait` arguments,
/// `#[fc(invocation_id)]` on a sync method, on a non-string argument or twice, unknown `#[fc(...)]` keys,
/// `rename` on a lone argument or to an empty or duplicate field name, a raw-bytes argument next to other
/// event arguments, `log = "tail"` on an async method, an async method not returning `Accepted`, `Accepted` on
/// a sync method, a return type that is not `Result<_, FcError>`, argument types that are not `Serialize` and
/// result types that are not `DeserializeOwned` (at the type), a `timeout` that is not a duration, is zero or is
/// over 24 hours, a trait without the `Invoke` supertrait (one error, at the method), and use on a free function
/// or outside a trait.
#[proc_macro_attribute]
pub fn fc_function(args: TokenStream, item: TokenStream) -> TokenStream {
    fc_codegen::fc_function(args.into(), item.into()).into()
}

/// Makes a trait the contract with an FC service.
///
/// ```text
/// #[fc_service(service = "…", qualifier = "…", timeout = "…", crate = "…")]
/// ```
///
/// Sets defaults for every `#[fc_function]` method inside (a method's own keys win), adds the
/// `fc_runtime::Invoke` supertrait, and implements the trait for `fc_runtime::Client` and `fc_runtime::DynInvoke`. Every method must carry
/// `#[fc_function]` (anything else in the trait is an error that says so), and two methods may not send the same
/// function different kinds of event (JSON and raw bytes). The `#[fc_function]` attributes inside must resolve
/// (import `fc_runtime::fc_function` or write its path).
#[proc_macro_attribute]
pub fn fc_service(args: TokenStream, item: TokenStream) -> TokenStream {
    fc_codegen::fc_service(args.into(), item.into()).into()
}

/// Makes a trait the typed client of a web function behind an HTTP trigger: each method is one route.
///
/// ```text
/// #[fc_http(crate = "…")]
/// trait Albums {
///     #[route(GET, "/albums/{id}", idempotent)]
///     async fn album(&self, id: u64, #[fc(query)] fields: Option<&str>) -> Result<Album, FcError>;
///     #[route(POST, "/albums")]
///     async fn create(&self, #[fc(body)] album: &NewAlbum, #[fc(header = "x-request-tag")] tag: &str)
///         -> Result<Reply<Album>, FcError>;
/// }
/// ```
///
/// The trait gains the `fc_runtime::http_trigger::TriggerClient` supertrait and is implemented for
/// `HttpTriggerClient`, which carries the trigger's URL and its auth (anonymous, `authType = function`
/// signatures, or a JWT bearer).
///
/// # Routes
///
/// `#[route(METHOD, "/path", …)]`: `METHOD` is one of `GET`, `POST`, `PUT`, `DELETE`, `PATCH`, `HEAD`,
/// `OPTIONS`; the path starts with `/` and names arguments in braces (`{id}`, also inside a segment:
/// `{name}.txt`), each sent `Display`ed and percent-encoded as one segment (a `/` in the value is `%2F`). Options:
/// `log = "tail"` (the answer carries the invocation's last 4 KB of log: return `Reply<T>` and read
/// `log_tail()`), `invocation = "async"` (FC answers 202 at once: return `()`, `Reply<()>` or `TriggerResponse`),
/// `idempotent` (the call may be re-sent after a connection that may have delivered it; otherwise it is not).
///
/// # Arguments
///
/// Every argument after `&self` is a path parameter, or marked: `#[fc(query)]` / `#[fc(query = "name")]` (a
/// query parameter, `Display`ed; an `Option` is left out when `None`), `#[fc(header = "name")]` (a header, not
/// `x-fc-*` nor one the client sets), `#[fc(body)]` (at most one: `&[u8]`, `Vec<u8>` or `Bytes` sent as
/// `application/octet-stream`, `&str` or `String` as `text/plain`, anything else `Serialize` as JSON).
///
/// # Results
///
/// `Result<T, FcError>` where `T` is `()` (body ignored), `String` (UTF-8 text), `Vec<u8>` or `Bytes` (raw), any
/// `DeserializeOwned` type (JSON; an answer that does not decode names the failing field), `Reply<T>` (one of
/// those with the status, headers, request id and log tail), `TriggerResponse` (the whole answer) or
/// `TriggerStream` (the body read as the function streams it). A non-2xx answer is `FcError::Http` (the
/// function's status, request id and `errorMessage`/`errorType` body) or, for FC's own refusals,
/// `FcError::Service`.
///
/// # Compile errors
///
/// At the offending tokens, all in one build: a method without `#[route]` or with two, a method not in capitals
/// or not one a trigger takes, a path not starting with `/`, with `?`, `#` or spaces, an unclosed or unmatched
/// brace, a parameter that is not an argument or appears twice, an argument neither in the path nor marked, two
/// bodies, an `x-fc-*` or client-set header, unknown keys, `log = "tail"` on an async route, an async route whose
/// result is not `()`/`Reply<()>`/`TriggerResponse`, a result that is not `Result<_, FcError>`, a receiver other
/// than `&self`, a body, generics, `unsafe`/`const`/`extern`, and items other than methods.
#[proc_macro_attribute]
pub fn fc_http(args: TokenStream, item: TokenStream) -> TokenStream {
    fc_codegen::fc_http(args.into(), item.into()).into()
}
