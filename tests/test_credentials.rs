//! The credential providers and the default chain, offline: files under a temporary HOME, and the in-process
//! stand-ins of `support::standins` for instance metadata, STS and a credentials URI. Every environment here is
//! an explicit map in which the metadata provider is either pointed at a stand-in or disabled, and STS is a
//! stand-in: nothing leaves 127.0.0.1.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use fc_runtime::credentials::{
    CliProfileCredentials, DefaultCredentialsChain, EcsRamRoleCredentials, OidcRoleCredentials, ProfileFileCredentials,
    RamRoleArnCredentials, RoleOptions, UriCredentials,
};
use fc_runtime::function::{Failure, Router};
use fc_runtime::local::LocalFc;
use fc_runtime::{
    Client, Clock, Credentials, CredentialsErrorKind, CredentialsProvider, Environment, FcError, InvokeRequest,
};
use support::standins::{self, CredentialsUri, Metadata, Sts};

/// A directory that is removed when dropped.
struct TempHome(PathBuf);

impl TempHome {
    fn new(name: &str) -> TempHome {
        static N: AtomicU64 = AtomicU64::new(0);
        let dir = std::env::temp_dir().join(format!(
            "fc-credentials-{name}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        TempHome(dir)
    }

    fn write(&self, relative: &str, text: &str) -> PathBuf {
        let path = self.0.join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        path
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempHome {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A clock the test moves by hand, starting now.
fn manual_clock() -> (Clock, Arc<AtomicU64>) {
    let start = SystemTime::now();
    let offset = Arc::new(AtomicU64::new(0));
    let read = offset.clone();
    (Clock::from_fn(move || start + Duration::from_secs(read.load(Ordering::SeqCst))), offset)
}

/// An environment with `HOME` and `vars`. Unless the test points them somewhere itself, the metadata provider is
/// disabled and STS is a closed loopback port: no test can reach a real endpoint.
fn hermetic(home: &TempHome, vars: &[(&str, &str)]) -> Environment {
    let mut all: Vec<(String, String)> = vec![("HOME".into(), home.path().display().to_string())];
    all.extend(vars.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let has = |name: &str| vars.iter().any(|(k, _)| *k == name);
    if !has("ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT") {
        all.push(("ALIBABA_CLOUD_ECS_METADATA_DISABLED".into(), "true".into()));
    }
    if !has("ALIBABA_CLOUD_STS_ENDPOINT") {
        all.push(("ALIBABA_CLOUD_STS_ENDPOINT".into(), "http://127.0.0.1:9".into()));
    }
    Environment::from_vars(all)
}

fn parts(c: &Credentials) -> (String, String, Option<String>) {
    (
        c.access_key_id.clone(),
        c.access_key_secret.expose().to_owned(),
        c.security_token.as_ref().map(|t| t.expose().to_owned()),
    )
}

fn issued(kind: &str, n: usize) -> (String, String, Option<String>) {
    let (id, secret, token) = standins::issued(kind, n);
    (id, secret, Some(token))
}

fn kind_of(err: &FcError) -> Option<CredentialsErrorKind> {
    err.as_credentials().map(|c| c.kind)
}

const CLI_CONFIG: &str = r#"{
  "current": "AK",
  "profiles": [
    {"name": "AK", "mode": "AK", "access_key_id": "cli-ak", "access_key_secret": "cli-secret", "region_id": "cn-hangzhou"},
    {"name": "StsToken", "mode": "StsToken", "access_key_id": "STS.cli", "access_key_secret": "cli-sts-secret",
     "sts_token": "cli-sts-token"},
    {"name": "RamRoleArn", "mode": "RamRoleArn", "access_key_id": "role-source", "access_key_secret": "role-source-secret",
     "ram_role_arn": "acs:ram::1234567890123456:role/reader", "ram_session_name": "cli-session",
     "expired_seconds": 1800, "policy": "", "external_id": "ext-1"},
    {"name": "EcsRamRole", "mode": "EcsRamRole", "ram_role_name": "app-role"},
    {"name": "OIDC", "mode": "OIDC", "ram_role_arn": "acs:ram::1234567890123456:role/oidc",
     "oidc_provider_arn": "acs:ram::1234567890123456:oidc-provider/ack", "oidc_token_file": "@TOKEN@",
     "ram_session_name": "oidc-session"},
    {"name": "Chain", "mode": "ChainableRamRoleArn", "source_profile": "StsToken",
     "ram_role_arn": "acs:ram::1234567890123456:role/chained", "ram_session_name": "chained"},
    {"name": "Loop", "mode": "ChainableRamRoleArn", "source_profile": "Loop", "ram_role_arn": "acs:ram::1:role/x"},
    {"name": "Sso", "mode": "CloudSSO", "cloud_sso_sign_in_url": "https://example.invalid"}
  ]
}"#;

#[tokio::test]
async fn cli_profiles_every_mode() {
    let home = TempHome::new("cli");
    let (clock, _) = manual_clock();
    let sts = Sts::start(clock.clone()).await;
    sts.allow_key("role-source", "role-source-secret", None);
    sts.allow_key("STS.cli", "cli-sts-secret", Some("cli-sts-token"));
    sts.allow_oidc_token("the-oidc-token");
    let metadata = Metadata::start("app-role", Duration::from_secs(21600), clock.clone()).await;
    let token = home.write("token", "the-oidc-token\n");
    home.write(".aliyun/config.json", &CLI_CONFIG.replace("@TOKEN@", &token.display().to_string()));
    let resolve = |profile: Option<&'static str>| {
        let mut vars = vec![
            ("ALIBABA_CLOUD_STS_ENDPOINT", sts.endpoint.as_str()),
            ("ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT", metadata.endpoint.as_str()),
        ];
        if let Some(p) = profile {
            vars.push(("ALIBABA_CLOUD_PROFILE", p));
        }
        let env = hermetic(&home, &vars);
        async move { CliProfileCredentials::from_environment(&env).unwrap().credentials().await }
    };

    // `current`, then ALIBABA_CLOUD_PROFILE.
    assert_eq!(parts(&resolve(None).await.unwrap()), ("cli-ak".into(), "cli-secret".into(), None));
    assert_eq!(
        parts(&resolve(Some("StsToken")).await.unwrap()),
        ("STS.cli".into(), "cli-sts-secret".into(), Some("cli-sts-token".into()))
    );

    // RamRoleArn: AssumeRole signed with the profile's key, with its session name, duration and external id.
    assert_eq!(parts(&resolve(Some("RamRoleArn")).await.unwrap()), issued("role", 0));
    let call = sts.seen().pop().unwrap();
    assert_eq!(call["Action"], "AssumeRole");
    assert_eq!(call["AccessKeyId"], "role-source");
    assert_eq!(call["RoleArn"], "acs:ram::1234567890123456:role/reader");
    assert_eq!(call["RoleSessionName"], "cli-session");
    assert_eq!(call["DurationSeconds"], "1800");
    assert_eq!(call["ExternalId"], "ext-1");
    assert!(!call.contains_key("SecurityToken") && !call.contains_key("Policy"));

    // ChainableRamRoleArn: signed with the source profile's STS key, its token sent along.
    assert_eq!(parts(&resolve(Some("Chain")).await.unwrap()), issued("role", 1));
    let call = sts.seen().pop().unwrap();
    assert_eq!((call["AccessKeyId"].as_str(), call["SecurityToken"].as_str()), ("STS.cli", "cli-sts-token"));
    assert_eq!(call["RoleArn"], "acs:ram::1234567890123456:role/chained");

    // EcsRamRole: the named role, no discovery.
    assert_eq!(parts(&resolve(Some("EcsRamRole")).await.unwrap()), issued("ecs", 0));
    assert_eq!(metadata.role_gets(), 0);

    // OIDC: anonymous AssumeRoleWithOIDC with the file's token, trailing newline trimmed.
    assert_eq!(parts(&resolve(Some("OIDC")).await.unwrap()), issued("oidc", 0));
    let call = sts.seen().pop().unwrap();
    assert_eq!(call["Action"], "AssumeRoleWithOIDC");
    assert_eq!(call["OIDCToken"], "the-oidc-token");
    assert_eq!(call["RoleSessionName"], "oidc-session");
    assert_eq!(call["OIDCProviderArn"], "acs:ram::1234567890123456:oidc-provider/ack");

    // Refusals: an unsupported mode, a loop, a missing profile.
    for (profile, expected) in [
        ("Sso", "unsupported profile mode 'CloudSSO'"),
        ("Loop", "loop back"),
        ("Nobody", "no profile named \"Nobody\""),
    ] {
        let err = resolve(Some(profile)).await.unwrap_err();
        assert_eq!(kind_of(&err), Some(CredentialsErrorKind::Invalid), "{err}");
        assert!(err.to_string().contains(expected), "{profile}: {err}");
    }

    // ALIBABA_CLOUD_CONFIG_FILE names another file; ALIBABA_CLOUD_CLI_PROFILE_DISABLED turns the provider off.
    let other = home.write(
        "elsewhere/cli.json",
        r#"{"current":"x","profiles":[{"name":"x","mode":"AK","access_key_id":"other","access_key_secret":"s"}]}"#,
    );
    let env = hermetic(&home, &[("ALIBABA_CLOUD_CONFIG_FILE", other.to_str().unwrap())]);
    let c = CliProfileCredentials::from_environment(&env).unwrap().credentials().await.unwrap();
    assert_eq!(c.access_key_id, "other");
    let env = hermetic(&home, &[("ALIBABA_CLOUD_CLI_PROFILE_DISABLED", "TRUE")]);
    let err = CliProfileCredentials::from_environment(&env).unwrap_err();
    assert_eq!(kind_of(&err), Some(CredentialsErrorKind::NotConfigured));
}

const INI: &str = "\
# the credentials file
[default]
type = access_key                  # comment after a value
access_key_id = ini-ak
access_key_secret = ini-secret     ; another comment

[ram]
type = ram_role_arn
access_key_id = role-source
access_key_secret = role-source-secret
role_arn = acs:ram::1234567890123456:role/ini
role_session_name = ini-session
policy = {\"Statement\":[{\"Action\":[\"*\"],\"Effect\":\"Allow\",\"Resource\":[\"*\"]}],\"Version\":\"1\"}

[ecs]
type = ecs_ram_role

[oidc]
type = oidc_role_arn
role_arn = acs:ram::1234567890123456:role/ini-oidc
oidc_provider_arn = acs:ram::1234567890123456:oidc-provider/ack
oidc_token_file_path = @TOKEN@
role_session_name = ini-oidc

[off]
enable = false
type = access_key
access_key_id = off
access_key_secret = off

[legacy]
type = sts
access_key_id = a
access_key_secret = b
security_token = c
";

#[tokio::test]
async fn credentials_file_every_type() {
    let home = TempHome::new("ini");
    let (clock, _) = manual_clock();
    let sts = Sts::start(clock.clone()).await;
    sts.allow_key("role-source", "role-source-secret", None);
    sts.allow_oidc_token("ini-oidc-token");
    let metadata = Metadata::start("discovered-role", Duration::from_secs(21600), clock.clone()).await;
    let token = home.write("token", "ini-oidc-token");
    home.write(".alibabacloud/credentials", &INI.replace("@TOKEN@", &token.display().to_string()));
    let resolve = |profile: &'static str| {
        let env = hermetic(
            &home,
            &[
                ("ALIBABA_CLOUD_PROFILE", profile),
                ("ALIBABA_CLOUD_STS_ENDPOINT", sts.endpoint.as_str()),
                ("ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT", metadata.endpoint.as_str()),
            ],
        );
        async move { ProfileFileCredentials::from_environment(&env).unwrap().credentials().await }
    };
    assert_eq!(parts(&resolve("default").await.unwrap()), ("ini-ak".into(), "ini-secret".into(), None));
    assert_eq!(parts(&resolve("ram").await.unwrap()), issued("role", 0));
    let call = sts.seen().pop().unwrap();
    assert_eq!((call["RoleSessionName"].as_str(), call["DurationSeconds"].as_str()), ("ini-session", "3600"));
    assert!(call["Policy"].starts_with("{\"Statement\""));
    assert_eq!(parts(&resolve("ecs").await.unwrap()), issued("ecs", 0));
    assert_eq!(metadata.role_gets(), 1, "no role_name: discovered");
    assert_eq!(parts(&resolve("oidc").await.unwrap()), issued("oidc", 0));
    let err = resolve("off").await.unwrap_err();
    assert!(err.to_string().contains("enable = false"), "{err}");
    let err = resolve("legacy").await.unwrap_err();
    assert_eq!(kind_of(&err), Some(CredentialsErrorKind::Invalid));
    assert!(err.to_string().contains("unsupported type \"sts\""), "{err}");
    let err = resolve("missing").await.unwrap_err();
    assert_eq!(kind_of(&err), Some(CredentialsErrorKind::NotConfigured));

    // `credentials.ini` (the Python and Java name) when `credentials` is absent; ALIBABA_CLOUD_CREDENTIALS_FILE.
    let home2 = TempHome::new("ini2");
    home2.write(
        ".alibabacloud/credentials.ini",
        "[default]\ntype = access_key\naccess_key_id = dot-ini\naccess_key_secret = s\n",
    );
    let env = hermetic(&home2, &[]);
    let c = ProfileFileCredentials::from_environment(&env).unwrap().credentials().await.unwrap();
    assert_eq!(c.access_key_id, "dot-ini");
    let elsewhere =
        home2.write("x/creds", "[default]\ntype = access_key\naccess_key_id = named\naccess_key_secret = s\n");
    let env = hermetic(&home2, &[("ALIBABA_CLOUD_CREDENTIALS_FILE", elsewhere.to_str().unwrap())]);
    let c = ProfileFileCredentials::from_environment(&env).unwrap().credentials().await.unwrap();
    assert_eq!(c.access_key_id, "named");
}

#[tokio::test]
async fn instance_metadata_v2_v1_fallback_and_refusals() {
    let (clock, _) = manual_clock();
    let metadata = Metadata::start("app-role", Duration::from_secs(21600), clock.clone()).await;
    let provider = |v1_disabled: bool| {
        EcsRamRoleCredentials::builder()
            .endpoint(&metadata.endpoint)
            .imdsv1_disabled(v1_disabled)
            .clock(clock.clone())
            .build()
            .unwrap()
    };
    // IMDSv2: a token, then both GETs (role discovery, credentials) with it.
    assert_eq!(parts(&provider(false).credentials().await.unwrap()), issued("ecs", 0));
    assert_eq!((metadata.token_puts(), metadata.role_gets()), (1, 1));
    assert_eq!(metadata.gets_with_token(), [true, true]);

    // No token service (404): v1, without the header; unless v1 is disabled.
    metadata.set_tokens(false);
    assert_eq!(parts(&provider(false).credentials().await.unwrap()), issued("ecs", 1));
    assert_eq!(metadata.gets_with_token()[2..], [false, false]);
    let err = provider(true).credentials().await.unwrap_err();
    assert!(err.to_string().contains("IMDSV1_DISABLED"), "{err}");
    assert_eq!(metadata.gets_with_token().len(), 4, "nothing asked without the token");

    // Hardened mode required: with a token it works.
    metadata.set_tokens(true);
    metadata.set_require_token(true);
    assert_eq!(parts(&provider(true).credentials().await.unwrap()), issued("ecs", 2));

    // A named role skips discovery.
    let before = metadata.role_gets();
    let named = EcsRamRoleCredentials::builder().endpoint(&metadata.endpoint).role_name("app-role").build().unwrap();
    named.credentials().await.unwrap();
    assert_eq!(metadata.role_gets(), before);
    let unknown = EcsRamRoleCredentials::builder().endpoint(&metadata.endpoint).role_name("other").build().unwrap();
    let err = unknown.credentials().await.unwrap_err();
    assert_eq!(kind_of(&err), Some(CredentialsErrorKind::NotConfigured), "{err}");

    // The answer's Code must be Success.
    metadata.set_code(Some("Failed"));
    let err = provider(false).credentials().await.unwrap_err();
    assert_eq!(kind_of(&err), Some(CredentialsErrorKind::Refused), "{err}");
    metadata.set_code(None);
    let err = provider(false).credentials().await.unwrap_err();
    assert_eq!(kind_of(&err), Some(CredentialsErrorKind::Malformed), "{err}");
}

#[tokio::test]
async fn metadata_disabled_by_the_environment_even_with_an_endpoint() {
    let home = TempHome::new("disabled");
    let (clock, _) = manual_clock();
    let metadata = Metadata::start("app-role", Duration::from_secs(21600), clock).await;
    let env = hermetic(
        &home,
        &[
            ("ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT", metadata.endpoint.as_str()),
            ("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true"),
        ],
    );
    let chain = DefaultCredentialsChain::from_environment(env.clone());
    assert!(!chain.providers().contains(&"ecs_ram_role"), "{:?}", chain.providers());
    let err = chain.credentials().await.unwrap_err();
    assert!(
        err.to_string().contains("ecs_ram_role: skipped: disabled by ALIBABA_CLOUD_ECS_METADATA_DISABLED"),
        "{err}"
    );
    assert_eq!(metadata.token_puts() + metadata.gets_with_token().len(), 0, "the stand-in was never asked");
    assert!(EcsRamRoleCredentials::from_environment(&env).is_err());
}

#[tokio::test]
async fn oidc_token_file_is_reread_at_each_refresh() {
    let home = TempHome::new("oidc");
    let (clock, offset) = manual_clock();
    let sts = Sts::start(clock.clone()).await;
    sts.allow_oidc_token("token-one");
    sts.allow_oidc_token("token-two");
    let file = home.write("rrsa/token", "token-one\n");
    let env = hermetic(
        &home,
        &[
            ("ALIBABA_CLOUD_ROLE_ARN", "acs:ram::1234567890123456:role/pod"),
            ("ALIBABA_CLOUD_OIDC_PROVIDER_ARN", "acs:ram::1234567890123456:oidc-provider/ack-rrsa"),
            ("ALIBABA_CLOUD_OIDC_TOKEN_FILE", file.to_str().unwrap()),
            ("ALIBABA_CLOUD_ROLE_SESSION_NAME", "pod-session"),
            ("ALIBABA_CLOUD_STS_ENDPOINT", sts.endpoint.as_str()),
        ],
    );
    let provider =
        OidcRoleCredentials::from_environment(&env, RoleOptions::new().duration(Duration::from_secs(900)).clock(clock))
            .unwrap();
    assert_eq!(parts(&provider.credentials().await.unwrap()), issued("oidc", 0));
    // RRSA rotates the file; the next refresh (half of a 900 s lifetime) sends the new token.
    home.write("rrsa/token", "token-two");
    offset.store(300, Ordering::SeqCst);
    provider.credentials().await.unwrap();
    assert_eq!(sts.oidc_calls(), 1, "still fresh at 300 s");
    offset.store(450, Ordering::SeqCst);
    assert_eq!(parts(&provider.credentials().await.unwrap()), issued("oidc", 1));
    let seen = sts.seen();
    let tokens: Vec<&str> = seen.iter().map(|c| c["OIDCToken"].as_str()).collect();
    assert_eq!(tokens, ["token-one", "token-two"]);
    assert!(seen.iter().all(|c| c["RoleSessionName"] == "pod-session" && c["DurationSeconds"] == "900"));
    assert!(seen.iter().all(|c| !c.contains_key("AccessKeyId") && !c.contains_key("SignatureMethod")));

    // A refresh STS refuses keeps the valid credentials; once they expire, the typed error carries STS's code
    // and message.
    home.write("rrsa/token", "token-three");
    offset.store(900, Ordering::SeqCst);
    assert_eq!(parts(&provider.credentials().await.unwrap()), issued("oidc", 1));
    offset.store(450 + 900, Ordering::SeqCst);
    let err = provider.credentials().await.unwrap_err();
    let c = err.as_credentials().unwrap();
    assert_eq!((c.provider, c.kind), ("oidc_role_arn", CredentialsErrorKind::Expired));
    let cause = std::error::Error::source(&err).unwrap().to_string();
    assert!(cause.contains("HTTP 400: AuthenticationFail.OIDCToken.Invalid"), "{cause}");
    assert!(!cause.contains("token-three"), "the token is not quoted: {cause}");

    // Only when all three variables are set is the provider in the chain.
    let partial = hermetic(&home, &[("ALIBABA_CLOUD_ROLE_ARN", "acs:ram::1:role/x")]);
    let err = OidcRoleCredentials::from_environment(&partial, RoleOptions::new()).unwrap_err();
    assert!(
        err.to_string().contains("ALIBABA_CLOUD_OIDC_PROVIDER_ARN, ALIBABA_CLOUD_OIDC_TOKEN_FILE not set"),
        "{err}"
    );
    assert!(!DefaultCredentialsChain::from_environment(partial).providers().contains(&"oidc_role_arn"));
    assert!(DefaultCredentialsChain::from_environment(env).providers().contains(&"oidc_role_arn"));
}

#[tokio::test]
async fn assume_role_is_signed_and_the_stand_in_checks_it() {
    let (clock, _) = manual_clock();
    let sts = Sts::start(clock.clone()).await;
    sts.allow_key("LTAIsource", "source-secret", None);
    let options = || RoleOptions::new().sts_endpoint(&sts.endpoint).role_session_name("signed").clock(clock.clone());
    let good = RamRoleArnCredentials::new(
        Credentials::new("LTAIsource", "source-secret"),
        "acs:ram::1234567890123456:role/r",
        options().policy(r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":["fc:*"],"Resource":["*"]}]}"#),
    )
    .unwrap();
    assert_eq!(parts(&good.credentials().await.unwrap()), issued("role", 0));
    assert_eq!(sts.methods().last(), Some(&http::Method::POST));

    // A wrong secret: STS's SignatureDoesNotMatch, typed and without the secret.
    let bad = RamRoleArnCredentials::new(
        Credentials::new("LTAIsource", "wrong-secret"),
        "acs:ram::1234567890123456:role/r",
        options(),
    )
    .unwrap();
    let err = bad.credentials().await.unwrap_err();
    assert_eq!(kind_of(&err), Some(CredentialsErrorKind::Refused));
    assert!(err.to_string().contains("SignatureDoesNotMatch"), "{err}");
    assert!(!format!("{err:?}{err}").contains("wrong-secret"));

    // The stand-in also takes the GET form (the Python and Java libraries' shape), signed over the query.
    let mut params = vec![
        ("Action", "AssumeRole".to_owned()),
        ("Format", "JSON".to_owned()),
        ("Version", "2015-04-01".to_owned()),
        ("Timestamp", humantime::format_rfc3339_seconds(clock.now()).to_string()),
        ("SignatureMethod", "HMAC-SHA1".to_owned()),
        ("SignatureVersion", "1.0".to_owned()),
        ("SignatureNonce", "get-form-nonce".to_owned()),
        ("AccessKeyId", "LTAIsource".to_owned()),
        ("RoleArn", "acs:ram::1234567890123456:role/r".to_owned()),
        ("RoleSessionName", "get form".to_owned()),
        ("DurationSeconds", "3600".to_owned()),
    ];
    let borrowed: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let signature = fc_runtime::sign::rpc::signature("GET", &borrowed, "source-secret");
    params.push(("Signature", signature));
    let query: String = params
        .iter()
        .map(|(k, v)| format!("{k}={}", fc_runtime::sign::rpc::percent_encode(v)))
        .collect::<Vec<_>>()
        .join("&");
    let http = reqwest::Client::new();
    let ok = http.get(format!("{}/?{query}", sts.endpoint)).send().await.unwrap();
    assert_eq!(ok.status(), 200);
    // Replayed (same nonce) and tampered requests are refused.
    let replay = http.get(format!("{}/?{query}", sts.endpoint)).send().await.unwrap();
    assert_eq!(replay.status(), 400);
    let tampered = query.replace("get-form-nonce", "other-nonce").replace("role%2Fr", "role%2Fadmin");
    let answer = http.get(format!("{}/?{tampered}", sts.endpoint)).send().await.unwrap();
    assert!(answer.text().await.unwrap().contains("SignatureDoesNotMatch"));
}

#[tokio::test]
async fn credentials_uri_code_rules() {
    let (clock, _) = manual_clock();
    let uri = CredentialsUri::start(Duration::from_secs(3600), clock.clone()).await;
    let fresh = || UriCredentials::with_clock(&uri.uri, clock.clone()).unwrap();
    assert_eq!(parts(&fresh().credentials().await.unwrap()), issued("uri", 0));
    uri.set_code(None);
    assert_eq!(parts(&fresh().credentials().await.unwrap()), issued("uri", 1), "a missing Code is accepted");
    uri.set_code(Some("Failure"));
    assert_eq!(kind_of(&fresh().credentials().await.unwrap_err()), Some(CredentialsErrorKind::Refused));
    uri.set_code(Some("Success"));
    uri.set_status(500);
    let err = fresh().credentials().await.unwrap_err();
    assert!(err.to_string().contains("HTTP 500"), "{err}");
    assert!(UriCredentials::new("ftp://x/creds").is_err());
    // Debug shows no query (it may carry a secret).
    assert!(!format!("{:?}", fresh()).contains("role=app"));
}

#[tokio::test]
async fn the_chain_in_order_sticking_to_the_first_success() {
    let home = TempHome::new("chain");
    let (clock, _) = manual_clock();
    let metadata = Metadata::start("app-role", Duration::from_secs(21600), clock.clone()).await;
    let uri = CredentialsUri::start(Duration::from_secs(3600), clock.clone()).await;
    let vars = [
        ("ALIBABA_CLOUD_ECS_METADATA_SERVICE_ENDPOINT", metadata.endpoint.as_str()),
        ("ALIBABA_CLOUD_CREDENTIALS_URI", uri.uri.as_str()),
    ];
    let chain = DefaultCredentialsChain::from_environment(hermetic(&home, &vars));
    assert_eq!(chain.providers(), ["env", "cli_profile", "profile", "ecs_ram_role", "credentials_uri"]);

    // Metadata down: the chain goes on to the URI and keeps it, even once metadata is back.
    metadata.set_down(true);
    assert_eq!(parts(&chain.credentials().await.unwrap()), issued("uri", 0));
    assert_eq!(chain.chosen_provider(), Some("credentials_uri"));
    metadata.set_down(false);
    let asked = metadata.token_puts();
    for _ in 0..5 {
        chain.credentials().await.unwrap();
    }
    assert_eq!(metadata.token_puts(), asked, "the chain does not walk again after a success");
    assert_eq!(uri.calls(), 1, "the URI provider caches");

    // Everything failing sticks to nothing: the next call walks from the start and takes the first success
    // (metadata), not the last provider tried.
    let chain = DefaultCredentialsChain::from_environment(hermetic(&home, &vars));
    metadata.set_down(true);
    uri.set_status(503);
    let err = chain.credentials().await.unwrap_err();
    assert_eq!(chain.chosen_provider(), None);
    assert!(matches!(err, FcError::Config(_)), "{err:?}");
    metadata.set_down(false);
    uri.set_status(200);
    assert!(parts(&chain.credentials().await.unwrap()).0.starts_with("STS.ecs."));
    assert_eq!(chain.chosen_provider(), Some("ecs_ram_role"));

    // The environment comes first: an access key there wins over everything else.
    let mut with_env = vars.to_vec();
    with_env.extend([("ALIBABA_CLOUD_ACCESS_KEY_ID", "env-ak"), ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "env-secret")]);
    let chain = DefaultCredentialsChain::from_environment(hermetic(&home, &with_env));
    assert_eq!(parts(&chain.credentials().await.unwrap()), ("env-ak".into(), "env-secret".into(), None));
    assert_eq!(chain.chosen_provider(), Some("env"));
}

#[tokio::test]
async fn when_nothing_works_one_error_lists_every_provider_without_secrets() {
    let home = TempHome::new("nothing");
    home.write(
        ".aliyun/config.json",
        r#"{"current":"x","profiles":[{"name":"x","mode":"Bearer","access_key_secret":"cli-hidden"}]}"#,
    );
    let env = hermetic(
        &home,
        &[
            ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "env-hidden-secret"),
            ("ALIBABA_CLOUD_SECURITY_TOKEN", "env-hidden-token"),
            ("ALIBABA_CLOUD_CREDENTIALS_URI", "http://127.0.0.1:9/creds?secret=uri-hidden"),
        ],
    );
    let chain = DefaultCredentialsChain::from_environment(env);
    let err = chain.credentials().await.unwrap_err();
    let FcError::Config(config) = &err else { panic!("{err:?}") };
    assert_eq!(config.setting, fc_runtime::Setting::Credentials);
    let text = err.to_string();
    let expected_order = [
        "1. env: ALIBABA_CLOUD_ACCESS_KEY_ID is not set",
        "2. oidc_role_arn: skipped: ALIBABA_CLOUD_ROLE_ARN, ALIBABA_CLOUD_OIDC_PROVIDER_ARN, ALIBABA_CLOUD_OIDC_TOKEN_FILE not set",
        "3. cli_profile: unsupported profile mode 'Bearer'",
        "4. profile: ",
        "5. ecs_ram_role: skipped: disabled by ALIBABA_CLOUD_ECS_METADATA_DISABLED",
        "6. credentials_uri: the credentials URI could not be reached",
    ];
    let mut at = 0;
    for part in expected_order {
        let found = text[at..].find(part).unwrap_or_else(|| panic!("{part:?} not in order in: {text}"));
        at += found + part.len();
    }
    let shown = format!("{err}{err:?}{chain:?}");
    for secret in ["env-hidden-secret", "env-hidden-token", "cli-hidden", "uri-hidden"] {
        assert!(!shown.contains(secret), "{secret} leaked: {shown}");
    }
}

/// A LocalFc that accepts the first `n` credentials the metadata stand-in issues.
async fn local_fc_for_ecs_keys(n: usize) -> LocalFc {
    let mut builder = LocalFc::builder();
    for i in 0..n {
        let (id, secret, token) = standins::issued("ecs", i);
        builder = builder.sts_key(id, secret, token);
    }
    builder
        .router("demo", Router::new().bytes("echo", |e, _| async move { Ok::<_, Failure>(e) }))
        .start()
        .await
        .unwrap()
}

fn echo() -> InvokeRequest {
    InvokeRequest::new("demo", "echo").json_bytes("\"hi\"")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_calls_survive_metadata_faults_and_expiry_is_typed() {
    let (clock, offset) = manual_clock();
    let metadata = Metadata::start("app-role", Duration::from_secs(3600), clock.clone()).await;
    let fc = local_fc_for_ecs_keys(4).await;
    let provider = EcsRamRoleCredentials::builder().endpoint(&metadata.endpoint).clock(clock).build().unwrap();
    let client = Client::builder().endpoint(fc.endpoint()).credentials_provider(provider).build().unwrap();
    client.invoke(echo()).await.unwrap();
    assert_eq!(metadata.credential_gets(), 1);

    // Metadata down while the credentials are valid but due for refresh: every call still succeeds.
    metadata.set_down(true);
    offset.store(3000, Ordering::SeqCst);
    for _ in 0..20 {
        client.invoke(echo()).await.unwrap();
    }
    assert_eq!(metadata.credential_gets(), 1);
    assert_eq!(fc.executions(("demo", "echo")), 21);

    // 100 concurrent calls at expiry, metadata back: exactly one fetch.
    metadata.set_down(false);
    offset.store(3600, Ordering::SeqCst);
    let calls: Vec<_> = (0..100)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.invoke(echo()).await })
        })
        .collect();
    for call in calls {
        call.await.unwrap().unwrap();
    }
    assert_eq!(metadata.credential_gets(), 2, "one fetch for 100 callers");

    // Expired and the source down: the typed error naming the provider; nothing reaches FC.
    metadata.set_down(true);
    offset.store(3600 + 3600, Ordering::SeqCst);
    let before = fc.requests(("demo", "echo"));
    let err = client.invoke(echo()).await.unwrap_err();
    let c = err.as_credentials().unwrap_or_else(|| panic!("{err:?}"));
    assert_eq!((c.provider, c.kind), ("ecs_ram_role", CredentialsErrorKind::Expired));
    assert_eq!(fc.requests(("demo", "echo")), before);
    assert!(!err.is_retryable());
}

/// One case of the differential check: files to write under HOME, and the variables.
struct Case {
    name: &'static str,
    files: &'static [(&'static str, &'static str)],
    vars: &'static [(&'static str, &'static str)],
    /// Point `ALIBABA_CLOUD_CREDENTIALS_URI` at the stand-in.
    uri: bool,
}

const AK_CLI: &str = r#"{"current":"main","profiles":[
  {"name":"main","mode":"AK","access_key_id":"cli-main","access_key_secret":"cli-main-secret"},
  {"name":"sts","mode":"StsToken","access_key_id":"STS.cli","access_key_secret":"cli-sts-secret","sts_token":"cli-token"},
  {"name":"bogus","mode":"Bogus","access_key_id":"x","access_key_secret":"y"}]}"#;
const BOGUS_CLI: &str = r#"{"current":"bogus","profiles":[{"name":"bogus","mode":"Bogus"}]}"#;
const INI_FILE: &str = "[default]\ntype = access_key\naccess_key_id = ini-default    # inline comment\n\
access_key_secret = ini-default-secret\n\n[dev]\ntype = access_key\naccess_key_id = ini-dev\naccess_key_secret = ini-dev-secret\n";

const CASES: &[Case] = &[
    Case {
        name: "env access key",
        files: &[("cli", AK_CLI)],
        vars: &[("ALIBABA_CLOUD_ACCESS_KEY_ID", "env-ak"), ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "env-secret")],
        uri: false,
    },
    Case {
        name: "env STS token",
        files: &[],
        vars: &[
            ("ALIBABA_CLOUD_ACCESS_KEY_ID", "STS.env"),
            ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "env-secret"),
            ("ALIBABA_CLOUD_SECURITY_TOKEN", "env-token"),
        ],
        uri: false,
    },
    Case {
        name: "env incomplete, CLI current",
        files: &[("cli", AK_CLI)],
        vars: &[("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "orphan")],
        uri: false,
    },
    Case {
        name: "CLI profile by ALIBABA_CLOUD_PROFILE",
        files: &[("cli", AK_CLI)],
        vars: &[("ALIBABA_CLOUD_PROFILE", "sts")],
        uri: false,
    },
    Case {
        name: "CLI before the credentials file",
        files: &[("cli", AK_CLI), ("ini", INI_FILE)],
        vars: &[],
        uri: false,
    },
    Case {
        name: "CLI unsupported mode, then the file",
        files: &[("cli", BOGUS_CLI), ("ini", INI_FILE)],
        vars: &[],
        uri: false,
    },
    Case {
        name: "CLI disabled, then the file",
        files: &[("cli", AK_CLI), ("ini", INI_FILE)],
        vars: &[("ALIBABA_CLOUD_CLI_PROFILE_DISABLED", "true")],
        uri: false,
    },
    Case {
        name: "profile missing from the CLI, section of the file",
        files: &[("cli", AK_CLI), ("ini", INI_FILE)],
        vars: &[("ALIBABA_CLOUD_PROFILE", "dev")],
        uri: false,
    },
    Case {
        name: "ALIBABA_CLOUD_CREDENTIALS_FILE",
        files: &[("elsewhere", INI_FILE)],
        vars: &[("ALIBABA_CLOUD_CREDENTIALS_FILE", "@HOME@/elsewhere/creds.ini")],
        uri: false,
    },
    Case { name: "credentials URI", files: &[], vars: &[], uri: true },
    Case { name: "CLI before the credentials URI", files: &[("cli", AK_CLI)], vars: &[], uri: true },
    Case { name: "nothing configured", files: &[("cli", BOGUS_CLI)], vars: &[], uri: false },
];

/// Differential conformance: for each case, the official Python library (`alibabacloud-credentials`) and this
/// chain resolve the same access key, secret and token, or both find nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_official_python_library_resolves_the_same_credentials() {
    let python = support::sdk_python();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("sdk/credentials_chain.py");
    let uri = CredentialsUri::start(Duration::from_secs(3600), Clock::system()).await;
    uri.set_same_each_time(true);
    for case in CASES {
        let home = TempHome::new("differential");
        for (kind, text) in case.files {
            match *kind {
                "cli" => home.write(".aliyun/config.json", text),
                // The name both libraries read: Python's default, and the second this chain tries.
                "ini" => home.write(".alibabacloud/credentials.ini", text),
                _ => home.write("elsewhere/creds.ini", text),
            };
        }
        let home_str = home.path().display().to_string();
        let mut vars: Vec<(String, String)> =
            vec![("HOME".into(), home_str.clone()), ("ALIBABA_CLOUD_ECS_METADATA_DISABLED".into(), "true".into())];
        vars.extend(case.vars.iter().map(|(k, v)| (k.to_string(), v.replace("@HOME@", &home_str))));
        if case.uri {
            vars.push(("ALIBABA_CLOUD_CREDENTIALS_URI".into(), uri.uri.clone()));
        }
        let (py, sc, env) = (python.clone(), script.clone(), vars.clone());
        let output =
            tokio::task::spawn_blocking(move || std::process::Command::new(py).arg(sc).env_clear().envs(env).output())
                .await
                .unwrap()
                .unwrap();
        assert!(output.status.success(), "{}: {}", case.name, String::from_utf8_lossy(&output.stderr));
        let official: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        let ours =
            match DefaultCredentialsChain::from_environment(Environment::from_vars(vars.clone())).credentials().await {
                Ok(c) => {
                    let (id, secret, token) = parts(&c);
                    serde_json::json!({"access_key_id": id, "access_key_secret": secret, "security_token": token})
                }
                Err(_) => serde_json::json!({"error": "CredentialException"}),
            };
        assert_eq!(ours, official, "{}", case.name);
        // Only the last case finds nothing: the others compare real credentials.
        assert_eq!(official.get("error").is_some(), case.name == "nothing configured", "{}: {official}", case.name);
    }
}
