//! Function Compute's naming rules, shared by compile-time checks (the macros) and run-time checks (the
//! client), so that both refuse exactly the same names.
//!
//! - service names, alias names and stateful invocation ids: `^[A-Za-z_][A-Za-z0-9_-]{0,127}$`
//! - function names: the same alphabet and first-character rule, 1 to 128 characters
//! - qualifiers: `LATEST`, a version number (digits only), or an alias name
//! - FC 3.0 function names: the same alphabet and first-character rule, 1 to 64 characters
//! - FC 3.0 async task ids: the rule of stateful invocation ids
//! - alias names (not `LATEST`) and trigger names: the rule of service names

use std::fmt;

/// Longest service name, function name, alias or invocation id FC accepts.
pub const MAX_NAME_LEN: usize = 128;

/// Why a name was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum NameError {
    /// The name is empty.
    Empty,
    /// The name is longer than allowed.
    TooLong {
        /// The name's length in bytes.
        len: usize,
        /// The longest allowed.
        max: usize,
    },
    /// The first character is not a letter or `_`.
    BadFirst(char),
    /// A character outside `[A-Za-z0-9_-]`, with its byte offset.
    BadChar(char, usize),
    /// A name FC keeps for itself (`LATEST` as an alias).
    Reserved,
}

impl fmt::Display for NameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NameError::Empty => f.write_str("must not be empty"),
            NameError::TooLong { len, max } => write!(f, "is {len} characters long, at most {max} are allowed"),
            NameError::BadFirst(c) => {
                write!(f, "must start with a letter or `_`, not {}", describe(*c))
            }
            NameError::BadChar(c, at) => {
                write!(f, "may contain only letters, digits, `_` and `-`, found {} at position {at}", describe(*c))
            }
            NameError::Reserved => f.write_str("is reserved by FC"),
        }
    }
}

impl std::error::Error for NameError {}

fn describe(c: char) -> String {
    match c {
        ' ' => "a space".to_owned(),
        c if c.is_control() => c.escape_default().to_string(),
        c => format!("`{c}`"),
    }
}

/// Longest FC 3.0 function name.
pub const MAX_FC3_FUNCTION_LEN: usize = 64;

fn check(name: &str) -> Result<(), NameError> {
    check_max(name, MAX_NAME_LEN)
}

fn check_max(name: &str, max: usize) -> Result<(), NameError> {
    let mut chars = name.char_indices();
    let Some((_, first)) = chars.next() else {
        return Err(NameError::Empty);
    };
    if !(first.is_ascii_alphabetic() || first == '_') {
        return Err(NameError::BadFirst(first));
    }
    for (at, c) in chars {
        if !(c.is_ascii_alphanumeric() || c == '_' || c == '-') {
            return Err(NameError::BadChar(c, at));
        }
    }
    if name.len() > max {
        return Err(NameError::TooLong { len: name.len(), max });
    }
    Ok(())
}

/// Checks a service name.
pub fn check_service(name: &str) -> Result<(), NameError> {
    check(name)
}

/// Checks a function name.
pub fn check_function(name: &str) -> Result<(), NameError> {
    check(name)
}

/// Checks an FC 3.0 function name: 1 to 64 letters, digits, `_` and `-`, not starting with a digit or `-`.
pub fn check_fc3_function(name: &str) -> Result<(), NameError> {
    check_max(name, MAX_FC3_FUNCTION_LEN)
}

/// Checks an FC 3.0 async task id (the stateful invocation id's rule).
pub fn check_async_task_id(id: &str) -> Result<(), NameError> {
    check(id)
}

/// Checks a stateful async invocation id.
pub fn check_invocation_id(id: &str) -> Result<(), NameError> {
    check(id)
}

/// Checks an alias name (FC 3.0 and 2.0): the rule of service names. `LATEST` is not an alias: it names the
/// function's head.
pub fn check_alias(name: &str) -> Result<(), NameError> {
    if name == "LATEST" {
        return Err(NameError::Reserved);
    }
    check(name)
}

/// Checks a trigger name: the rule of service names, 1 to 128 characters.
pub fn check_trigger(name: &str) -> Result<(), NameError> {
    check(name)
}

/// Checks a qualifier: `LATEST`, a version number, or an alias name.
pub fn check_qualifier(qualifier: &str) -> Result<(), NameError> {
    if !qualifier.is_empty() && qualifier.len() <= MAX_NAME_LEN && qualifier.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(());
    }
    check(qualifier)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules() {
        assert_eq!(check_service("demo-service_1"), Ok(()));
        assert_eq!(check_service("_x"), Ok(()));
        assert_eq!(check_service(""), Err(NameError::Empty));
        assert_eq!(check_service("1abc"), Err(NameError::BadFirst('1')));
        assert_eq!(check_service("-abc"), Err(NameError::BadFirst('-')));
        assert_eq!(check_service("a.b"), Err(NameError::BadChar('.', 1)));
        assert_eq!(check_function("fn é"), Err(NameError::BadChar(' ', 2)));
        assert_eq!(check_service(&"a".repeat(128)), Ok(()));
        assert_eq!(check_service(&"a".repeat(129)), Err(NameError::TooLong { len: 129, max: 128 }));
        assert_eq!(check_fc3_function(&"a".repeat(64)), Ok(()));
        assert_eq!(check_fc3_function(&"a".repeat(65)), Err(NameError::TooLong { len: 65, max: 64 }));
        assert_eq!(check_fc3_function("-x"), Err(NameError::BadFirst('-')));
        assert_eq!(check_async_task_id("job-1"), Ok(()));
        assert_eq!(check_qualifier("LATEST"), Ok(()));
        assert_eq!(check_qualifier("12"), Ok(()));
        assert_eq!(check_qualifier("prod"), Ok(()));
        assert_eq!(check_qualifier("1x"), Err(NameError::BadFirst('1')));
        assert_eq!(check_invocation_id("id\r\n"), Err(NameError::BadChar('\r', 2)));
    }

    #[test]
    fn messages_name_the_problem() {
        assert_eq!(
            NameError::BadChar(' ', 2).to_string(),
            "may contain only letters, digits, `_` and `-`, found a space at position 2"
        );
        assert_eq!(
            NameError::BadChar('\n', 0).to_string(),
            "may contain only letters, digits, `_` and `-`, found \\n at position 0"
        );
    }
}
