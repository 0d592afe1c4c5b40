//! `init_data.json`'s authorization sections (`models`, `adapters`, `roles`, `groups`,
//! `permissions`, `enforcers`) in Casdoor's format: each object is created when missing,
//! checked as `add-*` checks it (a model must parse, a permission's model must exist), in
//! the load's transaction; existing objects are left as they are, invalid ones skipped
//! with the reason. Models go first, so the permissions of the same file find theirs.

use serde_json::Value;

use super::Core;
use super::init_data::InitDataReport;
use super::manage_authz::to_record;
use crate::clock::Now;
use crate::entity::{
    Adapter, AuthzObject, Enforcer, Group, Model, Permission, Role, validate_name,
};
use crate::error::{Error, Result};
use crate::fields;
use crate::store::StoreTx;

/// The sections as read from the file.
#[derive(Debug, Default)]
pub struct Sections {
    pub models: Vec<Value>,
    pub adapters: Vec<Value>,
    pub roles: Vec<Value>,
    pub groups: Vec<Value>,
    pub permissions: Vec<Value>,
    pub enforcers: Vec<Value>,
}

/// The object of one entry, with Casdoor's fields Ferrodoor does not keep dropped.
fn read<T: AuthzObject>(item: &Value) -> Result<T> {
    let Value::Object(map) = item else {
        return Err(Error::invalid("not a JSON object"));
    };
    let obj: T = fields::build(map, T::FIELDS)?;
    validate_name("organization", obj.owner())?;
    validate_name(T::NOUN, obj.name())?;
    Ok(obj)
}

impl Core {
    pub(super) async fn import_authz(
        &self,
        tx: &mut dyn StoreTx,
        s: Sections,
        now: Now,
        report: &mut InitDataReport,
    ) -> Result<()> {
        let mut created = 0;
        created += self
            .import_kind::<Model>(tx, "models", s.models, now, report)
            .await?;
        created += self
            .import_kind::<Adapter>(tx, "adapters", s.adapters, now, report)
            .await?;
        created += self
            .import_kind::<Role>(tx, "roles", s.roles, now, report)
            .await?;
        created += self
            .import_kind::<Group>(tx, "groups", s.groups, now, report)
            .await?;
        created += self
            .import_kind::<Permission>(tx, "permissions", s.permissions, now, report)
            .await?;
        created += self
            .import_kind::<Enforcer>(tx, "enforcers", s.enforcers, now, report)
            .await?;
        if created > 0 {
            tx.bump_authz_version().await?;
        }
        report.created += created;
        Ok(())
    }

    async fn import_kind<T: AuthzObject>(
        &self,
        tx: &mut dyn StoreTx,
        family: &str,
        items: Vec<Value>,
        now: Now,
        report: &mut InitDataReport,
    ) -> Result<usize> {
        let mut created = 0;
        for item in items {
            let what = |name: &str| {
                let owner = item["owner"].as_str().unwrap_or_default();
                format!("{family}/{owner}/{name}")
            };
            let mut obj: T = match read(&item) {
                Ok(o) => o,
                Err(e) => {
                    report.skip(
                        what(item["name"].as_str().unwrap_or_default()),
                        e.to_string(),
                    );
                    continue;
                }
            };
            if tx
                .get_authz_for_update(T::KIND, obj.owner(), obj.name())
                .await?
                .is_some()
            {
                report.existing += 1;
                continue;
            }
            if obj.created_time().is_empty() {
                obj.set_created_time(&now.rfc3339());
            }
            match self.check_object(tx, &mut obj, None).await {
                Ok(()) => {}
                Err(Error::Invalid(e)) => {
                    report.skip(what(obj.name()), e);
                    continue;
                }
                Err(e) => return Err(e),
            }
            tx.insert_authz(T::KIND, &to_record(&obj)?).await?;
            created += 1;
        }
        Ok(created)
    }
}
