//! A document as autosurgeon writes into it, minus one thing: a scalar is not written
//! again when the document already shows that value. Automerge skips such a write by
//! itself, except when the field holds a conflict (two devices set it concurrently):
//! then the write would supersede every value and silently resolve the conflict, on
//! every save of the record, for fields the writer never touched (found by the property
//! test `forms_saved_from_stale_states_lose_no_edit`). Everything else passes through to
//! the `AutoCommit` unchanged; conflicts are resolved on purpose by `conflicts::resolve`.

use std::ops::RangeBounds;

use automerge::iter::{DocIter, Keys, ListRange, MapRange, Span, Spans, Values};
use automerge::marks::{ExpandMark, Mark, MarkSet, UpdateSpansConfig};
use automerge::transaction::Transactable;
use automerge::{
    hydrate, AutoCommit, AutomergeError, Change, ChangeHash, Cursor, CursorPosition, MoveCursor, ObjId as ExId,
    ObjType, Parents, Prop, ReadDoc, ScalarValue, Stats, TextEncoding, Value,
};

/// Writes through to the document, skipping writes of the value already shown.
pub(super) struct Careful<'a>(pub(super) &'a mut AutoCommit);

impl ReadDoc for Careful<'_> {
    fn parents<O: AsRef<ExId>>(&self, obj: O) -> Result<Parents<'_>, AutomergeError> {
        <AutoCommit as ReadDoc>::parents(&*self.0, obj)
    }
    fn parents_at<O: AsRef<ExId>>(&self, obj: O, heads: &[ChangeHash]) -> Result<Parents<'_>, AutomergeError> {
        <AutoCommit as ReadDoc>::parents_at(&*self.0, obj, heads)
    }
    fn keys<O: AsRef<ExId>>(&self, obj: O) -> Keys<'_> {
        <AutoCommit as ReadDoc>::keys(&*self.0, obj)
    }
    fn keys_at<O: AsRef<ExId>>(&self, obj: O, heads: &[ChangeHash]) -> Keys<'_> {
        <AutoCommit as ReadDoc>::keys_at(&*self.0, obj, heads)
    }
    fn iter_at<O: AsRef<ExId>>(&self, obj: O, heads: Option<&[ChangeHash]>) -> DocIter<'_> {
        <AutoCommit as ReadDoc>::iter_at(&*self.0, obj, heads)
    }
    fn map_range<'a, O: AsRef<ExId>, R: RangeBounds<String> + 'a>(&'a self, obj: O, range: R) -> MapRange<'a> {
        <AutoCommit as ReadDoc>::map_range(&*self.0, obj, range)
    }
    fn map_range_at<'a, O: AsRef<ExId>, R: RangeBounds<String> + 'a>(
        &'a self,
        obj: O,
        range: R,
        heads: &[ChangeHash],
    ) -> MapRange<'a> {
        <AutoCommit as ReadDoc>::map_range_at(&*self.0, obj, range, heads)
    }
    fn list_range<O: AsRef<ExId>, R: RangeBounds<usize>>(&self, obj: O, range: R) -> ListRange<'_> {
        <AutoCommit as ReadDoc>::list_range(&*self.0, obj, range)
    }
    fn list_range_at<O: AsRef<ExId>, R: RangeBounds<usize>>(
        &self,
        obj: O,
        range: R,
        heads: &[ChangeHash],
    ) -> ListRange<'_> {
        <AutoCommit as ReadDoc>::list_range_at(&*self.0, obj, range, heads)
    }
    fn values<O: AsRef<ExId>>(&self, obj: O) -> Values<'_> {
        <AutoCommit as ReadDoc>::values(&*self.0, obj)
    }
    fn values_at<O: AsRef<ExId>>(&self, obj: O, heads: &[ChangeHash]) -> Values<'_> {
        <AutoCommit as ReadDoc>::values_at(&*self.0, obj, heads)
    }
    fn length<O: AsRef<ExId>>(&self, obj: O) -> usize {
        <AutoCommit as ReadDoc>::length(&*self.0, obj)
    }
    fn length_at<O: AsRef<ExId>>(&self, obj: O, heads: &[ChangeHash]) -> usize {
        <AutoCommit as ReadDoc>::length_at(&*self.0, obj, heads)
    }
    fn object_type<O: AsRef<ExId>>(&self, obj: O) -> Result<ObjType, AutomergeError> {
        <AutoCommit as ReadDoc>::object_type(&*self.0, obj)
    }
    fn marks<O: AsRef<ExId>>(&self, obj: O) -> Result<Vec<Mark>, AutomergeError> {
        <AutoCommit as ReadDoc>::marks(&*self.0, obj)
    }
    fn marks_at<O: AsRef<ExId>>(&self, obj: O, heads: &[ChangeHash]) -> Result<Vec<Mark>, AutomergeError> {
        <AutoCommit as ReadDoc>::marks_at(&*self.0, obj, heads)
    }
    fn get_marks<O: AsRef<ExId>>(
        &self,
        obj: O,
        index: usize,
        heads: Option<&[ChangeHash]>,
    ) -> Result<MarkSet, AutomergeError> {
        <AutoCommit as ReadDoc>::get_marks(&*self.0, obj, index, heads)
    }
    fn text<O: AsRef<ExId>>(&self, obj: O) -> Result<String, AutomergeError> {
        <AutoCommit as ReadDoc>::text(&*self.0, obj)
    }
    fn text_at<O: AsRef<ExId>>(&self, obj: O, heads: &[ChangeHash]) -> Result<String, AutomergeError> {
        <AutoCommit as ReadDoc>::text_at(&*self.0, obj, heads)
    }
    fn spans<O: AsRef<ExId>>(&self, obj: O) -> Result<Spans<'_>, AutomergeError> {
        <AutoCommit as ReadDoc>::spans(&*self.0, obj)
    }
    fn spans_at<O: AsRef<ExId>>(&self, obj: O, heads: &[ChangeHash]) -> Result<Spans<'_>, AutomergeError> {
        <AutoCommit as ReadDoc>::spans_at(&*self.0, obj, heads)
    }
    fn get_cursor<O: AsRef<ExId>, I: Into<CursorPosition>>(
        &self,
        obj: O,
        position: I,
        at: Option<&[ChangeHash]>,
    ) -> Result<Cursor, AutomergeError> {
        <AutoCommit as ReadDoc>::get_cursor(&*self.0, obj, position, at)
    }
    fn get_cursor_moving<O: AsRef<ExId>, I: Into<CursorPosition>>(
        &self,
        obj: O,
        position: I,
        at: Option<&[ChangeHash]>,
        move_cursor: MoveCursor,
    ) -> Result<Cursor, AutomergeError> {
        <AutoCommit as ReadDoc>::get_cursor_moving(&*self.0, obj, position, at, move_cursor)
    }
    fn get_cursor_position<O: AsRef<ExId>>(
        &self,
        obj: O,
        cursor: &Cursor,
        at: Option<&[ChangeHash]>,
    ) -> Result<usize, AutomergeError> {
        <AutoCommit as ReadDoc>::get_cursor_position(&*self.0, obj, cursor, at)
    }
    fn get<O: AsRef<ExId>, P: Into<Prop>>(&self, obj: O, prop: P) -> Result<Option<(Value<'_>, ExId)>, AutomergeError> {
        <AutoCommit as ReadDoc>::get(&*self.0, obj, prop)
    }
    fn get_at<O: AsRef<ExId>, P: Into<Prop>>(
        &self,
        obj: O,
        prop: P,
        heads: &[ChangeHash],
    ) -> Result<Option<(Value<'_>, ExId)>, AutomergeError> {
        <AutoCommit as ReadDoc>::get_at(&*self.0, obj, prop, heads)
    }
    fn hydrate<O: AsRef<ExId>>(&self, obj: O, heads: Option<&[ChangeHash]>) -> Result<hydrate::Value, AutomergeError> {
        <AutoCommit as ReadDoc>::hydrate(&*self.0, obj, heads)
    }
    fn get_all<O: AsRef<ExId>, P: Into<Prop>>(
        &self,
        obj: O,
        prop: P,
    ) -> Result<Vec<(Value<'_>, ExId)>, AutomergeError> {
        <AutoCommit as ReadDoc>::get_all(&*self.0, obj, prop)
    }
    fn get_all_at<O: AsRef<ExId>, P: Into<Prop>>(
        &self,
        obj: O,
        prop: P,
        heads: &[ChangeHash],
    ) -> Result<Vec<(Value<'_>, ExId)>, AutomergeError> {
        <AutoCommit as ReadDoc>::get_all_at(&*self.0, obj, prop, heads)
    }
    fn get_missing_deps(&self, heads: &[ChangeHash]) -> Vec<ChangeHash> {
        <AutoCommit as ReadDoc>::get_missing_deps(&*self.0, heads)
    }
    fn get_change_by_hash(&self, hash: &ChangeHash) -> Option<Change> {
        <AutoCommit as ReadDoc>::get_change_by_hash(&*self.0, hash)
    }
    fn stats(&self) -> Stats {
        <AutoCommit as ReadDoc>::stats(&*self.0)
    }
    fn text_encoding(&self) -> TextEncoding {
        <AutoCommit as ReadDoc>::text_encoding(&*self.0)
    }
}

impl Transactable for Careful<'_> {
    fn pending_ops(&self) -> usize {
        <AutoCommit as Transactable>::pending_ops(&*self.0)
    }
    fn put<O: AsRef<ExId>, P: Into<Prop>, V: Into<ScalarValue>>(
        &mut self,
        obj: O,
        prop: P,
        value: V,
    ) -> Result<(), AutomergeError> {
        let prop = prop.into();
        let value = value.into();
        // The value shown is already this one: writing it again would supersede every
        // concurrent value of a conflict the writer never looked at.
        if let Ok(Some((Value::Scalar(current), _))) =
            <AutoCommit as ReadDoc>::get(&*self.0, obj.as_ref(), prop.clone())
        {
            if *current == value {
                return Ok(());
            }
        }
        <AutoCommit as Transactable>::put(&mut *self.0, obj, prop, value)
    }
    fn put_object<O: AsRef<ExId>, P: Into<Prop>>(
        &mut self,
        obj: O,
        prop: P,
        object: ObjType,
    ) -> Result<ExId, AutomergeError> {
        <AutoCommit as Transactable>::put_object(&mut *self.0, obj, prop, object)
    }
    fn insert<O: AsRef<ExId>, V: Into<ScalarValue>>(
        &mut self,
        obj: O,
        index: usize,
        value: V,
    ) -> Result<(), AutomergeError> {
        <AutoCommit as Transactable>::insert(&mut *self.0, obj, index, value)
    }
    fn insert_object<O: AsRef<ExId>>(&mut self, obj: O, index: usize, object: ObjType) -> Result<ExId, AutomergeError> {
        <AutoCommit as Transactable>::insert_object(&mut *self.0, obj, index, object)
    }
    fn increment<O: AsRef<ExId>, P: Into<Prop>>(&mut self, obj: O, prop: P, value: i64) -> Result<(), AutomergeError> {
        <AutoCommit as Transactable>::increment(&mut *self.0, obj, prop, value)
    }
    fn delete<O: AsRef<ExId>, P: Into<Prop>>(&mut self, obj: O, prop: P) -> Result<(), AutomergeError> {
        <AutoCommit as Transactable>::delete(&mut *self.0, obj, prop)
    }
    fn splice<O: AsRef<ExId>, V: Into<hydrate::Value>, I: IntoIterator<Item = V>>(
        &mut self,
        obj: O,
        pos: usize,
        del: isize,
        vals: I,
    ) -> Result<(), AutomergeError> {
        <AutoCommit as Transactable>::splice(&mut *self.0, obj, pos, del, vals)
    }
    fn splice_text<O: AsRef<ExId>>(
        &mut self,
        obj: O,
        pos: usize,
        del: isize,
        text: &str,
    ) -> Result<(), AutomergeError> {
        <AutoCommit as Transactable>::splice_text(&mut *self.0, obj, pos, del, text)
    }
    fn mark<O: AsRef<ExId>>(&mut self, obj: O, mark: Mark, expand: ExpandMark) -> Result<(), AutomergeError> {
        <AutoCommit as Transactable>::mark(&mut *self.0, obj, mark, expand)
    }
    fn unmark<O: AsRef<ExId>>(
        &mut self,
        obj: O,
        key: &str,
        start: usize,
        end: usize,
        expand: ExpandMark,
    ) -> Result<(), AutomergeError> {
        <AutoCommit as Transactable>::unmark(&mut *self.0, obj, key, start, end, expand)
    }
    fn split_block<O>(&mut self, obj: O, index: usize) -> Result<ExId, AutomergeError>
    where
        O: AsRef<ExId>,
    {
        <AutoCommit as Transactable>::split_block(&mut *self.0, obj, index)
    }
    fn join_block<O: AsRef<ExId>>(&mut self, text: O, index: usize) -> Result<(), AutomergeError> {
        <AutoCommit as Transactable>::join_block(&mut *self.0, text, index)
    }
    fn replace_block<O>(&mut self, text: O, index: usize) -> Result<ExId, AutomergeError>
    where
        O: AsRef<ExId>,
    {
        <AutoCommit as Transactable>::replace_block(&mut *self.0, text, index)
    }
    fn update_spans<O: AsRef<ExId>, I: IntoIterator<Item = Span>>(
        &mut self,
        text: O,
        config: UpdateSpansConfig,
        new_text: I,
    ) -> Result<(), AutomergeError> {
        <AutoCommit as Transactable>::update_spans(&mut *self.0, text, config, new_text)
    }
    fn base_heads(&self) -> Vec<ChangeHash> {
        <AutoCommit as Transactable>::base_heads(&*self.0)
    }
    fn update_text<S: AsRef<str>>(&mut self, obj: &ExId, new_text: S) -> Result<(), AutomergeError> {
        <AutoCommit as Transactable>::update_text(&mut *self.0, obj, new_text)
    }
    fn update_object<O: AsRef<ExId>>(
        &mut self,
        obj: O,
        new_value: &hydrate::Value,
    ) -> Result<(), automerge::error::UpdateObjectError> {
        <AutoCommit as Transactable>::update_object(&mut *self.0, obj, new_value)
    }
    fn batch_create_object<O: AsRef<ExId>, P: Into<Prop>>(
        &mut self,
        obj: O,
        prop: P,
        value: &hydrate::Value,
        insert: bool,
    ) -> Result<ExId, AutomergeError> {
        <AutoCommit as Transactable>::batch_create_object(&mut *self.0, obj, prop, value, insert)
    }
    fn init_root_from_hydrate(&mut self, value: &hydrate::Map) -> Result<(), AutomergeError> {
        <AutoCommit as Transactable>::init_root_from_hydrate(&mut *self.0, value)
    }
}

impl autosurgeon::ReadDoc for Careful<'_> {
    type Parents<'a>
        = Parents<'a>
    where
        Self: 'a;

    fn get_heads(&self) -> Vec<ChangeHash> {
        <AutoCommit as autosurgeon::ReadDoc>::get_heads(&*self.0)
    }

    fn get<P: Into<Prop>>(&self, obj: &ExId, prop: P) -> Result<Option<(Value<'_>, ExId)>, AutomergeError> {
        <AutoCommit as autosurgeon::ReadDoc>::get(&*self.0, obj, prop)
    }

    fn object_type<O: AsRef<ExId>>(&self, obj: O) -> Option<ObjType> {
        <AutoCommit as autosurgeon::ReadDoc>::object_type(&*self.0, obj)
    }

    fn map_range<'a, O, R>(&'a self, obj: O, range: R) -> MapRange<'a>
    where
        R: RangeBounds<String> + 'a,
        O: AsRef<ExId>,
        R: RangeBounds<String>,
    {
        <AutoCommit as autosurgeon::ReadDoc>::map_range(&*self.0, obj, range)
    }

    fn list_range<O: AsRef<ExId>, R: RangeBounds<usize>>(&self, obj: O, range: R) -> ListRange<'_> {
        <AutoCommit as autosurgeon::ReadDoc>::list_range(&*self.0, obj, range)
    }

    fn length<O: AsRef<ExId>>(&self, obj: O) -> usize {
        <AutoCommit as autosurgeon::ReadDoc>::length(&*self.0, obj)
    }

    fn text<O: AsRef<ExId>>(&self, obj: O) -> Result<String, AutomergeError> {
        <AutoCommit as autosurgeon::ReadDoc>::text(&*self.0, obj)
    }

    fn parents<O: AsRef<ExId>>(&self, obj: O) -> Result<Self::Parents<'_>, AutomergeError> {
        <AutoCommit as autosurgeon::ReadDoc>::parents(&*self.0, obj)
    }

    fn is_empty(&self) -> bool {
        <AutoCommit as autosurgeon::ReadDoc>::is_empty(&*self.0)
    }
}
