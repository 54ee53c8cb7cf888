//! The parsers of every credential source, without I/O: the Aliyun CLI's `config.json` (and the provider its
//! profile describes, built but never asked), the credentials file (INI), and the temporary-credentials JSON that
//! instance metadata, STS and a credentials URI answer with. The first byte chooses the parser; the next, for
//! the files, the profile or section asked for.
#![no_main]

use fc_runtime::credentials::fuzzing;
use libfuzzer_sys::fuzz_target;

const PROFILES: [&str; 4] = ["default", "AK", "dev", "Chain"];

fuzz_target!(|data: &[u8]| {
    let [which, profile, rest @ ..] = data else { return };
    let profile = PROFILES[usize::from(*profile) % PROFILES.len()];
    match which % 3 {
        0 => {
            let named = if profile == "default" { None } else { Some(profile) };
            if let Err(e) = fuzzing::cli_config(rest, named) {
                let _ = e.to_string();
            }
        }
        1 => {
            if let Ok(text) = std::str::from_utf8(rest) {
                if let Err(e) = fuzzing::credentials_file(text, profile) {
                    let _ = e.to_string();
                }
            }
        }
        _ => match fuzzing::temporary_credentials(rest) {
            Ok(c) => assert!(!c.access_key_id.is_empty() && c.expires_at.is_some()),
            Err(e) => {
                let _ = e.to_string();
            }
        },
    }
});
