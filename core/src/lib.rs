//! # ccs-core
//!
//! Everything the CCS Terrain app and its sync server share, with no UI and no HTTP
//! server:
//!
//! - [`model`]: the record kinds of DOMAIN.md, value lists, ids, review trail, validation;
//! - [`reference`]: Mali's administrative divisions, versioned;
//! - [`doc`]: one Automerge document per record, conflicts, schema versions;
//! - [`store`]: the encrypted local SQLite store (documents, projection, search, dirty
//!   tracking);
//! - [`demo`]: realistic sample records for demos;
//! - [`samples`]: one valid record body per kind, for tests and examples;
//! - [`i18n`]: languages and bilingual messages;
//! - [`error_code`]: every error code with its French and English sentence, shared by
//!   the app, the CLI and the server.
//!
//! Dependencies point inward: `model` knows nothing of storage; `store` uses `model`
//! and `doc`.

pub mod app;
pub mod demo;
pub mod doc;
pub mod error_code;
pub mod i18n;
pub mod model;
pub mod reference;
pub mod samples;
pub mod store;
pub mod sync;
