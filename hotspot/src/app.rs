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
