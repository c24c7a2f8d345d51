//! The store's SQLite schema as append-only migrations. A migration, once shipped, is
//! never edited: a change is a new migration. `PRAGMA user_version` records how many
//! have run.

use rusqlite::Connection;

use super::StoreError;

const MIGRATIONS: &[&str] = &[
    // 1: documents, projection, full-text search, identity, reference additions, cursors.
    r#"
    CREATE TABLE identity (
        singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
        device_id TEXT NOT NULL,
        role TEXT NOT NULL,
        committee_id TEXT,
        region TEXT,
        server TEXT,
        token TEXT
    );
    CREATE TABLE documents (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        committee_id TEXT NOT NULL,
        bytes BLOB NOT NULL,
        heads BLOB NOT NULL,
        acked_heads BLOB NOT NULL DEFAULT x'',
        updated_at TEXT NOT NULL
    );
    CREATE INDEX documents_dirty ON documents(id) WHERE heads != acked_heads;
    CREATE TABLE records (
        id TEXT PRIMARY KEY REFERENCES documents(id),
        kind TEXT NOT NULL,
        committee_id TEXT NOT NULL,
        region TEXT,
        cercle TEXT,
        commune TEXT,
        date TEXT,
        title TEXT NOT NULL,
        title_en TEXT NOT NULL,
        status TEXT NOT NULL,
        followup_status TEXT,
        sensitivity TEXT NOT NULL,
        read_only INTEGER NOT NULL DEFAULT 0,
        error_count INTEGER NOT NULL DEFAULT 0,
        errors TEXT NOT NULL DEFAULT '[]',
        conflict_count INTEGER NOT NULL DEFAULT 0,
        created_by TEXT,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX records_kind_date ON records(kind, date DESC, id DESC);
    CREATE INDEX records_committee ON records(committee_id, date DESC);
    CREATE INDEX records_region ON records(region, date DESC);
    CREATE INDEX records_commune ON records(commune, date DESC);
    CREATE INDEX records_status ON records(status, date DESC);
    CREATE VIRTUAL TABLE records_fts USING fts5(
        id UNINDEXED, title, body, tokenize = 'unicode61 remove_diacritics 2'
    );
    CREATE TABLE reference_units (
        code TEXT PRIMARY KEY,
        level TEXT NOT NULL,
        name TEXT NOT NULL,
        parent TEXT,
        valid_from TEXT,
        valid_to TEXT,
        dataset_version TEXT NOT NULL,
        added_at TEXT NOT NULL
    );
    CREATE TABLE sync_cursors (
        server TEXT NOT NULL,
        scope TEXT NOT NULL,
        seq INTEGER NOT NULL,
        PRIMARY KEY (server, scope)
    );
    "#,
    // 2: drafts: what the app's forms hold before it is valid, autosaved on every change
    // so that closing the app or a power cut loses nothing typed.
    r#"
    CREATE TABLE drafts (
        id TEXT PRIMARY KEY,
        record_id TEXT,
        kind TEXT NOT NULL,
        body TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE UNIQUE INDEX drafts_record ON drafts(record_id) WHERE record_id IS NOT NULL;
    "#,
    // 3: the search row of a record takes the rowid of its `records` row. FTS5 cannot
    // index its `id` column, so replacing a record's search row by id scanned the whole
    // index on every save (measured by ccs-bench); by rowid it is a direct lookup.
    r#"
    CREATE TEMP TABLE fts_copy AS
        SELECT r.rowid AS rid, f.id AS id, f.title AS title, f.body AS body
        FROM records_fts f JOIN records r ON r.id = f.id;
    DELETE FROM records_fts;
    INSERT INTO records_fts (rowid, id, title, body) SELECT rid, id, title, body FROM fts_copy;
    DROP TABLE fts_copy;
    "#,
    // 4: whether the store holds demonstration records (`ccs demo`, the app's
    // demonstration): such a store is never enrolled with a real server except by an
    // administrator's trial import.
    r#"
    ALTER TABLE identity ADD COLUMN demo INTEGER NOT NULL DEFAULT 0;
    "#,
    // 5: a draft over an existing record keeps the heads its form started from (its
    // changes are applied against them, so edits merged meanwhile survive) and the
    // passages the user said are not a name or a phone number.
    r#"
    ALTER TABLE drafts ADD COLUMN base_heads TEXT NOT NULL DEFAULT '[]';
    ALTER TABLE drafts ADD COLUMN acknowledged TEXT NOT NULL DEFAULT '[]';
    "#,
    // 6: which record a history-free copy replaced, learnt from the
    // `copied_from` of every document written or merged, so links to the old record
    // lead to the copy and lists show the copy only.
    r#"
    CREATE TABLE IF NOT EXISTS record_lineage (
        old_id TEXT PRIMARY KEY,
        new_id TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS record_lineage_new ON record_lineage(new_id);
    "#,
    // 7: what a sync sets aside (see `quarantine.rs`): received log entries this device
    // could not apply, kept with their reason so the cursor moves on; and documents the
    // server refused, with the heads refused, so they are not resent until they change.
    // `IF NOT EXISTS`: a store whose version was set back (the FTS migration's test
    // replays migration 3 over a current schema) still opens.
    r#"
    CREATE TABLE IF NOT EXISTS sync_quarantine (
        id INTEGER PRIMARY KEY,
        server TEXT NOT NULL,
        doc_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        committee_id TEXT NOT NULL,
        bytes BLOB NOT NULL,
        code TEXT NOT NULL,
        detail TEXT NOT NULL,
        at TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS sync_quarantine_doc ON sync_quarantine(doc_id);
    CREATE TABLE IF NOT EXISTS sync_refusals (
        id TEXT PRIMARY KEY,
        heads BLOB NOT NULL,
        code TEXT NOT NULL,
        at TEXT NOT NULL
    );
    "#,
    // 8: a document is its base (`documents.bytes`) followed by the changes of each
    // later write (see `documents.rs`): a save appends its changes instead of rewriting
    // the whole document (measured by ccs-bench). Stores written before have no
    // increments and load as they did. `IF NOT EXISTS`: see 7.
    r#"
    CREATE TABLE IF NOT EXISTS document_changes (
        doc_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        bytes BLOB NOT NULL,
        PRIMARY KEY (doc_id, seq)
    ) WITHOUT ROWID;
    "#,
    // 9: when the server acknowledged each document (see `delivery.rs`), for the proof
    // of sending a record page shows (its trigger was dropped by 10).
    r#"
    CREATE TABLE IF NOT EXISTS sync_receipts (
        id TEXT PRIMARY KEY,
        heads BLOB NOT NULL,
        at TEXT NOT NULL
    );
    CREATE TRIGGER IF NOT EXISTS documents_acknowledged AFTER UPDATE OF acked_heads ON documents
    WHEN NEW.acked_heads != x'' AND NEW.acked_heads != OLD.acked_heads
    BEGIN
        INSERT OR REPLACE INTO sync_receipts (id, heads, at)
        VALUES (NEW.id, NEW.acked_heads, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
    END;
    "#,
    // 10: receipts are written by the acknowledgements themselves (`delivery::stamp`),
    // not by a trigger on every `acked_heads` write: a merge is no receipt, and a row
    // per merged document slowed page merges by a third.
    r#"
    DROP TRIGGER IF EXISTS documents_acknowledged;
    "#,
    // 11: the relay (see `relay.rs`): this device's keys (secrets inside the encrypted
    // file only; a store of an older version gets its keys at its first open after
    // this migration), the server's pinned keys and an offline enrollment waiting for
    // its grant, the up-bundles exported with the heads each carried (so a receipt
    // acknowledges exactly those), and the return bundles applied.
    r#"
    CREATE TABLE IF NOT EXISTS relay_keys (
        epoch INTEGER PRIMARY KEY,
        secret BLOB NOT NULL
    );
    CREATE TABLE IF NOT EXISTS relay_server (
        singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
        server TEXT NOT NULL,
        keys TEXT NOT NULL,
        epoch TEXT,
        pending_code TEXT,
        pending_label TEXT
    );
    CREATE TABLE IF NOT EXISTS relay_exports (
        bundle TEXT PRIMARY KEY,
        export_seq INTEGER NOT NULL,
        part INTEGER NOT NULL,
        parts INTEGER NOT NULL,
        records INTEGER NOT NULL,
        at TEXT NOT NULL,
        receipt_at TEXT,
        refused TEXT
    );
    CREATE INDEX IF NOT EXISTS relay_exports_seq ON relay_exports(export_seq);
    CREATE TABLE IF NOT EXISTS relay_export_docs (
        bundle TEXT NOT NULL,
        doc_id TEXT NOT NULL,
        heads BLOB NOT NULL,
        base BLOB NOT NULL,
        PRIMARY KEY (bundle, doc_id)
    ) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS relay_export_docs_doc ON relay_export_docs(doc_id);
    CREATE TABLE IF NOT EXISTS relay_imports (
        bundle TEXT PRIMARY KEY,
        at TEXT NOT NULL,
        reported INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE IF NOT EXISTS relay_key_refusals (
        server TEXT PRIMARY KEY,
        at TEXT NOT NULL
    );
    "#,
    // 12: a courier's custody of the bundles it carries for others and the roster of
    // keys it checks them against (see `custody.rs`); the bundles' bytes are files in the
    // `courrier/` folder.
    r#"
    CREATE TABLE IF NOT EXISTS relay_custody (
        id TEXT PRIMARY KEY,
        direction TEXT NOT NULL,
        device TEXT NOT NULL,
        size INTEGER NOT NULL,
        sha256 TEXT NOT NULL,
        part INTEGER NOT NULL,
        parts INTEGER NOT NULL,
        batch INTEGER NOT NULL DEFAULT 0,
        state TEXT NOT NULL,
        code TEXT,
        note TEXT,
        taken_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        file TEXT
    );
    CREATE INDEX IF NOT EXISTS relay_custody_carried ON relay_custody(direction, device) WHERE state = 'carried';
    CREATE UNIQUE INDEX IF NOT EXISTS relay_custody_file ON relay_custody(file) WHERE file IS NOT NULL;
    CREATE TABLE IF NOT EXISTS relay_roster (
        singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
        frame BLOB NOT NULL,
        issued_at TEXT NOT NULL,
        fetched_at TEXT NOT NULL
    );
    "#,
    // 13: the indicators' precomputed table (see `indicators.rs`): one facts row per
    // record, their sums per committee, month and basis, the committees' registry as
    // the indicators see it, and the layout the rows were made with. The store fills
    // them from its documents at the first open after this migration (SQL cannot read
    // a document). `IF NOT EXISTS`: see 7.
    r#"
    CREATE TABLE IF NOT EXISTS indicator_facts (
        id TEXT PRIMARY KEY,
        committee_id TEXT NOT NULL,
        month TEXT,
        approved INTEGER NOT NULL,
        counted INTEGER NOT NULL,
        tally BLOB NOT NULL,
        received_at TEXT
    );
    CREATE INDEX IF NOT EXISTS indicator_facts_slot ON indicator_facts(committee_id, month);
    CREATE TABLE IF NOT EXISTS indicator_months (
        basis TEXT NOT NULL,
        month TEXT NOT NULL,
        committee_id TEXT NOT NULL,
        tally BLOB NOT NULL,
        PRIMARY KEY (basis, month, committee_id)
    ) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS indicator_committees (
        committee_id TEXT PRIMARY KEY,
        level TEXT NOT NULL,
        region TEXT NOT NULL,
        installed_on TEXT
    );
    CREATE TABLE IF NOT EXISTS indicator_state (
        singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
        format INTEGER
    );
    "#,
    // 14 (issue 12, review): the inbox « À traiter » reads from the projection: since
    // when each record waits in its status, and whether it was edited after its
    // approval, one row per record beside its `records` row (a table of its own, so the
    // migration can be replayed over a current schema, as 7 and 8 can). Both come from
    // the document (its review trail and history), which SQL cannot read: the records
    // held before are listed in `review_backfill`, which the next open fills and
    // empties (`projection::backfill_review_columns`).
    r#"
    CREATE TABLE IF NOT EXISTS review_state (
        id TEXT PRIMARY KEY,
        status_since TEXT,
        modified_after_approval INTEGER NOT NULL DEFAULT 0
    ) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS review_state_since ON review_state(status_since);
    CREATE TABLE IF NOT EXISTS review_backfill (id TEXT PRIMARY KEY);
    INSERT OR IGNORE INTO review_backfill (id) SELECT id FROM records;
    "#,
    // 15 (exports): the log of every export made on this device (see `export_log.rs`):
    // who, when, which format and filters, how many records of each kind, what was
    // included, the file's name and the outcome. Never the exported data.
    r#"
    CREATE TABLE IF NOT EXISTS export_log (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        device TEXT NOT NULL,
        role TEXT NOT NULL,
        format TEXT NOT NULL,
        filters TEXT NOT NULL,
        counts TEXT NOT NULL,
        included TEXT NOT NULL,
        file_name TEXT NOT NULL,
        outcome TEXT NOT NULL
    );
    "#,
    // 16: each record's current value beside its projection row (the hydrated record as
    // deflated JSON, with the model's schema version it was written under), kept in the
    // projection's transaction: an export of 100,000 records reads these rows instead of
    // loading and reading 100,000 Automerge documents. It holds nothing the documents in
    // this same encrypted file do not. Filled as records are written; an export falls back
    // to the document for a record without one (stores made before).
    r#"
    CREATE TABLE IF NOT EXISTS record_values (
        id     TEXT PRIMARY KEY,
        schema INTEGER NOT NULL,
        value  BLOB NOT NULL
    ) WITHOUT ROWID;
    "#,
    // 17: the numbers a server's log gave the documents (frame format 3 names a document
    // the server holds by its number instead of its 16-byte id). They belong to one log:
    // kept with its epoch, and forgotten when the position moves to another log.
    r#"
    CREATE TABLE IF NOT EXISTS sync_doc_numbers (
        server TEXT NOT NULL,
        epoch  BLOB NOT NULL,
        id     TEXT NOT NULL,
        number INTEGER NOT NULL,
        PRIMARY KEY (server, id)
    ) WITHOUT ROWID;
    "#,
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

pub(super) fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let current: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if current > SCHEMA_VERSION {
        return Err(StoreError::NewerStore(current));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
    }
    Ok(())
}
