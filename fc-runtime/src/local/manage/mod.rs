//! FC 3.0's management API under `LocalFc`, on the API's port and behind the same ACS3 check: functions created
//! from a zip and hosted as FC hosts a custom runtime ([`code`]), updated, listed and deleted ([`functions`]),
//! versions and aliases ([`publish`]), triggers that become listeners and timers, async invoke config
//! ([`triggers`]) and concurrency. Answers are FC's: 200 with JSON, 204 for a delete, errors as
//! `{"Code", "Message", "RequestId"}`.
//!
//! Every write holds one lock ([`Deploy::writing`]) for its whole length, so that two deploys never interleave; the
//! registry's own lock is only held to read or swap, never while code is unpacked.

pub(crate) mod code;
mod functions;
pub(crate) mod persist;
mod publish;
pub(crate) mod triggers;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use http::request::Parts;
use http::{Method, Response};
use http_body_util::{BodyExt as _, Limited};
use hyper::body::Incoming;

use super::reply::{Body, Fail, Reject, json_response, response, set};
use super::routes::fc3_service;
use super::runtime::Launch;
use super::state::{Service, State};

/// The largest management request body `LocalFc` reads: a 100 MB zip in Base64 (about 134 MB) and its JSON.
pub(crate) const MAX_BODY: usize = 140 * 1024 * 1024;

/// What deploying needs: where code is unpacked, how a runtime's processes start, one write at a time.
pub(crate) struct Deploy {
    /// `{root}/{function}/{checksum}/` holds each unpacked package, `{root}/{function}/{checksum}.zip` the zip.
    pub root: PathBuf,
    /// The temporary directory `root` is in when no state directory was given: removed with `LocalFc`.
    _temporary: Option<tempfile::TempDir>,
    /// `state.json` in the state directory, when `LocalFc` keeps its state.
    pub state_file: Option<PathBuf>,
    pub launch: Launch,
    /// Held by every write for its whole length.
    pub writing: tokio::sync::Mutex<()>,
    ids: AtomicU64,
    /// Code packages received (CreateFunction or UpdateFunction with a `zipFile`).
    pub code_uploads: AtomicU64,
}

impl Deploy {
    /// Code goes under `{state_dir}/code` (and the state in `{state_dir}/state.json`), or in a temporary
    /// directory removed with `LocalFc` when there is no state directory.
    pub(crate) fn new(state_dir: Option<PathBuf>, launch: Launch) -> std::io::Result<Self> {
        let (root, temporary, state_file) = match state_dir {
            Some(dir) => {
                let root = dir.join("code");
                std::fs::create_dir_all(&root)?;
                (root, None, Some(dir.join("state.json")))
            }
            None => {
                let temporary = tempfile::Builder::new().prefix("localfc-code-").tempdir()?;
                (temporary.path().to_path_buf(), Some(temporary), None)
            }
        };
        Ok(Deploy {
            root,
            _temporary: temporary,
            state_file,
            launch,
            writing: tokio::sync::Mutex::new(()),
            ids: AtomicU64::new(1),
            code_uploads: AtomicU64::new(0),
        })
    }

    /// A fresh uuid-shaped id (`functionId`, `triggerId`).
    pub(crate) fn id(&self, seed: u64) -> String {
        super::state::uuid_like(seed ^ self.ids.fetch_add(1, Ordering::Relaxed).wrapping_mul(0xD6E8_FEB8_6659_FD93))
    }
}

/// `acs:fc:{region}:{account}:functions/{name}` (the account is empty unless `LocalFc` has one).
pub(crate) fn function_arn(state: &State, name: &str) -> String {
    format!("acs:fc:{}:{}:functions/{name}", state.region, state.auth.account_id.as_deref().unwrap_or(""))
}

/// The function an FC destination ARN names (`acs:fc:{region}:{account}:functions/{name}`), `None` for any other
/// destination.
pub(crate) fn arn_function(arn: &str) -> Option<&str> {
    let rest = arn.strip_prefix("acs:fc:")?;
    let (_, name) = rest.split_once(":functions/").or_else(|| rest.split_once("/functions/"))?;
    let name = name.split(['/', ':']).next()?;
    fc_names::check_fc3_function(name).ok().map(|()| name)
}

/// A management operation and what it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op<'a> {
    CreateFunction,
    ListFunctions,
    GetFunction(&'a str),
    UpdateFunction(&'a str),
    DeleteFunction(&'a str),
    GetFunctionCode(&'a str),
    PublishVersion(&'a str),
    ListVersions(&'a str),
    DeleteVersion(&'a str, &'a str),
    CreateAlias(&'a str),
    ListAliases(&'a str),
    GetAlias(&'a str, &'a str),
    UpdateAlias(&'a str, &'a str),
    DeleteAlias(&'a str, &'a str),
    CreateTrigger(&'a str),
    ListTriggers(&'a str),
    GetTrigger(&'a str, &'a str),
    UpdateTrigger(&'a str, &'a str),
    DeleteTrigger(&'a str, &'a str),
    PutAsyncConfig(&'a str),
    GetAsyncConfig(&'a str),
    DeleteAsyncConfig(&'a str),
    ListAsyncConfigs,
    PutConcurrency(&'a str),
    GetConcurrency(&'a str),
    DeleteConcurrency(&'a str),
}

impl<'a> Op<'a> {
    /// The management operation an FC 3.0 request's method and decoded path name; `None` when the path is not
    /// one of the management API's (an invocation, an async task), a 405 when the method is not the path's.
    pub(crate) fn parse(method: &Method, decoded: &'a str) -> Option<Result<Op<'a>, Reject>> {
        let segments: Vec<&str> = decoded.trim_start_matches('/').split('/').collect();
        let [version, rest @ ..] = segments.as_slice() else { return None };
        if *version != crate::wire::FC3_API_VERSION {
            return None;
        }
        use Method as M;
        let m = method.clone();
        let op = match (rest, m) {
            (["functions"], M::POST) => Op::CreateFunction,
            (["functions"], M::GET) => Op::ListFunctions,
            (["async-invoke-configs"], M::GET) => Op::ListAsyncConfigs,
            (["functions", f], M::GET) => Op::GetFunction(f),
            (["functions", f], M::PUT) => Op::UpdateFunction(f),
            (["functions", f], M::DELETE) => Op::DeleteFunction(f),
            (["functions", f, "code"], M::GET) => Op::GetFunctionCode(f),
            (["functions", f, "versions"], M::POST) => Op::PublishVersion(f),
            (["functions", f, "versions"], M::GET) => Op::ListVersions(f),
            (["functions", f, "versions", v], M::DELETE) => Op::DeleteVersion(f, v),
            (["functions", f, "aliases"], M::POST) => Op::CreateAlias(f),
            (["functions", f, "aliases"], M::GET) => Op::ListAliases(f),
            (["functions", f, "aliases", a], M::GET) => Op::GetAlias(f, a),
            (["functions", f, "aliases", a], M::PUT) => Op::UpdateAlias(f, a),
            (["functions", f, "aliases", a], M::DELETE) => Op::DeleteAlias(f, a),
            (["functions", f, "triggers"], M::POST) => Op::CreateTrigger(f),
            (["functions", f, "triggers"], M::GET) => Op::ListTriggers(f),
            (["functions", f, "triggers", t], M::GET) => Op::GetTrigger(f, t),
            (["functions", f, "triggers", t], M::PUT) => Op::UpdateTrigger(f, t),
            (["functions", f, "triggers", t], M::DELETE) => Op::DeleteTrigger(f, t),
            (["functions", f, "async-invoke-config"], M::PUT) => Op::PutAsyncConfig(f),
            (["functions", f, "async-invoke-config"], M::GET) => Op::GetAsyncConfig(f),
            (["functions", f, "async-invoke-config"], M::DELETE) => Op::DeleteAsyncConfig(f),
            (["functions", f, "concurrency"], M::PUT) => Op::PutConcurrency(f),
            (["functions", f, "concurrency"], M::GET) => Op::GetConcurrency(f),
            (["functions", f, "concurrency"], M::DELETE) => Op::DeleteConcurrency(f),
            (
                ["functions"]
                | ["async-invoke-configs"]
                | ["functions", _]
                | ["functions", _, "code" | "versions" | "aliases" | "triggers" | "async-invoke-config" | "concurrency"]
                | ["functions", _, "versions" | "aliases" | "triggers", _],
                _,
            ) => {
                return Some(Err(Reject::new(
                    405,
                    "MethodNotAllowed",
                    format!("{method} is not allowed on {decoded}"),
                )));
            }
            _ => return None,
        };
        Some(Ok(op))
    }

    /// The function it names, if any.
    fn function(&self) -> Option<&'a str> {
        use Op::*;
        match *self {
            CreateFunction | ListFunctions | ListAsyncConfigs => None,
            GetFunction(f)
            | UpdateFunction(f)
            | DeleteFunction(f)
            | GetFunctionCode(f)
            | PublishVersion(f)
            | ListVersions(f)
            | DeleteVersion(f, _)
            | CreateAlias(f)
            | ListAliases(f)
            | GetAlias(f, _)
            | UpdateAlias(f, _)
            | DeleteAlias(f, _)
            | CreateTrigger(f)
            | ListTriggers(f)
            | GetTrigger(f, _)
            | UpdateTrigger(f, _)
            | DeleteTrigger(f, _)
            | PutAsyncConfig(f)
            | GetAsyncConfig(f)
            | DeleteAsyncConfig(f)
            | PutConcurrency(f)
            | GetConcurrency(f)
            | DeleteConcurrency(f) => Some(f),
        }
    }
}

/// A request's query, decoded (`+` as a space, as the official Python SDK encodes one).
pub(crate) struct Query(Vec<(String, String)>);

impl Query {
    pub(crate) fn parse(query: Option<&str>) -> Self {
        Query(form_urlencoded::parse(query.unwrap_or("").as_bytes()).into_owned().collect())
    }

    /// A parameter's value; an empty one counts as absent (`nextToken=` is the first page).
    pub(crate) fn get(&self, key: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty())
    }

    /// `limit`: 1 to 100, [`DEFAULT_LIMIT`] when absent.
    pub(crate) fn limit(&self) -> Result<usize, Reject> {
        match self.get("limit") {
            None => Ok(DEFAULT_LIMIT),
            Some(text) => match text.parse::<usize>() {
                Ok(limit @ 1..=100) => Ok(limit),
                _ => Err(invalid(format!("limit {text:?} is not a number from 1 to 100"))),
            },
        }
    }
}

/// A listing's page size when the caller gives none.
pub(crate) const DEFAULT_LIMIT: usize = 20;

/// One page of `items` (sorted by their key) after `token`, at most `limit`, and the token of the next page
/// (`None` on the last: FC omits `nextToken` there).
pub(crate) fn page<T>(items: Vec<(String, T)>, query: &Query) -> Result<(Vec<T>, Option<String>), Reject> {
    let limit = query.limit()?;
    let token = query.get("nextToken");
    let mut rest = items.into_iter().filter(|(key, _)| token.is_none_or(|t| key.as_str() > t)).peekable();
    let mut page = Vec::new();
    let mut last = None;
    while page.len() < limit {
        let Some((key, item)) = rest.next() else { break };
        page.push(item);
        last = Some(key);
    }
    let next = if rest.peek().is_some() { last } else { None };
    Ok((page, next))
}

/// `{key: items, "nextToken": …}`.
pub(crate) fn listing(key: &str, items: Vec<serde_json::Value>, next: Option<String>) -> serde_json::Value {
    let mut object = serde_json::Map::new();
    object.insert(key.to_owned(), items.into());
    if let Some(next) = next {
        object.insert("nextToken".to_owned(), next.into());
    }
    object.into()
}

/// FC's `InvalidArgument`.
pub(crate) fn invalid(message: impl Into<String>) -> Reject {
    Reject::new(400, "InvalidArgument", message)
}

/// FC 3.0's answer to a function that does not exist.
pub(crate) fn no_function(name: &str) -> Reject {
    Reject::new(404, "FunctionNotFound", format!("function {name:?} does not exist"))
}

/// A management operation's answer.
pub(crate) enum Answer {
    /// 200 with this JSON.
    Json(serde_json::Value),
    /// 204, no body (a delete).
    Deleted,
}

/// The JSON object a write sends (`{}` when it sends none).
pub(crate) fn object(body: &Bytes) -> Result<serde_json::Map<String, serde_json::Value>, Reject> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(serde_json::Map::new());
    }
    match serde_json::from_slice(body) {
        Ok(serde_json::Value::Object(object)) => Ok(object),
        Ok(serde_json::Value::Null) => Ok(serde_json::Map::new()),
        Ok(_) => Err(invalid("the request body is not a JSON object")),
        Err(e) => Err(invalid(format!("the request body is not JSON: {e}"))),
    }
}

/// A string field of a request.
pub(crate) fn text<'a>(
    object: &'a serde_json::Map<String, serde_json::Value>,
    key: &str,
) -> Result<Option<&'a str>, Reject> {
    match object.get(key) {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(invalid(format!("{key} must be a string, not {other}"))),
    }
}

/// Runs one management request, already authenticated: its body read (within [`MAX_BODY`]) and checked against
/// the signed `x-acs-content-sha256`, then the operation.
pub(crate) async fn handle(
    state: &Arc<State>,
    op: Op<'_>,
    parts: &Parts,
    body: Incoming,
    body_hash: &str,
    request_id: &str,
) -> Result<Response<Body>, Fail> {
    if let Some(function) = op.function()
        && let Err(e) = fc_names::check_fc3_function(function)
    {
        // A name no function can have names no function: FC's not-found.
        let _ = e;
        return Err(no_function(function).into());
    }
    if let Some(len) = super::invoke::header(&parts.headers, "content-length").and_then(|v| v.parse::<u64>().ok())
        && len > MAX_BODY as u64
    {
        return Err(too_large(len).into());
    }
    let body = match Limited::new(body, MAX_BODY).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) if e.downcast_ref::<http_body_util::LengthLimitError>().is_some() => {
            return Err(too_large(format!("over {MAX_BODY}")).into());
        }
        Err(_) => return Err(Fail::Drop),
    };
    let actual = crate::sign::acs3::payload_hash(&body);
    if actual != body_hash {
        return Err(
            invalid(format!("the body's SHA-256 {actual} differs from x-acs-content-sha256 {body_hash}")).into()
        );
    }
    let query = Query::parse(parts.uri.query());
    let answer = run(state, op, &query, &body).await?;
    let mut resp = match answer {
        Answer::Json(value) => json_response(200, serde_json::to_vec(&value).unwrap_or_default()),
        Answer::Deleted => response(204, None, Bytes::new()),
    };
    set(&mut resp, "x-acs-request-id", request_id);
    set(&mut resp, "x-fc-request-id", request_id);
    Ok(resp)
}

fn too_large(len: impl std::fmt::Display) -> Reject {
    Reject::new(
        400,
        "EntityTooLarge",
        format!(
            "the request body is {len} bytes, over the {MAX_BODY} byte limit: FC takes a zip of at most 100 MB in a \
             request (larger code goes through OSS)"
        ),
    )
}

async fn run(state: &Arc<State>, op: Op<'_>, query: &Query, body: &Bytes) -> Result<Answer, Reject> {
    use Op::*;
    match op {
        CreateFunction => functions::create(state, object(body)?).await,
        ListFunctions => functions::list(state, query),
        GetFunction(f) => functions::get(state, f, query.get("qualifier")),
        UpdateFunction(f) => functions::update(state, f, object(body)?).await,
        DeleteFunction(f) => functions::delete(state, f).await,
        GetFunctionCode(f) => functions::code(state, f, query.get("qualifier")),
        PutConcurrency(f) => functions::put_concurrency(state, f, object(body)?).await,
        GetConcurrency(f) => functions::get_concurrency(state, f),
        DeleteConcurrency(f) => functions::delete_concurrency(state, f).await,
        PublishVersion(f) => publish::publish(state, f, object(body)?).await,
        ListVersions(f) => publish::list_versions(state, f, query),
        DeleteVersion(f, v) => publish::delete_version(state, f, v).await,
        CreateAlias(f) => publish::create_alias(state, f, object(body)?).await,
        ListAliases(f) => publish::list_aliases(state, f, query),
        GetAlias(f, a) => publish::get_alias(state, f, a),
        UpdateAlias(f, a) => publish::update_alias(state, f, a, object(body)?).await,
        DeleteAlias(f, a) => publish::delete_alias(state, f, a).await,
        CreateTrigger(f) => triggers::create(state, f, object(body)?).await,
        ListTriggers(f) => triggers::list(state, f, query),
        GetTrigger(f, t) => triggers::get(state, f, t),
        UpdateTrigger(f, t) => triggers::update(state, f, t, object(body)?).await,
        DeleteTrigger(f, t) => triggers::delete(state, f, t).await,
        PutAsyncConfig(f) => triggers::put_async(state, f, query.get("qualifier"), object(body)?).await,
        GetAsyncConfig(f) => triggers::get_async(state, f, query.get("qualifier")),
        DeleteAsyncConfig(f) => triggers::delete_async(state, f, query.get("qualifier")).await,
        ListAsyncConfigs => triggers::list_async(state, query),
    }
}

/// Reads the FC 3.0 function `name`'s service, or FC's not-found.
pub(crate) fn with_service<T>(
    state: &State,
    name: &str,
    read: impl FnOnce(&Service) -> Result<T, Reject>,
) -> Result<T, Reject> {
    let services = state.read();
    match services.get(&fc3_service(name)) {
        Some(service) if service.functions.contains_key(name) => read(service),
        _ => Err(no_function(name)),
    }
}

/// Changes the FC 3.0 function `name`'s service, or FC's not-found.
pub(crate) fn with_service_mut<T>(
    state: &State,
    name: &str,
    change: impl FnOnce(&mut Service) -> Result<T, Reject>,
) -> Result<T, Reject> {
    let mut services = state.write();
    match services.get_mut(&fc3_service(name)) {
        Some(service) if service.functions.contains_key(name) => change(service),
        _ => Err(no_function(name)),
    }
}

/// A qualifier as it is kept: a version number without leading zeros (`01` is version `1`), anything else as
/// given.
pub(crate) fn normalized(qualifier: &str) -> String {
    match qualifier.parse::<u32>() {
        Ok(n) if super::routes::is_version(qualifier) => n.to_string(),
        _ => qualifier.to_owned(),
    }
}

/// The version a qualifier names without running anything (an alias's main version): `LATEST`, a published
/// version, an alias; FC's not-found otherwise.
pub(crate) fn qualified(service: &Service, owner: &str, qualifier: &str) -> Result<String, Reject> {
    match qualifier {
        "LATEST" => Ok("LATEST".to_owned()),
        q if super::routes::is_version(q) => match q.parse::<u32>().ok().filter(|n| service.versions.contains_key(n)) {
            Some(_) => Ok(q.to_owned()),
            None => {
                Err(Reject::new(404, "VersionNotFound", format!("version {q:?} of function {owner:?} does not exist")))
            }
        },
        alias => match service.aliases.get(alias) {
            Some(alias) => Ok(alias.version.clone()),
            None => {
                Err(Reject::new(404, "AliasNotFound", format!("alias {alias:?} of function {owner:?} does not exist")))
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn management_paths_parse_and_others_are_left_to_the_invoke_routes() {
        let op = |m: Method, p: &'static str| Op::parse(&m, p);
        assert_eq!(op(Method::POST, "/2023-03-30/functions").unwrap().unwrap(), Op::CreateFunction);
        assert_eq!(
            op(Method::GET, "/2023-03-30/functions/f/aliases/prod").unwrap().unwrap(),
            Op::GetAlias("f", "prod")
        );
        assert_eq!(
            op(Method::DELETE, "/2023-03-30/functions/f/versions/2").unwrap().unwrap(),
            Op::DeleteVersion("f", "2")
        );
        assert_eq!(op(Method::GET, "/2023-03-30/async-invoke-configs").unwrap().unwrap(), Op::ListAsyncConfigs);
        assert_eq!(op(Method::PATCH, "/2023-03-30/functions/f").unwrap().unwrap_err().status, 405);
        assert!(op(Method::POST, "/2023-03-30/functions/f/invocations").is_none());
        assert!(op(Method::GET, "/2023-03-30/functions/f/async-tasks").is_none());
        assert!(op(Method::GET, "/2016-08-15/services").is_none());
    }

    #[test]
    fn pages_follow_the_token() {
        let items = |n: usize| (0..n).map(|i| (format!("f{i:02}"), i)).collect::<Vec<_>>();
        let q = Query::parse(Some("limit=2"));
        let (first, next) = page(items(5), &q).unwrap();
        assert_eq!((first, next.as_deref()), (vec![0, 1], Some("f01")));
        let q = Query::parse(Some("limit=2&nextToken=f03"));
        let (last, next) = page(items(5), &q).unwrap();
        assert_eq!((last, next), (vec![4], None));
        let q = Query::parse(Some("limit=0"));
        assert!(page(items(1), &q).is_err());
        let q = Query::parse(Some("nextToken="));
        assert_eq!(page(items(3), &q).unwrap().0.len(), 3);
    }

    #[test]
    fn destination_arns_name_their_function() {
        assert_eq!(arn_function("acs:fc:cn-hangzhou:123:functions/sink"), Some("sink"));
        assert_eq!(arn_function("acs:fc:cn-hangzhou::functions/sink"), Some("sink"));
        assert_eq!(arn_function("acs:mns:cn-hangzhou:123:/queues/q/messages"), None);
        assert_eq!(arn_function("acs:fc:cn-hangzhou:123:functions/"), None);
    }
}
