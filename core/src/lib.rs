//! # ccs-core
//!
//! Everything the CCS Terrain app and its sync server share, with no UI and no HTTP
//! server:
//!
//! - [`model`]: the record kinds of DOMAIN.md, value lists, ids, review trail, validation;
//! - [`reference`]: Mali's administrative divisions, versioned;
//! - [`doc`]: one Automerge document per record, conflicts, schema versions;
//! - [`store`]: the encrypted local SQLite store (documents, projection, search, drafts,
//!   identity and keys, sync bookkeeping);
//! - [`sync`]: the wire format, the sync session without I/O, the HTTP client and the
//!   scope rules shared with the server;
//! - [`app`]: what the app does without knowing Tauri (every Tauri command is one call of
//!   [`app::App`]), its views and its one error type;
//! - [`report`]: the eight indicators the CRSS follows, from per-committee monthly tallies;
//! - [`export`]: XLSX and CSV exports, streamed, redacted by role, logged;
//! - [`demo`]: realistic sample records for demos;
//! - [`samples`]: one valid record body per kind, for tests and examples;
//! - [`deflate`]: raw deflate with its states kept between messages;
//! - [`i18n`]: languages and bilingual messages;
//! - [`error_code`]: every error code with its French and English sentence, shared by
//!   the app, the CLI and the server.
//!
//! Dependencies point inward: `model` knows nothing of storage; `store` uses `model`
//! and `doc`; `sync` reads the store only from its session; `app` sits on top. The code
//! map with its invariants is `docs/architecture.md` (checked in part by
//! `tests/architecture.rs`).

pub mod app;
pub mod deflate;
pub mod demo;
pub mod doc;
pub mod error_code;
pub mod export;
pub mod i18n;
pub mod model;
pub mod reference;
pub mod relay;
pub mod report;
pub mod samples;
pub mod store;
pub mod sync;
