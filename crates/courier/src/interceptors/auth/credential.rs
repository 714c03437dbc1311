//! The token as requests use it: its header value made once, its generation, and whether
//! it is refreshed ahead of its expiry.

use std::time::{Duration, SystemTime};

use http::{HeaderName, HeaderValue};

use super::token::Token;
use crate::error::{Error, ErrorKind, Result};
use crate::request::Request;

/// How a token is written into a request: `<name>: <scheme> <token>` (by default
/// `Authorization: Bearer <token>`), or `<name>: <token>` without a scheme.
#[derive(Debug, Clone)]
pub(super) struct TokenHeader {
    pub(super) name: HeaderName,
    pub(super) scheme: Option<String>,
}

impl TokenHeader {
    /// The header value for `token`, marked sensitive (so `http`'s `Debug` hides it).
    fn value(&self, token: &Token) -> Result<HeaderValue> {
        let text = match &self.scheme {
            Some(scheme) => format!("{scheme} {}", token.access_token()),
            None => token.access_token().to_owned(),
        };
        let mut value = HeaderValue::try_from(text).map_err(|_| {
            // The source error would be harmless, but the message says all there is.
            Error::new(ErrorKind::InvalidRequest)
                .with_message("the access token is not a valid header value")
        })?;
        value.set_sensitive(true);
        Ok(value)
    }
}

/// A token the session holds, with what sending it needs.
#[derive(Debug)]
pub(super) struct Credential {
    pub(super) token: Token,
    pub(super) header: HeaderValue,
    /// Which token this is: every change of the session's token (a load, a refresh, a sign-in
    /// or sign-out) takes a new generation, so "was my token replaced?" is one comparison.
    pub(super) generation: u64,
    /// Whether it is refreshed before it expires (see [`Pending::new`]).
    refresh_ahead: bool,
}

impl Credential {
    /// Whether it should be refreshed before use at `now`: its expiry is known and within
    /// `margin`.
    pub(super) fn is_due(&self, now: SystemTime, margin: Duration) -> bool {
        self.refresh_ahead
            && self
                .token
                .expires_at()
                .is_some_and(|expires_at| now.checked_add(margin).is_none_or(|t| t >= expires_at))
    }

    /// Whether it has expired at `now`.
    pub(super) fn is_expired(&self, now: SystemTime) -> bool {
        self.token.is_expired_at(now)
    }

    /// Puts the token into `request` under `header`'s name. A name other than
    /// `Authorization` (which reqwest removes itself) is marked sensitive, so a redirect to
    /// another origin does not carry the token there.
    pub(super) fn authorize(&self, header: &TokenHeader, request: &mut Request) {
        if header.name != http::header::AUTHORIZATION {
            request
                .options_mut()
                .add_sensitive_header(header.name.clone());
        }
        request
            .headers_mut()
            .insert(header.name.clone(), self.header.clone());
    }
}

/// A credential being made, before the session gives it its generation.
pub(super) struct Pending {
    token: Token,
    header: HeaderValue,
    refresh_ahead: bool,
}

impl Pending {
    /// Prepares `token`. A token that a refresh just returned and that is already due at
    /// `now` (the server issues tokens shorter than the margin, or the clocks disagree) is
    /// not refreshed ahead: it would be refreshed before every request. It is refreshed when
    /// the server rejects it instead.
    pub(super) fn new(
        token: Token,
        header: &TokenHeader,
        from_refresh: bool,
        now: SystemTime,
        margin: Duration,
    ) -> Result<Pending> {
        let value = header.value(&token)?;
        let due_on_arrival = token
            .expires_at()
            .is_some_and(|expires_at| now.checked_add(margin).is_none_or(|t| t >= expires_at));
        Ok(Pending {
            token,
            header: value,
            refresh_ahead: !(from_refresh && due_on_arrival),
        })
    }

    pub(super) fn token(&self) -> &Token {
        &self.token
    }

    pub(super) fn into_credential(self, generation: u64) -> Credential {
        Credential {
            token: self.token,
            header: self.header,
            generation,
            refresh_ahead: self.refresh_ahead,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bearer() -> TokenHeader {
        TokenHeader {
            name: http::header::AUTHORIZATION,
            scheme: Some("Bearer".into()),
        }
    }

    #[test]
    fn header_values_are_sensitive_and_checked() {
        let now = SystemTime::now();
        let margin = Duration::from_secs(30);
        let pending = Pending::new(Token::new("abc"), &bearer(), false, now, margin).unwrap();
        let credential = pending.into_credential(1);
        assert_eq!(credential.header, "Bearer abc");
        assert!(credential.header.is_sensitive());

        let raw = TokenHeader {
            name: HeaderName::from_static("x-api-key"),
            scheme: None,
        };
        let credential = Pending::new(Token::new("k"), &raw, false, now, margin)
            .unwrap()
            .into_credential(1);
        assert_eq!(credential.header, "k");

        let error = Pending::new(Token::new("bad\ntoken"), &bearer(), false, now, margin)
            .err()
            .unwrap();
        assert_eq!(error.kind(), ErrorKind::InvalidRequest);
        assert!(!error.to_string().contains("bad"));
    }

    #[test]
    fn due_within_the_margin_unless_it_arrived_due_from_a_refresh() {
        let now = SystemTime::now();
        let margin = Duration::from_secs(30);
        let token = |secs| Token::new("a").with_expires_at(Some(now + Duration::from_secs(secs)));
        let loaded = |t| {
            Pending::new(t, &bearer(), false, now, margin)
                .unwrap()
                .into_credential(1)
        };
        let refreshed = |t| {
            Pending::new(t, &bearer(), true, now, margin)
                .unwrap()
                .into_credential(1)
        };

        assert!(!loaded(token(60)).is_due(now, margin));
        assert!(loaded(token(60)).is_due(now + Duration::from_secs(30), margin));
        assert!(loaded(token(10)).is_due(now, margin));
        assert!(!loaded(Token::new("a")).is_due(now, margin));
        // Refreshed with 60 s left: refreshed ahead later, like any other.
        assert!(refreshed(token(60)).is_due(now + Duration::from_secs(31), margin));
        // Refreshed with 10 s left: never ahead, or every request would refresh.
        assert!(!refreshed(token(10)).is_due(now, margin));
        assert!(!refreshed(token(10)).is_due(now + Duration::from_secs(20), margin));
    }
}
