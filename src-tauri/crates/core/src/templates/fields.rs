//! Reading loosely typed JSON values field by field, collecting one problem per field that
//! cannot be read instead of stopping at the first.

use serde_json::{Map, Value};

/// The longest string Squirrel keeps from a catalogue; longer ones are refused, since no
/// title, note or value needs more and a hostile source should not fill memory.
pub const MAX_STRING_BYTES: usize = 64 * 1024;

/// Problems found in one template, each as (field path, message).
#[derive(Debug, Default)]
pub(crate) struct Problems(pub Vec<(String, String)>);

impl Problems {
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push((field.into(), message.into()));
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// How a value's JSON type reads in a message ("is a number, not text").
pub(crate) fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "true/false",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// The value under `key`, treating JSON `null` as absent (files write both).
pub(crate) fn field<'a>(obj: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    obj.get(key).filter(|v| !v.is_null())
}

/// A string value, trimmed, within the size cap. `None` (with a problem) when the value is
/// not a string or too long; `Some("")` when it is blank.
pub(crate) fn string(value: &Value, path: &str, problems: &mut Problems) -> Option<String> {
    match value {
        Value::String(s) => capped(s, path, problems),
        other => {
            problems.add(path, format!("is {}, not text", describe(other)));
            None
        }
    }
}

/// Like [`string`], but numbers and true/false are taken as their text too: env values and
/// SSM's port numbers are written either way.
pub(crate) fn scalar(value: &Value, path: &str, problems: &mut Problems) -> Option<String> {
    match value {
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        other => string(other, path, problems),
    }
}

fn capped(s: &str, path: &str, problems: &mut Problems) -> Option<String> {
    if s.len() > MAX_STRING_BYTES {
        problems.add(
            path,
            format!(
                "is {} KiB of text; Squirrel keeps at most 64 KiB in one field",
                s.len() / 1024
            ),
        );
        return None;
    }
    Some(s.trim().to_owned())
}

/// An optional text field: absent, null or blank give `None`.
pub(crate) fn optional_text(
    obj: &Map<String, Value>,
    key: &str,
    path: &str,
    problems: &mut Problems,
) -> Option<String> {
    field(obj, key)
        .and_then(|v| string(v, path, problems))
        .filter(|s| !s.is_empty())
}

/// A yes/no field: JSON true/false, or the strings "true"/"false"; absent means false.
pub(crate) fn flag(value: Option<&Value>, path: &str, problems: &mut Problems) -> bool {
    match value {
        None => false,
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) if s.trim().eq_ignore_ascii_case("true") => true,
        Some(Value::String(s)) if s.trim().eq_ignore_ascii_case("false") => false,
        Some(other) => {
            problems.add(path, format!("is {}, not true or false", describe(other)));
            false
        }
    }
}

/// An integer written as a JSON integer or as a numeric string (`1`, `"1"`).
pub(crate) fn integer(value: &Value, path: &str, problems: &mut Problems) -> Option<i64> {
    let parsed = match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse::<i64>().ok(),
        _ => None,
    };
    if parsed.is_none() {
        let shown = match value {
            Value::String(s) if s.len() <= 64 => format!("\"{s}\""),
            Value::Number(n) => n.to_string(),
            other => describe(other).to_owned(),
        };
        problems.add(path, format!("{shown} is not a whole number"));
    }
    parsed
}

/// A list field: absent gives an empty list; anything but a list is a problem.
pub(crate) fn list<'a>(
    obj: &'a Map<String, Value>,
    key: &str,
    path: &str,
    problems: &mut Problems,
) -> &'a [Value] {
    match field(obj, key) {
        None => &[],
        Some(Value::Array(items)) => items,
        Some(other) => {
            problems.add(path, format!("is {}, not a list", describe(other)));
            &[]
        }
    }
}

/// An entry of a list that must be an object.
pub(crate) fn object<'a>(
    value: &'a Value,
    path: &str,
    problems: &mut Problems,
) -> Option<&'a Map<String, Value>> {
    let obj = value.as_object();
    if obj.is_none() {
        problems.add(path, format!("is {}, not an object", describe(value)));
    }
    obj
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn strings_are_trimmed_and_capped() {
        let mut problems = Problems::default();
        assert_eq!(
            string(&json!("  hi "), "t", &mut problems),
            Some("hi".into())
        );
        let huge = Value::String("x".repeat(MAX_STRING_BYTES + 1));
        assert_eq!(string(&huge, "note", &mut problems), None);
        assert_eq!(string(&json!(3), "title", &mut problems), None);
        let fields: Vec<&str> = problems.0.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(fields, ["note", "title"]);
        assert!(problems.0[1].1.contains("is a number, not text"));
    }

    #[test]
    fn integers_and_flags_accept_their_string_spellings() {
        let mut problems = Problems::default();
        assert_eq!(integer(&json!("3"), "type", &mut problems), Some(3));
        assert_eq!(integer(&json!(2), "type", &mut problems), Some(2));
        assert!(flag(Some(&json!("TRUE")), "privileged", &mut problems));
        assert!(!flag(None, "privileged", &mut problems));
        assert!(problems.is_empty());
        assert_eq!(integer(&json!("x"), "type", &mut problems), None);
        assert_eq!(integer(&json!(1.5), "type", &mut problems), None);
        assert!(!flag(Some(&json!(1)), "privileged", &mut problems));
        assert_eq!(problems.0.len(), 3);
        assert_eq!(problems.0[0].1, "\"x\" is not a whole number");
    }
}
