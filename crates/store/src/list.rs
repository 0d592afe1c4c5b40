//! Filtering, sorting and paging of lists: [`ListQuery`] to SQL.
//!
//! Field names never reach the SQL text: they are looked up in the table's allow-list and
//! only the column name found there (a constant) is written. Values are always bound.
//! Casdoor had SQL injections exactly here (CVE-2022-24124, issue #4988).

use ferrodoor_core::store::{ListQuery, StoreError, StoreResult};

use crate::tables::Schema;

/// How a column is matched by a substring filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Case-insensitive, as Casdoor on MySQL's default collation.
    Text,
    /// Matched as `1` / `0` on both backends.
    Bool,
    Number,
}

/// Looks a list's field name up among the schema's listable columns. Secrets (password
/// hashes, client secrets, private keys) are never listable: a substring filter on one
/// would let a caller guess it a character at a time.
fn listable_column(schema: &Schema, field: &str) -> StoreResult<(&'static str, Kind)> {
    schema
        .all()
        .find_map(|c| match c.list {
            Some((json, kind)) if json == field => Some((c.name, kind)),
            _ => None,
        })
        .ok_or_else(|| {
            let shown: String = field.chars().take(64).collect();
            StoreError::Other(format!("unknown field {shown:?} for {}", schema.name))
        })
}

/// The two statements of a list: the page and the count of all matching rows.
#[derive(Debug)]
pub(crate) struct ListSql {
    pub select: String,
    pub count: String,
    /// Text arguments of `count`, in placeholder order; `select` takes these followed by
    /// `paging`.
    pub args: Vec<String>,
    /// (limit, offset)
    pub paging: Option<(i64, i64)>,
}

/// Builds the statements; `scope` restricts the list to rows whose column equals a value.
pub(crate) fn build(
    table: &Schema,
    scope: Option<(&'static str, &str)>,
    query: &ListQuery,
) -> StoreResult<ListSql> {
    let mut conditions: Vec<String> = Vec::new();
    let mut args = Vec::new();

    if let Some((column, value)) = scope {
        args.push(value.to_string());
        conditions.push(format!("{column} = ${}", args.len()));
    }
    if let Some((field, value)) = &query.filter {
        let (column, kind) = listable_column(table, field)?;
        args.push(format!("%{}%", escape_like(value)));
        let n = args.len();
        conditions.push(match kind {
            Kind::Text => format!("LOWER({column}) LIKE LOWER(${n}) ESCAPE '\\'"),
            Kind::Bool => format!("CAST(CAST({column} AS INTEGER) AS TEXT) LIKE ${n} ESCAPE '\\'"),
            Kind::Number => format!("CAST({column} AS TEXT) LIKE ${n} ESCAPE '\\'"),
        });
    }
    let where_clause = if conditions.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", conditions.join(" AND "))
    };

    let key = table
        .key
        .iter()
        .map(|c| c.name)
        .collect::<Vec<_>>()
        .join(", ");
    let order = match &query.sort {
        Some((field, desc)) => {
            let (column, _) = listable_column(table, field)?;
            let direction = if *desc { "DESC" } else { "ASC" };
            format!("{column} {direction}, {key}")
        }
        None => format!("created_time, {key}"),
    };

    let mut select = format!(
        "SELECT * FROM {}{where_clause} ORDER BY {order}",
        table.name
    );
    let paging = query.page.map(|(page, size)| {
        let offset = u64::from(page.max(1) - 1) * u64::from(size);
        // u32 * u32 fits in i64.
        (i64::from(size), i64::try_from(offset).unwrap_or(i64::MAX))
    });
    if paging.is_some() {
        select.push_str(&format!(
            " LIMIT ${} OFFSET ${}",
            args.len() + 1,
            args.len() + 2
        ));
    }
    let count = format!("SELECT COUNT(*) FROM {}{where_clause}", table.name);
    Ok(ListSql {
        select,
        count,
        args,
        paging,
    })
}

/// Makes `%`, `_` and `\` match themselves under `ESCAPE '\'`.
pub(crate) fn escape_like(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if matches!(c, '\\' | '%' | '_') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::tables::Column;

    const T: Schema = Schema {
        name: "things",
        key: &[Column {
            name: "name",
            list: Some(("name", Kind::Text)),
        }],
        columns: &[
            Column {
                name: "display_name",
                list: Some(("displayName", Kind::Text)),
            },
            Column {
                name: "is_admin",
                list: Some(("isAdmin", Kind::Bool)),
            },
            Column {
                name: "password",
                list: None,
            },
        ],
    };

    fn q(
        filter: Option<(&str, &str)>,
        sort: Option<(&str, bool)>,
        page: Option<(u32, u32)>,
    ) -> ListQuery {
        ListQuery {
            filter: filter.map(|(a, b)| (a.to_string(), b.to_string())),
            sort: sort.map(|(a, b)| (a.to_string(), b)),
            page,
        }
    }

    #[test]
    fn escapes_like_metacharacters() {
        assert_eq!(escape_like(r"50%_a\b"), r"50\%\_a\\b");
        assert_eq!(escape_like("' OR 1=1 --"), "' OR 1=1 --");
    }

    #[test]
    fn builds_scoped_filtered_sorted_paged_sql() {
        let sql = build(
            &T,
            Some(("owner", "o")),
            &q(
                Some(("displayName", "x")),
                Some(("name", true)),
                Some((3, 10)),
            ),
        )
        .expect("valid query");
        assert_eq!(
            sql.select,
            "SELECT * FROM things \
             WHERE owner = $1 AND LOWER(display_name) LIKE LOWER($2) ESCAPE '\\' \
             ORDER BY name DESC, name LIMIT $3 OFFSET $4"
        );
        assert_eq!(
            sql.count,
            "SELECT COUNT(*) FROM things \
             WHERE owner = $1 AND LOWER(display_name) LIKE LOWER($2) ESCAPE '\\'"
        );
        assert_eq!(sql.args, vec!["o".to_string(), "%x%".to_string()]);
        assert_eq!(sql.paging, Some((10, 20)));
    }

    #[test]
    fn default_order_and_page_zero() {
        let sql = build(&T, None, &q(None, None, Some((0, 5)))).expect("valid query");
        assert_eq!(
            sql.select,
            "SELECT * FROM things ORDER BY created_time, name LIMIT $1 OFFSET $2"
        );
        assert_eq!(sql.paging, Some((5, 0)));
    }

    #[test]
    fn unknown_fields_are_refused_and_never_written() {
        let evil = "name; DROP TABLE things --";
        for query in [
            q(Some((evil, "x")), None, None),
            q(None, Some((evil, false)), None),
        ] {
            match build(&T, None, &query) {
                Err(StoreError::Other(msg)) => assert!(msg.contains("unknown field")),
                other => panic!("expected refusal, got {other:?}"),
            }
        }
        // A secret is unknown too.
        assert!(build(&T, None, &q(Some(("password", "a")), None, None)).is_err());
    }

    #[test]
    fn filter_value_is_bound_not_written() {
        let sql =
            build(&T, None, &q(Some(("name", "' OR 1=1 --")), None, None)).expect("valid query");
        assert!(!sql.select.contains("OR 1=1"));
        assert_eq!(sql.args, vec!["%' OR 1=1 --%".to_string()]);
    }
}
