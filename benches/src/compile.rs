//! The compile-time benchmark: one crate with N `#[fc_function]` methods, and the same crate with the macros'
//! expansion pasted in (produced by `fc-codegen`, the library the macros call), built with the same cargo and
//! target directory.

use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// The trait, as a user would write it.
pub fn trait_source(methods: usize) -> String {
    let mut s = String::from("#[fc_service(service = \"generated\", qualifier = \"LATEST\")]\npub trait Generated {\n");
    for i in 0..methods {
        match i % 3 {
                0 => s.push_str(&format!(
                    "    /// Method {i}.\n    #[fc_function]\n    async fn call_{i}(&self, req: &Req) -> Result<Out, FcError>;\n"
                )),
                1 => s.push_str(&format!(
                    "    /// Method {i}.\n    #[fc_function(function = \"f_{i}\", log = \"tail\")]\n    async fn call_{i}(&self, id: u64, name: &str) -> Result<fc_runtime::Invocation<Out>, FcError>;\n"
                )),
                _ => s.push_str(&format!(
                    "    /// Method {i}.\n    #[fc_function(invocation = \"async\")]\n    async fn call_{i}(&self, #[fc(invocation_id)] id: &str, req: Req) -> Result<fc_runtime::Accepted, FcError>;\n"
                )),
            }
    }
    s.push_str("}\n");
    s
}

const MACROS: &str = "use fc_runtime::{fc_function, fc_service};\n";

const PRELUDE: &str = "#![allow(missing_docs)]\nuse fc_runtime::FcError;\n\
    #[derive(serde::Serialize, serde::Deserialize)]\npub struct Req { pub id: u64, pub name: String }\n\
    #[derive(serde::Serialize, serde::Deserialize)]\npub struct Out { pub ok: bool, pub n: u64 }\n";

/// The crate source with the attribute macros.
pub fn macro_crate_source(methods: usize) -> String {
    format!("{PRELUDE}{MACROS}{}", trait_source(methods))
}

/// The same crate with the expansion pasted in, pretty-printed.
pub fn expanded_crate_source(methods: usize) -> Result<String, String> {
    let source = trait_source(methods);
    let mut item: syn::ItemTrait = syn::parse_str(&source).map_err(|e| e.to_string())?;
    let attr = item.attrs.remove(0);
    let args = match attr.meta {
        syn::Meta::List(list) => list.tokens,
        _ => proc_macro2::TokenStream::new(),
    };
    let expanded = fc_codegen::fc_service(args, quote::ToTokens::into_token_stream(item));
    let file: syn::File = syn::parse2(expanded).map_err(|e| e.to_string())?;
    // The expansion keeps the user's `fc_function` import used (see fc-codegen), so that import stays.
    Ok(format!("{PRELUDE}use fc_runtime::fc_function;\n{}", prettyplease::unparse(&file)))
}

/// Build times of the two crates (medians over the rounds).
#[derive(Debug, Clone, Copy)]
pub struct CompileTimes {
    /// Clean build of the macro crate (its dependencies already built).
    pub cold_macro: Duration,
    /// Clean build of the expanded crate.
    pub cold_expanded: Duration,
    /// Rebuild of the macro crate after touching its source.
    pub incremental_macro: Duration,
    /// Rebuild of the expanded crate after touching its source.
    pub incremental_expanded: Duration,
}

fn write_crate(dir: &Path, name: &str, source: &str, runtime: &Path, lock: &Path) -> io::Result<()> {
    std::fs::create_dir_all(dir.join("src"))?;
    let manifest = format!(
        "[package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
         [dependencies]\nfc-runtime = {{ path = {:?} }}\nserde = {{ version = \"1\", features = [\"derive\"] }}\n\n\
         [workspace]\n",
        runtime.display().to_string()
    );
    std::fs::write(dir.join("Cargo.toml"), manifest)?;
    std::fs::write(dir.join("src/lib.rs"), source)?;
    if !dir.join("Cargo.lock").exists() {
        std::fs::copy(lock, dir.join("Cargo.lock"))?;
    }
    Ok(())
}

fn cargo(dir: &Path, target: &Path, args: &[&str]) -> io::Result<Duration> {
    let started = Instant::now();
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(args)
        .args(["--offline", "--quiet"])
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target)
        .env_remove("RUSTFLAGS")
        .status()?;
    if !status.success() {
        return Err(io::Error::other(format!("cargo {args:?} failed in {}", dir.display())));
    }
    Ok(started.elapsed())
}

fn touch(dir: &Path, round: usize) -> io::Result<()> {
    let path = dir.join("src/lib.rs");
    let mut source = std::fs::read_to_string(&path)?;
    source.push_str(&format!("// edit {round}\n"));
    std::fs::write(path, source)
}

/// Generates both crates under `work` and times their builds, alternating between them in each round.
pub fn measure(work: &Path, runtime: &Path, lock: &Path, methods: usize, rounds: usize) -> io::Result<CompileTimes> {
    let target = work.join("target");
    let crates: [(PathBuf, &str, String); 2] = [
        (work.join("with_macros"), "gen_with_macros", macro_crate_source(methods)),
        (work.join("expanded"), "gen_expanded", expanded_crate_source(methods).map_err(io::Error::other)?),
    ];
    for (dir, name, source) in &crates {
        write_crate(dir, name, source, runtime, lock)?;
        cargo(dir, &target, &["build"])?; // dependencies, once
    }
    let mut cold = [Vec::new(), Vec::new()];
    let mut incremental = [Vec::new(), Vec::new()];
    for round in 0..rounds.max(1) {
        for (i, (dir, name, _)) in crates.iter().enumerate() {
            cargo(dir, &target, &["clean", "-p", name])?;
            cold[i].push(cargo(dir, &target, &["build"])?.as_secs_f64());
            touch(dir, round)?;
            incremental[i].push(cargo(dir, &target, &["build"])?.as_secs_f64());
        }
    }
    let m = |v: &Vec<f64>| Duration::from_secs_f64(crate::stats::median(v.clone()));
    Ok(CompileTimes {
        cold_macro: m(&cold[0]),
        cold_expanded: m(&cold[1]),
        incremental_macro: m(&incremental[0]),
        incremental_expanded: m(&incremental[1]),
    })
}
