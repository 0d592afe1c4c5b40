//! Casdoor's list parameters (`p`, `pageSize`, `field`, `value`, `sortField`, `sortOrder`),
//! checked against an entity's fields before they reach the store.

use crate::error::{Error, Result};
use crate::store::ListQuery;

#[derive(Debug, Clone, Default)]
pub struct ListParams {
    pub page: Option<u32>,
    pub page_size: Option<u32>,
    pub field: Option<String>,
    pub value: Option<String>,
    pub sort_field: Option<String>,
    pub sort_order: Option<String>,
}

const MAX_PAGE_SIZE: u32 = 1000;

impl ListParams {
    /// `allowed`: the JSON field names of the entity that may be filtered and sorted on.
    pub fn to_query(&self, allowed: &[&str]) -> Result<ListQuery> {
        let check = |f: &str| {
            if allowed.contains(&f) {
                Ok(f.to_string())
            } else {
                Err(Error::invalid(format!(
                    "cannot filter or sort on field {f:?}"
                )))
            }
        };
        let filter = match (non_empty(&self.field), non_empty(&self.value)) {
            (Some(f), Some(v)) => Some((check(f)?, v.to_string())),
            _ => None,
        };
        let sort = match non_empty(&self.sort_field) {
            Some(f) => {
                let desc = match non_empty(&self.sort_order) {
                    None | Some("ascend") | Some("asc") => false,
                    Some("descend") | Some("desc") => true,
                    Some(o) => {
                        return Err(Error::invalid(format!(
                            "sortOrder must be ascend or descend, not {o:?}"
                        )));
                    }
                };
                Some((check(f)?, desc))
            }
            None => None,
        };
        let page = match (self.page, self.page_size) {
            (_, Some(0)) | (Some(0), _) => return Err(Error::invalid("p and pageSize start at 1")),
            (_, Some(size)) if size > MAX_PAGE_SIZE => {
                return Err(Error::invalid(format!(
                    "pageSize may be at most {MAX_PAGE_SIZE}"
                )));
            }
            (Some(p), Some(size)) => Some((p, size)),
            (None, Some(size)) => Some((1, size)),
            _ => None,
        };
        Ok(ListQuery { filter, sort, page })
    }

    /// Whether the caller asked for paging (Casdoor then puts the total in `data2`).
    pub fn is_paged(&self) -> bool {
        self.page_size.is_some()
    }
}

fn non_empty(s: &Option<String>) -> Option<&str> {
    s.as_deref().filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_fields_never_reach_the_store() {
        let p = ListParams {
            field: Some("name) OR 1=1 --".into()),
            value: Some("x".into()),
            ..ListParams::default()
        };
        assert!(p.to_query(&["name"]).is_err());
        let p = ListParams {
            sort_field: Some("password".into()),
            ..ListParams::default()
        };
        assert!(p.to_query(&["name"]).is_err());
    }

    #[test]
    fn paging_is_checked() {
        let p = ListParams {
            page: Some(2),
            page_size: Some(10),
            ..ListParams::default()
        };
        assert_eq!(p.to_query(&[]).unwrap().page, Some((2, 10)));
        let p = ListParams {
            page_size: Some(100_000),
            ..ListParams::default()
        };
        assert!(p.to_query(&[]).is_err());
    }
}
