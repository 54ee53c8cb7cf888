//! A request written as text by the fuzzer: `METHOD PATH\nname: value\n…\n\nbody`.

/// `METHOD PATH\nname: value\n…\n\nbody`, split into a method (alphabetic, else POST), the path as written,
/// the headers that can travel, and the body.
pub struct Parsed<'a> {
    pub method: String,
    pub path: Option<String>,
    pub headers: Vec<(String, String)>,
    pub body: &'a [u8],
}

pub fn parse(input: &[u8]) -> Parsed<'_> {
    let split = input.windows(2).position(|w| w == b"\n\n").unwrap_or(input.len());
    let (head, body) = (&input[..split], input.get(split + 2..).unwrap_or_default());
    let head = String::from_utf8_lossy(head);
    let mut lines = head.split('\n');
    let mut first = lines.next().unwrap_or_default().splitn(2, ' ');
    let method = first.next().filter(|m| !m.is_empty() && m.bytes().all(|b| b.is_ascii_alphabetic())).unwrap_or("POST");
    let path = first.next().filter(|p| !p.contains([' ', '\r', '#'])).map(str::to_owned);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .filter(|(k, v)| !k.is_empty() && !k.contains(['\r', ' ']) && !v.contains('\r'))
        .collect();
    Parsed { method: method.to_owned(), path, headers, body }
}

/// `method path` with `headers` and `body` as an HTTP/1.1 request signed with ACS3-HMAC-SHA256 by LocalFc's
/// default key, over host, content-type and every `x-acs-*` header (a fresh nonce each time, the body's hash).
#[allow(dead_code)]
pub fn acs3_request(method: &str, path: &str, headers: &[(String, String)], body: &[u8]) -> Vec<u8> {
    use fc_runtime::sign::acs3::{self, Acs3Request};
    use std::sync::atomic::{AtomicU64, Ordering};
    static NONCE: AtomicU64 = AtomicU64::new(0);
    let mut headers: Vec<(String, String)> =
        headers.iter().map(|(k, v)| (k.to_ascii_lowercase(), v.clone())).filter(|(k, _)| k != "host").collect();
    let hash = acs3::payload_hash(body);
    headers.push(("host".into(), "fuzz".into()));
    headers.push(("x-acs-date".into(), humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()));
    headers.push(("x-acs-signature-nonce".into(), format!("fuzz-{}", NONCE.fetch_add(1, Ordering::Relaxed))));
    headers.push(("x-acs-content-sha256".into(), hash.clone()));
    let (path_only, raw_query) = path.split_once('?').unwrap_or((path, ""));
    let query: Vec<(String, String)> = form_urlencoded::parse(raw_query.as_bytes()).into_owned().collect();
    let query: Vec<(&str, &str)> = query.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let signed: Vec<(&str, &str)> =
        headers.iter().filter(|(k, _)| acs3::signed_by_default(k)).map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let auth = acs3::authorization(
        "testKeyId",
        "testKeySecret",
        &Acs3Request { method, path: path_only, query: &query, headers: &signed, hashed_payload: &hash },
    );
    let mut out = format!("{method} {path} HTTP/1.1\r\nauthorization: {auth}\r\n").into_bytes();
    for (k, v) in &headers {
        out.extend_from_slice(format!("{k}: {v}\r\n").as_bytes());
    }
    out.extend_from_slice(format!("content-length: {}\r\n\r\n", body.len()).as_bytes());
    out.extend_from_slice(body);
    out
}
