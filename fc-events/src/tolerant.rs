//! Deserializers for fields FC's documentation types one way and its samples another: `#[serde(with = …)]`
//! helpers that accept either form, and serialize the form FC's samples show.

use std::fmt;
use std::marker::PhantomData;
use std::str::FromStr;

use serde::de::{self, Visitor};
use serde::{Deserializer, Serializer};

/// An integer sent as a JSON number or as a string of digits (CDN's `fileSize`, Kafka's `timestamp`, RocketMQ's
/// offsets); serialized as a number.
pub mod int {
    use super::*;

    /// Deserializes an integer from a number or a string.
    pub fn deserialize<'de, D, T>(deserializer: D) -> Result<T, D::Error>
    where
        D: Deserializer<'de>,
        T: TryFrom<i64> + TryFrom<u64> + FromStr,
    {
        deserializer.deserialize_any(IntVisitor(PhantomData))
    }

    /// Serializes the integer as a number.
    pub fn serialize<S: Serializer, T: Copy + Into<i128>>(value: &T, serializer: S) -> Result<S::Ok, S::Error> {
        let wide: i128 = (*value).into();
        match i64::try_from(wide) {
            Ok(v) => serializer.serialize_i64(v),
            Err(_) => serializer.serialize_u64(u64::try_from(wide).map_err(serde::ser::Error::custom)?),
        }
    }
}

/// [`int`] for an optional field (absent or `null` is `None`).
pub mod opt_int {
    use super::*;

    /// Deserializes an optional integer from a number, a string, or `null`.
    pub fn deserialize<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
    where
        D: Deserializer<'de>,
        T: TryFrom<i64> + TryFrom<u64> + FromStr,
    {
        deserializer.deserialize_any(OptionOf(IntVisitor(PhantomData)))
    }

    /// Serializes the integer as a number, `None` as `null`.
    pub fn serialize<S: Serializer, T: Copy + Into<i128>>(value: &Option<T>, serializer: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(v) => super::int::serialize(v, serializer),
            None => serializer.serialize_none(),
        }
    }
}

/// A boolean sent as `true`/`false` or as the strings `"true"`/`"false"` (RocketMQ's `TRACE_ON`); serialized as
/// a boolean.
pub mod boolean {
    use super::*;

    /// Deserializes a boolean or a string of one.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
        deserializer.deserialize_any(BoolVisitor)
    }

    /// Serializes a boolean.
    pub fn serialize<S: Serializer>(value: &bool, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bool(*value)
    }
}

/// A string that may arrive as a number (the HTTP event's `timeEpoch`); serialized as a string.
pub mod string {
    use super::*;

    /// Deserializes a string, or a number as its decimal text.
    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
        deserializer.deserialize_any(StringVisitor)
    }

    /// Serializes the string.
    pub fn serialize<S: Serializer>(value: &str, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(value)
    }
}

struct IntVisitor<T>(PhantomData<T>);

impl<'de, T: TryFrom<i64> + TryFrom<u64> + FromStr> Visitor<'de> for IntVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an integer, or a string of one")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
        T::try_from(v).map_err(|_| E::invalid_value(de::Unexpected::Signed(v), &self))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
        T::try_from(v).map_err(|_| E::invalid_value(de::Unexpected::Unsigned(v), &self))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<T, E> {
        // A whole number written as a float (`1.0`, `1e3`): FC's samples do not, JavaScript producers may.
        if v.fract() == 0.0 && v.abs() < 9.0e15 {
            return self.visit_i64(v as i64);
        }
        Err(E::invalid_value(de::Unexpected::Float(v), &self))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        v.trim().parse().map_err(|_| E::invalid_value(de::Unexpected::Str(v), &self))
    }
}

struct OptionOf<V>(V);

impl<'de, V: Visitor<'de>> Visitor<'de> for OptionOf<V> {
    type Value = Option<V::Value>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.expecting(f)?;
        f.write_str(", or null")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self.0).map(Some)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        self.0.visit_i64(v).map(Some)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        self.0.visit_u64(v).map(Some)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        self.0.visit_f64(v).map(Some)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        self.0.visit_str(v).map(Some)
    }
}

struct BoolVisitor;

impl Visitor<'_> for BoolVisitor {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a boolean, or the string \"true\" or \"false\"")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<bool, E> {
        Ok(v)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<bool, E> {
        match v.trim() {
            t if t.eq_ignore_ascii_case("true") => Ok(true),
            f if f.eq_ignore_ascii_case("false") => Ok(false),
            _ => Err(E::invalid_value(de::Unexpected::Str(v), &self)),
        }
    }
}

struct StringVisitor;

impl Visitor<'_> for StringVisitor {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string, or a number")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        Ok(v.to_owned())
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<String, E> {
        Ok(v)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<String, E> {
        Ok(v.to_string())
    }
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Sample {
        #[serde(with = "super::int")]
        size: u64,
        #[serde(with = "super::opt_int", default)]
        offset: Option<i64>,
        #[serde(with = "super::boolean")]
        on: bool,
        #[serde(with = "super::string")]
        epoch: String,
    }

    #[test]
    fn either_form_decodes_and_fcs_sample_form_is_written() {
        let a: Sample =
            serde_json::from_str(r#"{"size":"12","offset":"-3","on":"true","epoch":1730965976961}"#).unwrap();
        let b: Sample = serde_json::from_str(r#"{"size":12,"offset":-3,"on":true,"epoch":"1730965976961"}"#).unwrap();
        assert_eq!(a, b);
        assert_eq!(serde_json::to_string(&a).unwrap(), r#"{"size":12,"offset":-3,"on":true,"epoch":"1730965976961"}"#);
        let none: Sample = serde_json::from_str(r#"{"size":1,"offset":null,"on":false,"epoch":"1"}"#).unwrap();
        assert_eq!(none.offset, None);
        let missing: Sample = serde_json::from_str(r#"{"size":1,"on":false,"epoch":"1"}"#).unwrap();
        assert_eq!(missing.offset, None);
    }

    #[test]
    fn a_wrong_value_says_what_was_expected() {
        let err = serde_json::from_str::<Sample>(r#"{"size":{},"on":true,"epoch":"1"}"#).unwrap_err().to_string();
        assert!(err.contains("expected an integer, or a string of one"), "{err}");
        let err = serde_json::from_str::<Sample>(r#"{"size":"-1","on":true,"epoch":"1"}"#).unwrap_err().to_string();
        assert!(err.contains("invalid value: string \"-1\""), "{err}");
        let err = serde_json::from_str::<Sample>(r#"{"size":1,"on":"yes","epoch":"1"}"#).unwrap_err().to_string();
        assert!(err.contains("a boolean"), "{err}");
    }
}
