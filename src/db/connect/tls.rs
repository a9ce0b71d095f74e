//! TLS through rustls, as libpq's `sslmode` asks for it: which certificate checks each mode
//! makes, and the root certificates they check against.

use std::path::PathBuf;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

use super::params::{PgEnv, SslMode};
use crate::error::{Error, Result};

/// Where the roots that check the server's certificate come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum RootCerts {
    /// A PEM file: `sslrootcert`, `PGSSLROOTCERT`, or libpq's `~/.postgresql/root.crt`.
    File(PathBuf),
    /// `sslrootcert=system`: the TLS library's own roots (Mozilla's).
    System,
}

/// libpq's `sslmode` and root certificates from the connection string's own (`mode`,
/// `named_root`) or else the environment's. As libpq: a root certificate file (named, or
/// `~/.postgresql/root.crt` when it exists) makes `require` check the chain as `verify-ca`
/// does, and `sslrootcert=system` means `verify-full`, refusing any weaker mode.
pub(super) fn tls_settings(
    mode: Option<SslMode>,
    named_root: Option<PathBuf>,
    env: &PgEnv,
) -> Result<(SslMode, Option<RootCerts>)> {
    let mode = match mode {
        Some(mode) => Some(mode),
        None => env.sslmode.as_deref().map(SslMode::parse).transpose()?,
    };
    let named_root = named_root.or_else(|| env.sslrootcert.as_ref().map(PathBuf::from));
    if named_root.as_deref() == Some(std::path::Path::new("system")) {
        return match mode {
            None | Some(SslMode::VerifyFull) => Ok((SslMode::VerifyFull, Some(RootCerts::System))),
            Some(_) => Err(Error::Usage(
                "sslrootcert=system needs sslmode=verify-full (or no sslmode): anyone can get a certificate from a public CA for a host name of their own, so a weaker mode would check nothing"
                    .into(),
            )),
        };
    }
    let roots = match named_root {
        // Named, it must be there: unlike libpq, a missing file is not quietly skipped.
        Some(path) => Some(RootCerts::File(path)),
        None => env
            .default_root_cert
            .clone()
            .filter(|path| path.exists())
            .map(RootCerts::File),
    };
    Ok((mode.unwrap_or(SslMode::Prefer), roots))
}

pub(super) fn tls_config(mode: SslMode, root_cert: Option<&RootCerts>) -> Result<ClientConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Usage(format!("TLS set-up failed: {e}")))?;
    // libpq's require checks the chain when it has a root certificate file.
    let mode = match (mode, root_cert) {
        (SslMode::Require, Some(RootCerts::File(_))) => SslMode::VerifyCa,
        (mode, _) => mode,
    };
    let config = match mode {
        SslMode::Disable | SslMode::Prefer | SslMode::Require => builder
            .dangerous()
            // libpq's prefer, and require without a root file, encrypt without checking
            // who answers.
            .with_custom_certificate_verifier(Arc::new(NoVerification(provider)))
            .with_no_client_auth(),
        SslMode::VerifyCa | SslMode::VerifyFull => {
            let roots = Arc::new(root_store(root_cert)?);
            let webpki = rustls::client::WebPkiServerVerifier::builder_with_provider(
                roots,
                provider.clone(),
            )
            .build()
            .map_err(|e| Error::Usage(format!("TLS set-up failed: {e}")))?;
            if mode == SslMode::VerifyFull {
                builder.with_webpki_verifier(webpki).with_no_client_auth()
            } else {
                builder
                    .dangerous()
                    .with_custom_certificate_verifier(Arc::new(ChainOnly(webpki)))
                    .with_no_client_auth()
            }
        }
    };
    Ok(config)
}

fn root_store(root_cert: Option<&RootCerts>) -> Result<RootCertStore> {
    let mut roots = RootCertStore::empty();
    match root_cert {
        Some(RootCerts::File(path)) => {
            use rustls::pki_types::pem::PemObject;
            let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
                .map_err(|e| Error::Usage(format!("sslrootcert {}: {e}", path.display())))?
                .collect::<Result<_, _>>()
                .map_err(|e| Error::Usage(format!("sslrootcert {}: {e}", path.display())))?;
            if certs.is_empty() {
                return Err(Error::Usage(format!(
                    "sslrootcert {} holds no PEM certificate",
                    path.display()
                )));
            }
            for cert in certs {
                roots
                    .add(cert)
                    .map_err(|e| Error::Usage(format!("sslrootcert {}: {e}", path.display())))?;
            }
        }
        Some(RootCerts::System) | None => {
            roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        }
    }
    Ok(roots)
}

/// `sslmode=prefer`, and `require` without a root certificate file: encrypted, but the
/// certificate is not checked (as libpq does).
#[derive(Debug)]
struct NoVerification(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for NoVerification {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// `sslmode=verify-ca` (and `require` with a root certificate file): the chain must lead to a
/// trusted root; the host name is not checked.
#[derive(Debug)]
struct ChainOnly(Arc<rustls::client::WebPkiServerVerifier>);

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::NotValidForName
                | rustls::CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}
