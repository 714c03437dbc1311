//! The rustls configuration: ring, the platform's trust store, extra roots.

use std::sync::Arc;

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

use super::ReqwestSettings;
use super::pinning::{PinSet, PinningVerifier};
use crate::PublicKeyPin;
use crate::error::{Error, ErrorKind, Result};

/// TLS settings gathered by the client builder.
#[derive(Debug, Clone, Default)]
pub(crate) struct TlsSettings {
    pub(crate) extra_roots: Vec<CertificateDer<'static>>,
    pub(crate) pins: PinSet,
}

impl TlsSettings {
    /// Adds the certificates of a PEM bundle as trusted roots.
    pub(crate) fn add_root_certificates_pem(&mut self, pem: &[u8]) -> Result<()> {
        let mut added = 0;
        for certificate in CertificateDer::pem_slice_iter(pem) {
            let certificate = certificate.map_err(|error| {
                Error::with_source(ErrorKind::InvalidRequest, error)
                    .with_message("invalid PEM root certificate")
            })?;
            self.extra_roots.push(certificate);
            added += 1;
        }
        if added == 0 {
            return Err(Error::new(ErrorKind::InvalidRequest)
                .with_message("no certificate found in the PEM root certificate bundle"));
        }
        Ok(())
    }

    /// Pins `host_pattern` to `pins` (see [`PinSet`]).
    pub(crate) fn pin_public_keys(&mut self, host_pattern: &str, pins: Vec<PublicKeyPin>) {
        self.pins.add(host_pattern, pins);
    }

    pub(super) fn client_config(&self, settings: &ReqwestSettings) -> Result<rustls::ClientConfig> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let verifier = rustls_platform_verifier::Verifier::new_with_extra_roots(
            self.extra_roots.iter().cloned(),
            provider.clone(),
        )
        .map_err(|error| Error::with_source(ErrorKind::BadCertificate, error))?;
        let verifier: Arc<dyn rustls::client::danger::ServerCertVerifier> = if self.pins.is_empty()
        {
            Arc::new(verifier)
        } else {
            Arc::new(PinningVerifier {
                inner: Arc::new(verifier),
                pins: self.pins.clone(),
            })
        };
        let mut config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|error| Error::with_source(ErrorKind::InvalidRequest, error))?
            .dangerous()
            .with_custom_certificate_verifier(verifier)
            .with_no_client_auth();
        // reqwest sets ALPN only on TLS configs it builds, so a preconfigured one must offer
        // what the version settings allow, as reqwest would. With prior knowledge the client
        // speaks h2 whatever ALPN agrees, so offering `http/1.1` too would let a server that
        // lacks h2 pick it and then fail on the h2 preface with a bare EOF.
        config.alpn_protocols = if settings.http1_only {
            vec![b"http/1.1".to_vec()]
        } else if settings.http2_prior_knowledge {
            vec![b"h2".to_vec()]
        } else {
            vec![b"h2".to_vec(), b"http/1.1".to_vec()]
        };
        Ok(config)
    }
}
