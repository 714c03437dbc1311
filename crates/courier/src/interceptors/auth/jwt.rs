//! Reading the expiry of a JWT access token, without verifying it.
//!
//! The client is not the token's audience: the server verifies the signature. The client
//! only wants to know when the token stops working, so that it can refresh it before sending
//! a request that would fail. So the payload is base64url-decoded and its `exp` claim (RFC
//! 7519 §4.1.4, seconds since the Unix epoch, possibly with a fraction) is read; anything
//! that is not a three-part JWS with a numeric `exp` has no known expiry.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::alphabet::URL_SAFE;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

/// base64url, with or without padding (JWTs have none; some issuers add it anyway).
const BASE64URL: GeneralPurpose = GeneralPurpose::new(
    &URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// The `exp` claim of `token`, if it is a JWT that has one.
pub(super) fn expiry(token: &str) -> Option<SystemTime> {
    let mut parts = token.split('.');
    let (_header, payload, _signature) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        // Five parts: an encrypted JWT (JWE), whose claims the client cannot read.
        return None;
    }
    let json = BASE64URL.decode(payload).ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&json).ok()?;
    let exp = claims.get("exp")?;
    let seconds = match exp.as_u64() {
        Some(seconds) => Duration::from_secs(seconds),
        None => Duration::try_from_secs_f64(exp.as_f64()?).ok()?,
    };
    UNIX_EPOCH.checked_add(seconds)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(payload: &str) -> String {
        let encode = |part: &str| BASE64URL.encode(part);
        format!(
            "{}.{}.signature",
            encode(r#"{"alg":"HS256","typ":"JWT"}"#),
            encode(payload)
        )
    }

    #[test]
    fn exp_is_read_from_the_payload() {
        let token = jwt(r#"{"sub":"7","exp":1700000000}"#);
        assert_eq!(
            expiry(&token),
            Some(UNIX_EPOCH + Duration::from_secs(1_700_000_000))
        );
    }

    #[test]
    fn a_fractional_exp_is_accepted() {
        let token = jwt(r#"{"exp":1700000000.5}"#);
        assert_eq!(
            expiry(&token),
            Some(UNIX_EPOCH + Duration::from_millis(1_700_000_000_500))
        );
    }

    #[test]
    fn a_padded_payload_is_accepted() {
        let payload = base64::engine::general_purpose::URL_SAFE.encode(r#"{"exp":10}"#);
        assert!(payload.ends_with('='));
        let token = format!("h.{payload}.s");
        assert_eq!(expiry(&token), Some(UNIX_EPOCH + Duration::from_secs(10)));
    }

    #[test]
    fn no_expiry_without_a_readable_exp() {
        for token in [
            "opaque-token".to_owned(),
            "a.b".to_owned(),
            "a.b.c.d.e".to_owned(),
            "h.!!!.s".to_owned(),
            jwt("not json"),
            jwt(r#"{"sub":"7"}"#),
            jwt(r#"{"exp":"tomorrow"}"#),
            jwt(r#"{"exp":-5}"#),
            jwt(r#"{"exp":1e300}"#),
        ] {
            assert_eq!(expiry(&token), None, "{token}");
        }
    }
}
