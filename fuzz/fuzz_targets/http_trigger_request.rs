//! LocalFc's HTTP-trigger gateway, from raw bytes on a connection: HTTP parsing, FC's request rules (reserved
//! headers, size limits, methods, `X-Fc-Invocation-Type` / `X-Fc-Log-Type`), the three auth types, forwarding to a
//! web function that echoes, streams and fails. The first byte chooses the trigger and how the rest is sent: as it
//! is to the anonymous trigger, signed as `authType = function` requires, or with a valid JWT (header or cookie),
//! so that the fuzzer gets past each verifier; a fourth mode feeds the rest to the JWT `authConfig` parser.
#![no_main]

mod request_text;

use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use fc_runtime::function::{Router, WebRequest, full};
use fc_runtime::local::{FunctionConfig, HttpTrigger, LocalFc};
use fc_runtime::sign::http_trigger::{TriggerRequest, authorization};
use libfuzzer_sys::fuzz_target;
use request_text::Parsed;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::runtime::Runtime;

/// `HS256` key of the JWT trigger: base64url of `fuzzing-secret-fuzzing-secret-32`.
const JWT_KEY: &str = "ZnV6emluZy1zZWNyZXQtZnV6emluZy1zZWNyZXQtMzI";
/// A token for that key, `{"sub":"fuzz","name":"fuzzer"}`, no expiry (made once with the key above).
const JWT: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6ImZ1enoifQ.eyJzdWIiOiJmdXp6IiwibmFtZSI6ImZ1enplciJ9.";

struct Server {
    runtime: Runtime,
    fc: LocalFc,
}

/// The web function: the path decides — `/fail` answers 500, `/error` fails (the service's error: FC's 502; not a
/// panic, which libFuzzer's hook would abort on, caught or not: the panic guard has ordinary tests), `/stream`
/// streams the body back in pieces, anything else echoes the request's body with a forbidden header the gateway
/// must drop.
async fn web(request: WebRequest) -> Result<http::Response<fc_runtime::function::WebBody>, std::io::Error> {
    use http_body_util::BodyExt as _;
    let path = request.uri().path().to_owned();
    let body = request.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    Ok(match path.as_str() {
        "/fail" => {
            http::Response::builder().status(500).body(full(r#"{"errorMessage":"no","errorType":"E"}"#)).unwrap()
        }
        "/error" => return Err(std::io::Error::other("the web function failed")),
        "/stream" => {
            let pieces = body
                .chunks(7)
                .map(|c| Ok::<_, std::convert::Infallible>(http_body::Frame::data(bytes::Bytes::copy_from_slice(c))))
                .collect::<Vec<_>>();
            let stream = http_body_util::StreamBody::new(futures_util::stream::iter(pieces));
            http::Response::new(http_body_util::BodyExt::boxed_unsync(stream.map_err(|never| match never {})))
        }
        _ => http::Response::builder().header("x-fc-status", "200").header("server", "fuzz").body(full(body)).unwrap(),
    })
}

fn server() -> &'static Server {
    static SERVER: OnceLock<Server> = OnceLock::new();
    SERVER.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
        let fc = runtime.block_on(async {
            let router = || Router::new().http(tower::service_fn(web));
            let jwt = serde_json::json!({
                "JWKS": {"keys": [{"kty": "oct", "kid": "fuzz", "alg": "HS256", "k": JWT_KEY}]},
                "TokenLookup": "header:Authorization:Bearer,cookie:jwt,query:token,form:token",
                "ClaimPassBy": "header:sub:x-sub,query:name:name,cookie:sub:sub,form:name:name",
            });
            LocalFc::builder()
                .function("open", router(), FunctionConfig::default())
                .function("signed", router(), FunctionConfig::default())
                .function("jwt", router(), FunctionConfig::default())
                .http_trigger("open", HttpTrigger::anonymous("open"))
                .http_trigger("signed", HttpTrigger::signed("signed"))
                .http_trigger("jwt", HttpTrigger::jwt("jwt", jwt.to_string()))
                .limits(fc_runtime::Limits::new(4096, 1024))
                .start()
                .await
                .unwrap()
        });
        Server { runtime, fc }
    })
}

/// The fuzzer's request text: a path that does not start with `/` is `/`.
fn parse(input: &[u8]) -> (String, String, Vec<(String, String)>, &[u8]) {
    let Parsed { method, path, headers, body } = request_text::parse(input);
    let path = path.filter(|p| p.starts_with('/')).unwrap_or_else(|| "/".to_owned());
    (method, path, headers, body)
}

fn request(method: &str, path: &str, headers: &[(String, String)], body: &[u8]) -> Vec<u8> {
    let mut out = format!("{method} {path} HTTP/1.1\r\nhost: fuzz\r\n").into_bytes();
    for (k, v) in headers {
        out.extend_from_slice(format!("{k}: {v}\r\n").as_bytes());
    }
    out.extend_from_slice(format!("content-length: {}\r\n\r\n", body.len()).as_bytes());
    out.extend_from_slice(body);
    out
}

/// Signed as `authType = function` requires, with LocalFc's default key.
fn signed(input: &[u8]) -> Vec<u8> {
    let (method, path, mut headers, body) = parse(input);
    let date = humantime::format_rfc3339_seconds(SystemTime::now()).to_string();
    let (path_only, raw_query) = path.split_once('?').unwrap_or((&path, ""));
    let query: Vec<(String, String)> = form_urlencoded::parse(raw_query.as_bytes()).into_owned().collect();
    let query: Vec<(&str, &str)> = query.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let auth = authorization(
        "testKeyId",
        "testKeySecret",
        &TriggerRequest { method: &method, path: path_only, query: &query, date: &date, security_token: "" },
    );
    headers.push(("x-acs-date".into(), date));
    headers.push(("x-acs-security-token".into(), String::new()));
    headers.push(("authorization".into(), auth));
    request(&method, &path, &headers, body)
}

/// With the valid token, in the header or a cookie.
fn with_jwt(input: &[u8], cookie: bool) -> Vec<u8> {
    let (method, path, mut headers, body) = parse(input);
    if cookie {
        headers.push(("cookie".into(), format!("a=b; jwt={}", jwt())));
    } else {
        headers.push(("authorization".into(), format!("Bearer {}", jwt())));
    }
    request(&method, &path, &headers, body)
}

fn jwt() -> &'static str {
    static TOKEN: OnceLock<String> = OnceLock::new();
    TOKEN.get_or_init(|| {
        use base64::Engine as _;
        use hmac::Mac as _;
        let key = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(JWT_KEY).unwrap();
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&key).unwrap();
        let unsigned = JWT.trim_end_matches('.');
        mac.update(unsigned.as_bytes());
        let signature = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
        format!("{unsigned}.{signature}")
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    let (function, bytes) = match mode % 5 {
        0 => ("open", rest.to_vec()),
        1 => ("signed", signed(rest)),
        2 => ("jwt", with_jwt(rest, false)),
        3 => ("jwt", with_jwt(rest, true)),
        _ => {
            let _ = fc_runtime::local::fuzzing::jwt_auth_config(&String::from_utf8_lossy(rest));
            return;
        }
    };
    let server = server();
    server.runtime.block_on(async {
        let (mut client, conn) = tokio::io::duplex(64 * 1024);
        let serving = tokio::spawn({
            let fc: &'static LocalFc = &server.fc;
            async move { fc.serve_trigger_connection(function, conn).await }
        });
        let exchange = async {
            let client = &mut client;
            client.write_all(&bytes).await?;
            client.shutdown().await?;
            let mut answer = Vec::new();
            client.read_to_end(&mut answer).await?;
            Ok::<_, std::io::Error>(answer)
        };
        if let Ok(Ok(answer)) = tokio::time::timeout(Duration::from_secs(5), exchange).await {
            let text = String::from_utf8_lossy(&answer);
            assert!(answer.is_empty() || text.starts_with("HTTP/1.0 ") || text.starts_with("HTTP/1.1 "), "{text:?}");
            // What the function may not send never leaves the gateway.
            let head = text.split("\r\n\r\n").next().unwrap_or_default().to_ascii_lowercase();
            assert!(!head.contains("\r\nx-fc-status:") && !head.contains("\r\nserver: fuzz"), "{head}");
        }
        drop(client);
        tokio::time::timeout(Duration::from_secs(5), serving)
            .await
            .expect("the connection closes once the client is gone")
            .expect("the connection task did not panic");
    });
});
