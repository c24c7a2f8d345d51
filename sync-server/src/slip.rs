//! Enrollment slips: what the administrator prints for a member who may never reach the
//! server (RELAY.md, "Enrolling without a network"). A slip is an ordinary single-use
//! code plus what a device needs to enroll offline: the server's address, its relay keys
//! and log epoch. Its text form is [`ccs_core::relay::Slip`]'s; this module makes one and
//! lays out the printable page.
//!
//! The page says as little as possible (it may be lost or searched): the code in large
//! letters, its QR code, the last day it may be used and what to do. No committee name,
//! no person: what the code grants is decided by the server when the code arrives.

use crate::db::Conn;
use ccs_core::relay::{PublicKeys, Slip};
use chrono::{DateTime, Utc};

use crate::enrollment::{self, EnrollError, Grant, IssuedCode};
use crate::store;

/// A slip's default validity: long enough for a round trip through the field.
pub const DEFAULT_VALIDITY_DAYS: i64 = 90;

/// Issues a code for `grant` and the slip that carries it.
pub fn issue(
    conn: &Conn,
    grant: &Grant,
    address: &str,
    server_keys: &PublicKeys,
    now: DateTime<Utc>,
    valid_for: chrono::Duration,
) -> Result<(IssuedCode, Slip), EnrollError> {
    let issued = enrollment::issue(conn, grant, now, valid_for)?;
    let slip = Slip {
        server: address.to_string(),
        code: issued.code.clone(),
        server_keys: server_keys.clone(),
        epoch: store::epoch(conn)?,
        // The code's last whole day (the code itself stops at `expires_at`).
        valid_until: (issued.expires_at - chrono::Duration::seconds(1)).date_naive(),
        role: grant.role.code().to_string(),
        committee_id: (grant.role == ccs_core::model::Role::Member)
            .then_some(grant.committee_id)
            .flatten()
            .map(|c| c.to_string()),
        region: (grant.role == ccs_core::model::Role::Facilitator).then(|| grant.region.clone()).flatten(),
    };
    Ok((issued, slip))
}

fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// The QR code of the slip's text as an inline SVG picture.
pub fn qr_svg(slip: &Slip) -> Result<String, qrcode::types::QrError> {
    let qr = qrcode::QrCode::with_error_correction_level(slip.to_text().as_bytes(), qrcode::EcLevel::M)?;
    Ok(qr.render::<qrcode::render::svg::Color<'_>>().min_dimensions(260, 260).quiet_zone(true).build())
}

/// The printable page (French, one A4 sheet): « Fiche d’inscription ».
pub fn page_html(slip: &Slip) -> Result<String, qrcode::types::QrError> {
    let svg = qr_svg(slip)?;
    // The SVG renderer writes an XML declaration, out of place inside HTML.
    let svg = match svg.find("<svg") {
        Some(i) => &svg[i..],
        None => svg.as_str(),
    };
    let valid = slip.valid_until.format("%d/%m/%Y");
    let code = escape_html(&slip.code);
    Ok(format!(
        r#"<!DOCTYPE html>
<html lang="fr">
<head>
<meta charset="utf-8">
<title>Fiche d’inscription</title>
<style>
  body {{ font-family: sans-serif; max-width: 17cm; margin: 1.5cm auto; color: #111; }}
  h1 {{ font-size: 1.6em; margin-bottom: 0.2em; }}
  .code {{ font-family: monospace; font-size: 2.6em; letter-spacing: 0.08em; font-weight: bold; margin: 0.4em 0; }}
  .qr svg {{ width: 7cm; height: 7cm; }}
  .valid {{ font-size: 1.2em; }}
  ol {{ line-height: 1.6; }}
  .text {{ font-family: monospace; font-size: 0.7em; word-break: break-all; color: #555; }}
</style>
</head>
<body>
<h1>Fiche d’inscription</h1>
<p>Code d’inscription :</p>
<p class="code">{code}</p>
<div class="qr">{svg}</div>
<p class="valid">Valable jusqu’au <strong>{valid}</strong> inclus. Ce code ne sert qu’une fois.</p>
<h2>Que faire</h2>
<ol>
  <li>Dans l’application CCS Terrain, choisissez « M’inscrire avec une fiche ».</li>
  <li>Scannez le code ci-dessus, ou tapez le texte en bas de la fiche.</li>
  <li>Travaillez normalement : l’appareil indique « inscription en attente » jusqu’à la réponse du serveur.</li>
  <li>Au passage du facilitateur, choisissez « Envoyer par le facilitateur » : l’inscription part avec vos fiches.</li>
</ol>
<p>Gardez cette fiche à l’abri ; détruisez-la une fois l’inscription confirmée.</p>
<p class="text">{text}</p>
</body>
</html>
"#,
        text = escape_html(&slip.to_text()),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ccs_core::relay::DeviceKeys;

    #[test]
    fn the_printed_page_holds_the_code_its_qr_and_validity_and_no_committee() {
        let slip = Slip {
            server: "https://crss.example.ml".into(),
            code: "ABCD-EFGH-JKLM".into(),
            server_keys: DeviceKeys::generate(1).public(),
            epoch: [3; 16],
            valid_until: chrono::NaiveDate::from_ymd_opt(2027, 3, 1).unwrap(),
            role: "member".into(),
            committee_id: Some("0190f5a2-0000-7000-8000-00000000000a".into()),
            region: None,
        };
        let page = page_html(&slip).unwrap();
        assert!(page.contains("Fiche d’inscription"));
        assert!(page.contains(r#"<p class="code">ABCD-EFGH-JKLM</p>"#));
        assert!(page.contains("01/03/2027"));
        assert!(page.contains("<svg"));
        assert!(!page.contains("<?xml"));
        // The committee is only inside the slip's text (what the code grants), never named.
        assert!(!page.contains("CCS de"));
        assert_eq!(Slip::parse(&slip.to_text()).unwrap(), slip);
    }
}
