//! The SQLite side of [`crate::db`]: statements through rusqlite's statement cache.

use rusqlite::types::{ToSqlOutput, ValueRef};

use super::{Result, Row, Value};

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Value::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Value::Int(i) => ToSqlOutput::Borrowed(ValueRef::Integer(*i)),
            Value::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            Value::Blob(b) => ToSqlOutput::Borrowed(ValueRef::Blob(b)),
        })
    }
}

pub fn execute(conn: &rusqlite::Connection, sql: &str, params: &[Value]) -> Result<u64> {
    let mut stmt = conn.prepare_cached(sql)?;
    let n = stmt.execute(rusqlite::params_from_iter(params.iter()))?;
    Ok(n as u64)
}

pub fn query(conn: &rusqlite::Connection, sql: &str, params: &[Value]) -> Result<Vec<Row>> {
    let mut out = Vec::new();
    query_each(conn, sql, params, |row| -> Result<bool> {
        out.push(Row { values: row.values.clone() });
        Ok(true)
    })?;
    Ok(out)
}

pub fn query_each<E: From<super::Error>>(
    conn: &rusqlite::Connection,
    sql: &str,
    params: &[Value],
    mut f: impl FnMut(&Row) -> std::result::Result<bool, E>,
) -> std::result::Result<(), E> {
    let mut stmt = conn.prepare_cached(sql).map_err(super::Error::from)?;
    let columns = stmt.column_count();
    let mut rows = stmt.query(rusqlite::params_from_iter(params.iter())).map_err(super::Error::from)?;
    while let Some(r) = rows.next().map_err(super::Error::from)? {
        let mut values = Vec::with_capacity(columns);
        for i in 0..columns {
            values.push(match r.get_ref(i).map_err(super::Error::from)? {
                ValueRef::Null => Value::Null,
                ValueRef::Integer(i) => Value::Int(i),
                // No REAL column exists; a float would be a schema error.
                ValueRef::Real(f) => Value::Int(f as i64),
                ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
                ValueRef::Blob(b) => Value::Blob(b.to_vec()),
            });
        }
        if !f(&Row { values })? {
            break;
        }
    }
    Ok(())
}
