//! A function's code package: the zip checked before anything is written (no entry may land outside the code
//! directory: no `..`, no absolute path, no symlink that resolves outside, through any chain of symlinks), unpacked
//! into a directory of its own that appears whole or not at all, and the custom runtime that runs it as FC does.

use std::collections::HashMap;
use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::super::reply::Reject;
use super::super::runtime::{CustomRuntime, RuntimeLink};
use super::super::state::{Host, State};

/// The most bytes a package may unpack to (FC's code limit is 500 MB zipped; `LocalFc` bounds what it writes).
pub(crate) const MAX_UNPACKED: u64 = 1024 * 1024 * 1024;
/// The most entries a package may have.
pub(crate) const MAX_ENTRIES: usize = 65_536;

/// The runtimes `LocalFc` runs: FC's custom runtimes.
pub(crate) const CUSTOM_RUNTIMES: [&str; 4] = ["custom", "custom.debian10", "custom.debian11", "custom.debian12"];

/// Every runtime FC 3.0 takes (the others are stored, listed, and refused when invoked).
pub(crate) const RUNTIMES: [&str; 22] = [
    "custom",
    "custom.debian10",
    "custom.debian11",
    "custom.debian12",
    "custom-container",
    "nodejs12",
    "nodejs14",
    "nodejs16",
    "nodejs18",
    "nodejs20",
    "go1",
    "python3",
    "python3.9",
    "python3.10",
    "python3.12",
    "java8",
    "java11",
    "php7.2",
    "dotnetcore3.1",
    "dotnetcore2.1",
    "nodejs10",
    "python2.7",
];

/// An unpacked package.
#[derive(Debug, Clone)]
pub(crate) struct Code {
    /// Where it is unpacked (what FC calls `/code`).
    pub dir: PathBuf,
    /// Its CRC-64/XZ, as FC reports `codeChecksum`.
    pub checksum: String,
    /// The zip's size in bytes (`codeSize`).
    pub size: u64,
}

/// What one entry of a checked zip becomes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Planned {
    /// A directory.
    Dir,
    /// A file with this Unix mode (permission bits).
    File {
        /// The entry's index in the archive.
        index: usize,
        /// Its permission bits (0644 when the zip has none).
        mode: u32,
    },
    /// A symlink to this relative target.
    Symlink(String),
}

/// A zip checked entry by entry: each entry's path inside the code directory and what it becomes. Nothing is
/// written; anything that would land outside the directory is refused with the entry's name.
pub fn plan(zip: &[u8]) -> Result<Vec<(Vec<String>, Planned)>, String> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).map_err(|e| format!("not a zip archive: {e}"))?;
    if archive.len() > MAX_ENTRIES {
        return Err(format!("the zip has {} entries, over LocalFc's {MAX_ENTRIES}", archive.len()));
    }
    let mut planned = Vec::with_capacity(archive.len());
    let mut declared: u64 = 0;
    for index in 0..archive.len() {
        let mut entry = archive.by_index(index).map_err(|e| format!("entry {index} cannot be read: {e}"))?;
        let name = entry.name().map_err(|e| format!("entry {index} has a name that cannot be read: {e}"))?.to_string();
        let path = inside(&name)?;
        declared = declared.saturating_add(entry.size());
        if declared > MAX_UNPACKED {
            return Err(format!("the zip unpacks to more than LocalFc's {MAX_UNPACKED} bytes"));
        }
        let mode = entry.unix_mode();
        const S_IFMT: u32 = 0o170_000;
        const S_IFLNK: u32 = 0o120_000;
        let what = if mode.is_some_and(|m| m & S_IFMT == S_IFLNK) {
            if entry.size() > 4096 {
                return Err(format!("the symlink {name:?} has a target over 4096 bytes"));
            }
            let mut target = String::new();
            entry.read_to_string(&mut target).map_err(|e| format!("the symlink {name:?} cannot be read: {e}"))?;
            if target.is_empty() || target.starts_with('/') || target.starts_with('\\') || target.contains('\0') {
                return Err(format!("the symlink {name:?} points to {target:?}, outside the code directory"));
            }
            // `..` only at the start: up from the link's own directory (a real one), then down. After a name,
            // `..` would climb out of whatever that name is, and a file system that folds case or Unicode could
            // make it a link this check does not see.
            let mut descended = false;
            for part in target.split('/') {
                match part {
                    "" | "." => {}
                    ".." if descended => {
                        return Err(format!(
                            "the symlink {name:?} points to {target:?}: `..` may only start a symlink's target"
                        ));
                    }
                    ".." => {}
                    part if part.contains(['\\', ':']) => {
                        return Err(format!("the symlink {name:?} points to {target:?}, which names no file here"));
                    }
                    _ => descended = true,
                }
            }
            Planned::Symlink(target)
        } else if entry.is_dir() {
            Planned::Dir
        } else {
            Planned::File { index, mode: mode.map_or(0o644, |m| m & 0o777) }
        };
        if path.is_empty() && what != Planned::Dir {
            return Err(format!("the entry {name:?} has no name"));
        }
        planned.push((path, what));
    }
    let links: HashMap<Vec<String>, String> = planned
        .iter()
        .filter_map(|(path, what)| match what {
            Planned::Symlink(target) => Some((path.clone(), target.clone())),
            _ => None,
        })
        .collect();
    for (path, target) in &links {
        let dir = path[..path.len() - 1].to_vec();
        if !resolves_inside(&links, dir, target) {
            return Err(format!(
                "the symlink {:?} points to {target:?}, which resolves outside the code directory",
                path.join("/")
            ));
        }
    }
    Ok(planned)
}

/// An entry's path as components inside the code directory, or why it would land outside.
fn inside(name: &str) -> Result<Vec<String>, String> {
    let outside = || format!("the entry {name:?} would land outside the code directory");
    if name.starts_with('/') || name.starts_with('\\') || name.contains('\0') || name.contains('\\') {
        return Err(outside());
    }
    if name.as_bytes().get(1) == Some(&b':') {
        // `C:…`: a drive.
        return Err(outside());
    }
    let mut path = Vec::new();
    for part in name.split('/') {
        match part {
            "" | "." => {}
            ".." => return Err(outside()),
            // A drive (`C:`) or an alternate stream anywhere: refused on every system alike.
            part if part.contains(':') => return Err(outside()),
            part => path.push(part.to_owned()),
        }
    }
    Ok(path)
}

/// Whether `target`, followed from the directory `dir` through the archive's symlinks as the system would follow
/// them, stays inside the code directory (at most 40 links, as Linux).
fn resolves_inside(links: &HashMap<Vec<String>, String>, mut current: Vec<String>, target: &str) -> bool {
    let mut pending: std::collections::VecDeque<String> = target.split('/').map(str::to_owned).collect();
    let mut hops = 0;
    while let Some(part) = pending.pop_front() {
        match part.as_str() {
            "" | "." => {}
            ".." => {
                if current.pop().is_none() {
                    return false;
                }
            }
            name => {
                current.push(name.to_owned());
                if let Some(next) = links.get(&current) {
                    hops += 1;
                    if hops > 40 || next.starts_with('/') {
                        return false;
                    }
                    current.pop();
                    let mut followed: std::collections::VecDeque<String> = next.split('/').map(str::to_owned).collect();
                    followed.extend(pending);
                    pending = followed;
                }
            }
        }
    }
    true
}

/// Unpacks `zip` for `function` under `root`: checked first, written into a temporary directory beside its place,
/// then renamed into place, so that the code directory exists whole or not at all. The same bytes unpacked before
/// are not unpacked again. The zip itself is kept beside the directory (GetFunctionCode's URL).
pub(crate) fn unpack(root: &Path, function: &str, zip: &[u8]) -> Result<Code, Reject> {
    let checksum = crate::manage::code_checksum(zip);
    let base = root.join(function);
    let dir = base.join(&checksum);
    let code = Code { dir: dir.clone(), checksum: checksum.clone(), size: zip.len() as u64 };
    if dir.is_dir() {
        return Ok(code);
    }
    let planned = plan(zip).map_err(|why| Reject::new(400, "InvalidArgument", format!("the code package: {why}")))?;
    let failed = |e: std::io::Error| Reject::new(500, "InternalServerError", format!("unpacking the code: {e}"));
    std::fs::create_dir_all(&base).map_err(failed)?;
    let temporary = tempfile::Builder::new().prefix(".unpacking-").tempdir_in(&base).map_err(failed)?;
    write(temporary.path(), zip, &planned).map_err(|e| match e {
        Written::Io(e) => failed(e),
        Written::Refused(why) => Reject::new(400, "InvalidArgument", format!("the code package: {why}")),
    })?;
    std::fs::write(base.join(format!("{checksum}.zip")), zip).map_err(failed)?;
    let unpacked = temporary.keep();
    if let Err(e) = std::fs::rename(&unpacked, &dir) {
        let _ = std::fs::remove_dir_all(&unpacked);
        if !dir.is_dir() {
            return Err(failed(e));
        }
    }
    Ok(code)
}

enum Written {
    Io(std::io::Error),
    Refused(String),
}

impl From<std::io::Error> for Written {
    fn from(e: std::io::Error) -> Self {
        Written::Io(e)
    }
}

/// Writes a checked plan into `dir`: directories, then files (never through a symlink: there are none yet), then
/// the symlinks; at most [`MAX_UNPACKED`] bytes whatever the entries declare. An entry that cannot be written (a
/// file where the package also has a directory, say) refuses the package, naming the entry.
fn write(dir: &Path, zip: &[u8], planned: &[(Vec<String>, Planned)]) -> Result<(), Written> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).map_err(|e| Written::Refused(e.to_string()))?;
    let place = |path: &[String]| path.iter().fold(dir.to_path_buf(), |p, c| p.join(c));
    let refused = |path: &[String], e: std::io::Error| {
        Written::Refused(format!("the entry {:?} cannot be unpacked: {e}", path.join("/")))
    };
    for (path, what) in planned {
        let made = match what {
            Planned::Dir => std::fs::create_dir_all(place(path)),
            Planned::File { .. } | Planned::Symlink(_) if path.len() > 1 => {
                std::fs::create_dir_all(place(&path[..path.len() - 1]))
            }
            _ => Ok(()),
        };
        made.map_err(|e| refused(path, e))?;
    }
    let mut written: u64 = 0;
    for (path, what) in planned {
        let Planned::File { index, mode } = what else { continue };
        let mut entry = archive.by_index(*index).map_err(|e| Written::Refused(e.to_string()))?;
        let target = place(path);
        let mut file = std::fs::File::create(&target).map_err(|e| refused(path, e))?;
        let left = MAX_UNPACKED - written;
        let copied = std::io::copy(&mut (&mut entry).take(left + 1), &mut file).map_err(|e| refused(path, e))?;
        written += copied;
        if written > MAX_UNPACKED {
            return Err(Written::Refused(format!("the zip unpacks to more than LocalFc's {MAX_UNPACKED} bytes")));
        }
        file.flush()?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(&target, std::fs::Permissions::from_mode(mode | 0o600))?;
        }
        #[cfg(not(unix))]
        let _ = mode;
    }
    for (path, what) in planned {
        let Planned::Symlink(target) = what else { continue };
        #[cfg(unix)]
        std::os::unix::fs::symlink(target, place(path)).map_err(|e| refused(path, e))?;
        #[cfg(not(unix))]
        let _ = target;
    }
    Ok(())
}

/// The code's path for a command or argument naming FC's `/code/…`: inside the unpacked directory.
fn at_code(dir: &Path, word: &str) -> String {
    if word == "/code" {
        return dir.display().to_string();
    }
    match word.strip_prefix("/code/") {
        Some(rest) => dir.join(rest).display().to_string(),
        None => word.to_owned(),
    }
}

/// The host of a function created through the management API: its code run as FC runs a custom runtime, or,
/// for any other runtime (or no code), kept but not run.
///
/// The command is `customRuntimeConfig.command` then `args` (default `/code/bootstrap`), any word naming
/// `/code/…` pointing into the unpacked directory, a relative path with a `/` taken from it, a bare name looked up
/// on `PATH` (`python3`); it runs in the code directory with the function's environment variables and FC's
/// (`FC_FUNC_CODE_PATH`, `FC_FUNCTION_NAME`, `FC_FUNCTION_HANDLER`, `FC_FUNCTION_MEMORY_SIZE`, `FC_INSTANCE_ID`,
/// plus those every runtime gets: the port, the region, the account, the role's credentials). It starts at the
/// first invocation, as FC starts an instance on demand.
pub(crate) fn host(
    state: &State,
    function: &str,
    settings: &serde_json::Map<String, serde_json::Value>,
    code: Option<&Code>,
    instance_id: &str,
) -> Host {
    let runtime = settings.get("runtime").and_then(|v| v.as_str()).unwrap_or_default();
    let Some(code) = code.filter(|_| CUSTOM_RUNTIMES.contains(&runtime)) else {
        return Host::Stored(Arc::from(runtime));
    };
    let config = settings.get("customRuntimeConfig");
    let words = |key: &str| -> Vec<String> {
        config
            .and_then(|c| c.get(key))
            .and_then(|v| v.as_array())
            .map(|a| a.iter().filter_map(|w| w.as_str()).map(|w| at_code(&code.dir, w)).collect())
            .unwrap_or_default()
    };
    let mut command = words("command");
    command.extend(words("args"));
    if command.is_empty() {
        command.push(code.dir.join("bootstrap").display().to_string());
    }
    let mut program = PathBuf::from(&command[0]);
    if program.is_relative() && command[0].contains('/') {
        program = code.dir.join(&program);
    }
    let mut runtime = CustomRuntime::command(program).current_dir(&code.dir);
    for arg in &command[1..] {
        runtime = runtime.arg(arg);
    }
    if let Some(env) = settings.get("environmentVariables").and_then(|v| v.as_object()) {
        for (name, value) in env {
            runtime = runtime.env(name, value.as_str().unwrap_or_default());
        }
    }
    let handler = settings.get("handler").and_then(|v| v.as_str()).unwrap_or_default();
    let memory = settings.get("memorySize").and_then(|v| v.as_u64()).unwrap_or(512);
    runtime = runtime
        .env("FC_FUNC_CODE_PATH", &code.dir)
        .env("FC_FUNCTION_NAME", function)
        .env("FC_FUNCTION_HANDLER", handler)
        .env("FC_FUNCTION_MEMORY_SIZE", memory.to_string())
        .env("FC_INSTANCE_ID", instance_id);
    let link = RuntimeLink::new(runtime);
    link.prepare(state.deploy.launch.clone());
    Host::Runtime(Arc::new(link))
}

/// Removes the unpacked packages of `function` that no version or `LATEST` uses any more (and their zips).
pub(crate) fn prune(root: &Path, function: &str, used: &[String]) {
    let Ok(entries) = std::fs::read_dir(root.join(function)) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let checksum = name.strip_suffix(".zip").unwrap_or(&name);
        if name.starts_with('.') || used.iter().any(|u| u == checksum) {
            continue;
        }
        let path = entry.path();
        let _ = if path.is_dir() { std::fs::remove_dir_all(&path) } else { std::fs::remove_file(&path) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zip_of(entries: &[(&str, &[u8], Option<u32>)]) -> Vec<u8> {
        let mut out = std::io::Cursor::new(Vec::new());
        let mut zip = zip::ZipWriter::new(&mut out);
        for (name, data, mode) in entries {
            let mut options =
                zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
            if let Some(mode) = mode {
                options = options.unix_permissions(*mode);
            }
            if mode.is_some_and(|m| m & 0o170_000 == 0o120_000) {
                zip.add_symlink(*name, std::str::from_utf8(data).unwrap(), options).unwrap();
            } else {
                zip.start_file(*name, options).unwrap();
                zip.write_all(data).unwrap();
            }
        }
        zip.finish().unwrap();
        out.into_inner()
    }

    #[test]
    fn entries_outside_the_code_directory_are_refused_by_name() {
        for (name, why) in [("../evil", "outside"), ("/etc/passwd", "outside"), ("a/../../x", "outside")] {
            let err = plan(&zip_of(&[(name, b"x", None)])).unwrap_err();
            assert!(err.contains(name) && err.contains(why), "{name}: {err}");
        }
        let link = |target: &'static [u8]| zip_of(&[("lib/link", target, Some(0o120_777))]);
        assert!(plan(&link(b"../../etc")).unwrap_err().contains("resolves outside"));
        assert!(plan(&link(b"/etc/passwd")).unwrap_err().contains("outside"));
        plan(&link(b"../bootstrap")).unwrap();
        // A chain: `a` points at the root, `b` goes one up from there.
        let chain = zip_of(&[("a", b".", Some(0o120_777)), ("b", b"a/..", Some(0o120_777))]);
        assert!(plan(&chain).unwrap_err().contains("\"b\""));
        // The same through a name a case-folding file system would take for `a`.
        let folded = zip_of(&[("a", b".", Some(0o120_777)), ("b", b"A/..", Some(0o120_777))]);
        assert!(plan(&folded).unwrap_err().contains("may only start"));
        let drive = zip_of(&[("a/C:/Users/evil", b"x", None)]);
        assert!(plan(&drive).unwrap_err().contains("outside the code directory"));
        let cycle = zip_of(&[("a", b"b", Some(0o120_777)), ("b", b"a", Some(0o120_777))]);
        assert!(plan(&cycle).is_err());
        assert!(plan(b"not a zip").unwrap_err().contains("not a zip"));
    }

    #[test]
    fn a_package_unpacks_whole_with_its_modes_or_not_at_all() {
        let root = tempfile::tempdir().unwrap();
        let zip = zip_of(&[("bootstrap", b"#!/bin/sh\n", Some(0o755)), ("lib/data.txt", b"data", None)]);
        let code = unpack(root.path(), "f", &zip).unwrap();
        assert_eq!(std::fs::read(code.dir.join("lib/data.txt")).unwrap(), b"data");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(code.dir.join("bootstrap")).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o755);
        }
        assert_eq!(code.checksum, crate::manage::code_checksum(&zip));
        let clash = zip_of(&[("a", b"file", None), ("a/b", b"under a file", None)]);
        let err = unpack(root.path(), "h", &clash).unwrap_err();
        assert_eq!((err.status, err.code), (400, "InvalidArgument"), "{}", err.message);
        let bad = zip_of(&[("ok.txt", b"fine", None), ("../escape", b"x", None)]);
        assert!(unpack(root.path(), "g", &bad).is_err());
        assert!(!root.path().join("g").exists() || std::fs::read_dir(root.path().join("g")).unwrap().count() == 0);
        assert!(!root.path().join("escape").exists());
    }
}
