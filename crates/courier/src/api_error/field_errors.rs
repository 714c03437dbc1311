//! Per-field validation messages, read from the shapes APIs commonly use.

use std::collections::BTreeMap;

use serde_json::Value;

/// Validation messages per request field, as an API reports them with a 400 or 422.
///
/// [`from_json`](FieldErrors::from_json) reads the common shapes:
///
/// | Shape | Example |
/// |---|---|
/// | RFC 9457 `errors` with JSON pointers | `{"errors": [{"detail": "must be positive", "pointer": "#/age"}]}` |
/// | RFC 7807 `invalid-params` | `{"invalid-params": [{"name": "age", "reason": "must be positive"}]}` |
/// | an `errors` object (Rails, Laravel) | `{"errors": {"email": ["is taken"], "age": "too low"}}` |
/// | an `errors` list of objects | `{"errors": [{"field": "email", "message": "is taken"}]}` |
///
/// Field names come out as given (a pointer `#/user/email` becomes `user/email`). Messages
/// that name no field are kept under the empty name `""`.
///
/// ```
/// use courier::FieldErrors;
///
/// let body = serde_json::json!({"errors": {"email": ["is taken", "is too long"], "age": "too low"}});
/// let fields = FieldErrors::from_json(&body);
/// assert_eq!(fields.get("email"), ["is taken", "is too long"]);
/// assert_eq!(fields.first("age"), Some("too low"));
/// assert!(fields.get("name").is_empty());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors {
    messages: BTreeMap<String, Vec<String>>,
}

impl FieldErrors {
    /// Reads field errors from a JSON body in any of the shapes in the table above; empty
    /// when there are none.
    ///
    /// ```
    /// let body = serde_json::json!({"invalid-params": [{"name": "age", "reason": "must be positive"}]});
    /// assert_eq!(courier::FieldErrors::from_json(&body).first("age"), Some("must be positive"));
    /// ```
    pub fn from_json(body: &Value) -> FieldErrors {
        let mut fields = FieldErrors::default();
        if let Some(list) = body.get("invalid-params").and_then(Value::as_array) {
            for item in list {
                let name = text_of(item, &["name", "field", "pointer"]);
                if let Some(reason) = text_of(item, &["reason", "detail", "message"]) {
                    fields.add(field_name(name.unwrap_or("")), reason);
                }
            }
        }
        match body.get("errors") {
            Some(Value::Array(list)) => {
                for item in list {
                    match item {
                        Value::String(message) => fields.add(String::new(), message),
                        Value::Object(_) => {
                            let name =
                                text_of(item, &["pointer", "field", "name", "param", "path"])
                                    .or_else(|| {
                                        item.get("source").and_then(|source| {
                                            text_of(source, &["pointer", "parameter"])
                                        })
                                    });
                            let message =
                                text_of(item, &["detail", "message", "msg", "reason", "title"]);
                            if let Some(message) = message {
                                fields.add(field_name(name.unwrap_or("")), message);
                            }
                        }
                        _ => {}
                    }
                }
            }
            Some(Value::Object(map)) => {
                for (name, messages) in map {
                    match messages {
                        Value::String(message) => fields.add(name.clone(), message),
                        Value::Array(list) => {
                            for message in list.iter().filter_map(Value::as_str) {
                                fields.add(name.clone(), message);
                            }
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
        fields
    }

    /// Adds `message` for `field`.
    ///
    /// ```
    /// let mut fields = courier::FieldErrors::default();
    /// fields.add("email", "is taken");
    /// assert_eq!(fields.len(), 1);
    /// ```
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.messages
            .entry(field.into())
            .or_default()
            .push(message.into());
    }

    /// The messages for `field` (empty when there are none).
    ///
    /// ```
    /// assert!(courier::FieldErrors::default().get("email").is_empty());
    /// ```
    pub fn get(&self, field: &str) -> &[String] {
        self.messages.get(field).map_or(&[], Vec::as_slice)
    }

    /// The first message for `field`: what a form shows under the input.
    ///
    /// ```
    /// let mut fields = courier::FieldErrors::default();
    /// fields.add("age", "too low");
    /// assert_eq!(fields.first("age"), Some("too low"));
    /// ```
    pub fn first(&self, field: &str) -> Option<&str> {
        self.get(field).first().map(String::as_str)
    }

    /// How many fields have messages.
    ///
    /// ```
    /// assert_eq!(courier::FieldErrors::default().len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.messages.len()
    }

    /// Whether no field has a message.
    ///
    /// ```
    /// assert!(courier::FieldErrors::default().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.messages.is_empty()
    }

    /// Each field with its messages, in field-name order.
    ///
    /// ```
    /// let mut fields = courier::FieldErrors::default();
    /// fields.add("b", "2");
    /// fields.add("a", "1");
    /// let names: Vec<&str> = fields.iter().map(|(name, _)| name).collect();
    /// assert_eq!(names, ["a", "b"]);
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[String])> {
        self.messages
            .iter()
            .map(|(name, messages)| (name.as_str(), messages.as_slice()))
    }
}

/// The first of `keys` whose value in `item` is a string.
fn text_of<'a>(item: &'a Value, keys: &[&str]) -> Option<&'a str> {
    keys.iter()
        .find_map(|key| item.get(*key).and_then(Value::as_str))
}

/// A field name from a JSON pointer (`#/user/email`, `/age`) or a plain name.
fn field_name(name: &str) -> String {
    let pointer = name.strip_prefix('#').unwrap_or(name);
    match pointer.strip_prefix('/') {
        // RFC 6901 escapes: ~1 is '/', ~0 is '~'.
        Some(path) => path
            .replace("~1", "\u{0}")
            .replace("~0", "~")
            .replace('\u{0}', "/"),
        None => name.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rfc9457_3_errors_with_json_pointers() {
        let body = json!({
            "type": "https://example.net/validation-error",
            "title": "Your request is not valid.",
            "errors": [
                {"detail": "must be a positive integer", "pointer": "#/age"},
                {"detail": "must be 'green', 'red' or 'blue'", "pointer": "#/profile/color"}
            ]
        });
        let fields = FieldErrors::from_json(&body);
        assert_eq!(fields.first("age"), Some("must be a positive integer"));
        assert_eq!(
            fields.first("profile/color"),
            Some("must be 'green', 'red' or 'blue'")
        );
    }

    #[test]
    fn json_api_source_pointers_and_unnamed_messages() {
        let body = json!({"errors": [
            {"source": {"pointer": "/data/attributes/title"}, "detail": "can't be blank"},
            "something else went wrong"
        ]});
        let fields = FieldErrors::from_json(&body);
        assert_eq!(
            fields.first("data/attributes/title"),
            Some("can't be blank")
        );
        assert_eq!(fields.first(""), Some("something else went wrong"));
    }

    #[test]
    fn pointer_escapes_are_decoded() {
        assert_eq!(field_name("#/a~1b/c~0d"), "a/b/c~d");
        assert_eq!(field_name("plain"), "plain");
    }

    #[test]
    fn bodies_without_errors_give_nothing() {
        for body in [
            json!(null),
            json!([1]),
            json!({"errors": 3}),
            json!({"message": "x"}),
        ] {
            assert!(FieldErrors::from_json(&body).is_empty());
        }
    }
}
