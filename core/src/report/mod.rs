//! Reports over the projection: the quarterly report's data ([`quarterly`]).
pub mod quarterly;
