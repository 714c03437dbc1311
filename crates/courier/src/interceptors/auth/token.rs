//! [`Token`]: an access token, the refresh token that renews it, when it expires, and any
//! other fields the token endpoint returned.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value};

use super::jwt;
use crate::error::{Error, ErrorKind, Result};

/// The fields of an OAuth 2.0 token response that [`Token`] keeps apart from `extra`.
const ACCESS_TOKEN: &str = "access_token";
const REFRESH_TOKEN: &str = "refresh_token";
const EXPIRES_IN: &str = "expires_in";
const EXPIRES_AT: &str = "expires_at";
const EXTRA: &str = "extra";

/// Credentials for an API: an access token, an optional refresh token, an optional expiry,
/// and any other fields (`token_type`, `scope`, `id_token`, …).
///
/// Its `Debug` never shows the tokens (nor the values of `extra`, which may hold an
/// `id_token`), so a token can sit in a struct that is logged.
///
/// ```
/// use std::time::Duration;
/// use courier::interceptors::auth::Token;
///
/// let token = Token::new("eyJ-access")
///     .with_refresh_token("r-1")
///     .with_expires_in(Duration::from_secs(3600))
///     .with_extra("scope", "read write");
/// assert_eq!(token.access_token(), "eyJ-access");
/// assert_eq!(token.refresh_token(), Some("r-1"));
/// assert!(token.expires_at().is_some());
/// assert!(!format!("{token:?}").contains("eyJ-access"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Token {
    access_token: String,
    refresh_token: Option<String>,
    expires_at: Option<SystemTime>,
    extra: Map<String, Value>,
}

impl Token {
    /// A token with no refresh token and no known expiry.
    ///
    /// ```
    /// let token = courier::interceptors::auth::Token::new("abc");
    /// assert_eq!(token.expires_at(), None);
    /// ```
    pub fn new(access_token: impl Into<String>) -> Self {
        Self {
            access_token: access_token.into(),
            refresh_token: None,
            expires_at: None,
            extra: Map::new(),
        }
    }

    /// Reads an OAuth 2.0 token response (RFC 6749 §5.1): `access_token` (required),
    /// `refresh_token`, `expires_in` (seconds from now; when absent, the JWT `exp` claim of
    /// the access token, if it is a JWT), and every other field into [`extra`](Self::extra).
    ///
    /// A response without a string `access_token` is an [`ErrorKind::Decode`] error.
    ///
    /// ```
    /// use courier::interceptors::auth::Token;
    ///
    /// let token = Token::from_token_response(serde_json::json!({
    ///     "access_token": "a-2",
    ///     "token_type": "Bearer",
    ///     "expires_in": 3600,
    ///     "refresh_token": "r-2",
    /// }))?;
    /// assert_eq!(token.refresh_token(), Some("r-2"));
    /// assert_eq!(token.extra()["token_type"], "Bearer");
    /// # Ok::<(), courier::Error>(())
    /// ```
    pub fn from_token_response(response: Value) -> Result<Token> {
        let Value::Object(mut fields) = response else {
            return Err(decode_error("a token response must be a JSON object"));
        };
        let access_token = match fields.remove(ACCESS_TOKEN) {
            Some(Value::String(token)) => token,
            _ => return Err(decode_error("the token response has no access_token")),
        };
        let refresh_token = match fields.remove(REFRESH_TOKEN) {
            Some(Value::String(token)) => Some(token),
            _ => None,
        };
        // Some servers send `expires_in` as a string; an unreadable one is no expiry.
        let expires_in = fields.remove(EXPIRES_IN).and_then(|value| match value {
            Value::Number(seconds) => seconds.as_f64(),
            Value::String(seconds) => seconds.trim().parse().ok(),
            _ => None,
        });
        let expires_at = match expires_in.and_then(|s| Duration::try_from_secs_f64(s).ok()) {
            Some(lifetime) => SystemTime::now().checked_add(lifetime),
            None => jwt::expiry(&access_token),
        };
        Ok(Token {
            access_token,
            refresh_token,
            expires_at,
            extra: fields,
        })
    }

    /// Sets the refresh token.
    ///
    /// ```
    /// let token = courier::interceptors::auth::Token::new("a").with_refresh_token("r");
    /// assert_eq!(token.refresh_token(), Some("r"));
    /// ```
    #[must_use]
    pub fn with_refresh_token(mut self, refresh_token: impl Into<String>) -> Self {
        self.refresh_token = Some(refresh_token.into());
        self
    }

    /// Sets the expiry to `lifetime` from now (an OAuth `expires_in`), on the system clock.
    ///
    /// ```
    /// let token = courier::interceptors::auth::Token::new("a")
    ///     .with_expires_in(std::time::Duration::from_secs(60));
    /// assert!(token.expires_at().unwrap() > std::time::SystemTime::now());
    /// ```
    #[must_use]
    pub fn with_expires_in(mut self, lifetime: Duration) -> Self {
        self.expires_at = SystemTime::now().checked_add(lifetime);
        self
    }

    /// Sets the expiry; `None` for a token whose expiry is unknown (it is then refreshed
    /// only when the server rejects it).
    ///
    /// ```
    /// let at = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000);
    /// let token = courier::interceptors::auth::Token::new("a").with_expires_at(Some(at));
    /// assert_eq!(token.expires_at(), Some(at));
    /// ```
    #[must_use]
    pub fn with_expires_at(mut self, expires_at: Option<SystemTime>) -> Self {
        self.expires_at = expires_at;
        self
    }

    /// Sets the expiry from the `exp` claim of the access token, when it is a JWT that has
    /// one; otherwise leaves the expiry as it is. The token is decoded, not verified: the
    /// server does that.
    ///
    /// ```
    /// // {"alg":"none"} . {"exp":1700000000} . (no signature)
    /// let jwt = "eyJhbGciOiJub25lIn0.eyJleHAiOjE3MDAwMDAwMDB9.";
    /// let token = courier::interceptors::auth::Token::new(jwt).with_expiry_from_jwt();
    /// let expected = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000);
    /// assert_eq!(token.expires_at(), Some(expected));
    /// ```
    #[must_use]
    pub fn with_expiry_from_jwt(mut self) -> Self {
        if let Some(expires_at) = jwt::expiry(&self.access_token) {
            self.expires_at = Some(expires_at);
        }
        self
    }

    /// Adds a field to [`extra`](Self::extra).
    ///
    /// ```
    /// let token = courier::interceptors::auth::Token::new("a").with_extra("scope", "read");
    /// assert_eq!(token.extra()["scope"], "read");
    /// ```
    #[must_use]
    pub fn with_extra(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.extra.insert(name.into(), value.into());
        self
    }

    /// The access token, as sent in the `Authorization` header.
    ///
    /// ```
    /// assert_eq!(courier::interceptors::auth::Token::new("a").access_token(), "a");
    /// ```
    pub fn access_token(&self) -> &str {
        &self.access_token
    }

    /// The refresh token, if there is one.
    ///
    /// ```
    /// assert_eq!(courier::interceptors::auth::Token::new("a").refresh_token(), None);
    /// ```
    pub fn refresh_token(&self) -> Option<&str> {
        self.refresh_token.as_deref()
    }

    /// When the access token stops working, if known.
    ///
    /// ```
    /// assert_eq!(courier::interceptors::auth::Token::new("a").expires_at(), None);
    /// ```
    pub fn expires_at(&self) -> Option<SystemTime> {
        self.expires_at
    }

    /// The other fields of the token response (`token_type`, `scope`, `id_token`, …).
    ///
    /// ```
    /// assert!(courier::interceptors::auth::Token::new("a").extra().is_empty());
    /// ```
    pub fn extra(&self) -> &Map<String, Value> {
        &self.extra
    }

    /// Whether the token has expired at `now` (a token of unknown expiry never has).
    ///
    /// ```
    /// use std::time::{Duration, SystemTime};
    /// let token = courier::interceptors::auth::Token::new("a")
    ///     .with_expires_in(Duration::from_secs(60));
    /// assert!(!token.is_expired_at(SystemTime::now()));
    /// assert!(token.is_expired_at(SystemTime::now() + Duration::from_secs(61)));
    /// ```
    pub fn is_expired_at(&self, now: SystemTime) -> bool {
        self.expires_at.is_some_and(|expires_at| now >= expires_at)
    }

    /// The token as the JSON object the file and keyring stores keep:
    /// `{"access_token", "refresh_token", "expires_at" (Unix seconds), "extra"}`, the
    /// optional fields left out when empty. For stores of your own.
    ///
    /// ```
    /// use courier::interceptors::auth::Token;
    /// let token = Token::new("a").with_refresh_token("r");
    /// assert_eq!(Token::from_json(&token.to_json())?, token);
    /// # Ok::<(), courier::Error>(())
    /// ```
    pub fn to_json(&self) -> Value {
        let mut object = Map::new();
        object.insert(ACCESS_TOKEN.into(), self.access_token.clone().into());
        if let Some(refresh_token) = &self.refresh_token {
            object.insert(REFRESH_TOKEN.into(), refresh_token.clone().into());
        }
        if let Some(expires_at) = self.expires_at {
            // Whole seconds, rounded down: the stored token expires no later than the real one.
            let seconds = expires_at
                .duration_since(UNIX_EPOCH)
                .map_or(0, |since| since.as_secs());
            object.insert(EXPIRES_AT.into(), seconds.into());
        }
        if !self.extra.is_empty() {
            object.insert(EXTRA.into(), Value::Object(self.extra.clone()));
        }
        Value::Object(object)
    }

    /// Reads what [`to_json`](Self::to_json) wrote. Unknown fields are ignored; a missing
    /// `access_token` or a field of the wrong type is an [`ErrorKind::Decode`] error.
    ///
    /// ```
    /// let json = serde_json::json!({"access_token": "a", "expires_at": 1700000000});
    /// let token = courier::interceptors::auth::Token::from_json(&json)?;
    /// assert_eq!(token.access_token(), "a");
    /// # Ok::<(), courier::Error>(())
    /// ```
    pub fn from_json(json: &Value) -> Result<Token> {
        let object = json
            .as_object()
            .ok_or_else(|| decode_error("a stored token must be a JSON object"))?;
        let access_token = object
            .get(ACCESS_TOKEN)
            .and_then(Value::as_str)
            .ok_or_else(|| decode_error("the stored token has no access_token"))?;
        let refresh_token = match object.get(REFRESH_TOKEN) {
            None | Some(Value::Null) => None,
            Some(Value::String(token)) => Some(token.clone()),
            Some(_) => return Err(decode_error("the stored refresh_token is not a string")),
        };
        let expires_at = match object.get(EXPIRES_AT) {
            None | Some(Value::Null) => None,
            Some(value) => {
                let seconds = value
                    .as_u64()
                    .ok_or_else(|| decode_error("the stored expires_at is not a number"))?;
                UNIX_EPOCH.checked_add(Duration::from_secs(seconds))
            }
        };
        let extra = match object.get(EXTRA) {
            None | Some(Value::Null) => Map::new(),
            Some(Value::Object(extra)) => extra.clone(),
            Some(_) => return Err(decode_error("the stored extra is not an object")),
        };
        Ok(Token {
            access_token: access_token.to_owned(),
            refresh_token,
            expires_at,
            extra,
        })
    }
}

fn decode_error(message: &'static str) -> Error {
    Error::new(ErrorKind::Decode).with_message(message)
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Token")
            .field("access_token", &"REDACTED")
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "REDACTED"),
            )
            .field("expires_at", &self.expires_at)
            .field("extra", &self.extra.keys().collect::<Vec<_>>())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_shows_no_secret() {
        let token = Token::new("access-secret")
            .with_refresh_token("refresh-secret")
            .with_extra("id_token", "id-secret");
        let shown = format!("{token:?}");
        for secret in ["access-secret", "refresh-secret", "id-secret"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert!(shown.contains("id_token"));
    }

    #[test]
    fn stored_json_round_trips() {
        let token = Token::new("a")
            .with_refresh_token("r")
            .with_expires_at(Some(UNIX_EPOCH + Duration::from_secs(1_700_000_000)))
            .with_extra("scope", "read");
        assert_eq!(Token::from_json(&token.to_json()).unwrap(), token);
        let bare = Token::new("a");
        assert_eq!(
            bare.to_json(),
            serde_json::json!({"access_token": "a"}),
            "optional fields are left out"
        );
    }

    #[test]
    fn stored_json_of_the_wrong_shape_is_a_decode_error() {
        for json in [
            serde_json::json!([]),
            serde_json::json!({}),
            serde_json::json!({"access_token": 1}),
            serde_json::json!({"access_token": "a", "refresh_token": 2}),
            serde_json::json!({"access_token": "a", "expires_at": "soon"}),
            serde_json::json!({"access_token": "a", "extra": []}),
        ] {
            let error = Token::from_json(&json).unwrap_err();
            assert_eq!(error.kind(), ErrorKind::Decode, "{json}");
        }
    }

    #[test]
    fn token_response_expiry_comes_from_expires_in_then_from_the_jwt() {
        let before = SystemTime::now();
        let token = Token::from_token_response(serde_json::json!({
            "access_token": "a", "expires_in": "120"
        }))
        .unwrap();
        let expires_at = token.expires_at().unwrap();
        assert!(expires_at >= before + Duration::from_secs(120));
        assert!(expires_at <= SystemTime::now() + Duration::from_secs(120));

        // {"exp": 1700000000}
        let jwt = "eyJhbGciOiJub25lIn0.eyJleHAiOjE3MDAwMDAwMDB9.";
        let token = Token::from_token_response(serde_json::json!({ "access_token": jwt })).unwrap();
        assert_eq!(
            token.expires_at(),
            Some(UNIX_EPOCH + Duration::from_secs(1_700_000_000))
        );
    }

    #[test]
    fn token_response_without_access_token_is_rejected() {
        let error =
            Token::from_token_response(serde_json::json!({"error": "invalid_grant"})).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Decode);
    }
}
