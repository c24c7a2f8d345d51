//! How scalar model types are written into Automerge documents, for use with
//! `#[autosurgeon(with = "...")]`.
//!
//! Dates, times and instants are stored as ISO 8601 strings: readable in any Automerge
//! tool, sortable, and free of time-zone surprises. Free text is stored as Automerge
//! `Text` so that two people editing one summary merge character by character instead
//! of one overwriting the other.

use autosurgeon::{HydrateError, ReadDoc, Reconciler};

/// Free text as an Automerge `Text` object. Reconciling diffs against the current
/// text (`update_text`), so only the changed characters become operations.
pub mod text {
    use super::*;
    use autosurgeon::reconcile::TextReconciler;

    pub fn reconcile<R: Reconciler>(value: &str, mut reconciler: R) -> Result<(), R::Error> {
        let mut text = reconciler.text()?;
        text.update(value)
    }

    pub fn hydrate<D: ReadDoc>(
        doc: &D,
        obj: &automerge::ObjId,
        prop: autosurgeon::Prop<'_>,
    ) -> Result<String, HydrateError> {
        use automerge::{ObjType, Value};
        match doc.get(obj, &prop)? {
            None => Ok(String::new()),
            Some((Value::Object(ObjType::Text), id)) => Ok(doc.text(&id)?),
            // A plain string (older writer or hand-made document) still reads.
            Some((Value::Scalar(s), _)) => match s.as_ref() {
                automerge::ScalarValue::Str(s) => Ok(s.to_string()),
                automerge::ScalarValue::Null => Ok(String::new()),
                other => Err(HydrateError::unexpected("text", format!("{other}"))),
            },
            Some((other, _)) => Err(HydrateError::unexpected("text", format!("{other:?}"))),
        }
    }
}

/// Any `Display + FromStr` value (ids, dates, times, instants) as a string.
pub mod string {
    use super::*;
    use std::fmt::Display;
    use std::str::FromStr;

    pub fn reconcile<T: Display, R: Reconciler>(value: &T, mut reconciler: R) -> Result<(), R::Error> {
        reconciler.str(value.to_string())
    }

    pub fn hydrate<D: ReadDoc, T: FromStr>(
        doc: &D,
        obj: &automerge::ObjId,
        prop: autosurgeon::Prop<'_>,
    ) -> Result<T, HydrateError> {
        let s: String = autosurgeon::hydrate_prop(doc, obj, prop)?;
        s.parse().map_err(|_| HydrateError::unexpected(std::any::type_name::<T>(), s))
    }
}

/// An optional `Display + FromStr` value as a string or null.
pub mod opt_string {
    use super::*;
    use std::fmt::Display;
    use std::str::FromStr;

    pub fn reconcile<T: Display, R: Reconciler>(value: &Option<T>, mut reconciler: R) -> Result<(), R::Error> {
        match value {
            Some(v) => reconciler.str(v.to_string()),
            None => reconciler.none(),
        }
    }

    pub fn hydrate<D: ReadDoc, T: FromStr>(
        doc: &D,
        obj: &automerge::ObjId,
        prop: autosurgeon::Prop<'_>,
    ) -> Result<Option<T>, HydrateError> {
        let s: Option<String> = autosurgeon::hydrate_prop(doc, obj, prop)?;
        match s {
            None => Ok(None),
            Some(s) => s.parse().map(Some).map_err(|_| HydrateError::unexpected(std::any::type_name::<T>(), s)),
        }
    }
}

/// Like [`opt_string`], for a field added after documents were first written: a
/// document without the key reads as `None` instead of failing.
pub mod added_opt_string {
    use super::*;
    use std::fmt::Display;
    use std::str::FromStr;

    pub fn reconcile<T: Display, R: Reconciler>(value: &Option<T>, reconciler: R) -> Result<(), R::Error> {
        super::opt_string::reconcile(value, reconciler)
    }

    pub fn hydrate<D: ReadDoc, T: FromStr>(
        doc: &D,
        obj: &automerge::ObjId,
        prop: autosurgeon::Prop<'_>,
    ) -> Result<Option<T>, HydrateError> {
        if doc.get(obj, &prop)?.is_none() {
            return Ok(None);
        }
        super::opt_string::hydrate(doc, obj, prop)
    }
}
