//! Every FC-scheme case of the golden vectors (produced with the official Python SDK's own code), and the raw
//! requests the official SDK sent, re-signed from their bytes.

use fc_runtime::sign::{self, QueryParam, SignableRequest};
use serde_json::Value;

fn vectors() -> Value {
    serde_json::from_str(include_str!("data/fc-sign-vectors.json")).expect("vectors file is JSON")
}

/// Query values as the vectors write them: a string, or a list (each value a line; an empty list a bare key).
fn query_params(queries: &Value) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    if let Value::Object(map) = queries {
        for (key, value) in map {
            match value {
                Value::String(s) => out.push((key.clone(), Some(s.clone()))),
                Value::Array(items) if items.is_empty() => out.push((key.clone(), None)),
                Value::Array(items) => {
                    for item in items {
                        out.push((key.clone(), Some(item.as_str().expect("string item").to_owned())));
                    }
                }
                other => panic!("unexpected query value {other}"),
            }
        }
    }
    out
}

fn sign_parts(
    id: &str,
    secret: &str,
    method: &str,
    path: &str,
    headers: &[(String, String)],
    query: &[(String, Option<String>)],
) -> (String, String) {
    let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let query: Vec<QueryParam<'_>> = query.iter().map(|(k, v)| QueryParam { key: k, value: v.as_deref() }).collect();
    let req = SignableRequest { method, path, headers: &headers, query: &query };
    (sign::string_to_sign(&req), sign::authorization(id, secret, &req))
}

#[test]
fn every_fc_scheme_case_matches_the_official_sdk() {
    let v = vectors();
    let cases = v["fcScheme"]["cases"].as_array().unwrap();
    assert!(cases.len() >= 11, "all cases present");
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let input = &case["input"];
        let headers: Vec<(String, String)> = input["headers"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
            .collect();
        let (sts, auth) = sign_parts(
            input["accessKeyId"].as_str().unwrap(),
            input["accessKeySecret"].as_str().unwrap(),
            input["method"].as_str().unwrap(),
            input["unescapedPath"].as_str().unwrap(),
            &headers,
            &query_params(&input["queries"]),
        );
        assert_eq!(sts, case["stringToSign"].as_str().unwrap(), "string to sign of {name}");
        assert_eq!(auth, case["authorization"].as_str().unwrap(), "authorization of {name}");
        if let Some(go) = case.get("goExpectedSignature") {
            assert_eq!(auth.rsplit(':').next().unwrap(), go.as_str().unwrap(), "Go SDK cross-check");
        }
    }
}

fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s).decode_utf8().unwrap().into_owned()
}

#[test]
fn captured_official_sdk_requests_resign_from_their_bytes() {
    let v = vectors();
    let captures = v["capturedRequests_aliyun_fc2"]["captures"].as_array().unwrap();
    assert!(captures.len() >= 10);
    for capture in captures {
        let label = capture["label"].as_str().unwrap();
        let raw = capture["raw_request"].as_str().unwrap();
        let (head, _body) = raw.split_once("\r\n\r\n").unwrap();
        let mut lines = head.split("\r\n");
        let mut request_line = lines.next().unwrap().split(' ');
        let method = request_line.next().unwrap();
        let target = request_line.next().unwrap();
        let (wire_path, wire_query) = target.split_once('?').unwrap_or((target, ""));
        let path = percent_decode(wire_path);
        let query: Vec<(String, Option<String>)> = form_urlencoded::parse(wire_query.as_bytes())
            .map(|(k, v)| (k.into_owned(), Some(v.into_owned())))
            .collect();
        let mut headers = Vec::new();
        let mut sent_authorization = None;
        for line in lines {
            let (name, value) = line.split_once(": ").unwrap();
            if name.eq_ignore_ascii_case("authorization") {
                sent_authorization = Some(value.to_owned());
            } else {
                headers.push((name.to_owned(), value.to_owned()));
            }
        }
        // The key id is whatever the SDK was given (STS ids carry a prefix); the secret is the fixed one.
        let sent = sent_authorization.expect("request carried an Authorization header");
        let key_id = sent.strip_prefix("FC ").and_then(|s| s.split_once(':')).expect("FC scheme").0;
        let (sts, auth) = sign_parts(key_id, "testKeySecret", method, &path, &headers, &query);
        assert_eq!(sts, capture["independentStringToSign"].as_str().unwrap(), "string to sign of {label}");
        assert_eq!(auth, sent, "authorization of {label}");
    }
}

/// HTTP-trigger queries with an empty value (`a=`) and with none (`a`), as the official SDK signs them.
#[test]
fn proxy_query_vectors_match_the_official_sdk() {
    let doc: Value = serde_json::from_str(include_str!("data/fc-proxy-query-vectors.json")).expect("JSON");
    let headers: Vec<(String, String)> =
        doc["headers"].as_object().unwrap().iter().map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned())).collect();
    let cases = doc["cases"].as_array().unwrap();
    assert!(cases.len() >= 4);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let (sts, auth) = sign_parts(
            "testKeyId",
            "testKeySecret",
            "GET",
            doc["path"].as_str().unwrap(),
            &headers,
            &query_params(&case["queries"]),
        );
        assert_eq!(sts, case["stringToSign"].as_str().unwrap(), "string to sign of {name}");
        assert_eq!(auth, case["authorization"].as_str().unwrap(), "authorization of {name}");
    }
}
