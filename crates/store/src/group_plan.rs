//! What one group of grants' writes does, decided the same way by both ways of running it
//! (sqlx on PostgreSQL, the SQLite group writer's own connection): which identities it
//! touches and in what order, which writes still apply after the database answered, and
//! the rows of the writes that do.

use std::collections::HashSet;

use ferrodoor_core::entity::{IdentityEvent, Record, Token, User, WeChatIdentity, WebhookDelivery};
use ferrodoor_core::store::{GroupedWrite, StoreError};

use crate::tables::wechat::{IdentityKey, key};

/// [`IdentityKey`]s borrowed: what [`after_touches`] looks identities up in.
pub(crate) fn borrowed(keys: &HashSet<IdentityKey>) -> HashSet<(&str, &str, &str)> {
    keys.iter()
        .map(|(o, a, i)| (o.as_str(), a.as_str(), i.as_str()))
        .collect()
}

/// The writes' indexes in the order their identities are touched: key order, so two
/// groups (two nodes) that share identities lock them in the same order and cannot
/// deadlock each other.
pub(crate) fn touch_order(writes: &[GroupedWrite]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..writes.len()).collect();
    order.sort_by_key(|&i| writes[i].identity.as_ref().map(key));
    order
}

/// Returning sign-ins' touches, one per identity, in `order`: of one identity's touches
/// the last in the queue, which overwrites the others as it would in turn.
pub(crate) fn touches<'a>(writes: &'a [GroupedWrite], order: &[usize]) -> Vec<&'a WeChatIdentity> {
    let mut touches: Vec<&WeChatIdentity> = Vec::new();
    for &i in order {
        if let Some(identity) = &writes[i].identity {
            match touches.last_mut() {
                Some(last) if key(last) == key(identity) => *last = identity,
                _ => touches.push(identity),
            }
        }
    }
    touches
}

/// A first sign-in whose unionid the database must be asked about: no identity of
/// `organization` may have it yet.
pub(crate) struct UnionidCheck<'a> {
    pub write: usize,
    pub organization: &'a str,
    pub unionid: &'a str,
}

/// Which writes apply once the touches answered `touched`: a returning sign-in whose
/// identity was touched; a first sign-in, unless the group gives its unionid a new account
/// already (then it is refused). The first sign-ins with a unionid still need
/// [`UnionidCheck`]s; set `applied[write]` to whether each passes.
pub(crate) fn after_touches<'a>(
    writes: &'a [GroupedWrite],
    order: &[usize],
    touched: &HashSet<(&str, &str, &str)>,
) -> (Vec<bool>, Vec<UnionidCheck<'a>>) {
    let mut applied = vec![true; writes.len()];
    let mut checks = Vec::new();
    let mut new_unionids = HashSet::new();
    for &i in order {
        if let Some(identity) = &writes[i].identity {
            applied[i] = touched.contains(&key(identity));
        }
        let unionid = writes[i].signup.as_ref().and_then(|s| {
            let identity = &s.identity;
            let unionid = identity.unionid.as_deref().filter(|u| !u.is_empty())?;
            Some((identity.organization.as_str(), unionid))
        });
        if let Some((organization, unionid)) = unionid {
            applied[i] = new_unionids.insert((organization, unionid));
            if applied[i] {
                checks.push(UnionidCheck {
                    write: i,
                    organization,
                    unionid,
                });
            }
        }
    }
    (applied, checks)
}

/// The rows a group inserts: those of the writes that apply, table by table.
#[derive(Default)]
pub(crate) struct GroupRows<'a> {
    pub users: Vec<&'a User>,
    pub identities: Vec<&'a WeChatIdentity>,
    pub events: Vec<&'a IdentityEvent>,
    pub tokens: Vec<&'a Token>,
    pub records: Vec<&'a Record>,
    pub deliveries: Vec<&'a WebhookDelivery>,
}

impl<'a> GroupRows<'a> {
    pub(crate) fn of(writes: &'a [GroupedWrite], applied: &[bool]) -> Self {
        let mut rows = GroupRows::default();
        for write in writes
            .iter()
            .zip(applied)
            .filter_map(|(w, &a)| a.then_some(w))
        {
            if let Some(signup) = &write.signup {
                rows.users.push(&signup.user);
                rows.identities.push(&signup.identity);
                rows.events.push(&signup.event);
            }
            rows.tokens.push(&write.token);
            rows.records.extend(&write.records);
            rows.deliveries.extend(&write.deliveries);
        }
        rows
    }
}

/// Whether a group that failed with `e` is written again one write at a time: one write
/// the database refuses must not fail the others; a database that is away fails them all.
pub(crate) fn retry_each_alone(e: &StoreError, writes: usize) -> bool {
    writes > 1 && !matches!(e, StoreError::Unavailable(_))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ferrodoor_core::store::GroupedSignup;

    fn identity(openid: &str, unionid: Option<&str>, at: &str) -> WeChatIdentity {
        WeChatIdentity {
            organization: "acme".into(),
            appid: "wx".into(),
            openid: openid.into(),
            unionid: unionid.map(Into::into),
            user_name: format!("u-{openid}"),
            created_time: String::new(),
            updated_time: at.into(),
            session_key_sealed: None,
        }
    }

    fn returning(openid: &str, at: &str) -> GroupedWrite {
        GroupedWrite {
            identity: Some(identity(openid, None, at)),
            signup: None,
            token: Token::default(),
            records: Vec::new(),
            deliveries: Vec::new(),
        }
    }

    fn first(openid: &str, unionid: &str) -> GroupedWrite {
        let identity = identity(openid, Some(unionid), "");
        GroupedWrite {
            identity: None,
            signup: Some(GroupedSignup {
                user: User {
                    name: identity.user_name.clone(),
                    ..User::default()
                },
                identity,
                event: IdentityEvent {
                    organization: "acme".into(),
                    appid: "wx".into(),
                    openid: openid.into(),
                    user_name: format!("u-{openid}"),
                    action: "link".into(),
                    actor: String::new(),
                    method: "login".into(),
                    created_time: String::new(),
                },
            }),
            token: Token::default(),
            records: vec![Record::default()],
            deliveries: Vec::new(),
        }
    }

    fn touched<'a>(openids: &[&'a str]) -> HashSet<(&'a str, &'a str, &'a str)> {
        openids.iter().map(|&o| ("acme", "wx", o)).collect()
    }

    #[test]
    fn touches_go_in_key_order_and_the_last_of_one_identity_wins() {
        let writes = [
            returning("b", "1"),
            returning("a", "2"),
            returning("b", "3"),
        ];
        let order = touch_order(&writes);
        assert_eq!(order, [1, 0, 2]);
        let times: Vec<&str> = touches(&writes, &order)
            .iter()
            .map(|i| i.updated_time.as_str())
            .collect();
        assert_eq!(times, ["2", "3"]);
    }

    #[test]
    fn a_returning_write_applies_only_when_touched() {
        let writes = [returning("a", "1"), returning("b", "1")];
        let order = touch_order(&writes);
        let (applied, checks) = after_touches(&writes, &order, &touched(&["b"]));
        assert_eq!(applied, [false, true]);
        assert!(checks.is_empty());
    }

    #[test]
    fn one_unionid_gets_one_new_account_per_group_and_one_check() {
        let writes = [first("a", "u1"), first("b", "u1"), first("c", "u2")];
        let order = touch_order(&writes);
        let (applied, checks) = after_touches(&writes, &order, &HashSet::new());
        assert_eq!(applied, [true, false, true]);
        let asked: Vec<(usize, &str)> = checks.iter().map(|c| (c.write, c.unionid)).collect();
        assert_eq!(asked, [(0, "u1"), (2, "u2")]);
    }

    #[test]
    fn rows_come_only_from_the_writes_that_apply() {
        let writes = [first("a", "u1"), returning("b", "1")];
        let rows = GroupRows::of(&writes, &[false, true]);
        assert!(rows.users.is_empty() && rows.identities.is_empty() && rows.records.is_empty());
        assert_eq!(rows.tokens.len(), 1);
        let rows = GroupRows::of(&writes, &[true, true]);
        assert_eq!(
            (rows.users.len(), rows.tokens.len(), rows.records.len()),
            (1, 2, 1)
        );
    }

    #[test]
    fn only_a_refusal_among_several_writes_is_retried_alone() {
        let conflict = StoreError::Conflict("x".into());
        assert!(retry_each_alone(&conflict, 2));
        assert!(!retry_each_alone(&conflict, 1));
        assert!(!retry_each_alone(&StoreError::Unavailable("x".into()), 2));
    }
}
