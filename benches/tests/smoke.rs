//! A smoke run of the load program (a few iterations of every measurement but the compile-time one), and the
//! compile-time benchmark's two crates checked for shape without building them.

use std::process::Command;

#[test]
fn the_load_program_measures_every_row() {
    let doc = std::env::temp_dir().join(format!("fc-bench-smoke-{}.md", std::process::id()));
    std::fs::write(&doc, "# Results\n\n<!-- results:start -->\nold\n<!-- results:end -->\ntail\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_fc-bench"))
        .args(["--quick", "--skip-compile", "--write"])
        .arg(&doc)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "fc-bench failed:\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    for row in
        ["| 1. Sign", "| 2. Typed call", "concurrency 1, typed stub vs bare", "concurrency 64, typed stub vs bare"]
    {
        assert!(stdout.contains(row), "{row:?} missing from\n{stdout}");
    }
    assert!(stdout.contains("| 4. Emulator capacity") && stdout.contains("MB sync round trip"), "{stdout}");
    for row in [
        "| 7. ACS3-sign",
        "concurrency 1, typed FC 3.0 (ACS3) vs typed FC 2.0",
        "concurrency 64, typed FC 3.0",
        "under FC 3.0",
    ] {
        assert!(stdout.contains(row), "{row:?} missing from\n{stdout}");
    }
    for row in [
        "| 8. Custom-runtime server",
        "| 9. Cold start",
        "concurrency 1: typed `#[fc_http]` stub vs bare reqwest",
        "concurrency 64: signed (`authType = function`",
        "| 11. Streamed answer",
        "| 12. CreateFunction of the zipped `fc-function`",
        "| 13. A management call (GetFunction",
        "| 14. `cargo fc deploy` of one function",
    ] {
        assert!(stdout.contains(row), "{row:?} missing from\n{stdout}");
    }
    // The official SDKs' rows, measured whenever `.ci/run` (or a developer) installed them under `target/`.
    let workspace = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    for (row, installed, missing) in [
        (
            "typed stub vs official Node SDK",
            workspace.join("target/node-sdk/node_modules/@alicloud/fc2").exists(),
            "no Node SDK",
        ),
        (
            "typed stub vs official Python SDK",
            workspace.join("target/sdk-venv/bin/python").exists(),
            "no SDK virtualenv",
        ),
    ] {
        assert!(stdout.contains(row), "{row:?} missing from\n{stdout}");
        if installed {
            assert!(!stdout.contains(missing), "the installed SDK was not measured:\n{stdout}");
        }
    }
    assert!(!stdout.contains("errors"), "every call of the smoke run succeeded:\n{stdout}");
    let written = std::fs::read_to_string(&doc).unwrap();
    std::fs::remove_file(&doc).unwrap();
    assert!(
        written.contains("| 1. Sign")
            && !written.contains("\nold\n")
            && written.ends_with("<!-- results:end -->\ntail\n")
    );
}

#[test]
fn the_compile_benchmark_crates_have_the_same_methods() {
    let with_macros = fc_benches::compile::macro_crate_source(30);
    let expanded = fc_benches::compile::expanded_crate_source(30).unwrap();
    let with_macros: syn::File = syn::parse_str(&with_macros).unwrap();
    let expanded: syn::File = syn::parse_str(&expanded).unwrap();
    let methods = |file: &syn::File| -> Vec<String> {
        file.items
            .iter()
            .filter_map(|i| match i {
                syn::Item::Trait(t) => Some(t),
                _ => None,
            })
            .flat_map(|t| t.items.iter())
            .filter_map(|i| match i {
                syn::TraitItem::Fn(f) => Some(f.sig.ident.to_string()),
                _ => None,
            })
            .collect()
    };
    assert_eq!(methods(&with_macros).len(), 30);
    assert_eq!(methods(&with_macros), methods(&expanded));
    let text = quote::ToTokens::to_token_stream(&expanded).to_string();
    assert!(!text.contains("# [fc_function") && !text.contains("# [fc_service"), "no attribute is left: {text}");
    assert!(text.contains("__private :: Invoke :: invoke"), "the expansion is pasted in: {text}");
}
