//! Decodes a trigger's event exactly as the function side decodes an invocation body, with the typed event of
//! its source, and prints it again as JSON: what a function would receive.
//!
//! ```text
//! cargo run --example events -- SOURCE FILE
//! ```
//!
//! SOURCE is one of `timer oss sls cdn mns-topic mns-queue rocketmq rabbitmq kafka dts mqtt http destination
//! tablestore`. FILE is the body as FC sends it: JSON; CBOR or JSON for `tablestore`; for `mns-topic` also a
//! STREAM body, which may be plain text. Exit status 0 with the event on stdout; 1 with the decode error, which
//! names the failing field (`events[0].oss.object.size: invalid type: map, expected …`), on stderr; 2 for a usage
//! error.

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [source, file] = args.as_slice() else {
        eprintln!("usage: events SOURCE FILE\n  SOURCE: {}", examples_web::TRIGGER_SOURCES.join(" "));
        return ExitCode::from(2);
    };
    if !examples_web::TRIGGER_SOURCES.contains(&source.as_str()) {
        eprintln!("unknown source {source:?}: one of {}", examples_web::TRIGGER_SOURCES.join(" "));
        return ExitCode::from(2);
    }
    let body = match std::fs::read(file) {
        Ok(body) => body,
        Err(e) => {
            eprintln!("could not read {file}: {e}");
            return ExitCode::from(2);
        }
    };
    match examples_web::decode_trigger_event(source, &body) {
        Ok(event) => {
            println!("{}", serde_json::to_string_pretty(&event.json).expect("JSON"));
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("{error}");
            ExitCode::from(1)
        }
    }
}
