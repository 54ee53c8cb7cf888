//! An HTTP trigger as it is configured: its name, its `authType` with its `authConfig`, and its methods.

use http::Method;

/// How an HTTP trigger authenticates its callers (its `authType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum HttpAuth {
    /// `anonymous`: anyone may call.
    Anonymous,
    /// `function`: the caller signs with an access key `LocalFc` accepts, as FC's documentation's samples sign
    /// (`fc_runtime::sign::http_trigger`).
    Function,
    /// `jwt`: the caller sends a JWT that the trigger's JWKS verifies ([`HttpTrigger::jwt`]).
    Jwt,
    /// `bearer`: the caller sends one of the trigger's enabled opaque tokens ([`HttpTrigger::bearer`]).
    Bearer,
}

impl HttpAuth {
    /// The `authType` word: `anonymous`, `function`, `jwt` or `bearer`.
    pub fn as_str(self) -> &'static str {
        match self {
            HttpAuth::Anonymous => "anonymous",
            HttpAuth::Function => "function",
            HttpAuth::Jwt => "jwt",
            HttpAuth::Bearer => "bearer",
        }
    }
}

/// An HTTP trigger on a function: its name, `authType`, and the methods it accepts (default: all that FC
/// supports, `GET`, `POST`, `PUT`, `DELETE`, `PATCH`, `HEAD`, `OPTIONS`).
#[derive(Debug, Clone)]
pub struct HttpTrigger {
    pub(crate) name: String,
    pub(crate) auth: HttpAuth,
    pub(crate) auth_config: Option<String>,
    pub(crate) methods: Vec<Method>,
    pub(crate) require_exp: bool,
}

impl HttpTrigger {
    /// An anonymous trigger.
    pub fn anonymous(name: impl Into<String>) -> Self {
        HttpTrigger::new(name, HttpAuth::Anonymous)
    }

    /// A trigger whose callers sign their requests (`authType = function`) with an access key `LocalFc` accepts.
    pub fn signed(name: impl Into<String>) -> Self {
        HttpTrigger::new(name, HttpAuth::Function)
    }

    /// A trigger whose callers send a JWT, with FC's `authConfig` JSON:
    /// `{"JWKS": {"keys": […]}, "TokenLookup": "header:Authorization:Bearer,cookie:jwt", "ClaimPassBy":
    /// "query:uid:uid,header:name:x-name"}`. The token's signature is checked with the JWKS key of its `kid` (or
    /// the one key without a `kid`), `exp` and `nbf` when present (60 s leeway; a token without `exp` is accepted
    /// unless [`require_exp`](Self::require_exp)); the claims named in `ClaimPassBy` reach the function as query
    /// parameters, headers, cookies or form fields, and whatever the caller itself sent under those names is
    /// removed first, so that only the token can set them. A refusal is `401 InvalidJWT`. A config `start()`
    /// cannot parse is a [`StartError::InvalidTrigger`](crate::local::StartError::InvalidTrigger), and so is a JWT
    /// trigger without fc-runtime's `jwt` feature (the key algorithms' crypto, left out of `local` alone).
    pub fn jwt(name: impl Into<String>, auth_config: impl Into<String>) -> Self {
        let mut trigger = HttpTrigger::new(name, HttpAuth::Jwt);
        trigger.auth_config = Some(auth_config.into());
        trigger
    }

    /// A trigger whose callers send `Authorization: Bearer {token}` with one of its opaque tokens, with this
    /// `authConfig` JSON: `{"tokens": [{"name": "ci", "token": "…", "enabled": true}, …]}` — 1 to 20 tokens, each
    /// name at most 128 letters, digits, `_` and `-`, not starting with a digit or `-`, unique; each token 32 to
    /// 128 characters of `A-Z a-z 0-9 + / = - ~ .`; `enabled` defaults to true. A request without the header is
    /// refused `400 MissingRequiredHeader`, one whose token is not an enabled token of the trigger `403
    /// AccessDenied`, before the function runs.
    pub fn bearer(name: impl Into<String>, auth_config: impl Into<String>) -> Self {
        let mut trigger = HttpTrigger::new(name, HttpAuth::Bearer);
        trigger.auth_config = Some(auth_config.into());
        trigger
    }

    fn new(name: impl Into<String>, auth: HttpAuth) -> Self {
        let methods =
            [Method::GET, Method::POST, Method::PUT, Method::DELETE, Method::PATCH, Method::HEAD, Method::OPTIONS];
        HttpTrigger { name: name.into(), auth, auth_config: None, methods: methods.to_vec(), require_exp: false }
    }

    /// Accepts only these methods.
    pub fn methods(mut self, methods: impl IntoIterator<Item = Method>) -> Self {
        self.methods = methods.into_iter().collect();
        self
    }

    /// A JWT trigger: whether a token must carry `exp` (default false, as FC checks `exp` only when present; a
    /// token without one never expires, so require it where tokens are handed out widely).
    pub fn require_exp(mut self, required: bool) -> Self {
        self.require_exp = required;
        self
    }

    /// The trigger's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its `authType`.
    pub fn auth(&self) -> HttpAuth {
        self.auth
    }
}
