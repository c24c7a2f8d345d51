//! The pairing text a courier's screen shows (as a QR code and as text to type):
//! `ccs-relais:1?a=<https://ip:port>&f=<sha-256 of the certificate, hex>&t=<token>`.

use std::net::SocketAddr;

use super::HotspotError;

pub const PREFIX: &str = "ccs-relais:1?";

/// Where the courier serves, which certificate it holds, and the session's token.
#[derive(Clone, PartialEq, Eq)]
pub struct Pairing {
    pub address: SocketAddr,
    /// SHA-256 of the certificate (DER).
    pub fingerprint: [u8; 32],
    /// One-time session token.
    pub token: String,
}

impl std::fmt::Debug for Pairing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The token is a secret of the session: not in logs.
        f.debug_struct("Pairing")
            .field("address", &self.address)
            .field("fingerprint", &hex::encode(self.fingerprint))
            .finish_non_exhaustive()
    }
}

impl Pairing {
    pub fn to_text(&self) -> String {
        format!("{PREFIX}a=https://{}&f={}&t={}", self.address, hex::encode(self.fingerprint), self.token)
    }

    pub fn parse(text: &str) -> Result<Pairing, HotspotError> {
        let bad = |what: &str| HotspotError::Pairing(what.to_string());
        let query = text.trim().strip_prefix(PREFIX).ok_or_else(|| bad("prefix"))?;
        let (mut address, mut fingerprint, mut token) = (None, None, None);
        for pair in query.split('&') {
            let (key, value) = pair.split_once('=').ok_or_else(|| bad("field"))?;
            match key {
                "a" => {
                    let host = value.strip_prefix("https://").ok_or_else(|| bad("address must be https"))?;
                    address = Some(host.trim_end_matches('/').parse::<SocketAddr>().map_err(|_| bad("address"))?);
                }
                "f" => {
                    let mut f = [0u8; 32];
                    hex::decode_to_slice(value, &mut f).map_err(|_| bad("fingerprint"))?;
                    fingerprint = Some(f);
                }
                "t" => {
                    if value.is_empty() || value.len() > 128 || !value.chars().all(|c| c.is_ascii_alphanumeric()) {
                        return Err(bad("token"));
                    }
                    token = Some(value.to_string());
                }
                // A later version may add fields: ignored.
                _ => {}
            }
        }
        Ok(Pairing {
            address: address.ok_or_else(|| bad("no address"))?,
            fingerprint: fingerprint.ok_or_else(|| bad("no fingerprint"))?,
            token: token.ok_or_else(|| bad("no token"))?,
        })
    }

    /// The pairing as a QR code drawn with Unicode half blocks, for a terminal.
    pub fn qr_text(&self) -> Result<String, HotspotError> {
        let qr = qrcode::QrCode::new(self.to_text().as_bytes()).map_err(|e| HotspotError::Pairing(e.to_string()))?;
        Ok(qr
            .render::<qrcode::render::unicode::Dense1x2>()
            .dark_color(qrcode::render::unicode::Dense1x2::Light)
            .light_color(qrcode::render::unicode::Dense1x2::Dark)
            .build())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairing_text_round_trips_and_refuses_damage() {
        let p = Pairing { address: "192.168.43.1:8443".parse().unwrap(), fingerprint: [0xab; 32], token: "Zx9".into() };
        let text = p.to_text();
        assert!(text.starts_with("ccs-relais:1?a=https://192.168.43.1:8443&f=abab"));
        assert_eq!(Pairing::parse(&format!("  {text}\n")).unwrap(), p);
        assert!(!format!("{p:?}").contains("Zx9"), "the token stays out of logs");
        for bad in [
            text.replace("https://", "http://"),
            text.replace("&t=Zx9", ""),
            text.replace("&f=", "&f=zz"),
            text.replace("ccs-relais:1?", "ccs-relais:2?"),
            text.replace("t=Zx9", "t=Zx9&t=a b"),
        ] {
            assert_eq!(
                Pairing::parse(&bad).unwrap_err().code(),
                ccs_core::error_code::ErrorCode::RelayPairing,
                "{bad}"
            );
        }
        assert!(p.qr_text().unwrap().lines().count() > 10);
    }
}
