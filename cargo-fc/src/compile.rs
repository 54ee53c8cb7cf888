//! `cargo fc build`: each function's binary cross-compiled for FC's Linux with cargo-zigbuild (glibc 2.28, what
//! `custom.debian10` has; aarch64 when asked), laid out as `target/fc/<bin>/bootstrap` and zipped, deterministically,
//! as `target/fc/<bin>.zip`, then checked: the newest glibc symbol the binary needs, and its size against FC's
//! limits. A host build (`cargo fc local`) packs the same way from a plain `cargo build`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::{Error, Progress, Project};

/// The glibc FC's `custom.debian10` runtime has; binaries must need no newer symbol.
pub const GLIBC: (u32, u32) = (2, 28);

/// How to build.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// Only these packages (`-p`).
    pub packages: Vec<String>,
    /// Only these binaries (`--bin`).
    pub binaries: Vec<String>,
    /// `--release`.
    pub release: bool,
    /// aarch64 instead of x86_64.
    pub arm64: bool,
    /// Build for this machine with plain `cargo build` instead (what `cargo fc local` runs).
    pub host: bool,
}

/// One built code package.
#[derive(Debug, Clone, serde::Serialize)]
#[non_exhaustive]
pub struct Artifact {
    /// The package.
    pub package: String,
    /// The binary.
    pub binary: String,
    /// `target/fc/<bin>/bootstrap`.
    pub bootstrap: PathBuf,
    /// `target/fc/<bin>.zip`.
    pub zip: PathBuf,
    /// The zip's CRC-64, as FC reports `codeChecksum`.
    pub checksum: String,
    /// The zip's size in bytes.
    pub zip_size: u64,
    /// The binary's size in bytes.
    pub binary_size: u64,
    /// The newest `GLIBC_x.y` symbol version it needs (`None`: static, or none).
    pub glibc: Option<(u32, u32)>,
}

/// Where `cargo fc` puts packages: `target/fc` (`target/fc-host` for host builds).
pub fn out_dir(project: &Project, host: bool) -> PathBuf {
    project.target_dir.join(if host { "fc-host" } else { "fc" })
}

/// The `cargo-zigbuild` to run: `CARGO_FC_ZIGBUILD`, else on `PATH`, else in a virtualenv at `target/zig-venv`
/// or `.venv` of the workspace; with the directory it is in (where pip put zig too), for `PATH`.
fn zigbuild(project: &Project) -> Result<(PathBuf, Option<PathBuf>), Error> {
    let install =
        "install both from PyPI: `pip install cargo-zigbuild ziglang` (or `python3 -m venv target/zig-venv && \
                   target/zig-venv/bin/pip install cargo-zigbuild ziglang`); set CARGO_FC_ZIGBUILD to use another"
            .to_owned();
    if let Some(path) = std::env::var_os("CARGO_FC_ZIGBUILD") {
        let path = PathBuf::from(path);
        return if path.is_file() {
            let dir = path.parent().map(Path::to_path_buf);
            Ok((path, dir))
        } else {
            Err(Error::MissingTool {
                tool: "cargo-zigbuild",
                install: format!("CARGO_FC_ZIGBUILD={} does not exist; {install}", path.display()),
            })
        };
    }
    let candidates = [
        project.target_dir.join("zig-venv/bin"),
        project.root.join("target/zig-venv/bin"),
        project.root.join(".venv/bin"),
    ];
    let on_path = std::env::var_os("PATH").map(|p| std::env::split_paths(&p).collect::<Vec<_>>()).unwrap_or_default();
    for dir in on_path.iter().chain(candidates.iter()) {
        let path = dir.join("cargo-zigbuild");
        if path.is_file() {
            return Ok((path, Some(dir.clone())));
        }
    }
    Err(Error::MissingTool { tool: "cargo-zigbuild", install })
}

/// Whether the toolchain has the standard library of `triple` (the host's always counts).
fn std_installed(triple: &str) -> bool {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let output = |args: &[&str]| {
        Command::new(&rustc)
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
    };
    if output(&["-vV"]).is_some_and(|v| v.lines().any(|l| l == format!("host: {triple}"))) {
        return true;
    }
    // Without rustc to ask, let cargo say what is missing.
    output(&["--print", "sysroot"]).is_none_or(|sysroot| Path::new(&sysroot).join("lib/rustlib").join(triple).is_dir())
}

/// Whether zig can be found the way cargo-zigbuild finds it (`zig` on `PATH`, or the `ziglang` Python package).
fn zig_found(path: &std::ffi::OsStr) -> bool {
    let run = |program: &str, args: &[&str]| {
        Command::new(program)
            .args(args)
            .env("PATH", path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    run("zig", &["version"]) || run("python3", &["-m", "ziglang", "version"])
}

/// Builds every function's binary (of `options.packages` / `options.binaries` when given) and packs each once.
pub fn build(project: &Project, options: &BuildOptions, progress: &Progress) -> Result<Vec<Artifact>, Error> {
    let specs = project.functions(&options.packages)?;
    let mut wanted: Vec<(String, String)> = Vec::new();
    for spec in &specs {
        if (options.binaries.is_empty() || options.binaries.contains(&spec.binary))
            && !wanted.iter().any(|(p, b)| *p == spec.package && *b == spec.binary)
        {
            wanted.push((spec.package.clone(), spec.binary.clone()));
        }
    }
    for binary in &options.binaries {
        if !wanted.iter().any(|(_, b)| b == binary) {
            let known: Vec<&str> =
                project.packages.iter().flat_map(|p| p.binaries.iter().map(String::as_str)).collect();
            return Err(Error::Usage(format!(
                "no binary {binary:?} serves a function here (binaries: {})",
                known.join(", ")
            )));
        }
    }
    if wanted.is_empty() {
        return Err(Error::Usage("no function to build: the crate has no binary".to_owned()));
    }
    let triple = if options.arm64 { "aarch64-unknown-linux-gnu" } else { "x86_64-unknown-linux-gnu" };
    if !options.host && !std_installed(triple) {
        return Err(Error::MissingTool {
            tool: "the Rust standard library for the target",
            install: format!(
                "`rustup target add {triple}` (cargo-zigbuild links with zig, but Rust's std comes from rustup)"
            ),
        });
    }
    let mut command;
    if options.host {
        command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
        command.arg("build");
    } else {
        let (zigbuild, dir) = zigbuild(project)?;
        let mut path = std::env::var_os("PATH").unwrap_or_default();
        if let Some(dir) = dir {
            let mut dirs = vec![dir];
            dirs.extend(std::env::split_paths(&path));
            path = std::env::join_paths(dirs).unwrap_or(path);
        }
        if !zig_found(&path) {
            return Err(Error::MissingTool {
                tool: "zig",
                install: "cargo-zigbuild links with zig: `pip install ziglang` beside it (PyPI), or put `zig` on PATH"
                    .to_owned(),
            });
        }
        command = Command::new(zigbuild);
        // As cargo runs it: the subcommand's name first.
        command.arg("zigbuild").env("PATH", path).args(["--target", &format!("{triple}.{}.{}", GLIBC.0, GLIBC.1)]);
    }
    let manifest = project.root.join("Cargo.toml");
    command.arg("--manifest-path").arg(&manifest).arg("--message-format=json-render-diagnostics");
    if options.release {
        command.arg("--release");
    }
    for (package, binary) in &wanted {
        command.args(["-p", package, "--bin", binary]);
    }
    progress.step(format!(
        "building {} for {}{}",
        wanted.iter().map(|(_, b)| b.as_str()).collect::<Vec<_>>().join(", "),
        if options.host { "this machine".to_owned() } else { format!("{triple} (glibc {}.{})", GLIBC.0, GLIBC.1) },
        if options.release { ", release" } else { "" }
    ));
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| Error::Cargo(format!("could not run the build: {e}")))?;
    let stdout = child.stdout.take().expect("piped");
    let mut executables: Vec<(String, PathBuf)> = Vec::new();
    for message in cargo_metadata::Message::parse_stream(std::io::BufReader::new(stdout)) {
        let Ok(cargo_metadata::Message::CompilerArtifact(artifact)) = message else { continue };
        if let Some(executable) = artifact.executable
            && artifact.target.is_bin()
        {
            executables.push((artifact.target.name.clone(), executable.into_std_path_buf()));
        }
    }
    let status = child.wait().map_err(|e| Error::Cargo(format!("the build: {e}")))?;
    if !status.success() {
        return Err(Error::Cargo(format!("the build failed ({status})")));
    }
    let out = out_dir(project, options.host);
    let mut artifacts = Vec::new();
    for (package, binary) in wanted {
        let executable = executables
            .iter()
            .find(|(name, _)| *name == binary)
            .map(|(_, path)| path.clone())
            .ok_or_else(|| Error::Cargo(format!("cargo built no executable named {binary}")))?;
        let artifact = pack(&package, &binary, &executable, &out, !options.host, !options.release)?;
        progress.step(format!(
            "packed {} ({} bytes zipped, checksum {}{})",
            artifact.zip.display(),
            artifact.zip_size,
            artifact.checksum,
            artifact.glibc.map(|(a, b)| format!(", needs glibc {a}.{b}")).unwrap_or_default()
        ));
        artifacts.push(artifact);
    }
    Ok(artifacts)
}

/// Packs `executable` as `out/<binary>/bootstrap` and `out/<binary>.zip` (each written beside its place, then
/// renamed, so that neither is ever half-written), checked against FC's limits (and glibc, when `check_glibc`).
/// A `fast` zip (debug builds, the edit-build-deploy loop) is deflated at level 1: a debug binary is tens of
/// megabytes, and the default level would take seconds; a release build gets the default level, the smaller zip.
pub fn pack(
    package: &str,
    binary: &str,
    executable: &Path,
    out: &Path,
    check_glibc: bool,
    fast: bool,
) -> Result<Artifact, Error> {
    let bytes = std::fs::read(executable).map_err(Error::io(executable))?;
    // Only FC's Linux binaries are read as ELF: a host build (`cargo fc local`) may be anything the host runs.
    let glibc = if check_glibc {
        newest_glibc(&bytes).map_err(|message| Error::Binary { binary: executable.to_path_buf(), message })?
    } else {
        None
    };
    if let Some(needed) = glibc.filter(|needed| *needed > GLIBC) {
        return Err(Error::Binary {
            binary: executable.to_path_buf(),
            message: format!(
                "needs glibc {}.{}, newer than FC's {}.{}: build with cargo fc build (zig links against {}.{})",
                needed.0, needed.1, GLIBC.0, GLIBC.1, GLIBC.0, GLIBC.1
            ),
        });
    }
    let code = fc_runtime::manage::CodePackage::new().executable("bootstrap", bytes.clone());
    let zip = if fast { code.level(1) } else { code }.finish().map_err(Error::io(executable))?;
    if zip.len() > fc_runtime::manage::MAX_DIRECT_CODE {
        return Err(Error::Binary {
            binary: executable.to_path_buf(),
            message: format!(
                "zips to {} bytes, over FC's {} byte limit on code sent directly (build with --release, strip it)",
                zip.len(),
                fc_runtime::manage::MAX_DIRECT_CODE
            ),
        });
    }
    let dir = out.join(binary);
    std::fs::create_dir_all(&dir).map_err(Error::io(&dir))?;
    let bootstrap = dir.join("bootstrap");
    write_atomically(&bootstrap, &bytes, 0o755)?;
    let zip_path = out.join(format!("{binary}.zip"));
    write_atomically(&zip_path, &zip, 0o644)?;
    Ok(Artifact {
        package: package.to_owned(),
        binary: binary.to_owned(),
        bootstrap,
        checksum: fc_runtime::manage::code_checksum(&zip),
        zip_size: zip.len() as u64,
        binary_size: bytes.len() as u64,
        zip: zip_path,
        glibc,
    })
}

fn write_atomically(path: &Path, bytes: &[u8], mode: u32) -> Result<(), Error> {
    let temporary = path.with_extension("partial");
    std::fs::write(&temporary, bytes).map_err(Error::io(&temporary))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&temporary, std::fs::Permissions::from_mode(mode)).map_err(Error::io(&temporary))?;
    }
    #[cfg(not(unix))]
    let _ = mode;
    std::fs::rename(&temporary, path).map_err(Error::io(path))
}

/// The newest `GLIBC_x.y` version an ELF binary needs (`None` when it needs none: static, or not glibc).
pub fn newest_glibc(elf: &[u8]) -> Result<Option<(u32, u32)>, String> {
    use object::read::elf::ElfFile64;
    let file = ElfFile64::<object::Endianness>::parse(elf).map_err(|e| format!("not a 64-bit ELF executable: {e}"))?;
    let endian = file.endian();
    let sections = file.elf_section_table();
    let Some((mut needs, index)) = sections.gnu_verneed(endian, elf).map_err(|e| e.to_string())? else {
        return Ok(None);
    };
    let strings = sections.strings(endian, elf, index).map_err(|e| e.to_string())?;
    let mut newest = None;
    while let Some((_, mut auxes)) = needs.next().map_err(|e| e.to_string())? {
        while let Some(aux) = auxes.next().map_err(|e| e.to_string())? {
            let name = String::from_utf8_lossy(aux.name(endian, strings).map_err(|e| e.to_string())?).into_owned();
            let Some(version) = name.strip_prefix("GLIBC_") else { continue };
            let mut parts = version.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
            let v = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
            newest = newest.max(Some(v));
        }
    }
    Ok(newest)
}
