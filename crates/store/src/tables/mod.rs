//! One module per table. Each column's name is written once, in the table's [`table!`]
//! declaration; the row type, its conversion to the core's entity, the list allow-list and
//! the by-key statements (SELECT, SELECT … FOR UPDATE, INSERT, UPDATE, DELETE) with their
//! binds all come from it.
//!
//! # Adding a table
//!
//! 1. A migration pair: `migrations/sqlite/NNNN_name.sql` and `migrations/postgres/NNNN_name.sql`
//!    (use only the number given to you).
//! 2. The entity in `ferrodoor-core` (`crates/core/src/entity/`).
//! 3. A module here (add it to the list below) declaring the table:
//!
//! ```ignore
//! //! `widgets`: what it holds, why.
//! use ferrodoor_core::entity::Widget;
//!
//! crate::tables::table! {
//!     /// A row of `widgets`.
//!     WidgetRow for Widget in "widgets" {
//!         key {
//!             // entity field: row type = "column", how lists see it;
//!             name: String = "name", list("name", Text);
//!         }
//!         columns {
//!             owner: String = "owner", list("owner", Text);
//!             created_time: String = "created_time", list("createdTime", Text);
//!             type_: String = "type", list("type", Text);       // a field renamed
//!             enabled: bool = "enabled", list("enabled", Bool);
//!             size: i64 = "size", list("size", Number);
//!             api_secret: String = "api_secret", secret;         // never filtered or sorted by
//!             tags: String = "tags", list("tags", Text), json;   // Vec<String> stored as JSON text
//!             seen_at: i64 = "seen_at", unlisted, unix_time;    // RFC 3339 text stored as unix seconds
//!         }
//!         // Optional: entity fields that are not stored, with their value when read.
//!         defaults { plaintext: String::new() }
//!         // Optional: messages for unique / foreign-key violations.
//!         conflict = |w, _db_message| format!("widget {} already exists", w.name);
//!         reference = |w| format!("organization {} does not exist", w.owner);
//!     }
//! }
//! ```
//!
//!    Row types are what sqlx decodes: `String`, `Option<String>`, `bool`, `i64`, `f64`.
//!    `json` stores any serde type as JSON text (row type `String`); `json(path::to::encode)`
//!    encodes with your `fn(&T) -> StoreResult<String>` instead. `secret` and `unlisted`
//!    both keep a column out of lists' filters and sorts (a substring filter on a secret
//!    would let a caller guess it a character at a time); use `secret` for secrets.
//!    `key {}` may be empty (an append-only table keyed by the database): then there are
//!    no by-key operations.
//!
//! 4. Ports in `ferrodoor-core`'s `store.rs` (`Store` for reads, `StoreTx` for writes, and for
//!    the reads a transaction needs), each implemented by one line in `backend.rs` calling
//!    the generic queries that `define_backend!` expands for every [`Table`]:
//!    `q::get::<WidgetRow>(c, name)`, `q::get_for_update::<WidgetRow>(c, name)`,
//!    `q::insert::<WidgetRow>(c, &widget)`, `q::update::<WidgetRow>(c, &widget)` (every
//!    column but the key, answering whether a row matched), `q::delete::<WidgetRow>(c, name)`,
//!    `q::list::<WidgetRow>(c, scope, query)` (filter/sort/page by the `list(…)` names).
//!    A composite key is a tuple: `q::get::<UserRow>(c, (owner, name))`.
//! 5. Queries of your own (other lookups, conditional updates) go in a `widget_queries!`
//!    macro in the module, expanded in `define_backend!`; run them with
//!    `q::fetch_optional::<WidgetRow>`, `q::fetch_all::<WidgetRow>` or `q::execute` and the
//!    statement's values (`vec![name.into(), 3_i64.into()]`). `SELECT * FROM widgets …`
//!    is fine there: rows are decoded by column name.
//!
//! The queries are expanded per backend (sqlx's executor and codec traits are per backend):
//! [`crate::backend::define_backend`] expands them once for SQLite and once for PostgreSQL,
//! from the same SQL text.

pub(crate) mod applications;
pub(crate) mod authorization_codes;
pub(crate) mod authz;
pub(crate) mod casdoor_sessions;
pub(crate) mod certs;
pub(crate) mod identity_events;
pub(crate) mod organizations;
pub(crate) mod providers;
pub(crate) mod records;
pub(crate) mod scan_tickets;
pub(crate) mod sessions;
pub(crate) mod tokens;
pub(crate) mod users;
pub(crate) mod verification_files;
pub(crate) mod versions;
pub(crate) mod webhooks;
pub(crate) mod wechat;
pub(crate) mod wechat_tokens;

#[cfg(test)]
mod plans;

use ferrodoor_core::store::{StoreError, StoreResult};

use crate::list::Kind;

/// A row as read, turned into the core's entity (JSON columns are parsed here).
pub(crate) trait IntoEntity {
    type Entity: Send + Sync + 'static;
    fn into_entity(self) -> StoreResult<Self::Entity>;
}

/// A row as rusqlite reads it, by column name as sqlx's `FromRow` does (for the SQLite
/// connections the store runs itself, see `sqlite/inline.rs`).
pub(crate) trait FromSqliteRow: Sized {
    fn from_sqlite_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Self>;
}

/// One column of a table.
#[derive(Debug)]
pub(crate) struct Column {
    pub name: &'static str,
    /// (JSON field name, kind) when lists may filter and sort by it.
    pub list: Option<(&'static str, Kind)>,
}

/// A table's name and columns, the key's first.
#[derive(Debug)]
pub(crate) struct Schema {
    pub name: &'static str,
    pub key: &'static [Column],
    pub columns: &'static [Column],
}

impl Schema {
    /// Every column, key first: the order of [`Table::values`].
    pub(crate) fn all(&self) -> impl Iterator<Item = &'static Column> + use<> {
        self.key.iter().chain(self.columns.iter())
    }
}

/// A table's statements, built once from its [`Schema`]. Values bind in [`Schema::all`]
/// order; by-key statements take the key first.
#[derive(Debug)]
pub(crate) struct Statements {
    /// `SELECT <every column> FROM <table> WHERE <key>`.
    pub get: String,
    /// `get … FOR UPDATE` (PostgreSQL).
    pub get_for_update: String,
    pub insert: String,
    /// Sets every column but the key.
    pub update: String,
    pub delete: String,
    /// `INSERT … VALUES (…), (…)` of each size [`row_chunks`] answers.
    insert_rows: TextsBySize,
    columns: usize,
}

/// Multi-row inserts come in 1, 2, 4 … 64 rows: few distinct texts, each a prepared
/// statement kept by every connection.
pub(crate) const ROW_SIZES: usize = 7;
pub(crate) const MAX_ROWS: usize = 1 << (ROW_SIZES - 1);

/// `($1, … $columns), ($columns+1, …)…` for `rows` rows: row `r`'s values bind after the
/// `r` rows before it.
pub(crate) fn value_lists(rows: usize, columns: usize) -> String {
    let lists: Vec<String> = (0..rows)
        .map(|r| {
            let values: Vec<String> = (1..=columns)
                .map(|c| format!("${}", r * columns + c))
                .collect();
            format!("({})", values.join(", "))
        })
        .collect();
    lists.join(", ")
}

/// A multi-row statement's text for each size [`row_chunks`] answers, made when first used.
#[derive(Debug, Default)]
pub(crate) struct TextsBySize([std::sync::OnceLock<String>; ROW_SIZES]);

impl TextsBySize {
    pub(crate) const fn new() -> Self {
        TextsBySize([const { std::sync::OnceLock::new() }; ROW_SIZES])
    }

    /// The text for `rows` rows, `make(rows)` the first time.
    pub(crate) fn get(&self, rows: usize, make: impl FnOnce(usize) -> String) -> &str {
        let i = rows.clamp(1, MAX_ROWS).ilog2() as usize;
        self.0[i].get_or_init(|| make(1 << i))
    }
}

/// `items` cut in the sizes [`row_chunks`] answers: one statement each.
pub(crate) fn chunks<T>(items: &[T]) -> impl Iterator<Item = &[T]> {
    let mut rest = items;
    row_chunks(items.len()).map(move |size| {
        let (chunk, after) = rest.split_at(size);
        rest = after;
        chunk
    })
}

/// The values of `rows` one after the other: a multi-row insert's.
pub(crate) fn rows_values<'a, T: Table>(rows: &[&'a T::Entity]) -> StoreResult<Vec<Value<'a>>> {
    let mut values = Vec::with_capacity(rows.len() * T::SCHEMA.all().count());
    for row in rows {
        values.extend(T::values(row)?);
    }
    Ok(values)
}

/// How to insert `n` rows with the sizes [`Statements::insert_rows`] has: the largest
/// first, e.g. 13 → 8, 4, 1.
pub(crate) fn row_chunks(mut n: usize) -> impl Iterator<Item = usize> {
    std::iter::from_fn(move || {
        if n == 0 {
            return None;
        }
        let size = 1usize << n.min(MAX_ROWS).ilog2();
        n -= size;
        Some(size)
    })
}

impl Statements {
    pub(crate) fn of(schema: &Schema) -> Statements {
        let names: Vec<&str> = schema.all().map(|c| c.name).collect();
        let placeholders: Vec<String> = (1..=names.len()).map(|n| format!("${n}")).collect();
        let by_key = schema
            .key
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{} = ${}", c.name, i + 1))
            .collect::<Vec<_>>()
            .join(" AND ");
        let set = schema
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{} = ${}", c.name, schema.key.len() + i + 1))
            .collect::<Vec<_>>()
            .join(", ");
        let table = schema.name;
        let select = format!("SELECT {} FROM {table}", names.join(", "));
        let get = format!("{select} WHERE {by_key}");
        Statements {
            get_for_update: format!("{get} FOR UPDATE"),
            insert: format!(
                "INSERT INTO {table} ({}) VALUES ({})",
                names.join(", "),
                placeholders.join(", ")
            ),
            update: format!("UPDATE {table} SET {set} WHERE {by_key}"),
            delete: format!("DELETE FROM {table} WHERE {by_key}"),
            get,
            insert_rows: Default::default(),
            columns: names.len(),
        }
    }

    /// The insert of `rows` rows (a size [`row_chunks`] answers), `insert`'s text with
    /// more value lists: row `r`'s values bind after the `r` rows before it.
    pub(crate) fn insert_rows(&self, rows: usize) -> &str {
        self.insert_rows.get(rows, |rows| {
            let head = &self.insert[..self.insert.find(" VALUES ").unwrap_or(self.insert.len())];
            format!("{head} VALUES {}", value_lists(rows, self.columns))
        })
    }
}

/// A value to bind, borrowed from the entity where it can be.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value<'a> {
    Str(&'a str),
    OptStr(Option<&'a str>),
    /// Encoded for the occasion (JSON).
    Owned(String),
    Bool(bool),
    Int(i64),
    Float(f64),
}

impl<'a> From<&'a str> for Value<'a> {
    fn from(v: &'a str) -> Self {
        Value::Str(v)
    }
}

impl<'a> From<Option<&'a str>> for Value<'a> {
    fn from(v: Option<&'a str>) -> Self {
        Value::OptStr(v)
    }
}

impl From<bool> for Value<'_> {
    fn from(v: bool) -> Self {
        Value::Bool(v)
    }
}

impl From<i64> for Value<'_> {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}

/// A row type's field as a [`Value`].
pub(crate) trait ToValue {
    fn to_value(&self) -> Value<'_>;
}

impl ToValue for String {
    fn to_value(&self) -> Value<'_> {
        Value::Str(self)
    }
}

impl ToValue for Option<String> {
    fn to_value(&self) -> Value<'_> {
        Value::OptStr(self.as_deref())
    }
}

impl ToValue for bool {
    fn to_value(&self) -> Value<'_> {
        Value::Bool(*self)
    }
}

impl ToValue for i64 {
    fn to_value(&self) -> Value<'_> {
        Value::Int(*self)
    }
}

impl ToValue for f64 {
    fn to_value(&self) -> Value<'_> {
        Value::Float(*self)
    }
}

/// A `unix_time` column (unix seconds, 0 for never) as the entity's RFC 3339 text (empty
/// for never): stored as a number so SQL can compare it.
pub(crate) fn rfc3339_of_unix(unix: i64) -> String {
    if unix > 0 {
        ferrodoor_core::clock::Now::from_unix(unix).rfc3339()
    } else {
        String::new()
    }
}

/// The inverse of [`rfc3339_of_unix`]; text that is not RFC 3339 is "never".
pub(crate) fn unix_of_rfc3339(text: &str) -> i64 {
    ferrodoor_core::clock::Now::parse_rfc3339(text).map_or(0, |t| t.unix())
}

/// A table declared with [`table!`]; implemented on its row type.
pub(crate) trait Table: IntoEntity + Send + Unpin + Sized + 'static {
    const SCHEMA: Schema;
    /// The key's type: `&str`, `(&str, &str)` or `(&str, &str, &str)`; [`NoKey`] for none.
    type Key<'a>: KeyValues<'a>;
    fn statements() -> &'static Statements;
    /// Every column's value from the entity, in [`Schema::all`] order.
    fn values(entity: &Self::Entity) -> StoreResult<Vec<Value<'_>>>;
    fn conflict_message(entity: &Self::Entity, db_message: &str) -> String;
    /// None: the database's message stays.
    fn reference_message(entity: &Self::Entity) -> Option<String>;
}

/// Sharpens a constraint violation's message with the table's own.
pub(crate) fn describe<T: Table, R>(result: StoreResult<R>, entity: &T::Entity) -> StoreResult<R> {
    match result {
        Err(StoreError::Conflict(m)) => Err(StoreError::Conflict(T::conflict_message(entity, &m))),
        Err(StoreError::Reference(m)) => Err(StoreError::Reference(
            T::reference_message(entity).unwrap_or(m),
        )),
        other => other,
    }
}

/// A multi-row insert's result: when it inserted one row, sharpened as [`describe`] does.
pub(crate) fn describe_rows<T: Table, R>(
    result: StoreResult<R>,
    rows: &[&T::Entity],
) -> StoreResult<R> {
    match rows {
        [one] => describe::<T, R>(result, one),
        _ => result,
    }
}

/// A key's values, in key column order.
pub(crate) trait KeyValues<'a> {
    fn values(self) -> Vec<Value<'a>>;
}

impl<'a> KeyValues<'a> for &'a str {
    fn values(self) -> Vec<Value<'a>> {
        vec![Value::Str(self)]
    }
}

impl<'a> KeyValues<'a> for (&'a str, &'a str) {
    fn values(self) -> Vec<Value<'a>> {
        vec![Value::Str(self.0), Value::Str(self.1)]
    }
}

impl<'a> KeyValues<'a> for (&'a str, &'a str, &'a str) {
    fn values(self) -> Vec<Value<'a>> {
        vec![Value::Str(self.0), Value::Str(self.1), Value::Str(self.2)]
    }
}

/// The key of a table without one: no value exists, so no by-key operation can be called.
pub(crate) enum NoKey {}

impl<'a> KeyValues<'a> for NoKey {
    fn values(self) -> Vec<Value<'a>> {
        match self {}
    }
}

/// Declares a table; see the module documentation.
macro_rules! table {
    (@decode $table:literal, $col:literal, $v:expr) => { $v };
    (@decode $table:literal, $col:literal, $v:expr, json) => {
        $crate::error::from_json(&$v, concat!($table, ".", $col))?
    };
    (@decode $table:literal, $col:literal, $v:expr, unix_time) => { $crate::tables::rfc3339_of_unix($v) };
    (@encode $v:expr) => { $crate::tables::ToValue::to_value(&$v) };
    (@encode $v:expr, unix_time) => { $crate::tables::Value::Int($crate::tables::unix_of_rfc3339(&$v)) };
    (@encode $v:expr, json) => { $crate::tables::Value::Owned($crate::error::to_json(&$v)?) };
    (@encode $v:expr, json($enc:path)) => { $crate::tables::Value::Owned($enc(&$v)?) };
    (@list list($json:literal, $kind:ident)) => { Some(($json, $crate::list::Kind::$kind)) };
    (@list secret) => { None };
    (@list unlisted) => { None };
    (@key $lt:lifetime;) => { $crate::tables::NoKey };
    (@key $lt:lifetime; $a:ident) => { &$lt str };
    (@key $lt:lifetime; $a:ident $b:ident) => { (&$lt str, &$lt str) };
    (@key $lt:lifetime; $a:ident $b:ident $c:ident) => { (&$lt str, &$lt str, &$lt str) };
    (@conflict $entity:ident;) => {
        fn conflict_message(_: &$entity, db_message: &str) -> String {
            db_message.to_string()
        }
    };
    (@conflict $entity:ident; |$e:tt, $m:tt| $body:expr) => {
        fn conflict_message($e: &$entity, $m: &str) -> String {
            $body
        }
    };
    (@reference $entity:ident;) => {
        fn reference_message(_: &$entity) -> Option<String> {
            None
        }
    };
    (@reference $entity:ident; |$e:tt| $body:expr) => {
        fn reference_message($e: &$entity) -> Option<String> {
            Some($body)
        }
    };
    (
        $(#[$meta:meta])*
        $row:ident for $entity:ident in $table:literal {
            key {
                $($kf:ident : $kty:ty = $kcol:literal, $klist:ident $(($($kl:tt)*))?;)*
            }
            columns {
                $($f:ident : $ty:ty = $col:literal, $list:ident $(($($l:tt)*))?
                    $(, $codec:ident $(($enc:path))?)?;)*
            }
            $(defaults { $($df:ident : $dv:expr),* $(,)? })?
            $(conflict = |$ce:tt, $cm:tt| $cbody:expr;)?
            $(reference = |$re:tt| $rbody:expr;)?
        }
    ) => {
        $(#[$meta])*
        #[derive(sqlx::FromRow)]
        pub(crate) struct $row {
            $(#[sqlx(rename = $kcol)] $kf: $kty,)*
            $(#[sqlx(rename = $col)] $f: $ty,)*
        }

        impl $crate::tables::FromSqliteRow for $row {
            fn from_sqlite_row(row: &::rusqlite::Row<'_>) -> ::rusqlite::Result<Self> {
                Ok($row {
                    $($kf: row.get($kcol)?,)*
                    $($f: row.get($col)?,)*
                })
            }
        }

        impl $crate::tables::IntoEntity for $row {
            type Entity = $entity;

            fn into_entity(self) -> ::ferrodoor_core::store::StoreResult<$entity> {
                let row = self;
                Ok($entity {
                    $($kf: row.$kf,)*
                    $($f: $crate::tables::table!(@decode $table, $col, row.$f $(, $codec)?),)*
                    $($($df: $dv,)*)?
                })
            }
        }

        impl $crate::tables::Table for $row {
            const SCHEMA: $crate::tables::Schema = $crate::tables::Schema {
                name: $table,
                key: &[$($crate::tables::Column {
                    name: $kcol,
                    list: $crate::tables::table!(@list $klist $(($($kl)*))?),
                },)*],
                columns: &[$($crate::tables::Column {
                    name: $col,
                    list: $crate::tables::table!(@list $list $(($($l)*))?),
                },)*],
            };

            type Key<'a> = $crate::tables::table!(@key 'a; $($kf)*);

            fn statements() -> &'static $crate::tables::Statements {
                static STATEMENTS: ::std::sync::LazyLock<$crate::tables::Statements> =
                    ::std::sync::LazyLock::new(|| {
                        $crate::tables::Statements::of(&<$row as $crate::tables::Table>::SCHEMA)
                    });
                &STATEMENTS
            }

            fn values(
                entity: &$entity,
            ) -> ::ferrodoor_core::store::StoreResult<Vec<$crate::tables::Value<'_>>> {
                Ok(vec![
                    $($crate::tables::ToValue::to_value(&entity.$kf),)*
                    $($crate::tables::table!(@encode entity.$f $(, $codec $(($enc))?)?),)*
                ])
            }

            $crate::tables::table!(@conflict $entity; $(|$ce, $cm| $cbody)?);
            $crate::tables::table!(@reference $entity; $(|$re| $rbody)?);
        }
    };
}
pub(crate) use table;

#[cfg(test)]
mod tests {
    use super::*;

    const SCHEMA: Schema = Schema {
        name: "things",
        key: &[
            Column {
                name: "owner",
                list: None,
            },
            Column {
                name: "name",
                list: None,
            },
        ],
        columns: &[
            Column {
                name: "a",
                list: None,
            },
            Column {
                name: "type",
                list: None,
            },
        ],
    };

    /// A list name that is no JSON field of the entity could never be filtered by.
    fn assert_list_names_are_json_fields<T: Table>(entity: &T::Entity)
    where
        T::Entity: serde::Serialize,
    {
        let json = serde_json::to_value(entity).expect("serializable");
        for (name, _) in T::SCHEMA.all().filter_map(|c| c.list) {
            assert!(json.get(name).is_some(), "{}: {name}", T::SCHEMA.name);
        }
    }

    #[test]
    fn list_names_are_the_entities_json_fields() {
        use ferrodoor_core::entity::{Application, Organization, Provider, Token, User};
        assert_list_names_are_json_fields::<users::UserRow>(&User::default());
        assert_list_names_are_json_fields::<organizations::OrganizationRow>(
            &Organization::default(),
        );
        assert_list_names_are_json_fields::<applications::ApplicationRow>(&Application::default());
        assert_list_names_are_json_fields::<providers::ProviderRow>(&Provider::default());
        assert_list_names_are_json_fields::<tokens::TokenRow>(&Token::default());
    }

    #[test]
    fn statements_bind_key_first() {
        let s = Statements::of(&SCHEMA);
        assert_eq!(
            s.get,
            "SELECT owner, name, a, type FROM things WHERE owner = $1 AND name = $2"
        );
        assert_eq!(s.get_for_update, format!("{} FOR UPDATE", s.get));
        assert_eq!(
            s.insert,
            "INSERT INTO things (owner, name, a, type) VALUES ($1, $2, $3, $4)"
        );
        assert_eq!(
            s.update,
            "UPDATE things SET a = $3, type = $4 WHERE owner = $1 AND name = $2"
        );
        assert_eq!(
            s.delete,
            "DELETE FROM things WHERE owner = $1 AND name = $2"
        );
    }

    #[test]
    fn multi_row_inserts_number_each_rows_values_after_the_rows_before() {
        let s = Statements::of(&SCHEMA);
        assert_eq!(s.insert_rows(1), s.insert);
        assert_eq!(
            s.insert_rows(2),
            "INSERT INTO things (owner, name, a, type) VALUES ($1, $2, $3, $4), ($5, $6, $7, $8)"
        );
        assert!(s.insert_rows(64).ends_with("($253, $254, $255, $256)"));
        assert_eq!(s.insert_rows(64).matches("), (").count(), 63);
    }

    #[test]
    fn rows_are_inserted_in_power_of_two_chunks_largest_first() {
        assert_eq!(row_chunks(0).count(), 0);
        assert_eq!(row_chunks(13).collect::<Vec<_>>(), [8, 4, 1]);
        assert_eq!(row_chunks(64).collect::<Vec<_>>(), [64]);
        assert_eq!(row_chunks(130).collect::<Vec<_>>(), [64, 64, 2]);
        assert!((1..300).all(|n| row_chunks(n).sum::<usize>() == n));
    }
}
