//! The Tablestore trigger: row changes, sent as **CBOR** (the console's test button sends JSON; both decode with
//! the same types).
//!
//! ```
//! use fc_events::tablestore::{Column, PrimaryKeyColumn, Record, RecordType, TablestoreEvent};
//!
//! let event = TablestoreEvent::new(vec![
//!     Record::new(RecordType::PutRow, vec![PrimaryKeyColumn::new("id", 1)]).with_column(Column::put("name", "ann")),
//! ]);
//! assert_eq!(TablestoreEvent::from_cbor(&event.to_cbor()?)?, event);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// What a Tablestore trigger sends: the row changes of a stream.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct TablestoreEvent {
    /// `Sync-v1`.
    pub version: String,
    /// The changes.
    pub records: Vec<Record>,
    /// Fields FC added that this crate does not name, kept and serialized back (feature `catch-all-fields`).
    #[cfg(feature = "catch-all-fields")]
    #[serde(flatten, deserialize_with = "unknown_fields::deserialize")]
    pub other: serde_json::Map<String, serde_json::Value>,
}

impl TablestoreEvent {
    /// The changes `records`, in the stream format FC sends (`Sync-v1`).
    pub fn new(records: Vec<Record>) -> Self {
        TablestoreEvent { version: "Sync-v1".to_owned(), records, ..TablestoreEvent::default() }
    }

    /// Decodes the CBOR FC sends.
    pub fn from_cbor(body: &[u8]) -> Result<Self, ciborium::de::Error<std::io::Error>> {
        ciborium::from_reader(body)
    }

    /// Encodes the event as FC sends it, in CBOR. The encoder writes to memory and these types always serialize,
    /// so it fails only in theory; that is an error here rather than a panic.
    pub fn to_cbor(&self) -> Result<Vec<u8>, ciborium::ser::Error<std::io::Error>> {
        let mut out = Vec::new();
        ciborium::into_writer(self, &mut out)?;
        Ok(out)
    }
}

/// One row change.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
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
    /// Fields FC added that this crate does not name, kept and serialized back (feature `catch-all-fields`).
    #[cfg(feature = "catch-all-fields")]
    #[serde(flatten, deserialize_with = "unknown_fields::deserialize")]
    pub other: serde_json::Map<String, serde_json::Value>,
}

impl Record {
    /// A change of `record_type` to the row of `primary_key`, with no columns and no timestamp; add them with
    /// [`with_column`](Self::with_column) and [`with_timestamp`](Self::with_timestamp).
    pub fn new(record_type: RecordType, primary_key: Vec<PrimaryKeyColumn>) -> Self {
        Record { record_type, primary_key, ..Record::default() }
    }

    /// Adds a changed column.
    pub fn with_column(mut self, column: Column) -> Self {
        self.columns.push(column);
        self
    }

    /// Sets when the change was written, microseconds since the epoch.
    pub fn with_timestamp(mut self, timestamp: i64) -> Self {
        self.info.timestamp = timestamp;
        self
    }
}

/// What happened to a row (by default `PutRow`, the change of a new row).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub enum RecordType {
    /// Written whole.
    #[default]
    PutRow,
    /// Some columns changed.
    UpdateRow,
    /// Deleted.
    DeleteRow,
}

/// When a row changed.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct RecordInfo {
    /// When the change was written, **microseconds** since the epoch.
    #[serde(with = "crate::tolerant::int")]
    pub timestamp: i64,
    /// Fields FC added that this crate does not name, kept and serialized back (feature `catch-all-fields`).
    #[cfg(feature = "catch-all-fields")]
    #[serde(flatten, deserialize_with = "unknown_fields::deserialize")]
    pub other: serde_json::Map<String, serde_json::Value>,
}

impl RecordInfo {
    /// A change written at `timestamp`, microseconds since the epoch.
    pub fn new(timestamp: i64) -> Self {
        RecordInfo { timestamp, ..RecordInfo::default() }
    }
}

/// A primary key column.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct PrimaryKeyColumn {
    /// The column's name.
    pub column_name: String,
    /// Its value: an integer, a string or a blob.
    pub value: Value,
    /// Fields FC added that this crate does not name, kept and serialized back (feature `catch-all-fields`).
    #[cfg(feature = "catch-all-fields")]
    #[serde(flatten, deserialize_with = "unknown_fields::deserialize")]
    pub other: serde_json::Map<String, serde_json::Value>,
}

impl PrimaryKeyColumn {
    /// The column `column_name` of `value` (an integer, a string or a blob).
    pub fn new(column_name: impl Into<String>, value: impl Into<Value>) -> Self {
        PrimaryKeyColumn { column_name: column_name.into(), value: value.into(), ..PrimaryKeyColumn::default() }
    }
}

/// An attribute column's change.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
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
    /// Fields FC added that this crate does not name, kept and serialized back (feature `catch-all-fields`).
    #[cfg(feature = "catch-all-fields")]
    #[serde(flatten, deserialize_with = "unknown_fields::deserialize")]
    pub other: serde_json::Map<String, serde_json::Value>,
}

impl Column {
    /// `value` written to the column `column_name`, without a version timestamp.
    pub fn put(column_name: impl Into<String>, value: impl Into<Value>) -> Self {
        Column { value: Some(value.into()), ..Column::of(ColumnType::Put, column_name) }
    }

    /// The version `timestamp` (milliseconds since the epoch) of the column `column_name` deleted.
    pub fn delete_one_version(column_name: impl Into<String>, timestamp: i64) -> Self {
        Column::of(ColumnType::DeleteOneVersion, column_name).with_timestamp(timestamp)
    }

    /// Every version of the column `column_name` deleted.
    pub fn delete_all_versions(column_name: impl Into<String>) -> Self {
        Column::of(ColumnType::DeleteAllVersions, column_name)
    }

    /// Sets the version written or deleted, milliseconds since the epoch.
    pub fn with_timestamp(mut self, timestamp: i64) -> Self {
        self.timestamp = Some(timestamp);
        self
    }

    fn of(column_type: ColumnType, column_name: impl Into<String>) -> Self {
        Column { column_type, column_name: column_name.into(), ..Column::default() }
    }
}

/// What happened to a column (by default `Put`, a version written).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub enum ColumnType {
    /// A version written.
    #[default]
    Put,
    /// One version deleted.
    DeleteOneVersion,
    /// Every version deleted.
    DeleteAllVersions,
}

/// A Tablestore value. Its [`Default`] is the empty string, as every other field's is empty; the `From`
/// conversions build the others (`Value::from(1)`, `Value::from("a")`, `Value::from(vec![0u8])`).
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

impl Default for Value {
    fn default() -> Self {
        Value::String(String::new())
    }
}

/// `From` each type a value holds, so that a constructor takes `1`, `"a"` or `vec![0u8]` as a value.
macro_rules! value_from {
    ($($from:ty => $variant:ident),* $(,)?) => {$(
        impl From<$from> for Value {
            fn from(v: $from) -> Self {
                Value::$variant(v.into())
            }
        }
    )*};
}

value_from! {
    i64 => Integer, i32 => Integer, u32 => Integer, f64 => Double, bool => Boolean,
    String => String, &str => String, Vec<u8> => Blob, &[u8] => Blob,
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

    fn to_body(&self) -> Result<Vec<u8>, crate::EncodeError> {
        self.to_cbor().map_err(|e| crate::EncodeError::new(crate::Encoding::Cbor, e))
    }
}

/// The catch-all of the Tablestore structs: a `serde_json::Map` as everywhere else, but decoded so that what CBOR
/// has and JSON has not does not fail an unknown field, which must never break decoding: a byte string is kept as
/// an array of its bytes (how `Value::Blob` reads and writes in JSON), a key that is not text as its text.
#[cfg(feature = "catch-all-fields")]
mod unknown_fields {
    use std::fmt;

    use serde::Deserializer;
    use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
    use serde_json::{Map, Value};

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Map<String, Value>, D::Error> {
        match deserializer.deserialize_map(AnyValue)? {
            Value::Object(map) => Ok(map),
            // Only a deserializer that answers a map with something else gets here.
            _ => Err(de::Error::custom("the unknown fields are not a map")),
        }
    }

    /// Any value, as JSON.
    #[derive(Clone, Copy)]
    struct AnyValue;

    impl<'de> DeserializeSeed<'de> for AnyValue {
        type Value = Value;

        fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
            deserializer.deserialize_any(self)
        }
    }

    impl<'de> Visitor<'de> for AnyValue {
        type Value = Value;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("any value")
        }

        fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
            Ok(Value::Bool(v))
        }

        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
            Ok(Value::from(v))
        }

        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
            Ok(Value::from(v))
        }

        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
            // JSON has no NaN nor infinity: `null`, as `serde_json::Value` itself makes them.
            Ok(Value::from(v))
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
            Ok(Value::from(v))
        }

        fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Value, E> {
            Ok(Value::Array(v.iter().map(|&b| Value::from(b)).collect()))
        }

        fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
            Ok(Value::Null)
        }

        fn visit_none<E: de::Error>(self) -> Result<Value, E> {
            Ok(Value::Null)
        }

        fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
            deserializer.deserialize_any(self)
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
            let mut values = Vec::new();
            while let Some(value) = seq.next_element_seed(self)? {
                values.push(value);
            }
            Ok(Value::Array(values))
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
            let mut object = Map::new();
            while let Some(key) = map.next_key_seed(self)? {
                let key = match key {
                    Value::String(text) => text,
                    other => other.to_string(),
                };
                object.insert(key, map.next_value_seed(self)?);
            }
            Ok(Value::Object(object))
        }
    }
}
