//! Criterion micro-benchmarks: signing, and a typed call against its hand-written equivalent without I/O.

use std::time::SystemTime;

use criterion::{Criterion, criterion_group, criterion_main};
use fc_benches::{
    ACCESS_KEY_SECRET, Bench as _, NoIo, event_1kb, hand_written_echo, sign_typical, sign_typical_from_secret,
    typical_headers,
};
use fc_runtime::sign::SigningKey;

fn signing(c: &mut Criterion) {
    let date = httpdate::fmt_http_date(SystemTime::now());
    let owned = typical_headers(&date);
    let headers: Vec<(&str, &str)> = owned.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let key = SigningKey::new(ACCESS_KEY_SECRET);
    c.bench_function("sign typical invoke", |b| b.iter(|| sign_typical(&key, std::hint::black_box(&headers))));
    c.bench_function("sign typical invoke, key from the secret", |b| {
        b.iter(|| sign_typical_from_secret(std::hint::black_box(&headers)))
    });
}

/// ACS3 (FC 3.0): hashing a 1 KB body, and signing an invoke of it with a prepared key (the body's hash given).
fn signing_acs3(c: &mut Criterion) {
    use fc_runtime::sign::acs3::{Acs3Key, Acs3Request, payload_hash};
    let body = serde_json::to_vec(&event_1kb()).expect("serializes");
    let hashed = payload_hash(&body);
    let headers = [
        ("host", "1234567890.cn-hangzhou.fc.aliyuncs.com"),
        ("content-type", "application/octet-stream"),
        ("x-acs-action", "InvokeFunction"),
        ("x-acs-version", "2023-03-30"),
        ("x-acs-date", "2026-11-26T10:22:32Z"),
        ("x-acs-signature-nonce", "3156853299f313e23d1673dc12e1703d"),
        ("x-acs-content-sha256", hashed.as_str()),
    ];
    let key = Acs3Key::new(ACCESS_KEY_SECRET);
    let request = Acs3Request {
        method: "POST",
        path: "/2023-03-30/functions/echo/invocations",
        query: &[("qualifier", "LATEST")],
        headers: &headers,
        hashed_payload: &hashed,
    };
    c.bench_function("acs3: hash a 1 KB body", |b| b.iter(|| payload_hash(std::hint::black_box(&body))));
    c.bench_function("acs3: sign an invoke, prepared key", |b| {
        b.iter(|| key.authorization("testKeyId", std::hint::black_box(&request)))
    });
}

fn stub_overhead(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    let invoker = NoIo::default();
    let event = event_1kb();
    let mut group = c.benchmark_group("call without I/O, 1 KB event");
    group.bench_function("typed stub", |b| {
        b.iter(|| rt.block_on(invoker.echo(std::hint::black_box(&event))).expect("echo"))
    });
    group.bench_function("hand-written", |b| {
        b.iter(|| rt.block_on(hand_written_echo(&invoker, std::hint::black_box(&event))).expect("echo"))
    });
    group.finish();
}

criterion_group!(benches, signing, signing_acs3, stub_overhead);
criterion_main!(benches);
