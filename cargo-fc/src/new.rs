//! `cargo fc new NAME [--http] [--event SOURCE]`: a crate that builds, tests and deploys as it is: a trait with
//! `#[fc_service(api = "3.0", server)]`, its implementation, a `main` that serves it as FC's custom runtime, a test
//! against LocalFc, and its deploy settings; `--http` adds an axum web function beside it, behind an anonymous
//! HTTP trigger; `--event SOURCE` types the function's event with `fc_runtime::events`.

use std::path::{Path, PathBuf};

use crate::Error;

/// What to generate.
#[derive(Debug, Clone)]
pub struct NewOptions {
    /// The crate's name (and directory).
    pub name: String,
    /// Add a web function behind an HTTP trigger.
    pub http: bool,
    /// Type the event with this trigger source (`oss`, `timer`, …).
    pub event: Option<String>,
    /// How the crate depends on fc-runtime: a path (this checkout's, by default), else a version.
    pub runtime: RuntimeDependency,
}

/// Where the new crate gets fc-runtime.
#[derive(Debug, Clone)]
pub enum RuntimeDependency {
    /// A path to fc-runtime's directory.
    Path(PathBuf),
    /// A version requirement from the registry.
    Version(String),
}

impl RuntimeDependency {
    /// The fc-runtime next to this `cargo fc`'s sources, when it is there; else the registry's version.
    pub fn default_for_this_build() -> Self {
        let beside = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fc-runtime");
        match beside.canonicalize() {
            Ok(path) if path.join("Cargo.toml").is_file() => RuntimeDependency::Path(path),
            _ => RuntimeDependency::Version(env!("CARGO_PKG_VERSION").to_owned()),
        }
    }

    fn spec(&self, features: &[&str]) -> String {
        let features = features.iter().map(|f| format!("\"{f}\"")).collect::<Vec<_>>().join(", ");
        match self {
            RuntimeDependency::Path(path) => {
                format!("{{ path = {:?}, features = [{features}] }}", path.display().to_string())
            }
            RuntimeDependency::Version(version) => format!("{{ version = \"{version}\", features = [{features}] }}"),
        }
    }
}

/// The event types `--event` knows: the source, the type's path under `fc_runtime::events`, and a sample
/// expression of it.
const EVENTS: [(&str, &str, &str); 4] = [
    ("oss", "oss::OssEvent", "oss::OssEvent::object_created(\"cn-hangzhou\", \"bucket\", \"in/photo.jpg\", 3)"),
    ("timer", "timer::TimerEvent", "timer::TimerEvent::new(\"2026-12-06T00:00:00Z\", \"nightly\", \"{}\")"),
    ("sls", "sls::SlsEvent", "sls::SlsEvent::new(sls::SlsSource::new(\"project\", \"logstore\", 0))"),
    (
        "mns_topic",
        "mns_topic::MnsTopicEvent",
        "mns_topic::MnsTopicEvent::Json(mns_topic::MnsTopicMessage::new(\"topic\", \"hello\"))",
    ),
];

/// Writes the crate into `parent/NAME`; a directory that exists is refused, and nothing is left behind when
/// writing fails.
pub fn new(parent: &Path, options: &NewOptions) -> Result<PathBuf, Error> {
    let name = &options.name;
    let valid = !name.is_empty()
        && name.as_bytes()[0].is_ascii_alphabetic()
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !valid {
        return Err(Error::Usage(format!(
            "{name:?} cannot name a crate and a function: letters, digits, - and _, first a letter"
        )));
    }
    let function = name.replace('-', "_").to_ascii_lowercase();
    fc_names::check_fc3_function(&function)
        .map_err(|e| Error::Usage(format!("{name:?} makes the function {function:?}, which FC refuses: {e}")))?;
    let event = match &options.event {
        None => None,
        Some(source) => Some(EVENTS.iter().find(|(s, _, _)| s == source).ok_or_else(|| {
            Error::Usage(format!(
                "no event type for {source:?} (sources: {})",
                EVENTS.iter().map(|(s, _, _)| *s).collect::<Vec<_>>().join(", ")
            ))
        })?),
    };
    let dir = parent.join(name);
    if dir.exists() {
        return Err(Error::Usage(format!("{} already exists", dir.display())));
    }
    let files = files(options, &function, event.copied());
    let staging = parent.join(format!(".{name}.cargo-fc-new"));
    let _ = std::fs::remove_dir_all(&staging);
    let written = (|| -> std::io::Result<()> {
        for (path, text) in &files {
            let path = staging.join(path);
            std::fs::create_dir_all(path.parent().expect("a file in the crate"))?;
            std::fs::write(path, text)?;
        }
        std::fs::rename(&staging, &dir)
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(Error::Io { path: dir, source: e });
    }
    Ok(dir)
}

fn files(options: &NewOptions, function: &str, event: Option<(&str, &str, &str)>) -> Vec<(&'static str, String)> {
    let name = &options.name;
    // `…Fc`: no clash with the types the crate defines (`Greet`, `Greeting`, `Functions`) whatever its name.
    let trait_name: String = function
        .split('_')
        .filter(|w| !w.is_empty())
        .map(|w| w[..1].to_ascii_uppercase() + &w[1..])
        .chain(["Fc".to_owned()])
        .collect();
    let mut runtime_features = vec!["function"];
    if event.is_some() {
        runtime_features.push("events");
    }
    let mut dev_features = runtime_features.clone();
    dev_features.push("local");
    let mut dependencies = format!(
        "fc-runtime = {}\nserde = {{ version = \"1\", features = [\"derive\"] }}\nthiserror = \"2\"\ntokio = {{ version = \"1\", features = [\"rt-multi-thread\", \"macros\"] }}\n",
        options.runtime.spec(&runtime_features)
    );
    if options.http {
        dependencies.push_str("axum = { version = \"0.8\", default-features = false, features = [\"json\"] }\n");
    }
    let web_settings = if options.http {
        format!(
            "\n# The web function: the same binary answers HTTP requests beside POST /invoke.\n[package.metadata.fc.functions.{function}_web]\nbinary = \"{name}\"\ntriggers = [{{ name = \"web\", type = \"http\", config = {{ authType = \"anonymous\", methods = [\"GET\", \"POST\"] }} }}]\n"
        )
    } else {
        String::new()
    };
    let cargo_toml = format!(
        r#"[package]
name = "{name}"
version = "0.1.0"
edition = "2024"
publish = false

[dependencies]
{dependencies}
[dev-dependencies]
fc-runtime = {dev}

# How `cargo fc deploy` deploys it: defaults for every function, then one table per function.
[package.metadata.fc]
runtime = "custom.debian10"
memory = 128
timeout = 10
environment = {{ RUST_LOG = "info" }}

[package.metadata.fc.functions.{function}]
binary = "{name}"
{web_settings}"#,
        dev = options.runtime.spec(&dev_features),
    );
    let (event_type, event_use, sample) = match event {
        Some((_, path, sample)) => {
            (format!("fc_runtime::events::{path}"), "use fc_runtime::events;\n".to_owned(), format!("events::{sample}"))
        }
        None => ("Greet".to_owned(), String::new(), "Greet { name: \"Rust\".into() }".to_owned()),
    };
    let lib = match event {
        None => format!(
            r#"//! The contract between {name}'s callers and its function, once: `#[fc_service]` writes the typed call and
//! the function's side.

use fc_runtime::{{FcError, fc_function, fc_service}};
use serde::{{Deserialize, Serialize}};

/// Who to greet.
#[derive(Debug, Serialize, Deserialize)]
pub struct Greet {{
    /// A name.
    pub name: String,
}}

/// The greeting.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
pub struct Greeting {{
    /// The words.
    pub greeting: String,
}}

/// {name}'s functions, as FC 3.0 functions.
#[fc_service(api = "3.0", server)]
pub trait {trait_name} {{
    /// Greets.
    #[fc_function]
    async fn {function}(&self, event: Greet) -> Result<Greeting, FcError>;
}}

/// What went wrong in the function.
#[derive(Debug, thiserror::Error)]
#[error("nobody to greet")]
pub struct NobodyToGreet;

/// The implementation FC runs.
#[derive(Debug, Default, Clone)]
pub struct Functions;

impl {trait_name}Server for Functions {{
    type Error = NobodyToGreet;

    async fn {function}(&self, event: Greet) -> Result<Greeting, NobodyToGreet> {{
        if event.name.is_empty() {{
            return Err(NobodyToGreet);
        }}
        Ok(Greeting {{ greeting: format!("Hello, {{}}!", event.name) }})
    }}
}}
"#
        ),
        Some((source, _, _)) => format!(
            r#"//! The contract between {name}'s callers and its function, once: `#[fc_service]` writes the typed call and
//! the function's side. The function takes {source} trigger events, typed.

use fc_runtime::{{FcError, fc_function, fc_service}};

/// {name}'s functions, as FC 3.0 functions.
#[fc_service(api = "3.0", server)]
pub trait {trait_name} {{
    /// Handles one {source} event.
    #[fc_function]
    async fn {function}(&self, event: {event_type}) -> Result<String, FcError>;
}}

/// The implementation FC runs.
#[derive(Debug, Default, Clone)]
pub struct Functions;

impl {trait_name}Server for Functions {{
    type Error = std::convert::Infallible;

    async fn {function}(&self, event: {event_type}) -> Result<String, std::convert::Infallible> {{
        let described = format!("{{event:?}}");
        Ok(format!("handled {{}} bytes of {source} event", described.len()))
    }}
}}
"#
        ),
    };
    let crate_ident = name.replace('-', "_");
    let main = if options.http {
        format!(
            r#"//! {name} as FC runs it: a custom runtime serving the functions (`POST /invoke`) and, beside them, the web
//! function's HTTP requests.

use {crate_ident}::{{{trait_name}Server as _, Functions}};

#[tokio::main]
async fn main() -> std::io::Result<()> {{
    let web = axum::Router::new().route("/", axum::routing::get(|| async {{ "Hello from {name}'s web function!" }}));
    fc_runtime::function::serve(Functions.into_router().http(web)).await
}}
"#
        )
    } else {
        format!(
            r#"//! {name} as FC runs it: a custom runtime serving the functions (`POST /invoke`).

use {crate_ident}::{{{trait_name}Server as _, Functions}};

#[tokio::main]
async fn main() -> std::io::Result<()> {{
    fc_runtime::function::serve(Functions.into_router()).await
}}
"#
        )
    };
    let test = format!(
        r#"//! {name}'s function, called through its typed stub, hosted by LocalFc: the same code FC runs, offline.

{event_use}use fc_runtime::local::{{LocalFc, Namespace}};
use {crate_ident}::*;

#[tokio::test]
async fn the_function_answers_through_its_stub() {{
    let fc = LocalFc::builder().router(Namespace::Fc3, Functions.into_router()).start().await.unwrap();
    let answer = fc.client().{function}({sample}).await.unwrap();
    {check}
    fc.shutdown().await;
}}
"#,
        check = if event.is_some() {
            "assert!(answer.starts_with(\"handled\"), \"{answer}\");".to_owned()
        } else {
            "assert_eq!(answer, Greeting { greeting: \"Hello, Rust!\".into() });".to_owned()
        },
    );
    let readme = format!(
        r#"# {name}

A Function Compute function in Rust, made with `cargo fc new`.

```sh
cargo test                                  # the function, through its typed stub, on LocalFc
cargo fc build --release                    # target/fc/{name}.zip, for FC's Linux (glibc 2.28)
cargo fc deploy --endpoint $FC_ENDPOINT     # or --region; credentials from the default chain
cargo fc invoke {function} --data '{data}'
eval "$(cargo fc local)"                    # or: a LocalFc with this crate deployed, for the commands above
```

Deploy settings are in `Cargo.toml`, under `[package.metadata.fc]`.
"#,
        data = if event.is_some() { "{}" } else { r#"{"name":"FC"}"# },
    );
    vec![
        ("Cargo.toml", cargo_toml),
        ("src/lib.rs", lib),
        ("src/main.rs", main),
        ("tests/local.rs", test),
        ("README.md", readme),
        (".gitignore", "/target\n".to_owned()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_trait_never_clashes_with_the_types_the_crate_defines() {
        let options = NewOptions {
            name: "greet".into(),
            http: false,
            event: None,
            runtime: RuntimeDependency::Version("0.1".into()),
        };
        let lib = files(&options, "greet", None).into_iter().find(|(p, _)| *p == "src/lib.rs").unwrap().1;
        assert!(lib.contains("pub trait GreetFc") && lib.contains("pub struct Greet {"), "{lib}");
        let dir = std::env::temp_dir().join(format!("cargo-fc-new-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        assert!(new(&dir, &NewOptions { name: "9lives".into(), ..options.clone() }).is_err());
        assert!(new(&dir, &NewOptions { event: Some("carrier-pigeon".into()), ..options.clone() }).is_err());
        let made = new(&dir, &options).unwrap();
        assert!(new(&dir, &options).unwrap_err().to_string().contains("already exists"));
        assert!(made.join("tests/local.rs").is_file());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
