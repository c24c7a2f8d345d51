//! `ccs stress-write --count N`, hidden from help: a test aid for crash safety. It saves
//! N valid sessions one by one and prints each id, flushed, as soon as its save has
//! returned, so a test that kills the process at a random moment knows which records
//! must have survived.

use std::io::Write;

use ccs_core::model::input::parse_new;
use ccs_core::model::{CommitteeId, RecordKind, Role};
use ccs_core::store::{ListFilter, Store};
use serde_json::json;

use super::Ctx;
use crate::failure::Failure;

pub fn run(ctx: &Ctx, count: u32, out: &mut dyn Write) -> Result<(), Failure> {
    let mut store = ctx.open()?;
    let committee = committee(&mut store, ctx)?;
    for n in 0..count {
        let now = chrono::Utc::now();
        let session = json!({
            "committee_id": committee.to_string(),
            "session_type": "ordinaire_mensuelle",
            "date": now.date_naive().to_string(),
            "venue_type": "mairie",
            "chaired_by": "maire",
            "invited": 20,
            "present": 12,
            "summary": format!("Séance d’essai n° {n} : écriture interrompue à un moment quelconque."),
        });
        let map = match session {
            serde_json::Value::Object(m) => m,
            _ => serde_json::Map::new(),
        };
        let id = store.create_record(parse_new(RecordKind::Session, map)?, now)?;
        writeln!(out, "{id}")?;
        out.flush()?;
    }
    Ok(())
}

/// A committee to file the sessions under: the first one in the store, or a new one
/// when this device may create it.
fn committee(store: &mut Store, ctx: &Ctx) -> Result<CommitteeId, Failure> {
    if let Some(c) = store.identity().committee_id {
        return Ok(c);
    }
    let page = store.list(&ListFilter { kind: Some(RecordKind::Committee), limit: 1, ..ListFilter::default() })?;
    if let Some(c) = page.items.first() {
        return Ok(c.committee_id);
    }
    if !matches!(store.identity().role, Role::Admin | Role::Reviewer) {
        return Err(Failure::cli("cli.no_committee", &[]));
    }
    let map = match json!({
        "level": "communal",
        "name": "CCS de Goundam",
        "region": "tombouctou",
        "cercle": "tombouctou/goundam",
        "commune": "tombouctou/goundam/goundam",
    }) {
        serde_json::Value::Object(m) => m,
        _ => serde_json::Map::new(),
    };
    let id = store.create_record(parse_new(RecordKind::Committee, map)?, ctx.now)?;
    Ok(CommitteeId::from(id))
}
