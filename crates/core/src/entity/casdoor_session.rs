use serde::{Deserialize, Serialize};

/// Casdoor's `Session`: the session ids an application registered for one of its users
/// (Casdoor keeps its Beego session ids there). Keyed by owner (the user's organization),
/// name (the user) and application.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CasdoorSession {
    pub owner: String,
    pub name: String,
    pub application: String,
    pub created_time: String,
    pub session_id: Vec<String>,
}

impl CasdoorSession {
    pub const FIELDS: &'static [&'static str] =
        &["owner", "name", "application", "createdTime", "sessionId"];
    /// Casdoor keeps a user's last 100 session ids per application.
    pub const MAX_SESSION_IDS: usize = 100;

    /// Casdoor's `sessionPkId`: `owner/name/application`.
    pub fn id_string(&self) -> String {
        format!("{}/{}/{}", self.owner, self.name, self.application)
    }
}
