//! Certificate pinning: a rustls verifier that runs the platform's verification and then
//! requires the server's public key to be one of the pins set for its host.

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, OtherError, SignatureScheme};

use crate::PublicKeyPin;

/// Hosts and the public keys they may present.
///
/// A host pattern is a name (`api.example.com`, matched without regard to case), `*.NAME`
/// (exactly one more label) or `**.NAME` (the name itself and any subdomain), as in
/// OkHttp's `CertificatePinner`. Several patterns may match one host: its pins are then all
/// of theirs.
#[derive(Debug, Clone, Default)]
pub(crate) struct PinSet {
    rules: Vec<(String, Vec<PublicKeyPin>)>,
}

impl PinSet {
    pub(crate) fn add(&mut self, pattern: &str, pins: Vec<PublicKeyPin>) {
        let pattern = pattern.trim().trim_end_matches('.').to_ascii_lowercase();
        self.rules.push((pattern, pins));
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The pins for `host`; empty when it is not pinned.
    fn pins_for(&self, host: &str) -> Vec<PublicKeyPin> {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        self.rules
            .iter()
            .filter(|(pattern, _)| pattern_matches(pattern, &host))
            .flat_map(|(_, pins)| pins.iter().copied())
            .collect()
    }
}

fn pattern_matches(pattern: &str, host: &str) -> bool {
    if let Some(domain) = pattern.strip_prefix("**.") {
        return host == domain
            || host
                .strip_suffix(domain)
                .is_some_and(|prefix| prefix.ends_with('.'));
    }
    if let Some(domain) = pattern.strip_prefix("*.") {
        return host
            .strip_suffix(domain)
            .and_then(|prefix| prefix.strip_suffix('.'))
            .is_some_and(|label| !label.is_empty() && !label.contains('.'));
    }
    pattern == host
}

/// The platform verifier, then the pins.
#[derive(Debug)]
pub(crate) struct PinningVerifier {
    pub(crate) inner: Arc<dyn ServerCertVerifier>,
    pub(crate) pins: PinSet,
}

/// A pinned host presented a key that is not pinned.
#[derive(Debug, thiserror::Error)]
#[error("the certificate of {host} has none of its pinned public keys (presented {presented})")]
struct PinMismatch {
    host: String,
    presented: PublicKeyPin,
}

impl ServerCertVerifier for PinningVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let verified = self.inner.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        )?;
        let host = match server_name {
            ServerName::DnsName(name) => name.as_ref().to_owned(),
            ServerName::IpAddress(address) => std::net::IpAddr::from(*address).to_string(),
            _ => return Ok(verified),
        };
        let pins = self.pins.pins_for(&host);
        if pins.is_empty() {
            return Ok(verified);
        }
        // Only the server's own key is checked. The intermediates a server sends are not
        // authenticated by themselves (the verifier does not say which ones it used), so a
        // pin on a CA key could be met by any server that appends that CA's public
        // certificate to an otherwise valid chain.
        let presented = PublicKeyPin::of_certificate_der(end_entity)
            .map_err(|_| rustls::Error::InvalidCertificate(CertificateError::BadEncoding))?;
        if pins.contains(&presented) {
            return Ok(verified);
        }
        Err(rustls::Error::InvalidCertificate(CertificateError::Other(
            OtherError(Arc::new(PinMismatch { host, presented })),
        )))
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        certificate: &CertificateDer<'_>,
        signature: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner
            .verify_tls12_signature(message, certificate, signature)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        certificate: &CertificateDer<'_>,
        signature: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner
            .verify_tls13_signature(message, certificate, signature)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }

    fn requires_raw_public_keys(&self) -> bool {
        self.inner.requires_raw_public_keys()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_patterns_match_as_okhttp_does() {
        let cases = [
            ("api.example.com", "api.example.com", true),
            ("api.example.com", "API.Example.com.", true),
            ("api.example.com", "www.api.example.com", false),
            ("*.example.com", "api.example.com", true),
            ("*.example.com", "example.com", false),
            ("*.example.com", "a.b.example.com", false),
            ("*.example.com", "badexample.com", false),
            ("**.example.com", "example.com", true),
            ("**.example.com", "a.b.example.com", true),
            ("**.example.com", "notexample.com", false),
        ];
        for (pattern, host, expected) in cases {
            let mut set = PinSet::default();
            set.add(pattern, vec![PublicKeyPin::from_sha256([1; 32])]);
            assert_eq!(
                !set.pins_for(host).is_empty(),
                expected,
                "{pattern} vs {host}"
            );
        }
    }

    #[test]
    fn pins_of_every_matching_pattern_apply() {
        let mut set = PinSet::default();
        set.add("**.example.com", vec![PublicKeyPin::from_sha256([1; 32])]);
        set.add("api.example.com", vec![PublicKeyPin::from_sha256([2; 32])]);
        assert_eq!(set.pins_for("api.example.com").len(), 2);
        assert_eq!(set.pins_for("www.example.com").len(), 1);
    }
}
