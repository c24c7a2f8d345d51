//! The member's side of the hotspot: [`Link`], an HTTPS client that trusts exactly the
//! certificate whose fingerprint was scanned, and [`exchange`], the whole exchange over
//! bytes and closures (the app plugs its export and import in).
//!
//! Each request is its own connection: a cut link costs one request, and running the
//! exchange again resumes it (the courier says which bundles it holds already).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use super::courier::{Closed, Done, Hello, Taken, Welcome};
use super::{paths, ErrorBody, HotspotError, Pairing};

/// How long one request may take (a bundle over a slow hotspot included).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);
/// Largest answer accepted: one bundle.
const MAX_ANSWER: usize = ccs_core::relay::bundle::MAX_PAYLOAD_BYTES + 4096;

/// Accepts exactly the certificate of the pairing; its handshake signatures are still
/// checked, so only the holder of that certificate's key passes.
#[derive(Debug)]
struct Pinned {
    fingerprint: [u8; 32],
    provider: Arc<CryptoProvider>,
    mismatch: Arc<AtomicBool>,
}

impl ServerCertVerifier for Pinned {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let seen: [u8; 32] = Sha256::digest(end_entity.as_ref()).into();
        if seen == self.fingerprint {
            Ok(ServerCertVerified::assertion())
        } else {
            self.mismatch.store(true, Ordering::SeqCst);
            Err(rustls::Error::General("certificate does not match the pairing".into()))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}

/// A member's link to a courier's hotspot.
pub struct Link {
    pairing: Pairing,
    tls: Arc<rustls::ClientConfig>,
    mismatch: Arc<AtomicBool>,
    runtime: tokio::runtime::Runtime,
}

impl Link {
    pub fn new(pairing: &Pairing) -> Result<Link, HotspotError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mismatch = Arc::new(AtomicBool::new(false));
        let verifier = Arc::new(Pinned {
            fingerprint: pairing.fingerprint,
            provider: provider.clone(),
            mismatch: mismatch.clone(),
        });
        let mut tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| HotspotError::Network(e.to_string()))?
            .dangerous()
            .with_custom_certificate_verifier(verifier)
            .with_no_client_auth();
        tls.alpn_protocols = vec![b"http/1.1".to_vec()];
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| HotspotError::Network(e.to_string()))?;
        Ok(Link { pairing: pairing.clone(), tls: Arc::new(tls), mismatch, runtime })
    }

    /// One request on its own connection: the status and body of the answer.
    fn request(&self, method: hyper::Method, path: &str, body: Vec<u8>) -> Result<(u16, Vec<u8>), HotspotError> {
        let content_type = if path == paths::UP { "application/octet-stream" } else { "application/json" };
        let net = |e: &dyn std::fmt::Display| HotspotError::Network(e.to_string());
        let exchange = async {
            let tcp = tokio::net::TcpStream::connect(self.pairing.address).await.map_err(|e| net(&e))?;
            let connector = tokio_rustls::TlsConnector::from(self.tls.clone());
            let name = ServerName::IpAddress(self.pairing.address.ip().into());
            let tls = match connector.connect(name, tcp).await {
                Ok(t) => t,
                Err(_) if self.mismatch.load(Ordering::SeqCst) => return Err(HotspotError::Fingerprint),
                Err(e) => return Err(net(&e)),
            };
            let (mut sender, connection) =
                hyper::client::conn::http1::handshake(TokioIo::new(tls)).await.map_err(|e| net(&e))?;
            tokio::spawn(connection);
            let request = hyper::Request::builder()
                .method(method)
                .uri(path)
                .header(hyper::header::HOST, self.pairing.address.to_string())
                .header(hyper::header::AUTHORIZATION, format!("Bearer {}", self.pairing.token))
                .header(hyper::header::CONTENT_TYPE, content_type)
                .body(Full::new(Bytes::from(body)))
                .map_err(|e| net(&e))?;
            let response = sender.send_request(request).await.map_err(|e| net(&e))?;
            let status = response.status().as_u16();
            let bytes = Limited::new(response.into_body(), MAX_ANSWER).collect().await.map_err(|e| net(&e))?;
            Ok((status, bytes.to_bytes().to_vec()))
        };
        self.runtime
            .block_on(async { tokio::time::timeout(REQUEST_TIMEOUT, exchange).await })
            .map_err(|_| HotspotError::Network("timed out".into()))?
    }

    fn call<T: DeserializeOwned>(&self, method: hyper::Method, path: &str, body: Vec<u8>) -> Result<T, HotspotError> {
        let bytes = self.call_bytes(method, path, body)?;
        serde_json::from_slice(&bytes).map_err(|e| HotspotError::BadResponse(e.to_string()))
    }

    fn call_bytes(&self, method: hyper::Method, path: &str, body: Vec<u8>) -> Result<Vec<u8>, HotspotError> {
        let (status, bytes) = self.request(method, path, body)?;
        if (200..300).contains(&status) {
            return Ok(bytes);
        }
        match serde_json::from_slice::<ErrorBody>(&bytes) {
            Ok(e) if e.code == ccs_core::error_code::ErrorCode::RelaySessionToken.as_str() => {
                Err(HotspotError::SessionToken)
            }
            Ok(e) => Err(HotspotError::Refused { code: e.code, message: e.message }),
            Err(_) => Err(HotspotError::BadResponse(format!("HTTP {status}"))),
        }
    }

    /// Says who this device is and which up-bundles it brings; learns which the courier
    /// holds already and which return bundles wait.
    pub fn hello(&self, device: [u8; 16], up: &[[u8; 16]]) -> Result<Welcome, HotspotError> {
        let hello = Hello { device: hex::encode(device), up: up.iter().map(hex::encode).collect() };
        let body = serde_json::to_vec(&hello).map_err(|e| HotspotError::BadResponse(e.to_string()))?;
        self.call(hyper::Method::POST, paths::HELLO, body)
    }

    /// Hands one up-bundle over; `Ok(false)`: the courier held it already.
    pub fn upload(&self, bundle: &[u8]) -> Result<bool, HotspotError> {
        let taken: Taken = self.call(hyper::Method::POST, paths::UP, bundle.to_vec())?;
        Ok(taken.new)
    }

    /// Downloads one return bundle.
    pub fn download(&self, id: [u8; 16]) -> Result<Vec<u8>, HotspotError> {
        self.call_bytes(hyper::Method::GET, &format!("{}/{}", paths::DOWN, hex::encode(id)), vec![])
    }

    /// Says which return bundles this device applied; the session ends (the token is used
    /// up).
    pub fn done(&self, applied: &[[u8; 16]]) -> Result<u32, HotspotError> {
        let done = Done { applied: applied.iter().map(hex::encode).collect() };
        let body = serde_json::to_vec(&done).map_err(|e| HotspotError::BadResponse(e.to_string()))?;
        let closed: Closed = self.call(hyper::Method::POST, paths::DONE, body)?;
        Ok(closed.delivered)
    }
}

/// What an exchange did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Exchanged {
    /// Up-bundles the courier took now.
    pub uploaded: u32,
    /// Up-bundles it held already (a resumed exchange).
    pub already_held: u32,
    /// Return bundles downloaded.
    pub downloaded: u32,
    /// Of those, applied by the member.
    pub applied: Vec<[u8; 16]>,
    /// Return bundles that left the courier's custody.
    pub delivered: u32,
}

/// A step of the exchange, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Uploaded { done: u32, of: u32 },
    Downloaded { done: u32, of: u32 },
}

/// The member's whole exchange: says hello, uploads the up-bundles the courier does not
/// hold yet (one per request), downloads each return bundle and gives it to `apply`
/// (`true` when applied; a bundle kept for later is `false`), then tells the courier
/// which were applied. Run it again after a cut link: it resumes.
pub fn exchange(
    pairing: &Pairing,
    device: [u8; 16],
    up: &[Vec<u8>],
    apply: &mut dyn FnMut([u8; 16], &[u8]) -> bool,
    progress: &mut dyn FnMut(Step),
) -> Result<Exchanged, HotspotError> {
    let link = Link::new(pairing)?;
    let ids: Vec<[u8; 16]> = up
        .iter()
        .map(|b| ccs_core::relay::bundle::read(b).map(|u| u.header.id))
        .collect::<Result<_, _>>()
        .map_err(|e| HotspotError::Refused { code: e.code().as_str().into(), message: e.to_string() })?;
    let welcome = link.hello(device, &ids)?;
    let mut out = Exchanged::default();
    let of = up.len() as u32;
    for (i, (id, bytes)) in ids.iter().zip(up).enumerate() {
        if welcome.known.contains(&hex::encode(id)) || !link.upload(bytes)? {
            out.already_held += 1;
        } else {
            out.uploaded += 1;
        }
        progress(Step::Uploaded { done: i as u32 + 1, of });
    }
    let of = welcome.down.len() as u32;
    for (i, info) in welcome.down.iter().enumerate() {
        let mut id = [0u8; 16];
        hex::decode_to_slice(&info.id, &mut id).map_err(|e| HotspotError::BadResponse(e.to_string()))?;
        let bytes = link.download(id)?;
        out.downloaded += 1;
        if apply(id, &bytes) {
            out.applied.push(id);
        }
        progress(Step::Downloaded { done: i as u32 + 1, of });
    }
    out.delivered = link.done(&out.applied)?;
    Ok(out)
}
