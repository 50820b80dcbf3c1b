//! Redaction of configured metadata keys before an entry is hashed.

use serde_json::{Map, Value};

use super::AuditError;
use crate::condition::facts::FieldPath;

/// What a redacted value becomes.
pub const REDACTED: &str = "[redacted]";

/// The configured paths, checked once.
#[derive(Clone, Debug, Default)]
pub(crate) struct Redactor {
    paths: Vec<FieldPath>,
}

impl Redactor {
    pub(crate) fn new(paths: &[String]) -> Result<Redactor, AuditError> {
        let paths = paths
            .iter()
            .map(|p| {
                FieldPath::parse(p).ok_or_else(|| AuditError::InvalidRedactPath { path: p.clone() })
            })
            .collect::<Result<_, _>>()?;
        Ok(Redactor { paths })
    }

    /// Replaces the value at each path, under `metadata` and under
    /// `metadata.context`, by [`REDACTED`]. Absent keys stay absent; a path that runs
    /// into a non-object (an array included) is left alone.
    pub(crate) fn apply(&self, metadata: &mut Map<String, Value>) {
        for path in &self.paths {
            redact_at(metadata, path);
            if let Some(Value::Object(context)) = metadata.get_mut("context") {
                redact_at(context, path);
            }
        }
    }
}

fn redact_at(map: &mut Map<String, Value>, path: &FieldPath) {
    let mut segments = path.segments().peekable();
    let mut at = map;
    while let Some(segment) = segments.next() {
        if segments.peek().is_none() {
            if let Some(value) = at.get_mut(segment) {
                *value = Value::String(REDACTED.to_owned());
            }
            return;
        }
        match at.get_mut(segment) {
            Some(Value::Object(next)) => at = next,
            _ => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn redact(paths: &[&str], v: Value) -> Value {
        let r = Redactor::new(&paths.iter().map(|p| p.to_string()).collect::<Vec<_>>()).unwrap();
        let mut map = v.as_object().unwrap().clone();
        r.apply(&mut map);
        Value::Object(map)
    }

    #[test]
    fn top_level_and_context_keys_are_redacted() {
        let v = redact(
            &["email", "customer.card"],
            json!({"email": "a@b", "context": {"email": "c@d", "customer": {"card": "4111", "tier": "gold"}}}),
        );
        assert_eq!(
            v,
            json!({"email": "[redacted]", "context": {"email": "[redacted]", "customer": {"card": "[redacted]", "tier": "gold"}}})
        );
    }

    #[test]
    fn whole_objects_and_non_strings_are_replaced() {
        let v = redact(&["customer", "n"], json!({"customer": {"card": 1}, "n": 5}));
        assert_eq!(v, json!({"customer": "[redacted]", "n": "[redacted]"}));
    }

    #[test]
    fn absent_keys_and_paths_through_non_objects_are_left_alone() {
        let before = json!({"customer": "plain", "list": [{"card": 1}], "context": 3});
        let after = redact(
            &["customer.card", "list.card", "missing", "context.x"],
            before.clone(),
        );
        assert_eq!(after, before);
    }

    #[test]
    fn bad_paths_are_named_in_the_error() {
        for bad in ["", "a..b", ".a", "a."] {
            let err = Redactor::new(&["ok".to_string(), bad.to_string()]).unwrap_err();
            assert_eq!(
                err,
                AuditError::InvalidRedactPath {
                    path: bad.to_string()
                }
            );
            assert!(err.to_string().contains(&format!("{bad:?}")));
        }
    }
}
