//! Every ACS3-HMAC-SHA256 vector: the documentation's worked example, the official SDKs' unit-test vectors and
//! FC-shaped cases (`data/acs3-vectors.json`), and the `acs3Scheme` cases produced by the official Python util,
//! which signs every header (`data/fc-sign-vectors.json`). The signed header set is an input of each case.

use fc_runtime::sign::acs3::{self, Acs3Key, Acs3Request};
use serde_json::Value;

fn pairs(v: &Value) -> Vec<(String, String)> {
    match v {
        Value::Object(map) => {
            map.iter().map(|(k, v)| (k.clone(), v.as_str().expect("string value").to_owned())).collect()
        }
        Value::Array(items) => items
            .iter()
            .map(|p| (p[0].as_str().expect("name").to_owned(), p[1].as_str().expect("value").to_owned()))
            .collect(),
        Value::Null => Vec::new(),
        other => panic!("unexpected {other}"),
    }
}

fn borrowed(v: &[(String, String)]) -> Vec<(&str, &str)> {
    v.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

struct Expected<'a> {
    canonical: &'a str,
    string_to_sign: &'a str,
    authorization: &'a str,
}

impl<'a> Expected<'a> {
    /// The canonical request, string to sign and authorization a vector expects.
    fn of(case: &'a Value) -> Self {
        Expected {
            canonical: case["canonicalRequest"].as_str().unwrap(),
            string_to_sign: case["stringToSign"].as_str().unwrap(),
            authorization: case["authorization"].as_str().unwrap(),
        }
    }
}

fn check(name: &str, id: &str, secret: &str, request: &Acs3Request<'_>, expected: &Expected<'_>) {
    assert_eq!(acs3::canonical_request(request), expected.canonical, "{name}: canonical request");
    assert_eq!(acs3::string_to_sign(expected.canonical), expected.string_to_sign, "{name}: string to sign");
    assert_eq!(acs3::authorization(id, secret, request), expected.authorization, "{name}: authorization");
    assert_eq!(Acs3Key::new(secret).authorization(id, request), expected.authorization, "{name}: prepared key");
}

#[test]
fn official_and_fc_shaped_vectors() {
    let doc: Value = serde_json::from_str(include_str!("data/acs3-vectors.json")).expect("JSON");
    let cases = doc["cases"].as_array().expect("cases");
    assert!(cases.len() >= 6, "{} cases", cases.len());
    for case in cases {
        let name = case["name"].as_str().expect("name");
        let all = pairs(if case["headers"].is_null() { &case["headersList"] } else { &case["headers"] });
        let signed_names: Vec<String> =
            case["signedHeaders"].as_str().expect("signedHeaders").split(';').map(str::to_owned).collect();
        let signed: Vec<(String, String)> =
            all.iter().filter(|(k, _)| signed_names.contains(&k.to_ascii_lowercase())).cloned().collect();
        let hashed = match case["hashedPayload"].as_str() {
            Some(h) => h.to_owned(),
            None => {
                let hash = acs3::payload_hash(case["body"].as_str().expect("body").as_bytes());
                let sent = all.iter().find(|(k, _)| k == "x-acs-content-sha256").map(|(_, v)| v.as_str());
                assert_eq!(sent, Some(hash.as_str()), "{name}: x-acs-content-sha256 is the body's hash");
                hash
            }
        };
        let query = pairs(&case["query"]);
        let (query, headers) = (borrowed(&query), borrowed(&signed));
        let request = Acs3Request {
            method: case["method"].as_str().expect("method"),
            path: case["path"].as_str().expect("path"),
            query: &query,
            headers: &headers,
            hashed_payload: &hashed,
        };
        assert_eq!(acs3::signed_headers(&headers), case["signedHeaders"].as_str().unwrap(), "{name}");
        let expected = Expected::of(case);
        check(
            name,
            case["accessKeyId"].as_str().unwrap(),
            case["accessKeySecret"].as_str().unwrap(),
            &request,
            &expected,
        );
        let signature = Acs3Key::new(case["accessKeySecret"].as_str().unwrap()).signature(expected.string_to_sign);
        assert_eq!(signature, case["signature"].as_str().unwrap(), "{name}: signature");
    }
}

#[test]
fn official_python_util_vectors_sign_every_header() {
    let doc: Value = serde_json::from_str(include_str!("data/fc-sign-vectors.json")).expect("JSON");
    let cases = doc["acs3Scheme"]["cases"].as_array().expect("acs3Scheme cases");
    assert!(cases.len() >= 3);
    for case in cases {
        let name = case["name"].as_str().expect("name");
        let input = &case["input"];
        let headers = pairs(&input["headers"]);
        let query = pairs(&input["query"]);
        let hashed = acs3::payload_hash(input["body"].as_str().unwrap_or("").as_bytes());
        let (query, headers) = (borrowed(&query), borrowed(&headers));
        let request = Acs3Request {
            method: input["method"].as_str().expect("method"),
            path: input["pathname"].as_str().expect("pathname"),
            query: &query,
            headers: &headers,
            hashed_payload: &hashed,
        };
        let expected = Expected::of(case);
        check(
            name,
            input["accessKeyId"].as_str().unwrap(),
            input["accessKeySecret"].as_str().unwrap(),
            &request,
            &expected,
        );
    }
}
