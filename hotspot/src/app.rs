//! The app's custody behind the hotspot: [`App`]'s courier methods, the app locked for
//! one call at a time (a member's upload never holds the window's app across the
//! network). The window and the tests plug it in with [`super::courier::Hotspot::start`].

use std::sync::{Arc, Mutex, MutexGuard};

use ccs_core::app::{App, AppError};
use ccs_core::model::DeviceId;
use chrono::Utc;

use super::courier::{Bundles, Custody, Refusal};

/// The app shared with the window, as the hotspot's custody.
pub struct AppCustody(pub Arc<Mutex<App>>);

impl AppCustody {
    fn app(&self) -> MutexGuard<'_, App> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn refusal(e: AppError) -> Refusal {
    Refusal { code: e.code.as_str().into(), message: e.message.fr }
}

fn device(bytes: [u8; 16]) -> DeviceId {
    DeviceId(uuid::Uuid::from_bytes(bytes))
}

impl Custody for AppCustody {
    fn accept(&self, bytes: &[u8]) -> Result<bool, Refusal> {
        self.app().courier_collect(bytes, Utc::now()).map(|c| c.new).map_err(refusal)
    }

    fn holds(&self, id: [u8; 16]) -> bool {
        self.app().courier_holds(id, Utc::now()).unwrap_or(false)
    }

    fn bundles_for(&self, id: [u8; 16]) -> Result<Bundles, Refusal> {
        let bundles = self.app().courier_bundles_for(device(id), Utc::now()).map_err(refusal)?;
        Ok(bundles.into_iter().map(|h| (h.id, h.bytes)).collect())
    }

    fn delivered(&self, id: [u8; 16], applied: &[[u8; 16]]) -> Result<u32, Refusal> {
        self.app().courier_delivered(device(id), applied, Utc::now()).map_err(refusal)
    }
}

/// What the window shows while the facilitator serves: the address and the pairing text
/// (drawn as a QR code by the screen).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct HotspotView {
    pub address: String,
    pub pairing: String,
    /// Members' exchanges so far (the token serves one member: start again for the next).
    pub exchanges: u32,
}

fn app_error(e: super::HotspotError) -> AppError {
    AppError::new(e.code(), e.message())
}

fn lock(app: &Arc<Mutex<App>>) -> MutexGuard<'_, App> {
    app.lock().unwrap_or_else(|p| p.into_inner())
}

/// Starts serving the app's custody on every interface, at a free port, advertised at
/// this machine's address on its local network.
pub fn serve(app: Arc<Mutex<App>>) -> Result<(super::courier::Hotspot, HotspotView), AppError> {
    let listener =
        std::net::TcpListener::bind("0.0.0.0:0").map_err(|e| app_error(super::HotspotError::Start(e.to_string())))?;
    let hotspot = super::courier::Hotspot::start(listener, super::courier::local_address(), Arc::new(AppCustody(app)))
        .map_err(app_error)?;
    let pairing = hotspot.pairing();
    let view =
        HotspotView { address: format!("https://{}", pairing.address), pairing: pairing.to_text(), exchanges: 0 };
    Ok((hotspot, view))
}

/// « Échanger avec le facilitateur »: what went and what came back.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RelayExchange {
    pub sent: ccs_core::app::RelayExportSummary,
    pub received: Vec<ccs_core::app::RelayImportReport>,
}

/// The member's side of an exchange, from the app shared with the window: the bundles
/// made under the app's lock, the exchange without it, each return bundle applied under
/// it as it arrives. A part that follows one not applied yet stays with the courier.
pub fn exchange(app: &Arc<Mutex<App>>, pairing: &str, now: chrono::DateTime<Utc>) -> Result<RelayExchange, AppError> {
    let pairing = super::Pairing::parse(pairing).map_err(app_error)?;
    let (device, export) = {
        let mut a = lock(app);
        let device = a.status().identity.map(|i| i.device_id).ok_or_else(AppError::locked)?;
        (device, a.relay_export(now)?)
    };
    let up: Vec<Vec<u8>> = export.bundles.iter().map(|b| b.bytes.clone()).collect();
    let mut received = Vec::new();
    let mut failed = None;
    super::member::exchange(
        &pairing,
        *device.0.as_bytes(),
        &up,
        &mut |_, bytes| match lock(app).relay_import(bytes, now) {
            Ok(report) => {
                received.push(report);
                true
            }
            Err(e) if e.code == ccs_core::error_code::ErrorCode::RelayOutOfOrder => false,
            Err(e) => {
                failed.get_or_insert(e);
                false
            }
        },
        &mut |_| {},
    )
    .map_err(app_error)?;
    if let Some(e) = failed {
        return Err(e);
    }
    let sent = ccs_core::app::RelayExportSummary {
        at: now,
        parts: export.bundles.len() as u32,
        records: export.records as u32,
        files: Vec::new(),
        enrollment: export.enrollment,
    };
    Ok(RelayExchange { sent, received })
}
