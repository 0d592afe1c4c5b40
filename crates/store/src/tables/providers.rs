//! `providers`: the table (its queries are all generic).

use ferrodoor_core::entity::Provider;

crate::tables::table! {
    /// The client secrets are never listed or matched.
    ProviderRow for Provider in "providers" {
        key {
            name: String = "name", list("name", Text);
        }
        columns {
            owner: String = "owner", list("owner", Text);
            created_time: String = "created_time", list("createdTime", Text);
            display_name: String = "display_name", list("displayName", Text);
            category: String = "category", list("category", Text);
            type_: String = "type", list("type", Text);
            sub_type: String = "sub_type", list("subType", Text);
            client_id: String = "client_id", list("clientId", Text);
            client_secret: String = "client_secret", secret;
            client_id2: String = "client_id2", list("clientId2", Text);
            client_secret2: String = "client_secret2", secret;
            provider_url: String = "provider_url", list("providerUrl", Text);
        }
        conflict = |provider, _| format!("provider {} already exists", provider.name);
    }
}
