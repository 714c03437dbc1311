//! [`PublicKeyPin`]: the SHA-256 hash of a certificate's public key (SPKI), for certificate
//! pinning with [`ClientBuilder::pin_public_keys`](crate::ClientBuilder::pin_public_keys).

use std::fmt;
use std::str::FromStr;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};

use crate::{Error, ErrorKind};

/// The SHA-256 hash of a certificate's SubjectPublicKeyInfo, written `sha256/BASE64` as in
/// HPKP (RFC 7469) and OkHttp's `CertificatePinner`.
///
/// A pin names a key, not a certificate: it survives renewals that keep the key. Compute one
/// from a certificate with [`of_certificate_der`](PublicKeyPin::of_certificate_der) or
/// [`of_certificate_pem`](PublicKeyPin::of_certificate_pem), or with OpenSSL:
///
/// ```text
/// openssl x509 -in cert.pem -pubkey -noout | openssl pkey -pubin -outform der \
///   | openssl dgst -sha256 -binary | openssl enc -base64
/// ```
///
/// ```
/// use courier::PublicKeyPin;
///
/// let pin: PublicKeyPin = "sha256/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=".parse()?;
/// assert_eq!(pin.sha256(), &[0; 32]);
/// assert_eq!(pin.to_string(), "sha256/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
/// assert!("sha256/too-short".parse::<PublicKeyPin>().is_err());
/// # Ok::<(), courier::Error>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct PublicKeyPin([u8; 32]);

impl PublicKeyPin {
    /// A pin from the raw SHA-256 hash of a SubjectPublicKeyInfo.
    ///
    /// ```
    /// let pin = courier::PublicKeyPin::from_sha256([7; 32]);
    /// assert_eq!(pin.sha256(), &[7; 32]);
    /// ```
    pub fn from_sha256(hash: [u8; 32]) -> PublicKeyPin {
        PublicKeyPin(hash)
    }

    /// The pin of a DER-encoded X.509 certificate's public key.
    ///
    /// ```
    /// # let certified = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    /// let pin = courier::PublicKeyPin::of_certificate_der(certified.cert.der())?;
    /// assert!(pin.to_string().starts_with("sha256/"));
    /// # Ok::<(), courier::Error>(())
    /// ```
    pub fn of_certificate_der(der: &[u8]) -> Result<PublicKeyPin, Error> {
        let (_, certificate) = x509_parser::parse_x509_certificate(der).map_err(|error| {
            Error::with_source(ErrorKind::InvalidRequest, error.to_string())
                .with_message("not a DER-encoded X.509 certificate")
        })?;
        Ok(PublicKeyPin::of_subject_public_key_info(
            certificate.tbs_certificate.subject_pki.raw,
        ))
    }

    /// The pins of the certificates in a PEM bundle, in order.
    ///
    /// ```
    /// # let certified = rcgen::generate_simple_self_signed(vec!["localhost".into()]).unwrap();
    /// let pins = courier::PublicKeyPin::of_certificate_pem(certified.cert.pem().as_bytes())?;
    /// assert_eq!(pins.len(), 1);
    /// # Ok::<(), courier::Error>(())
    /// ```
    pub fn of_certificate_pem(pem: &[u8]) -> Result<Vec<PublicKeyPin>, Error> {
        use rustls::pki_types::CertificateDer;
        use rustls::pki_types::pem::PemObject;

        let pins = CertificateDer::pem_slice_iter(pem)
            .map(|certificate| {
                let certificate = certificate.map_err(|error| {
                    Error::with_source(ErrorKind::InvalidRequest, error)
                        .with_message("invalid PEM certificate")
                })?;
                PublicKeyPin::of_certificate_der(&certificate)
            })
            .collect::<Result<Vec<_>, Error>>()?;
        if pins.is_empty() {
            return Err(Error::new(ErrorKind::InvalidRequest)
                .with_message("no certificate found in the PEM bundle"));
        }
        Ok(pins)
    }

    /// The pin of a DER-encoded SubjectPublicKeyInfo.
    ///
    /// ```
    /// let pin = courier::PublicKeyPin::of_subject_public_key_info(b"spki");
    /// assert_ne!(pin.sha256(), &[0; 32]);
    /// ```
    pub fn of_subject_public_key_info(spki_der: &[u8]) -> PublicKeyPin {
        PublicKeyPin(Sha256::digest(spki_der).into())
    }

    /// The SHA-256 hash.
    ///
    /// ```
    /// assert_eq!(courier::PublicKeyPin::from_sha256([1; 32]).sha256()[0], 1);
    /// ```
    pub fn sha256(&self) -> &[u8; 32] {
        &self.0
    }
}

impl FromStr for PublicKeyPin {
    type Err = Error;

    /// Parses `sha256/BASE64` (the prefix may be left out).
    fn from_str(text: &str) -> Result<PublicKeyPin, Error> {
        let encoded = text.trim();
        let encoded = encoded.strip_prefix("sha256/").unwrap_or(encoded);
        let invalid = || {
            Error::new(ErrorKind::InvalidRequest).with_message(format!(
                "invalid public key pin {text:?}: expected sha256/ and the base64 of 32 bytes"
            ))
        };
        let bytes = STANDARD.decode(encoded).map_err(|_| invalid())?;
        let hash: [u8; 32] = bytes.try_into().map_err(|_| invalid())?;
        Ok(PublicKeyPin(hash))
    }
}

impl fmt::Display for PublicKeyPin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "sha256/{}", STANDARD.encode(self.0))
    }
}

impl fmt::Debug for PublicKeyPin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKeyPin({self})")
    }
}
