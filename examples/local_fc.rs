//! A runnable local Function Compute endpoint serving the demo functions, and optionally a custom runtime
//! started from a command, as FC would run it.
//!
//! ```text
//! cargo run --example local_fc -- --addr 127.0.0.1:9000 [--access-key-id ID --access-key-secret SECRET] [--account-id N]
//!     [--function-command PATH [--function-service NAME] [--functions a,b,…]]
//! ```
//!
//! With `--function-command target/debug/examples/function`, the functions of the `function` example (by default
//! every function of the `Demo` trait, `DemoServer::FUNCTIONS`) are also served in the FC 2.0 service `custom` (`--function-service`),
//! each invocation forwarded to that process over FC's custom-runtime protocol.

use std::io::Write as _;
use std::net::SocketAddr;
use std::process::ExitCode;

use fc_runtime::local::{CustomRuntime, DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCESS_KEY_SECRET, LocalFc};

const USAGE: &str = "usage: local_fc [--addr HOST:PORT] [--access-key-id ID] [--access-key-secret SECRET] \
                     [--account-id ID] [--function-command PATH [--function-service NAME] [--functions a,b,...]]";

struct Args {
    addr: SocketAddr,
    key_id: String,
    key_secret: String,
    account_id: Option<String>,
    function_command: Option<std::path::PathBuf>,
    function_service: String,
    functions: String,
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
                Long("help") | Short('h') => return Err(lexopt::Error::Custom(USAGE.into())),
                _ => return Err(arg.unexpected()),
            }
        }
        Ok(())
    })();
    parsed.map_err(|e| if e.to_string() == USAGE { USAGE.to_owned() } else { format!("{e}\n{USAGE}") })?;
    Ok(args)
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(args) => args,
        Err(msg) => {
            eprintln!("{msg}");
            return ExitCode::from(2);
        }
    };
    let mut builder =
        examples::demo_functions(LocalFc::builder().addr(args.addr).access_key(&args.key_id, &args.key_secret));
    if let Some(account) = &args.account_id {
        builder = builder.account_id(account);
    }
    if let Some(command) = &args.function_command {
        let names = args.functions.split(',').map(str::trim).filter(|n| !n.is_empty());
        builder = builder.custom_runtime(&args.function_service, names, CustomRuntime::command(command));
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
    let _ = writeln!(out, "service demo (also demo.LATEST, demo.1, demo.prod): echo greet fail crash sleep log");
    if let Some(command) = &args.function_command {
        let _ = writeln!(
            out,
            "service {} (custom runtime {}): {}",
            args.function_service,
            command.display(),
            args.functions.replace(',', " ")
        );
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
