//! FC 3.0's management API, typed, on the same [`Client`] as invocations (the same transport, retries, deadlines,
//! credentials chain and errors): functions ([`functions`]), versions ([`versions`]), aliases ([`aliases`]),
//! triggers ([`triggers`]), async invoke config ([`async_config`]) and concurrency ([`concurrency`]).
//!
//! Models are plain serde structs named and shaped as the official SDK's `models/` are, tolerant of fields FC adds
//! later (unknown fields are kept in an `extra` map where a model has one, and ignored elsewhere); requests with many
//! optional fields have builders ([`CreateFunctionInput::new`](functions::CreateFunctionInput::new)). Names, ids,
//! sizes and weights are checked before anything is sent, as for invoke.
//!
//! ```no_run
//! # async fn run(zip: Vec<u8>) -> Result<(), fc_runtime::FcError> {
//! use fc_runtime::Client;
//! use fc_runtime::manage::functions::CreateFunctionInput;
//! use fc_runtime::manage::aliases::CreateAliasInput;
//! let client = Client::from_env()?;
//! let created = client.create_function(&CreateFunctionInput::new("hello", "custom.debian10").zip(zip)).await?;
//! let version = client.publish_function_version("hello", None).await?;
//! client.create_alias("hello", &CreateAliasInput::new("prod", version.version_id.unwrap_or_default())).await?;
//! # Ok(()) }
//! ```

pub mod aliases;
pub mod async_config;
pub mod concurrency;
pub mod functions;
#[cfg(feature = "package")]
mod package;
pub mod triggers;
pub mod versions;

#[cfg(feature = "package")]
pub use package::CodePackage;

use http::Method;
use tracing::Instrument as _;

use super::Client;
use super::validate;
use crate::transport::{Answer, Exchange, Idempotency, Signing};
use crate::wire::FC3_API_VERSION;
use crate::{FcError, InputField};

/// The CRC-64 FC reports for a code package (`codeChecksum`), as an unsigned decimal string: CRC-64/XZ (the
/// polynomial OSS calls ECMA-182) over the zip's bytes. Equal checksums mean equal code: a deploy tool skips the
/// upload when the local zip's equals the deployed one.
///
/// ```
/// assert_eq!(fc_runtime::manage::code_checksum(b"123456789"), "11051210869376104954");
/// ```
pub fn code_checksum(zip: &[u8]) -> String {
    const CRC64: crc::Crc<u64> = crc::Crc::<u64>::new(&crc::CRC_64_XZ);
    CRC64.checksum(zip).to_string()
}

/// The largest code package FC takes in a request (`zipFile`, before Base64): 100 MB. Bigger packages go through
/// OSS.
pub const MAX_DIRECT_CODE: usize = 100 * 1024 * 1024;

/// A list call's options: a name prefix (where the listing has one), a page size (1 to 100), and where the previous
/// page ended.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListOptions {
    /// Only names starting with this.
    pub prefix: Option<String>,
    /// Items a page, 1 to 100 (FC's default when absent).
    pub limit: Option<u32>,
    /// The previous page's `next_token`.
    pub next_token: Option<String>,
}

impl ListOptions {
    /// The first page, FC's page size.
    pub fn new() -> Self {
        Self::default()
    }

    /// Only names starting with `prefix`.
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = Some(prefix.into());
        self
    }

    /// Items a page (1 to 100).
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    /// The page after the one that ended with `token`.
    pub fn next_token(mut self, token: impl Into<String>) -> Self {
        self.next_token = Some(token.into());
        self
    }

    /// The query, checked: a limit outside 1–100 is refused before sending.
    fn query(&self, with_prefix: bool) -> Result<Vec<(&'static str, String)>, FcError> {
        let mut query = Vec::new();
        if let Some(limit) = self.limit {
            if !(1..=100).contains(&limit) {
                return Err(FcError::invalid_input(InputField::Limit, format!("{limit} is not between 1 and 100")));
            }
            query.push(("limit", limit.to_string()));
        }
        if let Some(token) = self.next_token.as_deref().filter(|t| !t.is_empty()) {
            validate::query_value(InputField::NextToken, token)?;
            query.push(("nextToken", token.to_owned()));
        }
        if with_prefix && let Some(prefix) = &self.prefix {
            validate::query_value(InputField::Setting, prefix)?;
            query.push(("prefix", prefix.clone()));
        }
        Ok(query)
    }
}

/// One page of a listing, and where the next one starts (`None` on the last page).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Page<T> {
    /// The items.
    pub items: Vec<T>,
    /// The token of the next page; `None` when this is the last.
    pub next_token: Option<String>,
}

/// `/2023-03-30/functions/{function}` followed by `rest` (`""`, `"/versions"`, …), the name encoded as ACS3
/// encodes a segment.
fn function_path(function: &str, rest: &str) -> String {
    format!("/{FC3_API_VERSION}/functions/{}{rest}", crate::sign::acs3::encode(function))
}

/// A path segment, encoded as ACS3 encodes it.
fn segment(value: &str) -> String {
    crate::sign::acs3::encode(value).to_string()
}

/// One management call: the request as FC 3.0 takes it (ACS3-signed, `action` in `x-acs-action`, a JSON body when
/// there is one), through the client's transport. A read (`GET`) or a replacing write (`PUT`) is safe to send
/// again after a lost connection; a `POST` or `DELETE` is not.
struct Call<'a> {
    action: &'static str,
    method: Method,
    path: String,
    query: Vec<(&'static str, String)>,
    body: Option<Vec<u8>>,
    function: &'a str,
}

impl<'a> Call<'a> {
    fn new(action: &'static str, method: Method, function: &'a str, path: String) -> Self {
        Call { action, method, path, query: Vec::new(), body: None, function }
    }

    fn query(mut self, query: Vec<(&'static str, String)>) -> Self {
        self.query.extend(query);
        self
    }

    fn json<T: serde::Serialize>(mut self, body: &T) -> Result<Self, FcError> {
        self.body = Some(serde_json::to_vec(body).map_err(|e| FcError::encode(None, e))?);
        Ok(self)
    }
}

impl Client {
    /// Sends one management call; a non-2xx answer is a service error.
    async fn manage(&self, call: Call<'_>) -> Result<Answer, FcError> {
        let query: Vec<(&str, String)> = call.query.iter().map(|(k, v)| (*k, v.clone())).collect();
        let mut exchange =
            Exchange::api(call.method.clone(), &call.path, &query, Signing::Acs3 { action: call.action });
        if let Some(body) = call.body {
            exchange.body = body.into();
        }
        if call.method == Method::PUT {
            exchange.idempotency = Idempotency::Safe;
        }
        let span = tracing::info_span!(
            "fc.manage",
            action = call.action,
            function = call.function,
            request_id = tracing::field::Empty,
        );
        self.call(exchange).instrument(span).await
    }

    /// A management call answered with JSON of `T`; an empty or `null` body (as FC may answer an update) is `T`'s
    /// default.
    async fn manage_json<T: serde::de::DeserializeOwned + Default>(&self, call: Call<'_>) -> Result<T, FcError> {
        let answer = self.manage(call).await?;
        if answer.body.iter().all(u8::is_ascii_whitespace) || &answer.body[..] == b"null" {
            return Ok(T::default());
        }
        answer.json()
    }
}

/// Every item of a paged listing: `fetch` one page for some options, continue with its token until a page has
/// none; an error ends the stream after it is yielded.
fn paged<'a, T, F, Fut>(
    options: ListOptions,
    fetch: F,
) -> impl futures_util::Stream<Item = Result<T, FcError>> + Send + Unpin + 'a
where
    T: Send + 'a,
    F: Fn(ListOptions) -> Fut + Send + Sync + 'a,
    Fut: std::future::Future<Output = Result<Page<T>, FcError>> + Send + 'a,
{
    let fetch = std::sync::Arc::new(fetch);
    let pages = futures_util::stream::unfold(Some(options), move |state| {
        let fetch = fetch.clone();
        async move {
            let options = state?;
            match fetch(options.clone()).await {
                Ok(page) => {
                    let rest = page.next_token.map(|t| options.next_token(t));
                    Some((futures_util::stream::iter(page.items.into_iter().map(Ok).collect::<Vec<_>>()), rest))
                }
                Err(e) => Some((futures_util::stream::iter(vec![Err(e)]), None)),
            }
        }
    });
    Box::pin(futures_util::StreamExt::flatten(pages))
}

/// A listing's page as FC writes it: the items under `key`, and `nextToken` (empty or absent on the last page).
fn page<T: serde::de::DeserializeOwned>(answer: serde_json::Value, key: &str) -> Result<Page<T>, FcError> {
    let mut object = match answer {
        serde_json::Value::Object(object) => object,
        serde_json::Value::Null => serde_json::Map::new(),
        other => return Err(FcError::decode("a listing is not a JSON object", other.to_string().as_bytes(), None)),
    };
    let items = match object.remove(key) {
        None | Some(serde_json::Value::Null) => Vec::new(),
        Some(items) => serde_path_to_error::deserialize(items)
            .map_err(|e| FcError::decode(format!("the listing's `{key}`.{}: {}", e.path(), e.inner()), b"", None))?,
    };
    let next_token = object.remove("nextToken").and_then(|t| t.as_str().map(str::to_owned)).filter(|t| !t.is_empty());
    Ok(Page { items, next_token })
}

/// Checks a qualifier given to a management call.
fn qualifier_query(qualifier: Option<&str>) -> Result<Vec<(&'static str, String)>, FcError> {
    match qualifier {
        None => Ok(Vec::new()),
        Some(q) => {
            validate::qualifier(q)?;
            Ok(vec![("qualifier", q.to_owned())])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_code_checksum_is_crc64_xz_in_decimal() {
        assert_eq!(code_checksum(b"123456789"), "11051210869376104954");
        assert_eq!(code_checksum(b""), "0");
    }

    #[test]
    fn pages_end_on_an_empty_or_absent_token() {
        let p: Page<u32> = page(serde_json::json!({"xs": [1, 2], "nextToken": ""}), "xs").unwrap();
        assert_eq!((p.items, p.next_token), (vec![1, 2], None));
        let p: Page<u32> = page(serde_json::json!({"xs": [3], "nextToken": "t"}), "xs").unwrap();
        assert_eq!(p.next_token.as_deref(), Some("t"));
        let p: Page<u32> = page(serde_json::json!({}), "xs").unwrap();
        assert!(p.items.is_empty());
        assert!(page::<u32>(serde_json::json!({"xs": ["a"]}), "xs").unwrap_err().to_string().contains("xs"));
        assert!(ListOptions::new().limit(0).query(true).is_err());
        assert!(ListOptions::new().limit(101).query(true).is_err());
    }
}
