//! The enrollment slip: what the administrator prints for a member who may never reach
//! the server. Besides the code it carries the server's address, epoch and public keys,
//! so a device can enroll offline and seal its first bundle to the server (RELAY.md,
//! "Enrolling without a network").
//!
//! Text form (also the QR code's content), one line:
//! `ccs-inscription:1?s=<address>&c=<code>&k=<signing key hex>&x=<age1…>&v=<key epoch>&e=<epoch hex>&d=<YYYY-MM-DD>&r=<role>[&m=<committee id>][&g=<region>]`.
//! The address is percent-encoded for `%`, `&`, `=` and spaces only.

use chrono::NaiveDate;

use super::keys::PublicKeys;
use crate::error_code::ErrorCode;

pub const PREFIX: &str = "ccs-inscription:1?";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slip {
    /// The server's address (https://…).
    pub server: String,
    /// The enrollment code, as printed (`ABCD-EFGH-JKLM`).
    pub code: String,
    pub server_keys: PublicKeys,
    /// The server log's epoch.
    pub epoch: [u8; 16],
    /// Last day the code may be redeemed.
    pub valid_until: NaiveDate,
    /// What the code grants (`member`, `facilitator`, …), so the device can work in its
    /// scope before the server's answer comes back; the server decides from the code.
    pub role: String,
    pub committee_id: Option<String>,
    pub region: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an enrollment slip: {0}")]
pub struct SlipError(pub String);

impl SlipError {
    pub fn code(&self) -> ErrorCode {
        ErrorCode::SlipMalformed
    }
}

fn escape(s: &str) -> String {
    s.replace('%', "%25").replace('&', "%26").replace('=', "%3D").replace(' ', "%20")
}

fn unescape(s: &str) -> String {
    s.replace("%20", " ").replace("%3D", "=").replace("%26", "&").replace("%25", "%")
}

impl Slip {
    pub fn to_text(&self) -> String {
        format!(
            "{PREFIX}s={}&c={}&k={}&x={}&v={}&e={}&d={}&r={}{}{}",
            escape(&self.server),
            escape(&self.code),
            hex::encode(self.server_keys.sign),
            self.server_keys.encrypt,
            self.server_keys.epoch,
            hex::encode(self.epoch),
            self.valid_until.format("%Y-%m-%d"),
            escape(&self.role),
            self.committee_id.as_ref().map(|c| format!("&m={}", escape(c))).unwrap_or_default(),
            self.region.as_ref().map(|g| format!("&g={}", escape(g))).unwrap_or_default(),
        )
    }

    /// Reads a slip as typed, pasted or scanned (surrounding spaces ignored).
    pub fn parse(text: &str) -> Result<Slip, SlipError> {
        let text = text.trim();
        let query =
            text.strip_prefix(PREFIX).ok_or_else(|| SlipError("it does not start with ccs-inscription:1?".into()))?;
        let mut fields = std::collections::HashMap::new();
        for pair in query.split('&') {
            let (k, v) = pair.split_once('=').ok_or_else(|| SlipError(format!("{pair:?} has no value")))?;
            fields.insert(k, unescape(v));
        }
        let get = |k: &str| fields.get(k).cloned().ok_or_else(|| SlipError(format!("field {k} missing")));
        let bytes = |k: &str, n: usize| -> Result<Vec<u8>, SlipError> {
            let v = hex::decode(get(k)?).map_err(|_| SlipError(format!("field {k} is not hex")))?;
            if v.len() != n {
                return Err(SlipError(format!("field {k} has {} bytes", v.len())));
            }
            Ok(v)
        };
        let mut sign = [0u8; 32];
        sign.copy_from_slice(&bytes("k", 32)?);
        let mut epoch = [0u8; 16];
        epoch.copy_from_slice(&bytes("e", 16)?);
        let server_keys = PublicKeys {
            sign,
            encrypt: get("x")?,
            epoch: get("v")?.parse().map_err(|_| SlipError("field v is not a number".into()))?,
        };
        server_keys.check().map_err(|e| SlipError(e.to_string()))?;
        let server = get("s")?;
        crate::sync::address::check(&server).map_err(|e| SlipError(e.to_string()))?;
        let code = get("c")?;
        if code.trim().is_empty() {
            return Err(SlipError("empty code".into()));
        }
        let valid_until =
            NaiveDate::parse_from_str(&get("d")?, "%Y-%m-%d").map_err(|_| SlipError("bad date".into()))?;
        let role = get("r")?;
        Ok(Slip {
            server,
            code,
            server_keys,
            epoch,
            valid_until,
            role,
            committee_id: fields.get("m").cloned(),
            region: fields.get("g").cloned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::relay::keys::DeviceKeys;

    #[test]
    fn a_slip_reads_back_and_a_damaged_one_is_refused() {
        let slip = Slip {
            server: "https://crss.example.ml:8443/a&b=c%".into(),
            code: "ABCD-EFGH-JKLM".into(),
            server_keys: DeviceKeys::generate(3).public(),
            epoch: [7; 16],
            valid_until: NaiveDate::from_ymd_opt(2027, 3, 1).unwrap(),
            role: "member".into(),
            committee_id: Some("0190b3c2-0000-7000-8000-000000000001".into()),
            region: None,
        };
        let text = slip.to_text();
        assert_eq!(Slip::parse(&format!("  {text}\n")).unwrap(), slip);
        assert!(Slip::parse(&text.replace("ccs-inscription", "ccs")).is_err());
        assert!(Slip::parse(&text[..text.len() / 2]).is_err());
        let bad_key = text.replace(&hex::encode(slip.server_keys.sign), &"z".repeat(64));
        assert_eq!(Slip::parse(&bad_key).unwrap_err().code(), ErrorCode::SlipMalformed);
    }
}
