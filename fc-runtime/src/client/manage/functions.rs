//! Functions: CreateFunction, GetFunction, UpdateFunction, DeleteFunction, ListFunctions and GetFunctionCode.

use std::collections::BTreeMap;

use base64::Engine as _;
use http::Method;
use serde::{Deserialize, Serialize};

use super::{Call, ListOptions, MAX_DIRECT_CODE, Page, function_path, page, paged, qualifier_query};
use crate::client::{Client, validate};
use crate::wire::FC3_API_VERSION;
use crate::{FcError, InputField};

/// A function's settings: what [`CreateFunctionInput`] and [`UpdateFunctionInput`] set and [`Function`] reports.
/// Every field is optional (an update sends only what it changes); fields this version does not type travel in
/// [`extra`](Self::extra) as JSON (`vpcConfig`, `logConfig`, `nasConfig`, `gpuConfig`, …).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct FunctionSettings {
    /// `custom`, `custom.debian10/11/12`, `custom-container`, `python3.10`, `nodejs20`, ….
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runtime: Option<String>,
    /// The handler (ignored by custom runtimes, required by FC all the same).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub handler: Option<String>,
    /// Free text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Seconds an invocation may run (1 to 86,400).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout: Option<u32>,
    /// MB, a multiple of 64 from 128 to 32,768.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory_size: Option<u32>,
    /// vCPUs, a multiple of 0.05.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpu: Option<f64>,
    /// MB of disk: 512 or 10,240.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disk_size: Option<u32>,
    /// Invocations one instance serves at once.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance_concurrency: Option<u32>,
    /// Environment variables.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environment_variables: Option<BTreeMap<String, String>>,
    /// The RAM role's ARN the function runs with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// How a custom runtime starts: command, arguments, port.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_runtime_config: Option<CustomRuntimeConfig>,
    /// The initializer and pre-stop hooks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance_lifecycle_config: Option<InstanceLifecycleConfig>,
    /// Whether the function may reach the internet (default true).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub internet_access: Option<bool>,
    /// Every other field, as JSON.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// How FC starts a custom runtime (`customRuntimeConfig`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CustomRuntimeConfig {
    /// The command (default: `bootstrap` in the code directory, `/code/bootstrap`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub command: Vec<String>,
    /// Its arguments.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<String>,
    /// The port it listens on (FC's default 9000; it should read `FC_SERVER_PORT`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    /// Every other field (`healthCheckConfig`, …), as JSON.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl CustomRuntimeConfig {
    /// A runtime started by `command` (its first element the program, the rest arguments).
    pub fn command<S: Into<String>>(command: impl IntoIterator<Item = S>) -> Self {
        CustomRuntimeConfig { command: command.into_iter().map(Into::into).collect(), ..Self::default() }
    }

    /// Arguments after the command.
    pub fn args<S: Into<String>>(mut self, args: impl IntoIterator<Item = S>) -> Self {
        self.args = args.into_iter().map(Into::into).collect();
        self
    }

    /// The port.
    pub fn port(mut self, port: u16) -> Self {
        self.port = Some(port);
        self
    }
}

/// A function's lifecycle hooks (`instanceLifecycleConfig`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct InstanceLifecycleConfig {
    /// Runs once before an instance's first invocation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub initializer: Option<LifecycleHook>,
    /// Runs before an instance stops.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pre_stop: Option<LifecycleHook>,
}

/// A lifecycle hook: a handler (a custom runtime's is its path) and its timeout in seconds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct LifecycleHook {
    /// The handler (`true` enables a custom runtime's hook; any non-empty value does).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub handler: Option<String>,
    /// Seconds it may run (initializer at most 300, pre-stop at most 90).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout: Option<u32>,
}

impl LifecycleHook {
    /// A hook with `handler`, within `timeout` seconds.
    pub fn new(handler: impl Into<String>, timeout: u32) -> Self {
        LifecycleHook { handler: Some(handler.into()), timeout: Some(timeout) }
    }
}

/// Where a function's code comes from (`code`): a zip, Base64-encoded on the wire.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct InputCodeLocation {
    /// The zip, Base64.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zip_file: Option<String>,
    /// Or an OSS bucket…
    #[serde(skip_serializing_if = "Option::is_none")]
    pub oss_bucket_name: Option<String>,
    /// …and object.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub oss_object_name: Option<String>,
    /// The zip's CRC-64 ([`code_checksum`](super::code_checksum)): FC refuses a package that does not match.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checksum: Option<String>,
}

impl InputCodeLocation {
    /// A zip's bytes, with its checksum.
    pub fn zip(zip: &[u8]) -> Self {
        InputCodeLocation {
            zip_file: Some(base64::engine::general_purpose::STANDARD.encode(zip)),
            checksum: Some(super::code_checksum(zip)),
            ..Self::default()
        }
    }

    /// Checks the package's size against FC's direct-upload limit.
    fn check(&self) -> Result<(), FcError> {
        if let Some(zip) = &self.zip_file {
            let bytes = zip.len() / 4 * 3;
            if bytes > MAX_DIRECT_CODE {
                return Err(FcError::invalid_input(
                    InputField::Code,
                    format!(
                        "the zip is about {bytes} bytes, over FC's {MAX_DIRECT_CODE} byte limit on code sent directly; \
                         upload it to OSS and name the object instead"
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// A function as FC reports it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Function {
    /// Its name.
    pub function_name: Option<String>,
    /// FC's id of it.
    pub function_id: Option<String>,
    /// `acs:fc:{region}:{account}:functions/{name}`.
    pub function_arn: Option<String>,
    /// The CRC-64 of its code package ([`code_checksum`](super::code_checksum)).
    pub code_checksum: Option<String>,
    /// The code package's size in bytes.
    pub code_size: Option<u64>,
    /// `Pending` while FC prepares it, `Active`, or `Failed` (GetFunction only).
    pub state: Option<String>,
    /// Why it is in its state.
    pub state_reason: Option<String>,
    /// The state's reason code.
    pub state_reason_code: Option<String>,
    /// `InProgress`, `Successful` or `Failed`: the last update (GetFunction only).
    pub last_update_status: Option<String>,
    /// Why.
    pub last_update_status_reason: Option<String>,
    /// The reason code.
    pub last_update_status_reason_code: Option<String>,
    /// When it was created (RFC 3339).
    pub created_time: Option<String>,
    /// When it last changed (RFC 3339).
    pub last_modified_time: Option<String>,
    /// Its settings, and every field this version does not know.
    #[serde(flatten)]
    pub settings: FunctionSettings,
}

impl Function {
    /// Whether a deploy may go on: not `Pending`, not `InProgress`, and not `Failed`.
    pub fn is_ready(&self) -> bool {
        !matches!(self.state.as_deref(), Some("Pending" | "Failed"))
            && !matches!(self.last_update_status.as_deref(), Some("InProgress" | "Failed"))
    }
}

/// CreateFunction's request: a name, a runtime, the code, and settings.
///
/// ```
/// use fc_runtime::manage::functions::{CreateFunctionInput, CustomRuntimeConfig};
/// let input = CreateFunctionInput::new("hello", "custom.debian10")
///     .zip(b"PK\x05\x06".iter().copied().chain([0; 18]).collect::<Vec<u8>>())
///     .custom_runtime(CustomRuntimeConfig::command(["/code/bootstrap"]))
///     .memory_size(512)
///     .timeout(30)
///     .environment("RUST_LOG", "info");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CreateFunctionInput {
    /// The name: 1 to 64 letters, digits, `_` and `-`, starting with a letter or `_`.
    pub function_name: String,
    /// The code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<InputCodeLocation>,
    /// The settings.
    #[serde(flatten)]
    pub settings: FunctionSettings,
}

/// UpdateFunction's request: what changes (code, settings, or both); what it does not name stays as it is.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct UpdateFunctionInput {
    /// New code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<InputCodeLocation>,
    /// Changed settings.
    #[serde(flatten)]
    pub settings: FunctionSettings,
}

/// The setters [`CreateFunctionInput`] and [`UpdateFunctionInput`] share, written once.
macro_rules! settings_setters {
    ($ty:ty) => {
        impl $ty {
            /// The code: a zip's bytes (Base64-encoded here, with its checksum).
            pub fn zip(mut self, zip: impl AsRef<[u8]>) -> Self {
                self.code = Some(InputCodeLocation::zip(zip.as_ref()));
                self
            }

            /// The code: an OSS object.
            pub fn oss_code(mut self, bucket: impl Into<String>, object: impl Into<String>) -> Self {
                self.code = Some(InputCodeLocation {
                    oss_bucket_name: Some(bucket.into()),
                    oss_object_name: Some(object.into()),
                    ..InputCodeLocation::default()
                });
                self
            }

            /// The runtime.
            pub fn runtime(mut self, runtime: impl Into<String>) -> Self {
                self.settings.runtime = Some(runtime.into());
                self
            }

            /// The handler.
            pub fn handler(mut self, handler: impl Into<String>) -> Self {
                self.settings.handler = Some(handler.into());
                self
            }

            /// The description.
            pub fn description(mut self, description: impl Into<String>) -> Self {
                self.settings.description = Some(description.into());
                self
            }

            /// The timeout, in seconds.
            pub fn timeout(mut self, seconds: u32) -> Self {
                self.settings.timeout = Some(seconds);
                self
            }

            /// The memory, in MB.
            pub fn memory_size(mut self, mb: u32) -> Self {
                self.settings.memory_size = Some(mb);
                self
            }

            /// The vCPUs.
            pub fn cpu(mut self, cpu: f64) -> Self {
                self.settings.cpu = Some(cpu);
                self
            }

            /// The disk, in MB.
            pub fn disk_size(mut self, mb: u32) -> Self {
                self.settings.disk_size = Some(mb);
                self
            }

            /// Invocations one instance serves at once.
            pub fn instance_concurrency(mut self, concurrency: u32) -> Self {
                self.settings.instance_concurrency = Some(concurrency);
                self
            }

            /// One environment variable (the others set so far are kept).
            pub fn environment(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
                self.settings.environment_variables.get_or_insert_with(BTreeMap::new).insert(name.into(), value.into());
                self
            }

            /// The RAM role's ARN.
            pub fn role(mut self, role: impl Into<String>) -> Self {
                self.settings.role = Some(role.into());
                self
            }

            /// How the custom runtime starts.
            pub fn custom_runtime(mut self, config: CustomRuntimeConfig) -> Self {
                self.settings.custom_runtime_config = Some(config);
                self
            }

            /// The initializer hook.
            pub fn initializer(mut self, hook: LifecycleHook) -> Self {
                self.settings.instance_lifecycle_config.get_or_insert_with(Default::default).initializer = Some(hook);
                self
            }

            /// The pre-stop hook.
            pub fn pre_stop(mut self, hook: LifecycleHook) -> Self {
                self.settings.instance_lifecycle_config.get_or_insert_with(Default::default).pre_stop = Some(hook);
                self
            }

            /// Whether the function may reach the internet.
            pub fn internet_access(mut self, allowed: bool) -> Self {
                self.settings.internet_access = Some(allowed);
                self
            }

            /// Any other field, as FC names it (`vpcConfig`, `logConfig`, …).
            pub fn field(mut self, name: impl Into<String>, value: serde_json::Value) -> Self {
                self.settings.extra.insert(name.into(), value);
                self
            }
        }
    };
}

settings_setters!(CreateFunctionInput);
settings_setters!(UpdateFunctionInput);

impl CreateFunctionInput {
    /// A function `name` on `runtime` (`custom.debian10`, …), with the handler FC requires set to `index.handler`
    /// (custom runtimes ignore it).
    pub fn new(name: impl Into<String>, runtime: impl Into<String>) -> Self {
        let mut input = CreateFunctionInput { function_name: name.into(), ..Self::default() };
        input.settings.runtime = Some(runtime.into());
        input.settings.handler = Some("index.handler".to_owned());
        input
    }
}

impl UpdateFunctionInput {
    /// An update that changes nothing yet.
    pub fn new() -> Self {
        Self::default()
    }
}

/// Checks the settings a request sends, as FC would: a refused setting is refused before anything is sent.
fn check_settings(settings: &FunctionSettings) -> Result<(), FcError> {
    let bad = |why: String| Err(FcError::invalid_input(InputField::Setting, why));
    if let Some(timeout) = settings.timeout
        && !(1..=86_400).contains(&timeout)
    {
        return bad(format!("timeout {timeout} s is not between 1 and 86400"));
    }
    if let Some(memory) = settings.memory_size
        && (!(128..=32_768).contains(&memory) || memory % 64 != 0)
    {
        return bad(format!("memorySize {memory} MB is not a multiple of 64 from 128 to 32768"));
    }
    if let Some(disk) = settings.disk_size
        && disk != 512
        && disk != 10_240
    {
        return bad(format!("diskSize {disk} MB is not 512 or 10240"));
    }
    if let Some(concurrency) = settings.instance_concurrency
        && !(1..=200).contains(&concurrency)
    {
        return bad(format!("instanceConcurrency {concurrency} is not between 1 and 200"));
    }
    for (name, value) in settings.environment_variables.iter().flatten() {
        if name.is_empty() || name.contains('=') || name.contains('\0') || value.contains('\0') {
            return bad(format!("the environment variable {name:?} cannot be set"));
        }
    }
    Ok(())
}

/// GetFunctionCode's answer: where the code can be downloaded, and its checksum.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct FunctionCode {
    /// A URL the zip can be downloaded from for a while.
    pub url: Option<String>,
    /// Its CRC-64.
    pub checksum: Option<String>,
}

impl Client {
    /// CreateFunction: a new function from its code and settings. An existing name is
    /// [`ErrorCode::FunctionAlreadyExists`](crate::ErrorCode::FunctionAlreadyExists).
    pub async fn create_function(&self, input: &CreateFunctionInput) -> Result<Function, FcError> {
        validate::fc3_function(&input.function_name)?;
        if let Some(code) = &input.code {
            code.check()?;
        }
        check_settings(&input.settings)?;
        let path = format!("/{FC3_API_VERSION}/functions");
        self.manage_json(Call::new("CreateFunction", Method::POST, &input.function_name, path).json(input)?).await
    }

    /// GetFunction: the function's settings and state, at `qualifier` (`LATEST` when `None`).
    pub async fn get_function(&self, function: &str, qualifier: Option<&str>) -> Result<Function, FcError> {
        validate::fc3_function(function)?;
        let call = Call::new("GetFunction", Method::GET, function, function_path(function, ""))
            .query(qualifier_query(qualifier)?);
        self.manage_json(call).await
    }

    /// UpdateFunction: replaces the code and/or the settings `input` names, of `LATEST`.
    pub async fn update_function(&self, function: &str, input: &UpdateFunctionInput) -> Result<Function, FcError> {
        validate::fc3_function(function)?;
        if let Some(code) = &input.code {
            code.check()?;
        }
        check_settings(&input.settings)?;
        let call = Call::new("UpdateFunction", Method::PUT, function, function_path(function, "")).json(input)?;
        self.manage_json(call).await
    }

    /// DeleteFunction. A function that still has triggers is
    /// [`ErrorCode::FunctionNotEmpty`](crate::ErrorCode::FunctionNotEmpty).
    pub async fn delete_function(&self, function: &str) -> Result<(), FcError> {
        validate::fc3_function(function)?;
        self.manage(Call::new("DeleteFunction", Method::DELETE, function, function_path(function, ""))).await.map(drop)
    }

    /// One page of ListFunctions (`prefix`, `limit`, `next_token`). FC reports fewer fields here than GetFunction
    /// (no state).
    pub async fn list_functions(&self, options: &ListOptions) -> Result<Page<Function>, FcError> {
        let call = Call::new("ListFunctions", Method::GET, "", format!("/{FC3_API_VERSION}/functions"))
            .query(options.query(true)?);
        page(self.manage_json(call).await?, "functions")
    }

    /// Every function ListFunctions gives for `options`, page after page as the stream is polled.
    pub fn functions(
        &self,
        options: ListOptions,
    ) -> impl futures_util::Stream<Item = Result<Function, FcError>> + Send + Unpin + '_ {
        paged(options, move |options| async move { self.list_functions(&options).await })
    }

    /// GetFunctionCode: a URL the code can be downloaded from, and its checksum.
    pub async fn get_function_code(&self, function: &str, qualifier: Option<&str>) -> Result<FunctionCode, FcError> {
        validate::fc3_function(function)?;
        let call = Call::new("GetFunctionCode", Method::GET, function, function_path(function, "/code"))
            .query(qualifier_query(qualifier)?);
        self.manage_json(call).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_cross_the_wire_as_fc_names_them_and_unknown_fields_are_kept() {
        let input = CreateFunctionInput::new("hello", "custom.debian10")
            .zip(b"zip")
            .custom_runtime(CustomRuntimeConfig::command(["/code/bootstrap"]).port(9000))
            .memory_size(512)
            .environment("A", "1")
            .initializer(LifecycleHook::new("true", 10))
            .field("vpcConfig", serde_json::json!({"vpcId": "v"}));
        let wire = serde_json::to_value(&input).unwrap();
        assert_eq!(wire["functionName"], "hello");
        assert_eq!(wire["code"]["zipFile"], "emlw");
        assert_eq!(wire["code"]["checksum"], super::super::code_checksum(b"zip"));
        assert_eq!(wire["customRuntimeConfig"]["command"], serde_json::json!(["/code/bootstrap"]));
        assert_eq!(wire["instanceLifecycleConfig"]["initializer"]["timeout"], 10);
        assert_eq!(wire["environmentVariables"]["A"], "1");
        assert_eq!(wire["vpcConfig"]["vpcId"], "v");
        assert!(wire.get("timeout").is_none(), "unset fields are not sent: {wire}");
        let update = serde_json::to_value(UpdateFunctionInput::new().timeout(5)).unwrap();
        assert_eq!(update, serde_json::json!({"timeout": 5}));

        let function: Function = serde_json::from_value(serde_json::json!({
            "functionName": "hello", "codeChecksum": "1", "codeSize": 3, "state": "Active",
            "lastUpdateStatus": "Successful", "runtime": "custom.debian10", "timeout": 3,
            "layers": [{"arn": "acs:fc:…", "size": 1}], "someNewField": true
        }))
        .unwrap();
        assert_eq!(function.settings.runtime.as_deref(), Some("custom.debian10"));
        assert_eq!(function.settings.extra["someNewField"], true);
        assert!(function.settings.extra.contains_key("layers"));
        assert!(function.is_ready());
    }

    #[test]
    fn settings_fc_refuses_are_refused_before_sending() {
        for input in [
            UpdateFunctionInput::new().timeout(0),
            UpdateFunctionInput::new().memory_size(100),
            UpdateFunctionInput::new().memory_size(130),
            UpdateFunctionInput::new().disk_size(1024),
            UpdateFunctionInput::new().instance_concurrency(201),
            UpdateFunctionInput::new().environment("A=B", "x"),
        ] {
            let err = check_settings(&input.settings).unwrap_err();
            assert!(matches!(err, FcError::InvalidInput(_)), "{err}");
        }
    }
}
