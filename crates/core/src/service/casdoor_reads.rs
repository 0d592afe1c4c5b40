//! Read-only calls of Casdoor's SDKs: certificates (their public part) and organization
//! names.

use super::{Core, ListParams};
use crate::authz::{Principal, require_global_admin};
use crate::entity::Cert;
use crate::error::Result;

impl Core {
    /// Casdoor's `get-certs` and `get-global-certs`: every certificate, the private key
    /// masked (it never leaves the server: a deliberate difference from Casdoor).
    /// Certificates are global objects, so only global administrators list them.
    pub async fn list_certs(&self, who: &Principal) -> Result<Vec<Cert>> {
        require_global_admin(who)?;
        let certs = self.store.list_certs().await?;
        Ok(certs.into_iter().map(Cert::masked).collect())
    }

    /// Casdoor's `get-cert`: None (Casdoor's `data: null`) when there is none of that name.
    pub async fn get_cert(&self, who: &Principal, name: &str) -> Result<Option<Cert>> {
        require_global_admin(who)?;
        Ok(self.store.get_cert(name).await?.map(Cert::masked))
    }

    /// Casdoor's `get-organization-names`: (name, displayName) of the organizations the
    /// caller may list.
    pub async fn organization_names(&self, who: &Principal) -> Result<Vec<(String, String)>> {
        let page = self.list_organizations(who, &ListParams::default()).await?;
        Ok(page
            .items
            .into_iter()
            .map(|o| (o.name, o.display_name))
            .collect())
    }
}
