//! What a scenario starts from: a sync server on `127.0.0.1:0` that already knows the
//! committees (pushed by an admin device), enrollment codes for the app, and an empty
//! data folder for the app (`CCS_APP_DATA_DIR`) with the server address pre-filled
//! (`CCS_SERVER_URL`).

use std::ffi::OsString;
use std::path::Path;

use ccs_core::model::{CommitteeId, RecordKind, Role};
use ccs_core::store::ListFilter;
use ccs_tests::{fixtures, grant, issue_code, now, Device, InProcessServer};
use tempfile::TempDir;

use crate::driver::Driver;

/// A server, the admin device that filled it, and the app's data folder.
pub struct World {
    pub server: InProcessServer,
    pub admin: Device,
    pub goundam: CommitteeId,
    pub app_dir: TempDir,
}

impl World {
    /// The committees of Goundam and Ansongo, nothing else.
    pub fn with_committees() -> World {
        let server = InProcessServer::start();
        let mut admin = Device::enrolled("admin", &server.url(), server.data_dir(), grant(Role::Admin, None, None));
        let goundam = admin.store.create_record(fixtures::goundam(), now()).unwrap().into();
        admin.store.create_record(fixtures::ansongo(), now()).unwrap();
        admin.sync().unwrap();
        World { server, admin, goundam, app_dir: tempfile::tempdir().unwrap() }
    }

    /// The demo records of every committee (sessions, assessments, workshops,
    /// recommendations, some reviewed): the screens look as they would in use.
    pub fn with_demo() -> World {
        let server = InProcessServer::start();
        let mut admin = Device::enrolled("admin", &server.url(), server.data_dir(), grant(Role::Admin, None, None));
        ccs_core::demo::fill(&mut admin.store, chrono::Utc::now()).unwrap();
        admin.sync().unwrap();
        let goundam = committee_named(&admin, "Goundam");
        World { server, admin, goundam, app_dir: tempfile::tempdir().unwrap() }
    }

    /// The demo records and a generated year of records over forty-odd committees of
    /// every region ([`ccs_core::demo::year`], the default plan), pushed by the admin
    /// device: what the CRSS's inbox, dashboard and exports are made for.
    pub fn with_demo_year() -> World {
        let server = InProcessServer::start();
        let mut admin = Device::enrolled("admin", &server.url(), server.data_dir(), grant(Role::Admin, None, None));
        let now = chrono::Utc::now();
        ccs_core::demo::fill(&mut admin.store, now).unwrap();
        ccs_core::demo::year::fill_year(&mut admin.store, &ccs_core::demo::year::YearPlan::default(), now).unwrap();
        admin.sync().unwrap();
        let goundam = committee_named(&admin, "Goundam");
        World { server, admin, goundam, app_dir: tempfile::tempdir().unwrap() }
    }

    pub fn url(&self) -> String {
        self.server.url()
    }

    /// A single-use enrollment code for a member of the Goundam committee.
    pub fn member_code(&self) -> String {
        issue_code(self.server.data_dir(), grant(Role::Member, Some(self.goundam), None))
    }

    /// An enrollment slip's text (`ccs-inscription:1?…`) for a member of the Goundam
    /// committee, as `ccs-sync-server enroll --slip` prints it: the code, the server's
    /// address and relay keys, valid 90 days.
    pub fn member_slip(&self) -> String {
        let grant = grant(Role::Member, Some(self.goundam), None);
        let (_, slip) = ccs_sync_server::admin::create_slip(
            self.server.data_dir(),
            &grant,
            &self.url(),
            chrono::Duration::days(90),
            chrono::Utc::now(),
        )
        .unwrap();
        slip.to_text()
    }

    /// A single-use code for `role` (reviewer or admin: no scope needed).
    pub fn code(&self, role: Role) -> String {
        issue_code(self.server.data_dir(), grant(role, None, None))
    }

    /// A code for a facilitator of a region (e.g. `tombouctou`).
    pub fn facilitator_code(&self, region: &str) -> String {
        issue_code(self.server.data_dir(), grant(Role::Facilitator, None, Some(region)))
    }

    pub fn app_data(&self) -> &Path {
        self.app_dir.path()
    }

    /// The environment the app starts with.
    pub fn app_env(&self) -> Vec<(&'static str, OsString)> {
        vec![("CCS_APP_DATA_DIR", self.app_data().as_os_str().to_owned()), ("CCS_SERVER_URL", self.url().into())]
    }

    /// tauri-driver with the app's environment.
    pub fn driver(&self) -> Driver {
        Driver::start(&self.app_env())
    }
}

/// The id of the committee whose name contains `name`.
pub fn committee_named(device: &Device, name: &str) -> CommitteeId {
    let page = device
        .store
        .list(&ListFilter {
            kind: Some(RecordKind::Committee),
            text: Some(name.into()),
            limit: 10,
            ..Default::default()
        })
        .unwrap();
    let item = page.items.first().unwrap_or_else(|| panic!("no committee named {name}"));
    item.committee_id
}
