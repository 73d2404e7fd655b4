//! The one query path of every repository function, on either back end.
//!
//! [`Conn`] is a pooled connection or a transaction, of SQLite or PostgreSQL. Repository
//! functions write each statement once with `?` placeholders and run it through [`query`]:
//! for PostgreSQL the placeholders become `$1..$n` and the same values are bound, so one SQL text
//! serves both dialects wherever they agree. Where they do not (SQLite's `INDEXED BY` and
//! `PRAGMA`s, PostgreSQL's `FOR UPDATE`), the caller picks the text by [`Conn::backend`].
//!
//! Values cross as [`Arg`] (integer, real, text, bytes, each nullable) and come back through [`Row`],
//! whose columns decode into any type both drivers decode ([`Value`]). The schemas keep the
//! types aligned for this: BIGINT ids and Unix-ms times, DOUBLE PRECISION seconds, JSON as TEXT.

use std::borrow::Cow;

use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnection, PgRow};
use sqlx::sqlite::{SqliteConnection, SqliteRow};
use sqlx::{AssertSqlSafe, Postgres, Sqlite, Transaction};

use crate::error::{Error, Result};

/// Which database engine a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// One SQLite file on this machine (the desktop default; no server).
    Sqlite,
    /// A PostgreSQL server shared by a department.
    Postgres,
}

/// A connection of either back end: pooled, or inside a transaction (then [`Conn::commit`] ends
/// it; dropping it rolls back).
pub struct Conn {
    inner: Inner,
}

enum Inner {
    SqliteTx(Transaction<'static, Sqlite>),
    PgTx(Transaction<'static, Postgres>),
    SqlitePooled(PoolConnection<Sqlite>),
    PgPooled(PoolConnection<Postgres>),
}

enum Raw<'a> {
    Sqlite(&'a mut SqliteConnection),
    Pg(&'a mut PgConnection),
}

impl std::fmt::Debug for Conn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let what = match self.inner {
            Inner::SqliteTx(_) => "sqlite transaction",
            Inner::PgTx(_) => "postgres transaction",
            Inner::SqlitePooled(_) => "sqlite connection",
            Inner::PgPooled(_) => "postgres connection",
        };
        f.write_str(what)
    }
}

impl Conn {
    pub(crate) fn sqlite_tx(tx: Transaction<'static, Sqlite>) -> Self {
        Self {
            inner: Inner::SqliteTx(tx),
        }
    }

    pub(crate) fn pg_tx(tx: Transaction<'static, Postgres>) -> Self {
        Self {
            inner: Inner::PgTx(tx),
        }
    }

    pub(crate) fn sqlite(c: PoolConnection<Sqlite>) -> Self {
        Self {
            inner: Inner::SqlitePooled(c),
        }
    }

    pub(crate) fn pg(c: PoolConnection<Postgres>) -> Self {
        Self {
            inner: Inner::PgPooled(c),
        }
    }

    /// The engine behind this connection.
    pub fn backend(&self) -> Backend {
        match self.inner {
            Inner::SqliteTx(_) | Inner::SqlitePooled(_) => Backend::Sqlite,
            Inner::PgTx(_) | Inner::PgPooled(_) => Backend::Postgres,
        }
    }

    /// The SQLite connection (None on PostgreSQL), for SQLite-only statements.
    pub fn as_sqlite(&mut self) -> Option<&mut SqliteConnection> {
        match self.raw() {
            Raw::Sqlite(c) => Some(c),
            Raw::Pg(_) => None,
        }
    }

    fn raw(&mut self) -> Raw<'_> {
        match &mut self.inner {
            Inner::SqliteTx(t) => Raw::Sqlite(t),
            Inner::PgTx(t) => Raw::Pg(t),
            Inner::SqlitePooled(c) => Raw::Sqlite(c),
            Inner::PgPooled(c) => Raw::Pg(c),
        }
    }

    /// Commits the transaction (a pooled connection has nothing to commit).
    pub async fn commit(self) -> Result<()> {
        match self.inner {
            Inner::SqliteTx(t) => t.commit().await?,
            Inner::PgTx(t) => t.commit().await?,
            Inner::SqlitePooled(_) | Inner::PgPooled(_) => {}
        }
        Ok(())
    }
}

/// A bound value.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    /// INTEGER / BIGINT.
    Int(Option<i64>),
    /// REAL / DOUBLE PRECISION.
    Real(Option<f64>),
    /// TEXT.
    Text(Option<String>),
    /// BLOB / BYTEA.
    Bytes(Option<Vec<u8>>),
}

impl From<Vec<u8>> for Arg {
    fn from(v: Vec<u8>) -> Self {
        Arg::Bytes(Some(v))
    }
}

impl From<i64> for Arg {
    fn from(v: i64) -> Self {
        Arg::Int(Some(v))
    }
}
impl From<Option<i64>> for Arg {
    fn from(v: Option<i64>) -> Self {
        Arg::Int(v)
    }
}
impl From<f64> for Arg {
    fn from(v: f64) -> Self {
        Arg::Real(Some(v))
    }
}
impl From<Option<f64>> for Arg {
    fn from(v: Option<f64>) -> Self {
        Arg::Real(v)
    }
}
impl From<&str> for Arg {
    fn from(v: &str) -> Self {
        Arg::Text(Some(v.to_string()))
    }
}
impl From<String> for Arg {
    fn from(v: String) -> Self {
        Arg::Text(Some(v))
    }
}
impl From<&String> for Arg {
    fn from(v: &String) -> Self {
        Arg::Text(Some(v.clone()))
    }
}
impl From<Option<&str>> for Arg {
    fn from(v: Option<&str>) -> Self {
        Arg::Text(v.map(str::to_string))
    }
}
impl From<Option<String>> for Arg {
    fn from(v: Option<String>) -> Self {
        Arg::Text(v)
    }
}
impl From<&Option<String>> for Arg {
    fn from(v: &Option<String>) -> Self {
        Arg::Text(v.clone())
    }
}

/// A statement with `?` placeholders and its values (see the module doc).
#[derive(Debug, Clone)]
#[must_use = "a query does nothing until it is executed or fetched"]
pub struct Query {
    sql: Cow<'static, str>,
    args: Vec<Arg>,
}

/// A statement to run on any back end; `?` marks each value, bound in order.
pub fn query(sql: impl Into<Cow<'static, str>>) -> Query {
    Query {
        sql: sql.into(),
        args: Vec::new(),
    }
}

/// `?` -> `$1..$n`, leaving quoted literals and identifiers alone.
fn numbered(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 16);
    let mut n = 0;
    let mut quote: Option<char> = None;
    for c in sql.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => {
                quote = None;
                out.push(c);
            }
            (Some(_), c) => out.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                out.push(c);
            }
            (None, '?') => {
                n += 1;
                out.push('$');
                out.push_str(&n.to_string());
            }
            (None, c) => out.push(c),
        }
    }
    out
}

/// Builds the driver's query with the values bound, for one back end.
macro_rules! bound {
    ($db:ty, $sql:expr, $args:expr) => {{
        let mut q = sqlx::query::<$db>(AssertSqlSafe($sql));
        for a in $args {
            q = match a {
                Arg::Int(v) => q.bind(v),
                Arg::Real(v) => q.bind(v),
                Arg::Text(v) => q.bind(v),
                Arg::Bytes(v) => q.bind(v),
            };
        }
        q
    }};
}

impl Query {
    /// Binds the next `?`.
    pub fn bind(mut self, v: impl Into<Arg>) -> Self {
        self.args.push(v.into());
        self
    }

    /// Runs it; returns the number of rows changed.
    pub async fn execute(self, conn: &mut Conn) -> Result<u64> {
        Ok(match conn.raw() {
            Raw::Sqlite(c) => bound!(Sqlite, self.sql, self.args)
                .execute(c)
                .await?
                .rows_affected(),
            Raw::Pg(c) => bound!(Postgres, numbered(&self.sql), self.args)
                .execute(c)
                .await?
                .rows_affected(),
        })
    }

    /// All rows.
    pub async fn fetch_all(self, conn: &mut Conn) -> Result<Vec<Row>> {
        Ok(match conn.raw() {
            Raw::Sqlite(c) => bound!(Sqlite, self.sql, self.args)
                .fetch_all(c)
                .await?
                .into_iter()
                .map(Row::Sqlite)
                .collect(),
            Raw::Pg(c) => bound!(Postgres, numbered(&self.sql), self.args)
                .fetch_all(c)
                .await?
                .into_iter()
                .map(Row::Pg)
                .collect(),
        })
    }

    /// The first row, if any.
    pub async fn fetch_optional(self, conn: &mut Conn) -> Result<Option<Row>> {
        Ok(match conn.raw() {
            Raw::Sqlite(c) => bound!(Sqlite, self.sql, self.args)
                .fetch_optional(c)
                .await?
                .map(Row::Sqlite),
            Raw::Pg(c) => bound!(Postgres, numbered(&self.sql), self.args)
                .fetch_optional(c)
                .await?
                .map(Row::Pg),
        })
    }

    /// Exactly one row (none is [`Error::State`]).
    pub async fn fetch_one(self, conn: &mut Conn) -> Result<Row> {
        self.fetch_optional(conn)
            .await?
            .ok_or_else(|| Error::State("expected row not found".into()))
    }

    /// The first column of the one row.
    pub async fn scalar<T: Value>(self, conn: &mut Conn) -> Result<T> {
        self.fetch_one(conn).await?.at(0)
    }

    /// The first column of the first row, if there is a row.
    pub async fn scalar_optional<T: Value>(self, conn: &mut Conn) -> Result<Option<T>> {
        self.fetch_optional(conn)
            .await?
            .map(|r| r.at(0))
            .transpose()
    }

    /// The first column of every row.
    pub async fn scalars<T: Value>(self, conn: &mut Conn) -> Result<Vec<T>> {
        self.fetch_all(conn)
            .await?
            .iter()
            .map(|r| r.at(0))
            .collect()
    }
}

/// A type both drivers decode (i64, f64, String, bool, and Options of them).
pub trait Value:
    for<'r> sqlx::Decode<'r, Sqlite>
    + sqlx::Type<Sqlite>
    + for<'r> sqlx::Decode<'r, Postgres>
    + sqlx::Type<Postgres>
{
}

impl<T> Value for T where
    T: for<'r> sqlx::Decode<'r, Sqlite>
        + sqlx::Type<Sqlite>
        + for<'r> sqlx::Decode<'r, Postgres>
        + sqlx::Type<Postgres>
{
}

/// A result row of either back end.
#[derive(Debug)]
pub enum Row {
    /// From SQLite.
    Sqlite(SqliteRow),
    /// From PostgreSQL.
    Pg(PgRow),
}

impl Row {
    /// The column named `name`.
    pub fn get<T: Value>(&self, name: &str) -> Result<T> {
        use sqlx::Row as _;
        Ok(match self {
            Row::Sqlite(r) => r.try_get(name)?,
            Row::Pg(r) => r.try_get(name)?,
        })
    }

    /// The column at `index` (0-based).
    pub fn at<T: Value>(&self, index: usize) -> Result<T> {
        use sqlx::Row as _;
        Ok(match self {
            Row::Sqlite(r) => r.try_get(index)?,
            Row::Pg(r) => r.try_get(index)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::numbered;

    #[test]
    fn placeholders_are_numbered_outside_quotes_only() {
        assert_eq!(
            numbered("UPDATE t SET a = ?, b = '?' WHERE c = ? AND \"d?\" = ?"),
            "UPDATE t SET a = $1, b = '?' WHERE c = $2 AND \"d?\" = $3"
        );
        assert_eq!(numbered("SELECT 1"), "SELECT 1");
    }
}
