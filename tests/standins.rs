//! In-process stand-ins for the credential sources, on 127.0.0.1: instance metadata (token PUT, role discovery,
//! credentials, v1 fallback), STS (`AssumeRoleWithOIDC` and `AssumeRole`, GET and POST forms, with the RPC
//! signature verified the way the service does: recomputed from the received parameters with the caller's
//! secret) and a credentials URI. Each counts what it was asked and can be taken down.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::convert::Infallible;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use fc_runtime::Clock;
use fc_runtime::sign::rpc;
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper::{HeaderMap, Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

/// What a stand-in answers: status, content type and body.
type Answer = (StatusCode, &'static str, String);

/// One received request, as the handlers see it.
pub struct Received {
    /// GET, PUT, POST.
    pub method: Method,
    /// The path.
    pub path: String,
    /// The query parameters, decoded.
    pub query: Vec<(String, String)>,
    /// The headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Bytes,
}

/// Serves `handler` on 127.0.0.1 (port chosen by the system); returns `http://127.0.0.1:PORT`.
async fn serve(handler: Arc<dyn Fn(Received) -> Answer + Send + Sync>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1");
    let endpoint = format!("http://{}", listener.local_addr().expect("local addr"));
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let handler = handler.clone();
            let service = service_fn(move |req: Request<hyper::body::Incoming>| {
                let handler = handler.clone();
                async move {
                    let (parts, body) = req.into_parts();
                    let body = body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
                    let query = form_urlencoded::parse(parts.uri.query().unwrap_or("").as_bytes())
                        .map(|(k, v)| (k.into_owned(), v.into_owned()))
                        .collect();
                    let received = Received {
                        method: parts.method,
                        path: parts.uri.path().to_owned(),
                        query,
                        headers: parts.headers,
                        body,
                    };
                    let (status, content_type, body) = handler(received);
                    let response = Response::builder()
                        .status(status)
                        .header("content-type", content_type)
                        .body(Full::new(Bytes::from(body)))
                        .expect("a valid response");
                    Ok::<_, Infallible>(response)
                }
            });
            tokio::spawn(hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service));
        }
    });
    endpoint
}

fn expiration(clock: &Clock, ttl: Duration) -> String {
    humantime::format_rfc3339_seconds(clock.now() + ttl).to_string()
}

/// The credentials the `n`-th fetch from a stand-in named `kind` hands out: `(id, secret, token)`.
pub fn issued(kind: &str, n: usize) -> (String, String, String) {
    (format!("STS.{kind}.{n}"), format!("{kind}-secret-{n}"), format!("{kind}-token-{n}"))
}

fn credentials_json(kind: &str, n: usize, clock: &Clock, ttl: Duration, code: Option<&str>) -> serde_json::Value {
    let (id, secret, token) = issued(kind, n);
    let mut body = serde_json::json!({
        "AccessKeyId": id,
        "AccessKeySecret": secret,
        "SecurityToken": token,
        "Expiration": expiration(clock, ttl),
        "LastUpdated": expiration(clock, Duration::ZERO),
    });
    if let Some(code) = code {
        body["Code"] = code.into();
    }
    body
}

/// Instance metadata, as an ECS instance serves it.
pub struct Metadata {
    /// `http://127.0.0.1:PORT`.
    pub endpoint: String,
    state: Arc<MetadataState>,
}

#[derive(Default)]
struct MetadataState {
    role: Mutex<String>,
    /// Token PUTs are answered (IMDSv2); when false they get 404, as on an instance without hardened mode.
    tokens: AtomicBool,
    /// Requests without a valid token are refused (hardened mode required).
    require_token: AtomicBool,
    /// Every request gets 500.
    down: AtomicBool,
    /// The credentials answer's `Code`.
    code: Mutex<Option<String>>,
    ttl: Mutex<Duration>,
    issued_tokens: Mutex<HashSet<String>>,
    token_puts: AtomicUsize,
    role_gets: AtomicUsize,
    credential_gets: AtomicUsize,
    /// Whether each GET carried a token header.
    gets_with_token: Mutex<Vec<bool>>,
    clock: Mutex<Clock>,
}

impl Metadata {
    /// Serves the role `role`, with tokens, credentials valid `ttl`.
    pub async fn start(role: &str, ttl: Duration, clock: Clock) -> Metadata {
        let state = Arc::new(MetadataState::default());
        *state.role.lock().unwrap() = role.to_owned();
        state.tokens.store(true, Ordering::SeqCst);
        *state.code.lock().unwrap() = Some("Success".to_owned());
        *state.ttl.lock().unwrap() = ttl;
        *state.clock.lock().unwrap() = clock;
        let s = state.clone();
        let endpoint = serve(Arc::new(move |r| s.answer(r))).await;
        Metadata { endpoint, state }
    }

    /// Answer token PUTs (true) or 404 them (false).
    pub fn set_tokens(&self, on: bool) {
        self.state.tokens.store(on, Ordering::SeqCst);
    }

    /// Refuse requests without a valid token (403).
    pub fn set_require_token(&self, on: bool) {
        self.state.require_token.store(on, Ordering::SeqCst);
    }

    /// Answer everything with 500.
    pub fn set_down(&self, down: bool) {
        self.state.down.store(down, Ordering::SeqCst);
    }

    /// The `Code` of the credentials answer (`None`: no `Code` field).
    pub fn set_code(&self, code: Option<&str>) {
        *self.state.code.lock().unwrap() = code.map(str::to_owned);
    }

    /// Token PUTs received.
    pub fn token_puts(&self) -> usize {
        self.state.token_puts.load(Ordering::SeqCst)
    }

    /// Role-discovery GETs received.
    pub fn role_gets(&self) -> usize {
        self.state.role_gets.load(Ordering::SeqCst)
    }

    /// Credential GETs answered with credentials.
    pub fn credential_gets(&self) -> usize {
        self.state.credential_gets.load(Ordering::SeqCst)
    }

    /// For each GET, whether it carried a token header.
    pub fn gets_with_token(&self) -> Vec<bool> {
        self.state.gets_with_token.lock().unwrap().clone()
    }
}

impl MetadataState {
    fn answer(&self, r: Received) -> Answer {
        if self.down.load(Ordering::SeqCst) {
            return (StatusCode::INTERNAL_SERVER_ERROR, "text/plain", "down".into());
        }
        const ROLES: &str = "/latest/meta-data/ram/security-credentials/";
        match (&r.method, r.path.as_str()) {
            (&Method::PUT, "/latest/api/token") => {
                self.token_puts.fetch_add(1, Ordering::SeqCst);
                if !self.tokens.load(Ordering::SeqCst) {
                    return (StatusCode::NOT_FOUND, "text/plain", "not found".into());
                }
                let ttl = r.headers.get("x-aliyun-ecs-metadata-token-ttl-seconds").and_then(|v| v.to_str().ok());
                match ttl.and_then(|v| v.parse::<u32>().ok()) {
                    Some(1..=21600) => {
                        let token = format!("imds-token-{}", self.token_puts.load(Ordering::SeqCst));
                        self.issued_tokens.lock().unwrap().insert(token.clone());
                        (StatusCode::OK, "text/plain", token)
                    }
                    _ => (StatusCode::BAD_REQUEST, "text/plain", "bad ttl".into()),
                }
            }
            (&Method::GET, path) if path.starts_with(ROLES) => {
                let token = r.headers.get("x-aliyun-ecs-metadata-token").and_then(|v| v.to_str().ok());
                self.gets_with_token.lock().unwrap().push(token.is_some());
                let valid = token.is_some_and(|t| self.issued_tokens.lock().unwrap().contains(t));
                if !valid && (token.is_some() || self.require_token.load(Ordering::SeqCst)) {
                    return (StatusCode::FORBIDDEN, "text/plain", "forbidden".into());
                }
                let role = self.role.lock().unwrap().clone();
                match &path[ROLES.len()..] {
                    "" => {
                        self.role_gets.fetch_add(1, Ordering::SeqCst);
                        (StatusCode::OK, "text/plain", format!("{role}\n"))
                    }
                    asked if asked == role => {
                        let n = self.credential_gets.fetch_add(1, Ordering::SeqCst);
                        let clock = self.clock.lock().unwrap().clone();
                        let ttl = *self.ttl.lock().unwrap();
                        let code = self.code.lock().unwrap().clone();
                        let body = credentials_json("ecs", n, &clock, ttl, code.as_deref());
                        (StatusCode::OK, "application/json", body.to_string())
                    }
                    _ => (StatusCode::NOT_FOUND, "text/plain", "not found".into()),
                }
            }
            _ => (StatusCode::NOT_FOUND, "text/plain", "not found".into()),
        }
    }
}

/// STS, answering `AssumeRoleWithOIDC` and `AssumeRole` by GET (query) or POST (query and form).
pub struct Sts {
    /// `http://127.0.0.1:PORT`.
    pub endpoint: String,
    state: Arc<StsState>,
}

#[derive(Default)]
struct StsState {
    /// Access key id → (secret, the token that must accompany it).
    keys: Mutex<HashMap<String, (String, Option<String>)>>,
    /// The OIDC tokens accepted.
    oidc_tokens: Mutex<HashSet<String>>,
    nonces: Mutex<HashSet<String>>,
    down: AtomicBool,
    oidc_calls: AtomicUsize,
    assume_role_calls: AtomicUsize,
    /// Each accepted call's parameters, minus the signature.
    seen: Mutex<Vec<BTreeMap<String, String>>>,
    /// Each call's method.
    methods: Mutex<Vec<Method>>,
    clock: Mutex<Clock>,
}

impl Sts {
    /// Starts an STS that knows no keys and no OIDC tokens yet.
    pub async fn start(clock: Clock) -> Sts {
        let state = Arc::new(StsState::default());
        *state.clock.lock().unwrap() = clock;
        let s = state.clone();
        let endpoint = serve(Arc::new(move |r| s.answer(r))).await;
        Sts { endpoint, state }
    }

    /// Accepts `AssumeRole` signed with this key (and, for an STS key, its token).
    pub fn allow_key(&self, id: &str, secret: &str, token: Option<&str>) {
        self.state.keys.lock().unwrap().insert(id.to_owned(), (secret.to_owned(), token.map(str::to_owned)));
    }

    /// Accepts `AssumeRoleWithOIDC` with this token.
    pub fn allow_oidc_token(&self, token: &str) {
        self.state.oidc_tokens.lock().unwrap().insert(token.to_owned());
    }

    /// Answer everything with 503.
    pub fn set_down(&self, down: bool) {
        self.state.down.store(down, Ordering::SeqCst);
    }

    /// `AssumeRoleWithOIDC` calls answered with credentials.
    pub fn oidc_calls(&self) -> usize {
        self.state.oidc_calls.load(Ordering::SeqCst)
    }

    /// `AssumeRole` calls answered with credentials.
    pub fn assume_role_calls(&self) -> usize {
        self.state.assume_role_calls.load(Ordering::SeqCst)
    }

    /// The parameters of each accepted call (without `Signature`).
    pub fn seen(&self) -> Vec<BTreeMap<String, String>> {
        self.state.seen.lock().unwrap().clone()
    }

    /// The method of each call.
    pub fn methods(&self) -> Vec<Method> {
        self.state.methods.lock().unwrap().clone()
    }
}

fn pop_error(status: StatusCode, code: &str, message: &str) -> Answer {
    let body = serde_json::json!({
        "RequestId": "0F6C2E3A-STAND-IN", "HostId": "sts.aliyuncs.com", "Code": code, "Message": message,
        "Recommend": "https://api.aliyun.com/troubleshoot",
    });
    (status, "application/json", body.to_string())
}

impl StsState {
    fn answer(&self, r: Received) -> Answer {
        self.methods.lock().unwrap().push(r.method.clone());
        if self.down.load(Ordering::SeqCst) {
            return pop_error(StatusCode::SERVICE_UNAVAILABLE, "ServiceUnavailable", "down");
        }
        // Parameters: the union of the query and, for a form POST, the body.
        let mut params: Vec<(String, String)> = r.query.clone();
        if r.method == Method::POST {
            let form = r
                .headers
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
            if !form {
                return pop_error(StatusCode::BAD_REQUEST, "InvalidParameter", "the body is not a form");
            }
            params.extend(form_urlencoded::parse(&r.body).map(|(k, v)| (k.into_owned(), v.into_owned())));
        } else if r.method != Method::GET {
            return pop_error(StatusCode::METHOD_NOT_ALLOWED, "MethodNotAllowed", "GET or POST");
        }
        let map: BTreeMap<String, String> = params.iter().cloned().collect();
        if map.len() != params.len() {
            return pop_error(StatusCode::BAD_REQUEST, "InvalidParameter", "a parameter is repeated");
        }
        let get = |k: &str| map.get(k).map(String::as_str);
        for required in ["Version", "Format", "Timestamp", "RoleArn", "RoleSessionName"] {
            if get(required).is_none() {
                return pop_error(StatusCode::BAD_REQUEST, "MissingParameter", &format!("{required} is required"));
            }
        }
        if get("Version") != Some("2015-04-01") || get("Format") != Some("JSON") {
            return pop_error(StatusCode::BAD_REQUEST, "InvalidParameter", "Version or Format");
        }
        let clock = self.clock.lock().unwrap().clone();
        let skewed = humantime::parse_rfc3339(get("Timestamp").unwrap_or("")).map_or(true, |t| {
            let now = clock.now();
            let skew = now.duration_since(t).or_else(|_| t.duration_since(now)).unwrap_or_default();
            skew > Duration::from_secs(15 * 60)
        });
        if skewed {
            return pop_error(StatusCode::BAD_REQUEST, "InvalidTimeStamp.Expired", "the Timestamp is skewed");
        }
        let session = get("RoleSessionName").unwrap_or("");
        if !(2..=64).contains(&session.len()) {
            return pop_error(StatusCode::BAD_REQUEST, "InvalidParameter.RoleSessionName", "2-64 characters");
        }
        let duration: u64 = match get("DurationSeconds").unwrap_or("3600").parse() {
            Ok(d) if (900..=43200).contains(&d) => d,
            _ => return pop_error(StatusCode::BAD_REQUEST, "InvalidParameter.DurationSeconds", "900-43200"),
        };
        let (kind, counter) = match get("Action") {
            Some("AssumeRoleWithOIDC") => {
                if map.contains_key("Signature") || map.contains_key("AccessKeyId") {
                    return pop_error(StatusCode::BAD_REQUEST, "InvalidParameter", "AssumeRoleWithOIDC is anonymous");
                }
                let token = get("OIDCToken").unwrap_or("");
                if get("OIDCProviderArn").is_none() {
                    return pop_error(StatusCode::BAD_REQUEST, "MissingParameter", "OIDCProviderArn is required");
                }
                if !self.oidc_tokens.lock().unwrap().contains(token) {
                    return pop_error(
                        StatusCode::BAD_REQUEST,
                        "AuthenticationFail.OIDCToken.Invalid",
                        "the token is invalid",
                    );
                }
                ("oidc", &self.oidc_calls)
            }
            Some("AssumeRole") => {
                if let Err(refusal) = self.verify_signature(&r.method, &params, &map) {
                    return refusal;
                }
                ("role", &self.assume_role_calls)
            }
            _ => return pop_error(StatusCode::BAD_REQUEST, "InvalidAction.NotFound", "unknown action"),
        };
        let n = counter.fetch_add(1, Ordering::SeqCst);
        let mut seen = map.clone();
        seen.remove("Signature");
        self.seen.lock().unwrap().push(seen);
        let body = serde_json::json!({
            "RequestId": "7C0A8B3D-STAND-IN",
            "AssumedRoleUser": {"Arn": format!("{}/{session}", get("RoleArn").unwrap_or("")), "AssumedRoleId": "3000:s"},
            "Credentials": credentials_json(kind, n, &clock, Duration::from_secs(duration), None),
        });
        (StatusCode::OK, "application/json", body.to_string())
    }

    /// The RPC signature check: the key must be known, its token must accompany an STS key, the nonce must be new,
    /// and the signature recomputed over every received parameter but `Signature` must match.
    fn verify_signature(
        &self,
        method: &Method,
        params: &[(String, String)],
        map: &BTreeMap<String, String>,
    ) -> Result<(), Answer> {
        let get = |k: &str| map.get(k).map(String::as_str);
        if get("SignatureMethod") != Some("HMAC-SHA1") || get("SignatureVersion") != Some("1.0") {
            return Err(pop_error(StatusCode::BAD_REQUEST, "InvalidParameter", "SignatureMethod/Version"));
        }
        let Some(id) = get("AccessKeyId") else {
            return Err(pop_error(StatusCode::BAD_REQUEST, "MissingParameter", "AccessKeyId is required"));
        };
        let Some((secret, token)) = self.keys.lock().unwrap().get(id).cloned() else {
            return Err(pop_error(
                StatusCode::NOT_FOUND,
                "InvalidAccessKeyId.NotFound",
                "Specified access key is not found.",
            ));
        };
        if token.as_deref() != get("SecurityToken") {
            return Err(pop_error(
                StatusCode::FORBIDDEN,
                "InvalidSecurityToken.Mismatch",
                "the security token does not match",
            ));
        }
        let nonce = get("SignatureNonce").unwrap_or("");
        if nonce.is_empty() || !self.nonces.lock().unwrap().insert(nonce.to_owned()) {
            return Err(pop_error(StatusCode::BAD_REQUEST, "SignatureNonceUsed", "the nonce was used"));
        }
        let signed: Vec<(&str, &str)> = params.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let expected = rpc::signature(method.as_str(), &signed, &secret);
        if get("Signature") != Some(expected.as_str()) {
            // As STS does: the message echoes the string it signed, every parameter (the token too) in it.
            let message = format!(
                "Specified signature is not matched with our calculation. server string to sign is:{}",
                rpc::string_to_sign(method.as_str(), &signed)
            );
            return Err(pop_error(StatusCode::BAD_REQUEST, "SignatureDoesNotMatch", &message));
        }
        Ok(())
    }
}

/// A credentials URI.
pub struct CredentialsUri {
    /// The URI to set in `ALIBABA_CLOUD_CREDENTIALS_URI`.
    pub uri: String,
    state: Arc<UriState>,
}

#[derive(Default)]
struct UriState {
    code: Mutex<Option<String>>,
    status: Mutex<u16>,
    ttl: Mutex<Duration>,
    calls: AtomicUsize,
    /// Hand out the first credentials every time (for comparing two clients).
    same_each_time: AtomicBool,
    clock: Mutex<Clock>,
}

impl CredentialsUri {
    /// Serves credentials valid `ttl` at `/credentials?role=app`, with `"Code": "Success"`.
    pub async fn start(ttl: Duration, clock: Clock) -> CredentialsUri {
        let state = Arc::new(UriState::default());
        *state.code.lock().unwrap() = Some("Success".to_owned());
        *state.status.lock().unwrap() = 200;
        *state.ttl.lock().unwrap() = ttl;
        *state.clock.lock().unwrap() = clock;
        let s = state.clone();
        let endpoint = serve(Arc::new(move |r: Received| {
            if r.method != Method::GET || r.path != "/credentials" || r.query != [("role".into(), "app".into())] {
                return (StatusCode::NOT_FOUND, "text/plain", "not found".into());
            }
            let status = *s.status.lock().unwrap();
            if status != 200 {
                return (StatusCode::from_u16(status).unwrap(), "text/plain", "unavailable".into());
            }
            let n = s.calls.fetch_add(1, Ordering::SeqCst);
            let n = if s.same_each_time.load(Ordering::SeqCst) { 0 } else { n };
            let clock = s.clock.lock().unwrap().clone();
            let body = credentials_json("uri", n, &clock, *s.ttl.lock().unwrap(), s.code.lock().unwrap().as_deref());
            (StatusCode::OK, "application/json", body.to_string())
        }))
        .await;
        CredentialsUri { uri: format!("{endpoint}/credentials?role=app"), state }
    }

    /// The `Code` field (`None`: absent).
    pub fn set_code(&self, code: Option<&str>) {
        *self.state.code.lock().unwrap() = code.map(str::to_owned);
    }

    /// The HTTP status answered (200 serves credentials).
    pub fn set_status(&self, status: u16) {
        *self.state.status.lock().unwrap() = status;
    }

    /// Hand out the same credentials at every call.
    pub fn set_same_each_time(&self, same: bool) {
        self.state.same_each_time.store(same, Ordering::SeqCst);
    }

    /// Credentials served.
    pub fn calls(&self) -> usize {
        self.state.calls.load(Ordering::SeqCst)
    }
}
