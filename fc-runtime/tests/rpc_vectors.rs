//! The RPC (POP v1) signature STS's `AssumeRole` needs: the documentation's worked example, AssumeRole-shaped
//! regression vectors (with role chaining and a space in a value), and the official libraries' HMAC vectors
//! (`data/rpc-vectors.json`).

use fc_runtime::sign::rpc;
use serde_json::Value;

fn vectors() -> Value {
    serde_json::from_str(include_str!("data/rpc-vectors.json")).expect("valid JSON")
}

#[test]
fn signatures_match_the_vectors() {
    let doc = vectors();
    let cases = doc["cases"].as_array().expect("cases");
    assert_eq!(cases.len(), 7);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let method = case["method"].as_str().unwrap();
        let secret = case["secret"].as_str().unwrap();
        let params: Vec<(&str, &str)> =
            case["params"].as_object().unwrap().iter().map(|(k, v)| (k.as_str(), v.as_str().unwrap())).collect();
        let sts = rpc::string_to_sign(method, &params);
        if let Some(expected) = case["string_to_sign"].as_str() {
            assert_eq!(sts, expected, "{name}: string to sign");
        }
        assert_eq!(rpc::signature(method, &params, secret), case["signature"].as_str().unwrap(), "{name}");
        // The parameter order given does not matter, and a Signature parameter is never signed.
        let mut reversed = params.clone();
        reversed.reverse();
        reversed.push(("Signature", "ignored"));
        assert_eq!(rpc::string_to_sign(method, &reversed), sts, "{name}: order and Signature");
    }
}

#[test]
fn hmac_matches_the_official_libraries() {
    let doc = vectors();
    for case in doc["hmac"].as_array().expect("hmac") {
        let name = case["name"].as_str().unwrap();
        let got = rpc::hmac_sha1_base64(case["key"].as_str().unwrap(), case["data"].as_str().unwrap());
        assert_eq!(got, case["signature"].as_str().unwrap(), "{name}");
    }
}

#[test]
fn encoding_is_rfc3986() {
    assert_eq!(rpc::percent_encode("session name"), "session%20name");
    assert_eq!(rpc::percent_encode("*"), "%2A");
    assert_eq!(rpc::percent_encode("~-_."), "~-_.");
    assert_eq!(rpc::percent_encode("中"), "%E4%B8%AD");
    assert_eq!(rpc::percent_encode("a+b=c/d"), "a%2Bb%3Dc%2Fd");
}
