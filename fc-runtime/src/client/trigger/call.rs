//! One call to an HTTP trigger: built (path segments, query, headers, body, FC's two control headers, whether it
//! is idempotent), checked, then sent through the one retry loop, signed afresh for each attempt.

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method};
use tracing::Instrument as _;

use super::answer::{TriggerResponse, TriggerStream};
use super::{Auth, HttpTriggerClient};
use crate::error::Setting;
use crate::sign::acs3;
use crate::transport::{self, Attempt, Idempotency, Retried};
use crate::{FcError, InputField};

/// Request headers a caller may not set: FC's own (`x-fc-*`; [`TriggerCall::log_tail`] and
/// [`TriggerCall::asynchronous`] set the two FC accepts), and the hop-by-hop ones HTTP keeps to one connection.
const HOP_BY_HOP: [&str; 7] =
    ["connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade"];

/// One call to an HTTP trigger, built then sent.
///
/// `Debug` shows the method, the path, the names of the query parameters and headers (a token carried in a
/// query parameter, a form field or a header of the caller's own is not printed) and the body's size.
#[must_use]
pub struct TriggerCall {
    client: HttpTriggerClient,
    method: Method,
    /// The path's segments, not encoded.
    segments: Vec<String>,
    query: Vec<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
    idempotent: bool,
    /// The first mistake made while building: returned by `send`, before anything is sent.
    error: Option<FcError>,
}

impl std::fmt::Debug for TriggerCall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TriggerCall")
            .field("url", &self.client.inner.base.as_str())
            .field("method", &self.method)
            .field("segments", &self.segments)
            .field("query", &self.query.iter().map(|(k, _)| k).collect::<Vec<_>>())
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .field("body_bytes", &self.body.len())
            .field("idempotent", &self.idempotent)
            .finish_non_exhaustive()
    }
}

impl TriggerCall {
    pub(super) fn new(client: HttpTriggerClient, method: Method, segments: Vec<String>) -> Self {
        TriggerCall {
            client,
            method,
            segments,
            query: Vec::new(),
            headers: HeaderMap::new(),
            body: Bytes::new(),
            idempotent: false,
            error: None,
        }
    }

    fn refuse(&mut self, field: InputField, why: String) {
        self.error.get_or_insert_with(|| FcError::invalid_input(field, why));
    }

    /// A query parameter.
    pub fn query(mut self, name: impl Into<String>, value: impl ToString) -> Self {
        self.query.push((name.into(), value.to_string()));
        self
    }

    /// A header. Its name must be a header name, and its value visible ASCII (with inner spaces): a value that
    /// is not (`Zoë`) is refused before sending, since servers read such bytes differently or not at all —
    /// percent-encode it, or send it in the query or body. Refused too: FC's `x-fc-*` headers (FC refuses them;
    /// see [`log_tail`](Self::log_tail) and [`asynchronous`](Self::asynchronous)), hop-by-hop headers
    /// (`connection`, `keep-alive`, `te`, `trailer`, `transfer-encoding`, `upgrade`, `proxy-connection`), `host`,
    /// and `authorization` when the client signs or sends a bearer token.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        let lower = name.to_ascii_lowercase();
        let signs = !matches!(self.client.inner.auth, Auth::Anonymous);
        let reserved = lower.starts_with("x-fc-")
            || HOP_BY_HOP.contains(&lower.as_str())
            || lower == "host"
            || (signs && lower == "authorization");
        let Ok(header) = HeaderName::from_bytes(name.as_bytes()) else {
            self.refuse(InputField::HeaderValue, format!("{name:?} is not a header name"));
            return self;
        };
        if reserved {
            self.refuse(InputField::HeaderValue, format!("the header {name:?} cannot be sent through an HTTP trigger"));
            return self;
        }
        if let Some(problem) = crate::wire::header_value_problem(value) {
            self.refuse(InputField::HeaderValue, format!("the value of the header {name:?} {problem}"));
            return self;
        }
        match HeaderValue::from_str(value) {
            Ok(mut value) => {
                // Credentials a caller sends in a header of its own are not printed by `Debug`.
                let credential = [http::header::AUTHORIZATION, http::header::COOKIE, http::header::PROXY_AUTHORIZATION];
                value.set_sensitive(credential.contains(&header));
                self.headers.append(header, value);
            }
            Err(_) => self.refuse(InputField::HeaderValue, format!("the value of the header {name:?} is not valid")),
        }
        self
    }

    /// A JSON body (`content-type: application/json`).
    pub fn json<T: serde::Serialize + ?Sized>(mut self, value: &T) -> Result<Self, FcError> {
        self.body = Bytes::from(serde_json::to_vec(value).map_err(|e| FcError::encode(None, e))?);
        self.headers.insert(http::header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        Ok(self)
    }

    /// A text body (`content-type: text/plain; charset=utf-8`).
    pub fn text(mut self, text: impl Into<String>) -> Self {
        self.body = Bytes::from(text.into());
        self.headers.insert(http::header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
        self
    }

    /// A binary body (`content-type: application/octet-stream`).
    pub fn bytes(mut self, body: impl Into<Bytes>) -> Self {
        self.body = body.into();
        self.headers.insert(http::header::CONTENT_TYPE, HeaderValue::from_static("application/octet-stream"));
        self
    }

    /// A form body (`content-type: application/x-www-form-urlencoded`).
    pub fn form<K: AsRef<str>, V: AsRef<str>>(mut self, fields: impl IntoIterator<Item = (K, V)>) -> Self {
        let encoded = form_urlencoded::Serializer::new(String::new()).extend_pairs(fields).finish();
        self.body = Bytes::from(encoded);
        self.headers.insert(http::header::CONTENT_TYPE, HeaderValue::from_static("application/x-www-form-urlencoded"));
        self
    }

    /// `X-Fc-Log-Type: Tail`: the answer carries the invocation's last 4 KB of log ([`TriggerResponse::log_tail`]).
    pub fn log_tail(mut self) -> Self {
        self.headers.insert("x-fc-log-type", HeaderValue::from_static("Tail"));
        self
    }

    /// `X-Fc-Invocation-Type: Async`: FC accepts the request (202) and runs it later, with the function's async
    /// retries; its result goes to the function's destination, not back here.
    pub fn asynchronous(mut self) -> Self {
        self.headers.insert("x-fc-invocation-type", HeaderValue::from_static("Async"));
        self
    }

    /// Marks the call safe to run twice: it is then also re-sent after a connection that may have delivered it,
    /// and when the function itself answered 429 or 503.
    pub fn idempotent(mut self) -> Self {
        self.idempotent = true;
        self
    }

    /// Sends the call and reads the whole answer (at most the client's
    /// [`max_response_bytes`](super::HttpTriggerClientBuilder::max_response_bytes)).
    pub async fn send(self) -> Result<TriggerResponse, FcError> {
        let max = self.client.inner.max_response_bytes;
        let mut stream = self.send_streaming().await?;
        let body = transport::read_body(&mut stream.response, max, stream.request_id.as_deref(), transport::body_broke)
            .await?;
        Ok(TriggerResponse {
            status: stream.status,
            headers: std::mem::take(&mut stream.headers),
            body,
            request_id: stream.request_id.take(),
        })
    }

    /// Sends the call and returns as soon as the answer's head has arrived: its body is read chunk by chunk, as
    /// the function streams it ([`TriggerStream::chunk`]). A non-2xx answer is read whole and is an error.
    pub async fn send_streaming(self) -> Result<TriggerStream, FcError> {
        if let Some(error) = self.error {
            return Err(error);
        }
        let inner = &self.client.inner;
        let path = encode_path(&inner.prefix, &self.segments)?;
        let span = tracing::info_span!(
            "fc.http_trigger",
            method = %self.method,
            path = %path,
            request_id = tracing::field::Empty,
        );
        let mut url = inner.base.clone();
        url.set_path(&path);
        if !self.query.is_empty() {
            url.query_pairs_mut().extend_pairs(self.query.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        }
        let deadline = tokio::time::Instant::now() + inner.timeout;
        let idempotency = if self.idempotent { Idempotency::Safe } else { Idempotency::Unsafe };
        let attempt = |_| self.attempt(&url, &path, deadline);
        let Retried { result, .. } =
            transport::retrying(&inner.retry, deadline, idempotency, attempt).instrument(span.clone()).await;
        let response = result?;
        let stream = TriggerStream::from_response(response, inner.max_response_bytes).await;
        let request_id = match &stream {
            Ok(s) => s.request_id.as_deref(),
            Err(e) => e.request_id(),
        };
        if let Some(id) = request_id {
            span.record("request_id", id);
        }
        stream
    }

    /// One attempt, signed afresh, within what is left of the deadline and the client's attempt timeout.
    async fn attempt(
        &self,
        url: &reqwest::Url,
        path: &str,
        deadline: tokio::time::Instant,
    ) -> Attempt<reqwest::Response> {
        let inner = &self.client.inner;
        let remaining = deadline.saturating_duration_since(tokio::time::Instant::now());
        let limit = inner.attempt_timeout.map_or(remaining, |own| own.min(remaining));
        if limit.is_zero() {
            return Attempt { result: Err(FcError::timeout(inner.timeout)), outcome: None, retry_after: None };
        }
        let headers = match self.signed_headers(path, limit).await {
            Ok(headers) => headers,
            Err(e) => return Attempt { outcome: transport::failure_outcome(&e), result: Err(e), retry_after: None },
        };
        let mut request = reqwest::Request::new(self.method.clone(), url.clone());
        *request.headers_mut() = headers;
        *request.timeout_mut() = Some(limit);
        *request.body_mut() = Some(self.body.clone().into());
        match inner.http.execute(request).await {
            Ok(response) => {
                let error_type = response.headers().get(crate::wire::headers::ERROR_TYPE);
                let outcome = transport::trigger_outcome(response.status(), error_type.and_then(|v| v.to_str().ok()));
                let retry_after = response
                    .headers()
                    .get(http::header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(crate::wire::parse_retry_after);
                Attempt { result: Ok(response), outcome: Some(outcome), retry_after }
            }
            Err(e) => {
                let e = transport::transport_error(e, inner.timeout, inner.proxy.as_deref());
                Attempt { outcome: transport::failure_outcome(&e), result: Err(e), retry_after: None }
            }
        }
    }

    /// The call's headers with its auth: a bearer token, or a fresh signature.
    async fn signed_headers(&self, path: &str, limit: std::time::Duration) -> Result<HeaderMap, FcError> {
        let inner = &self.client.inner;
        let mut headers = self.headers.clone();
        match &inner.auth {
            Auth::Anonymous | Auth::DefaultChain => {}
            Auth::Bearer(token) => {
                let mut value = HeaderValue::from_str(&format!("Bearer {token}")).map_err(|_| {
                    FcError::config(Setting::Credentials, "the bearer token cannot be sent in a header")
                })?;
                value.set_sensitive(true);
                headers.insert(http::header::AUTHORIZATION, value);
            }
            Auth::Function(provider) => {
                let credentials = tokio::time::timeout(limit, provider.credentials())
                    .await
                    .map_err(|_| FcError::timeout(inner.timeout))??;
                let prepared = inner.prepared.get(credentials)?;
                let query: Vec<(&str, &str)> = self.query.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                transport::http_trigger_headers(&prepared, self.method.as_str(), path, &query, &mut headers)?;
            }
        }
        Ok(headers)
    }
}

/// `/api` + `["albums", "a b"]` → `/api/albums/a%20b`: the URL's own path, then each segment percent-encoded as
/// ACS3 encodes (`/` included). A segment `.` or `..` is refused: it would be resolved on the way, not delivered.
fn encode_path(prefix: &str, segments: &[String]) -> Result<String, FcError> {
    let mut path = String::from(prefix);
    for (i, segment) in segments.iter().enumerate() {
        if segment == "." || segment == ".." {
            return Err(FcError::invalid_input(
                InputField::TriggerPath,
                format!(
                    "path segment {} is {segment:?}: every URL parser on the way resolves it, so it cannot reach the \
                     function as a value; send it in the query or the body",
                    i + 1
                ),
            ));
        }
        path.push('/');
        path.push_str(&acs3::encode(segment).to_string());
    }
    if path.is_empty() {
        path.push('/');
    }
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::super::TriggerRequests as _;
    use super::*;

    fn client() -> HttpTriggerClient {
        HttpTriggerClient::builder("http://127.0.0.1:1").bearer("bearer-secret").build().unwrap()
    }

    #[test]
    fn credentials_and_tokens_in_a_call_are_not_printed() {
        let client = client();
        let call = client
            .get("/")
            .header("cookie", "jwt=cookie-secret")
            .header("x-tag", "shown")
            .query("token", "query-secret")
            .form([("token", "form-secret")]);
        let shown = format!("{call:?} {client:?}");
        for secret in ["cookie-secret", "bearer-secret", "query-secret", "form-secret"] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
        assert!(shown.contains("x-tag") && shown.contains("\"token\""), "{shown}");
    }

    #[test]
    fn paths_are_encoded_segment_by_segment_after_the_urls_own() {
        let client = client();
        let path = |p: &str| encode_path("", &client.request(Method::GET, p).segments).unwrap();
        assert_eq!(path("/albums/a b/$x"), "/albums/a%20b/%24x");
        assert_eq!(path("greet"), "/greet");
        assert_eq!(path("/"), "/");
        assert_eq!(path("/albums/"), "/albums/");
        let segments = client.request_segments(Method::GET, ["albums", "a/b", "é"]).segments;
        assert_eq!(encode_path("", &segments).unwrap(), "/albums/a%2Fb/%C3%A9");
        assert_eq!(encode_path("/api", &segments).unwrap(), "/api/albums/a%2Fb/%C3%A9");
        assert_eq!(encode_path("/api", &[]).unwrap(), "/api");
        for dots in [".", ".."] {
            let segments = client.request_segments(Method::GET, ["photos", dots, "raw"]).segments;
            let err = encode_path("", &segments).unwrap_err();
            assert!(matches!(err, FcError::InvalidInput(_)) && err.to_string().contains("segment 2"), "{err}");
        }
        // A dot inside a segment is an ordinary character.
        assert_eq!(encode_path("", &["a.b".to_owned(), "...".to_owned()]).unwrap(), "/a.b/...");
    }

    #[test]
    fn headers_that_cannot_travel_are_refused_not_panicked_on() {
        let client = client();
        for (name, value) in [
            ("abcdé", "v"),
            ("x-name", "Zoë"),
            ("x-name", "a\nb"),
            ("X-Fc-Trace-Id", "t"),
            ("Connection", "x-name"),
            ("te", "trailers"),
            ("host", "evil"),
            ("authorization", "Basic x"),
            ("bad name", "v"),
        ] {
            let err = client.get("/").header(name, value).error.unwrap_or_else(|| panic!("{name}: {value} accepted"));
            assert!(matches!(err, FcError::InvalidInput(_)), "{err:?}");
        }
        let anonymous = HttpTriggerClient::builder("http://127.0.0.1:1").build().unwrap();
        assert!(
            anonymous.get("/").header("authorization", "Basic x").error.is_none(),
            "anonymous callers send their own"
        );
        assert!(client.get("/").header("x-name", "Zoe Smith").error.is_none());
    }
}
