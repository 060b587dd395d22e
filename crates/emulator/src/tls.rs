//! HTTPS: a certificate authority made at start, the server certificate it signs, and the
//! TLS acceptor the server wraps each accepted connection in.
//!
//! Nothing is read from disk. When [`EmulatorBuilder::tls`](crate::EmulatorBuilder::tls)
//! is set, starting generates a fresh ECDSA P-256 CA and a leaf certificate for
//! `127.0.0.1`, `::1` and `localhost` signed by it, valid from an hour ago for 30 days.
//! Clients trust the CA — handed out by [`Emulator::ca_certificate_pem`](crate::Emulator)
//! or written where [`TlsOptions::ca_cert_out`] says — and so accept the leaf; the CA key
//! never leaves the process, so the CA is good for this emulator instance only.
//!
//! The acceptor uses rustls with the ring provider chosen explicitly (the project builds a
//! single crypto stack) and offers `h2` and `http/1.1` by ALPN; the server's protocol
//! sniffing then serves whichever the client picked. The handshake runs in the
//! connection's own task, so a failed one ends that connection only.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::ServerConfig;
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use time::OffsetDateTime;
use tokio_rustls::TlsAcceptor;

use crate::error::{Error, Result};

/// The names the server certificate is good for.
const SERVER_NAMES: [&str; 3] = ["127.0.0.1", "::1", "localhost"];
/// How long before generation the certificates become valid, for clients whose clock is
/// a little behind.
const BACKDATE: time::Duration = time::Duration::hours(1);
/// How long after generation the certificates stay valid.
const VALIDITY: time::Duration = time::Duration::days(30);
/// The protocols offered by ALPN, most preferred first.
const ALPN_PROTOCOLS: [&[u8]; 2] = [b"h2", b"http/1.1"];

/// How the emulator serves HTTPS; pass to [`EmulatorBuilder::tls`](crate::EmulatorBuilder::tls).
///
/// ```
/// let options = acs_emulator::TlsOptions {
///     ca_cert_out: Some("target/acs-emulator-ca.pem".into()),
/// };
/// # drop(options);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TlsOptions {
    /// A file to write the generated CA certificate to (PEM) when the emulator starts,
    /// replacing what is there. Its directory must exist; it is not created.
    pub ca_cert_out: Option<PathBuf>,
}

/// What a TLS-serving emulator keeps: the acceptor and the CA certificate clients trust.
pub(crate) struct Tls {
    pub(crate) acceptor: TlsAcceptor,
    pub(crate) ca_pem: String,
}

impl Tls {
    /// Generates the certificates and the acceptor, and writes the CA certificate where
    /// `options` asks.
    pub(crate) fn prepare(options: &TlsOptions) -> Result<Tls> {
        // Validity follows the system clock, not the emulator's injected one: clients
        // check certificates against real time.
        let tls = Self::generate(OffsetDateTime::now_utc())?;
        if let Some(path) = &options.ca_cert_out {
            write_ca(path, &tls.ca_pem)?;
        }
        Ok(tls)
    }

    fn generate(now: OffsetDateTime) -> Result<Tls> {
        let not_before = now - BACKDATE;
        let not_after = now + VALIDITY;

        let ca_key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)
            .map_err(|e| tls_error("could not generate the CA key", &e))?;
        let mut ca_params = CertificateParams::default();
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "acs-emulator test CA");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        ca_params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        ca_params.not_before = not_before;
        ca_params.not_after = not_after;
        let ca_cert = ca_params
            .self_signed(&ca_key)
            .map_err(|e| tls_error("could not sign the CA certificate", &e))?;
        let issuer = Issuer::new(ca_params, ca_key);

        let leaf_key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)
            .map_err(|e| tls_error("could not generate the server key", &e))?;
        let mut leaf_params = CertificateParams::new(SERVER_NAMES.map(str::to_owned).to_vec())
            .map_err(|e| tls_error("could not name the server certificate", &e))?;
        leaf_params
            .distinguished_name
            .push(DnType::CommonName, "acs-emulator");
        leaf_params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        leaf_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        // Strict verifiers (OpenSSL's X509_STRICT, Python's default since 3.13) want the
        // authority key identifier on certificates a CA issued.
        leaf_params.use_authority_key_identifier_extension = true;
        leaf_params.not_before = not_before;
        leaf_params.not_after = not_after;
        let leaf_cert = leaf_params
            .signed_by(&leaf_key, &issuer)
            .map_err(|e| tls_error("could not sign the server certificate", &e))?;

        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| tls_error("rustls refused the protocol versions", &e))?
            .with_no_client_auth()
            .with_single_cert(vec![leaf_cert.der().clone()], key)
            .map_err(|e| tls_error("rustls refused the server certificate", &e))?;
        config.alpn_protocols = ALPN_PROTOCOLS.iter().map(|p| p.to_vec()).collect();

        Ok(Tls {
            acceptor: TlsAcceptor::from(Arc::new(config)),
            ca_pem: ca_cert.pem(),
        })
    }
}

fn write_ca(path: &Path, pem: &str) -> Result<()> {
    std::fs::write(path, pem).map_err(|source| {
        let source = if source.kind() == io::ErrorKind::NotFound {
            io::Error::new(
                source.kind(),
                format!("{source} (the directory must exist; it is not created)"),
            )
        } else {
            source
        };
        Error::CaCertOut {
            path: path.to_owned(),
            source,
        }
    })
}

fn tls_error(what: &str, error: &dyn std::fmt::Display) -> Error {
    Error::Tls(format!("{what}: {error}"))
}

#[cfg(test)]
mod tests {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;

    use super::*;

    #[test]
    fn the_ca_pem_holds_one_certificate() {
        let tls = Tls::generate(OffsetDateTime::now_utc()).unwrap();

        let certificates = CertificateDer::pem_slice_iter(tls.ca_pem.as_bytes())
            .collect::<std::result::Result<Vec<_>, _>>()
            .unwrap();
        assert_eq!(certificates.len(), 1);
        assert!(tls.ca_pem.starts_with("-----BEGIN CERTIFICATE-----"));
    }

    #[test]
    fn a_missing_directory_is_reported_with_the_path() {
        let dir = std::env::temp_dir().join(format!("acs-emulator-{}", uuid::Uuid::new_v4()));
        let path = dir.join("ca.pem");

        let error = Tls::prepare(&TlsOptions {
            ca_cert_out: Some(path.clone()),
        })
        .err()
        .unwrap();

        let message = error.to_string();
        assert!(message.contains(&path.display().to_string()), "{message}");
        assert!(message.contains("directory must exist"), "{message}");
    }
}
