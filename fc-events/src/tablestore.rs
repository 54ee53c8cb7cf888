//! The Tablestore trigger: row changes, sent as **CBOR** (the console's test button sends JSON; both decode with
//! the same types).

use std::fmt;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// What a Tablestore trigger sends: the row changes of a stream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct TablestoreEvent {
    /// `Sync-v1`.
    pub version: String,
    /// The changes.
    pub records: Vec<Record>,
}

impl TablestoreEvent {
    /// Decodes the CBOR FC sends.
    pub fn from_cbor(body: &[u8]) -> Result<Self, ciborium::de::Error<std::io::Error>> {
        ciborium::from_reader(body)
    }

    /// Encodes the event as FC sends it, in CBOR.
    pub fn to_cbor(&self) -> Vec<u8> {
        let mut out = Vec::new();
        ciborium::into_writer(self, &mut out).expect("an event encodes to CBOR");
        out
    }
}

/// One row change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct Record {
    /// What happened to the row.
    #[serde(rename = "Type")]
    pub record_type: RecordType,
    /// When.
    pub info: RecordInfo,
    /// The row's primary key columns.
    pub primary_key: Vec<PrimaryKeyColumn>,
    /// The attribute columns changed (none for a `DeleteRow`).
    #[serde(default)]
    pub columns: Vec<Column>,
}

/// What happened to a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum RecordType {
    /// Written whole.
    PutRow,
    /// Some columns changed.
    UpdateRow,
    /// Deleted.
    DeleteRow,
}

/// When a row changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct RecordInfo {
    /// When the change was written, **microseconds** since the epoch.
    #[serde(with = "crate::tolerant::int")]
    pub timestamp: i64,
}

/// A primary key column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct PrimaryKeyColumn {
    /// The column's name.
    pub column_name: String,
    /// Its value: an integer, a string or a blob.
    pub value: Value,
}

/// An attribute column's change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct Column {
    /// What happened to the column.
    #[serde(rename = "Type")]
    pub column_type: ColumnType,
    /// The column's name.
    pub column_name: String,
    /// The new value (none when the column was deleted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
    /// The version written or deleted, **milliseconds** since the epoch.
    #[serde(with = "crate::tolerant::opt_int", default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<i64>,
}

/// What happened to a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum ColumnType {
    /// A version written.
    Put,
    /// One version deleted.
    DeleteOneVersion,
    /// Every version deleted.
    DeleteAllVersions,
}

/// A Tablestore value.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Value {
    /// A 64-bit integer.
    Integer(i64),
    /// A double.
    Double(f64),
    /// A boolean.
    Boolean(bool),
    /// A string.
    String(String),
    /// Bytes (a CBOR byte string; a JSON array of numbers).
    Blob(Vec<u8>),
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Integer(v) => serializer.serialize_i64(*v),
            Value::Double(v) => serializer.serialize_f64(*v),
            Value::Boolean(v) => serializer.serialize_bool(*v),
            Value::String(v) => serializer.serialize_str(v),
            Value::Blob(v) => serializer.serialize_bytes(v),
        }
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ValueVisitor;
        impl<'de> Visitor<'de> for ValueVisitor {
            type Value = Value;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a Tablestore value (an integer, a double, a boolean, a string or bytes)")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
                Ok(Value::Integer(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
                i64::try_from(v)
                    .map(Value::Integer)
                    .map_err(|_| E::invalid_value(de::Unexpected::Unsigned(v), &"a 64-bit signed integer"))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
                Ok(Value::Double(v))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
                Ok(Value::Boolean(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
                Ok(Value::String(v.to_owned()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
                Ok(Value::String(v))
            }
            fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Value, E> {
                Ok(Value::Blob(v.to_vec()))
            }
            fn visit_byte_buf<E: de::Error>(self, v: Vec<u8>) -> Result<Value, E> {
                Ok(Value::Blob(v))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
                let mut bytes = Vec::new();
                while let Some(b) = seq.next_element::<u8>()? {
                    bytes.push(b);
                }
                Ok(Value::Blob(bytes))
            }
        }
        deserializer.deserialize_any(ValueVisitor)
    }
}

impl crate::TriggerEvent for TablestoreEvent {
    const SOURCE: &'static str = "tablestore";

    fn encoding(&self) -> crate::Encoding {
        crate::Encoding::Cbor
    }

    fn to_body(&self) -> Vec<u8> {
        self.to_cbor()
    }
}
