//! [`EncodeError`]: why an event could not be encoded as the body FC sends.

use std::error::Error;
use std::fmt;

use crate::Encoding;

/// Why [`TriggerEvent::to_body`](crate::TriggerEvent::to_body) could not encode an event: its `Serialize`
/// failed, or the encoder did.
///
/// One type for every encoding, rather than `serde_json::Error`, because Tablestore's body is CBOR, whose encoder
/// fails with errors of its own, and a user's type may encode its body any way it likes.
#[derive(Debug)]
pub struct EncodeError {
    encoding: Encoding,
    source: Box<dyn Error + Send + Sync + 'static>,
}

impl EncodeError {
    /// An error of encoding an event as `encoding`, caused by `source` (the encoder's error, or a message).
    pub fn new(encoding: Encoding, source: impl Into<Box<dyn Error + Send + Sync + 'static>>) -> Self {
        EncodeError { encoding, source: source.into() }
    }

    /// The encoding that failed.
    pub fn encoding(&self) -> Encoding {
        self.encoding
    }
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let encoding = match self.encoding {
            Encoding::Json => "JSON",
            Encoding::Cbor => "CBOR",
            Encoding::Raw => "raw bytes",
        };
        write!(f, "the event does not encode as {encoding}: {}", self.source)
    }
}

impl Error for EncodeError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        Some(&*self.source)
    }
}

/// So that `?` works on `serde_json::to_vec` in a [`TriggerEvent`](crate::TriggerEvent) implementation.
impl From<serde_json::Error> for EncodeError {
    fn from(error: serde_json::Error) -> Self {
        EncodeError::new(Encoding::Json, error)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use crate::TriggerEvent;

    /// A user's event whose `Serialize` fails: JSON has no object with non-string keys.
    #[derive(serde::Serialize)]
    struct ByPair(BTreeMap<(u8, u8), u8>);

    impl TriggerEvent for ByPair {
        const SOURCE: &'static str = "by-pair";
    }

    #[test]
    fn a_users_event_that_does_not_serialize_is_an_error_not_a_panic() {
        let error = ByPair(BTreeMap::from([((1, 2), 3)])).to_body().unwrap_err();
        assert_eq!(error.encoding(), crate::Encoding::Json);
        assert_eq!(error.to_string(), "the event does not encode as JSON: key must be a string");
        assert!(std::error::Error::source(&error).is_some());
    }
}
