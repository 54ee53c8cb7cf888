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

criterion_group!(benches, signing, stub_overhead);
criterion_main!(benches);
