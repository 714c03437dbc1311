//! RFC 9457 problem details (`application/problem+json`).

use serde_json::{Map, Value};

/// An RFC 9457 problem details object, as an API reports an error in an
/// `application/problem+json` body.
///
/// Parsing follows the RFC's rules for consumers: a member of the wrong type is ignored
/// (§3.1: "if the type of a member's value is not as expected, the member is ignored"), a
/// missing `type` means `about:blank` (§4.2.1), and every member the RFC does not define is
/// kept in [`extensions`](ProblemDetails::extensions) (§3.2).
///
/// ```
/// use courier::ProblemDetails;
///
/// let body = br#"{"type": "https://example.com/probs/out-of-credit",
///                 "title": "You do not have enough credit.", "status": 403,
///                 "detail": "Your current balance is 30, but that costs 50.",
///                 "instance": "/account/12345/msgs/abc", "balance": 30}"#;
/// let problem = ProblemDetails::from_json(body).ok_or("not a problem object")?;
/// assert_eq!(problem.problem_type, "https://example.com/probs/out-of-credit");
/// assert_eq!(problem.status, Some(403));
/// assert_eq!(problem.extensions["balance"], 30);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub struct ProblemDetails {
    /// `type`: a URI naming the problem type; `about:blank` when absent.
    pub problem_type: String,
    /// `title`: a short, human-readable summary of the problem type.
    pub title: Option<String>,
    /// `status`: the HTTP status the origin generated (advisory).
    pub status: Option<u16>,
    /// `detail`: an explanation specific to this occurrence.
    pub detail: Option<String>,
    /// `instance`: a URI identifying this occurrence.
    pub instance: Option<String>,
    /// Every other member (extension members, RFC 9457 §3.2), such as `errors`.
    pub extensions: Map<String, Value>,
}

impl ProblemDetails {
    /// The media type of problem details in JSON.
    ///
    /// ```
    /// assert_eq!(courier::ProblemDetails::MEDIA_TYPE, "application/problem+json");
    /// ```
    pub const MEDIA_TYPE: &'static str = "application/problem+json";

    /// Parses a problem details object from a JSON body; `None` when the body is not a JSON
    /// object.
    ///
    /// ```
    /// use courier::ProblemDetails;
    ///
    /// let problem = ProblemDetails::from_json(br#"{"title": "Not found", "status": "404"}"#).unwrap();
    /// assert_eq!(problem.problem_type, "about:blank");
    /// assert_eq!(problem.status, None); // a string is the wrong type: ignored
    /// assert!(ProblemDetails::from_json(b"[1, 2]").is_none());
    /// ```
    pub fn from_json(body: &[u8]) -> Option<ProblemDetails> {
        match serde_json::from_slice(body) {
            Ok(Value::Object(members)) => Some(ProblemDetails::from_members(members)),
            _ => None,
        }
    }

    /// Builds a problem details object from the members of a JSON object.
    ///
    /// ```
    /// let members = serde_json::json!({"detail": "slow down"});
    /// let serde_json::Value::Object(members) = members else { unreachable!() };
    /// let problem = courier::ProblemDetails::from_members(members);
    /// assert_eq!(problem.detail.as_deref(), Some("slow down"));
    /// ```
    pub fn from_members(mut members: Map<String, Value>) -> ProblemDetails {
        let mut take_string = |name: &str| match members.remove(name) {
            Some(Value::String(text)) => Some(text),
            _ => None,
        };
        let problem_type = take_string("type").unwrap_or_else(|| "about:blank".to_owned());
        let title = take_string("title");
        let detail = take_string("detail");
        let instance = take_string("instance");
        let status = match members.remove("status") {
            Some(Value::Number(number)) => number
                .as_u64()
                .and_then(|status| u16::try_from(status).ok())
                .filter(|status| (100..=599).contains(status)),
            _ => None,
        };
        ProblemDetails {
            problem_type,
            title,
            status,
            detail,
            instance,
            extensions: members,
        }
    }

    /// Whether `content_type` (a `Content-Type` value) is `application/problem+json`,
    /// parameters and case aside.
    ///
    /// ```
    /// use courier::ProblemDetails;
    ///
    /// assert!(ProblemDetails::is_media_type("Application/Problem+JSON; charset=utf-8"));
    /// assert!(!ProblemDetails::is_media_type("application/json"));
    /// ```
    pub fn is_media_type(content_type: &str) -> bool {
        content_type
            .split(';')
            .next()
            .is_some_and(|essence| essence.trim().eq_ignore_ascii_case(Self::MEDIA_TYPE))
    }

    /// The most specific human-readable text: `detail`, else `title`.
    ///
    /// ```
    /// let problem = courier::ProblemDetails::from_json(br#"{"title": "Bad input"}"#).unwrap();
    /// assert_eq!(problem.summary(), Some("Bad input"));
    /// ```
    pub fn summary(&self) -> Option<&str> {
        self.detail.as_deref().or(self.title.as_deref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc9457_3_1_members_of_the_wrong_type_are_ignored() {
        let problem = ProblemDetails::from_json(
            br#"{"type": 7, "title": ["x"], "status": 1000, "detail": null, "instance": {}}"#,
        )
        .unwrap();
        assert_eq!(problem.problem_type, "about:blank");
        assert_eq!(problem.title, None);
        assert_eq!(problem.status, None);
        assert_eq!(problem.detail, None);
        assert_eq!(problem.instance, None);
        assert!(problem.extensions.is_empty());
    }

    #[test]
    fn rfc9457_3_2_extension_members_are_kept() {
        let problem =
            ProblemDetails::from_json(br#"{"title": "t", "balance": 30, "accounts": ["/a"]}"#)
                .unwrap();
        assert_eq!(problem.extensions.len(), 2);
        assert_eq!(problem.extensions["accounts"][0], "/a");
    }

    #[test]
    fn not_json_or_not_an_object_is_no_problem() {
        for body in [&b""[..], b"<html>", b"\"text\"", b"null", b"{"] {
            assert!(ProblemDetails::from_json(body).is_none());
        }
    }
}
