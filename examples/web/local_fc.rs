//! A runnable local Function Compute endpoint serving the demo functions, and optionally a custom runtime
//! started from a command, as FC would run it.
//!
//! ```text
//! cargo run --example local_fc -- --addr 127.0.0.1:9000 [--access-key-id ID --access-key-secret SECRET] [--account-id N]
//!     [--function-command PATH [--function-service NAME] [--functions a,b,…]] [--timer EXPRESSION|off]
//!     [--state-dir DIR]
//! cargo run --example local_fc -- fire --endpoint URL [--access-key-id ID --access-key-secret SECRET] [--fc3]
//!     SOURCE FILE SERVICE/FUNCTION
//! ```
//!
//! Triggers: a timer trigger `demo-timer` fires at the demo's `on_timer` (FC 2.0 `demo/on_timer`, the FC 3.0
//! function `on_timer`, and the custom runtime's `on_timer` when it serves one) on `--timer` (default
//! `@every 1m`, FC's shortest; `off` for none). `fire` sends any trigger's event to a running LocalFc as FC
//! delivers it: FILE is decoded with SOURCE's typed event (as the `events` example does), encoded as FC encodes
//! it, and invoked asynchronously (`X-Fc-Invocation-Type: Async`), so that LocalFc runs it in the background with
//! the function's retries; `fire` prints the request id.
//!
//! HTTP triggers: the demo web function (`demo_web`, an axum router) is the FC 3.0 function `web` behind the HTTP
//! trigger `demo-web` with `authType = function` (sign with the access key above, as `cargo run --example
//! http_trigger` does with `FC_HTTP_TRIGGER_URL`). Each trigger listens on its own loopback port; at start one
//! line per trigger says where: `http-trigger FUNCTION URL auth=function`.
//!
//! FC 3.0's management API is served on the same port: any official SDK or tool (and `cargo run --example
//! manage`) can create functions from a zip, publish versions, move aliases, add triggers. With `--state-dir DIR`,
//! what it deployed survives a restart with the same directory.
//!
//! With `--function-command target/debug/examples/function`, the functions of the `function` example (by default
//! every function of the `Demo` trait, `DemoServer::FUNCTIONS`) are also served in the FC 2.0 service `custom` (`--function-service`),
//! each invocation forwarded to that process over FC's custom-runtime protocol; the same process serves the demo
//! web function as `custom/web` behind the signed HTTP trigger `custom-web`.

use std::io::Write as _;
use std::net::SocketAddr;
use std::process::ExitCode;

use fc_runtime::local::{
    CustomRuntime, DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET, HttpTrigger, LocalFc, TimerTrigger,
};

const USAGE: &str = "usage: local_fc [--addr HOST:PORT] [--access-key-id ID] [--access-key-secret SECRET] \
                     [--account-id ID] [--function-command PATH [--function-service NAME] [--functions a,b,...]] \
                     [--timer EXPRESSION|off] [--state-dir DIR]\n       local_fc fire --endpoint URL [--access-key-id ID] \
                     [--access-key-secret SECRET] [--fc3] SOURCE FILE SERVICE/FUNCTION";

struct Args {
    addr: SocketAddr,
    key_id: String,
    key_secret: String,
    account_id: Option<String>,
    function_command: Option<std::path::PathBuf>,
    function_service: String,
    functions: String,
    timer: Option<String>,
    state_dir: Option<std::path::PathBuf>,
}

fn parse_args() -> Result<Args, String> {
    use lexopt::prelude::*;
    let mut args = Args {
        addr: SocketAddr::from(([127, 0, 0, 1], 9000)),
        key_id: DEFAULT_ACCESS_KEY_ID.to_owned(),
        key_secret: DEFAULT_ACCESS_KEY_SECRET.to_owned(),
        account_id: None,
        function_command: None,
        function_service: "custom".to_owned(),
        functions: <examples::DemoFunctions as examples::DemoServer>::FUNCTIONS.join(","),
        timer: Some("@every 1m".to_owned()),
        state_dir: None,
    };
    let mut parser = lexopt::Parser::from_env();
    let parsed = (|| -> Result<(), lexopt::Error> {
        while let Some(arg) = parser.next()? {
            match arg {
                Long("addr") => args.addr = parser.value()?.parse()?,
                Long("access-key-id") => args.key_id = parser.value()?.string()?,
                Long("access-key-secret") => args.key_secret = parser.value()?.string()?,
                Long("account-id") => args.account_id = Some(parser.value()?.string()?),
                Long("function-command") => args.function_command = Some(parser.value()?.into()),
                Long("function-service") => args.function_service = parser.value()?.string()?,
                Long("functions") => args.functions = parser.value()?.string()?,
                Long("state-dir") => args.state_dir = Some(parser.value()?.into()),
                Long("timer") => {
                    let expression = parser.value()?.string()?;
                    args.timer = (expression != "off").then_some(expression);
                }
                Long("help") | Short('h') => return Err(lexopt::Error::Custom(USAGE.into())),
                _ => return Err(arg.unexpected()),
            }
        }
        Ok(())
    })();
    parsed.map_err(|e| if e.to_string() == USAGE { USAGE.to_owned() } else { format!("{e}\n{USAGE}") })?;
    Ok(args)
}

/// `local_fc fire …`: what to send where.
struct Fire {
    endpoint: String,
    key_id: String,
    key_secret: String,
    fc3: bool,
    source: String,
    file: std::path::PathBuf,
    target: String,
}

fn parse_fire(args: Vec<std::ffi::OsString>) -> Result<Fire, String> {
    use lexopt::prelude::*;
    let mut parser = lexopt::Parser::from_args(args);
    let (mut endpoint, mut fc3, mut positional) = (None, false, Vec::new());
    let (mut key_id, mut key_secret) = (DEFAULT_ACCESS_KEY_ID.to_owned(), DEFAULT_ACCESS_KEY_SECRET.to_owned());
    let parsed = (|| -> Result<(), lexopt::Error> {
        while let Some(arg) = parser.next()? {
            match arg {
                Long("endpoint") => endpoint = Some(parser.value()?.string()?),
                Long("access-key-id") => key_id = parser.value()?.string()?,
                Long("access-key-secret") => key_secret = parser.value()?.string()?,
                Long("fc3") => fc3 = true,
                Value(v) => positional.push(v),
                _ => return Err(arg.unexpected()),
            }
        }
        Ok(())
    })();
    parsed.map_err(|e| format!("{e}\n{USAGE}"))?;
    let [source, file, target] = <[std::ffi::OsString; 3]>::try_from(positional)
        .map_err(|_| format!("fire takes SOURCE FILE SERVICE/FUNCTION\n{USAGE}"))?;
    let text = |s: std::ffi::OsString| s.into_string().map_err(|_| "arguments must be UTF-8".to_owned());
    Ok(Fire {
        endpoint: endpoint.ok_or_else(|| format!("fire needs --endpoint\n{USAGE}"))?,
        key_id,
        key_secret,
        fc3,
        source: text(source)?,
        file: file.into(),
        target: text(target)?,
    })
}

/// Sends a trigger's event to a running LocalFc as FC delivers it: decoded with its type, encoded as FC encodes
/// it, invoked asynchronously.
async fn fire(fire: Fire) -> ExitCode {
    let body = match std::fs::read(&fire.file) {
        Ok(body) => body,
        Err(e) => {
            eprintln!("could not read {}: {e}", fire.file.display());
            return ExitCode::from(2);
        }
    };
    let event = match examples_web::decode_trigger_event(&fire.source, &body) {
        Ok(event) => event,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(1);
        }
    };
    let request = match (fire.fc3, fire.target.split_once('/')) {
        (true, _) => fc_runtime::InvokeRequest::fc3(fire.target.clone()),
        (false, Some((service, function))) => fc_runtime::InvokeRequest::new(service.to_owned(), function.to_owned()),
        (false, None) => {
            eprintln!("the target is SERVICE/FUNCTION (or FUNCTION with --fc3), not {:?}", fire.target);
            return ExitCode::from(2);
        }
    };
    let request = request.invocation_type(fc_runtime::InvocationType::Async).bytes(event.body);
    let client = fc_runtime::Client::builder()
        .endpoint(&fire.endpoint)
        .credentials(fc_runtime::Credentials::new(&fire.key_id, &fire.key_secret))
        .build();
    let sent = match client {
        Ok(client) => client.invoke(request).await,
        Err(e) => Err(e),
    };
    match sent {
        Ok(answer) => {
            let id = answer.meta.request_id.unwrap_or_default();
            println!("fired a {} event at {}: request {id}", fire.source, fire.target);
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("could not fire: {e}");
            ExitCode::FAILURE
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let mut all: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    if all.first().is_some_and(|a| a == "fire") {
        all.remove(0);
        return match parse_fire(all) {
            Ok(f) => fire(f).await,
            Err(msg) => {
                eprintln!("{msg}");
                ExitCode::from(2)
            }
        };
    }
    let args = match parse_args() {
        Ok(args) => args,
        Err(msg) => {
            eprintln!("{msg}");
            return ExitCode::from(2);
        }
    };
    let mut builder =
        examples_web::demo_functions(LocalFc::builder().addr(args.addr).access_key(&args.key_id, &args.key_secret));
    if let Some(account) = &args.account_id {
        builder = builder.account_id(account);
    }
    if let Some(command) = &args.function_command {
        // The process also serves the demo web function (`web`), behind its own signed HTTP trigger.
        let mut names: Vec<&str> = args.functions.split(',').map(str::trim).filter(|n| !n.is_empty()).collect();
        if !names.contains(&"web") {
            names.push("web");
        }
        builder = builder
            .custom_runtime(&args.function_service, names, CustomRuntime::command(command))
            .http_trigger((&args.function_service, "web"), HttpTrigger::signed("custom-web"));
    }
    if let Some(expression) = &args.timer {
        let timer = || TimerTrigger::new("demo-timer", expression).payload("from local_fc");
        builder = builder.timer_trigger(("demo", "on_timer"), timer()).timer_trigger("on_timer", timer());
        if args.function_command.is_some() && args.functions.split(',').any(|n| n.trim() == "on_timer") {
            builder = builder.timer_trigger((args.function_service.as_str(), "on_timer"), timer());
        }
    }
    if let Some(dir) = &args.state_dir {
        builder = builder.state_dir(dir);
    }
    let fc = match builder.start().await {
        Ok(fc) => fc,
        Err(e) => {
            eprintln!("cannot start LocalFc on {}: {e}", args.addr);
            return ExitCode::FAILURE;
        }
    };
    // A closed stdout (the reader went away) must not stop the server: write errors are ignored.
    let mut out = std::io::stdout();
    let _ = writeln!(out, "LocalFc listening on {}", fc.endpoint());
    let demo = <examples::DemoFunctions as examples::DemoServer>::FUNCTIONS.join(" ");
    let _ = writeln!(out, "service demo (also demo.LATEST, demo.1, demo.prod), and as FC 3.0 functions: {demo}");
    if let Some(command) = &args.function_command {
        let _ = writeln!(
            out,
            "service {} (custom runtime {}): {}",
            args.function_service,
            command.display(),
            args.functions.replace(',', " ")
        );
    }
    if let Some(expression) = &args.timer {
        let _ = writeln!(out, "timer trigger demo-timer on on_timer: {expression}");
    }
    for trigger in fc.http_triggers() {
        let _ = writeln!(out, "http-trigger {} {} auth={}", trigger.function, trigger.url, trigger.auth.as_str());
    }
    let _ = writeln!(out, "access key id {}; Ctrl-C or SIGTERM stops", args.key_id);
    let _ = out.flush();
    // Ctrl-C or SIGTERM: stop cleanly, which also stops a custom runtime started from a command.
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            Some(_) = async { match term.as_mut() { Some(t) => t.recv().await, None => std::future::pending().await } } => {}
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
    fc.shutdown().await;
    let _ = writeln!(out, "stopped");
    ExitCode::SUCCESS
}
