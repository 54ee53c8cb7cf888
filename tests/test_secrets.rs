//! No secret in any rendering of any error: every credentials source, the transport and LocalFc fail with known
//! secrets in play (an STS token and secret in the source credentials, a secret in a credentials URI's query, an
//! OIDC token, a client's own secret and token), and each error is rendered every way a program prints one —
//! `Display`, `Debug`, `{:#?}` — down its whole `source()` chain.

use std::time::Duration;

use fc_runtime::credentials::{
    DefaultCredentialsChain, EcsRamRoleCredentials, OidcRoleCredentials, RamRoleArnCredentials, RoleOptions,
    UriCredentials,
};
use fc_runtime::local::LocalFc;
use fc_runtime::{Client, Clock, Credentials, CredentialsProvider, Environment, FcError, InvokeRequest, RetryPolicy};
use support::standins::Sts;

const TOKEN: &str = "CAIS-source-token-4a7f9c2e51";
const SECRET: &str = "source-secret-9f8e7d6c5b4a";
const URI_SECRET: &str = "uri-query-secret-5e6f7a8b";
const OIDC_TOKEN: &str = "eyJ-oidc-token-3c2b1a0f";

/// Every way the error prints: itself and each source, with `Display`, `Debug` and `{:#?}`.
fn renderings(err: &FcError) -> Vec<String> {
    let mut out = vec![err.to_string(), format!("{err:?}"), format!("{err:#?}")];
    let mut source = std::error::Error::source(err);
    while let Some(s) = source {
        out.extend([s.to_string(), format!("{s:?}"), format!("{s:#?}")]);
        source = s.source();
    }
    out
}

#[track_caller]
fn assert_no_secret(what: &str, err: &FcError) {
    for shown in renderings(err) {
        for secret in [TOKEN, SECRET, URI_SECRET, OIDC_TOKEN] {
            assert!(!shown.contains(secret), "{what}: {secret:?} printed in {shown}");
            let encoded: String = form_urlencoded::byte_serialize(secret.as_bytes()).collect();
            assert!(!shown.contains(&encoded), "{what}: {secret:?} printed (encoded) in {shown}");
        }
        // A signed request's token and signature never show, even where their names do (masked as `***`).
        for param in ["Signature=", "SecurityToken=", "SecurityToken%3D", "Signature%3D"] {
            for (at, _) in shown.match_indices(param) {
                let value = &shown[at + param.len()..];
                assert!(value.starts_with("***"), "{what}: {param} printed with its value in {shown}");
            }
        }
    }
}

/// A loopback port nothing listens on.
async fn closed_port() -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap().port()
}

fn source() -> Credentials {
    Credentials::new("STS.source-key-id", SECRET).with_security_token(TOKEN)
}

#[tokio::test]
async fn credentials_sources_that_fail_print_no_secret() {
    let closed = format!("http://127.0.0.1:{}", closed_port().await);
    let role = "acs:ram::1234567890:role/reader";

    // A RAM role whose source is an STS token, STS unreachable: the request URL carries the token, the key id
    // and the signature.
    let unreachable = RamRoleArnCredentials::new(source(), role, RoleOptions::new().sts_endpoint(&closed)).unwrap();
    let err = unreachable.credentials().await.unwrap_err();
    assert!(err.to_string().contains("could not be reached"), "{err}");
    assert_no_secret("RAM role, STS unreachable", &err);

    // STS refusing the signature echoes the string it signed, the token in it.
    let sts = Sts::start(Clock::system()).await;
    sts.allow_key("STS.source-key-id", "another-secret", Some(TOKEN));
    let refused = RamRoleArnCredentials::new(source(), role, RoleOptions::new().sts_endpoint(&sts.endpoint)).unwrap();
    let err = refused.credentials().await.unwrap_err();
    assert!(err.to_string().contains("SignatureDoesNotMatch"), "{err}");
    assert_no_secret("RAM role, signature refused", &err);

    // A credentials URI with a secret in its query: unreachable, and refusing.
    let uri = UriCredentials::new(format!("{closed}/credentials?token={URI_SECRET}")).unwrap();
    let err = uri.credentials().await.unwrap_err();
    assert_no_secret("credentials URI, unreachable", &err);
    assert!(!format!("{uri:?}").contains(URI_SECRET));

    // OIDC: the token read from a file, sent to an unreachable STS.
    let dir = std::env::temp_dir().join(format!("fc-secrets-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let token_file = dir.join("oidc-token");
    std::fs::write(&token_file, OIDC_TOKEN).unwrap();
    let oidc = OidcRoleCredentials::new(
        role,
        "acs:ram::1234567890:oidc-provider/ack",
        &token_file,
        RoleOptions::new().sts_endpoint(&closed),
    )
    .unwrap();
    let err = oidc.credentials().await.unwrap_err();
    assert_no_secret("OIDC, STS unreachable", &err);
    let _ = std::fs::remove_dir_all(&dir);

    // Instance metadata, unreachable.
    let ecs = EcsRamRoleCredentials::builder().endpoint(&closed).role_name("reader").build().unwrap();
    let err = ecs.credentials().await.unwrap_err();
    assert_no_secret("instance metadata, unreachable", &err);

    // The default chain, every link failing: one error listing each.
    let env = Environment::from_vars([
        ("ALIBABA_CLOUD_CREDENTIALS_URI", format!("{closed}/c?secret={URI_SECRET}")),
        ("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true".to_owned()),
        ("ALIBABA_CLOUD_CLI_PROFILE_DISABLED", "true".to_owned()),
        ("HOME", "/nonexistent-home".to_owned()),
    ]);
    let err = DefaultCredentialsChain::from_environment(env).credentials().await.unwrap_err();
    assert!(err.to_string().contains("credentials_uri"), "{err}");
    assert_no_secret("the default chain", &err);
}

#[tokio::test]
async fn the_transport_and_local_fc_print_no_secret() {
    let closed = format!("http://127.0.0.1:{}", closed_port().await);
    let client = Client::builder()
        .endpoint(&closed)
        .credentials(source())
        .retry(RetryPolicy::none())
        .timeout(Duration::from_secs(5))
        .use_env_proxy(false)
        .build()
        .unwrap();
    assert!(!format!("{client:?}").contains(SECRET) && !format!("{client:?}").contains(TOKEN));
    for request in [InvokeRequest::new("demo", "echo"), InvokeRequest::fc3("echo").qualifier("prod")] {
        let err = client.invoke(request).await.unwrap_err();
        assert!(matches!(err, FcError::Transport(_)), "{err:?}");
        assert_no_secret("transport, endpoint unreachable", &err);
    }

    // LocalFc refusing a wrong secret (its message echoes what it signed) and a wrong token, under both APIs.
    let fc =
        LocalFc::builder().sts_key("STS.source-key-id", "the-real-secret", "the-real-token").start().await.unwrap();
    let wrong = fc.client_builder().credentials(source()).retry(RetryPolicy::none()).build().unwrap();
    for request in [InvokeRequest::new("demo", "echo"), InvokeRequest::fc3("echo")] {
        let err = wrong.invoke(request).await.unwrap_err();
        assert!(err.as_service().is_some(), "{err:?}");
        assert_no_secret("LocalFc refusal", &err);
    }
}
