//! A department's shared store on a PostgreSQL server: connecting, refusing a database that is
//! not ours or is newer, and migrating.
//!
//! Identity is the server's: the URL's user is a PostgreSQL role (password, peer, certificate or
//! whatever `pg_hba.conf` says; Heartlens keeps no passwords), and the schema stamps that role
//! (`session_user`) on every audit row and presence row. Roles need only table privileges
//! (see `migrations/README.md`); the first open by the database owner creates the schema.
//!
//! 1. Connect a pool with `application_name=heartlens` and `lock_timeout` = the busy timeout, so
//!    a writer waiting for another reader's row lock gives up with [`Error::Busy`] like SQLite's.
//! 2. Inspect, without writing: no tables is new; tables without `_sqlx_migrations` are another
//!    application's ([`Error::NotADatabase`]); a migration newer than this build is
//!    [`Error::NewerSchema`].
//! 3. If every migration is applied with the checksum this build has, nothing more is done:
//!    reader roles have no right to create tables, and sqlx's migrator would try to create its
//!    own table even when it exists. Otherwise run [`PG_MIGRATOR`](crate::PG_MIGRATOR) (sqlx
//!    takes an advisory lock, so clients opening at once do not race; each migration is one
//!    transaction, so a killed client leaves none half-applied); a reader role without the
//!    right to is told to let the owner open it once.

use std::str::FromStr;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};

use crate::database::{StoreOptions, supported_schema_version};
use crate::error::{Error, Result};

/// Steps (1)-(3) of the module doc.
pub(crate) async fn open_pool(opts: &StoreOptions, url: &str) -> Result<PgPool> {
    let location = opts.path.to_string_lossy().into_owned();
    let connect = PgConnectOptions::from_str(url)
        .map_err(|e| Error::Argument {
            field: "database URL",
            message: format!("{location}: {e}"),
        })?
        .application_name("heartlens")
        .options([(
            "lock_timeout",
            format!("{}ms", opts.busy_timeout.as_millis()),
        )]);
    // (1)
    let pool = PgPoolOptions::new()
        .max_connections(opts.max_connections)
        .min_connections(0)
        .acquire_timeout(opts.connect_timeout)
        .connect_with(connect)
        .await
        .map_err(|e| Error::Connect {
            location: location.clone(),
            detail: e.to_string(),
        })?;
    // (2)
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT tablename::text FROM pg_catalog.pg_tables WHERE schemaname = current_schema() \
         ORDER BY tablename",
    )
    .fetch_all(&pool)
    .await?;
    if !tables.is_empty() {
        if !tables.iter().any(|t| t == "_sqlx_migrations") {
            let mut list: Vec<&str> = tables.iter().map(String::as_str).take(5).collect();
            if tables.len() > 5 {
                list.push("...");
            }
            return Err(Error::NotADatabase {
                path: opts.path.clone(),
                reason: format!(
                    "the database holds another application's tables ({}); choose an empty \
                     database for Heartlens",
                    list.join(", ")
                ),
            });
        }
        let version: Option<i64> =
            sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success")
                .fetch_one(&pool)
                .await?;
        let supported = supported_schema_version();
        if let Some(v) = version
            && v > supported
        {
            return Err(Error::NewerSchema {
                path: opts.path.clone(),
                found: v,
                supported,
            });
        }
    }
    // (3)
    if tables.iter().any(|t| t == "_sqlx_migrations") && up_to_date(&pool).await? {
        return Ok(pool);
    }
    if let Err(e) = crate::PG_MIGRATOR.run(&pool).await {
        let denied = matches!(&e, sqlx::migrate::MigrateError::Execute(sqlx::Error::Database(db))
            if db.code().as_deref() == Some("42501"));
        if denied {
            return Err(Error::State(format!(
                "{location}: the database needs schema version {} and this role may not create                  tables; open it once as the database owner (see migrations/README.md)",
                supported_schema_version()
            )));
        }
        return Err(e.into());
    }
    Ok(pool)
}

/// True when every migration of this build is applied with the same checksum; a changed one is
/// [`MigrateError::VersionMismatch`](sqlx::migrate::MigrateError::VersionMismatch), as the
/// migrator would report it.
async fn up_to_date(pool: &PgPool) -> Result<bool> {
    let applied: Vec<(i64, Vec<u8>)> =
        sqlx::query_as("SELECT version, checksum FROM _sqlx_migrations WHERE success")
            .fetch_all(pool)
            .await?;
    for m in crate::PG_MIGRATOR.iter() {
        match applied.iter().find(|(v, _)| *v == m.version) {
            None => return Ok(false),
            Some((_, sum)) if **sum != *m.checksum => {
                return Err(sqlx::migrate::MigrateError::VersionMismatch(m.version).into());
            }
            Some(_) => {}
        }
    }
    Ok(true)
}
