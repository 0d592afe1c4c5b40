//! The database URL setting: it may carry a password (in the userinfo or as a `password`
//! query parameter), so its `Debug`, `Display` and `Serialize` show it redacted.

use serde::{Deserialize, Serialize, Serializer};

#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    /// The real URL, for connecting only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<&str> for DatabaseUrl {
    fn from(value: &str) -> Self {
        DatabaseUrl(value.to_string())
    }
}

impl From<String> for DatabaseUrl {
    fn from(value: String) -> Self {
        DatabaseUrl(value)
    }
}

impl std::fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&redact(&self.0))
    }
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", redact(&self.0))
    }
}

impl Serialize for DatabaseUrl {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&redact(&self.0))
    }
}

/// A database URL without its passwords: the userinfo password and every query parameter
/// whose name mentions a password (`password`, `sslpassword`) become `***`. Text that is
/// not a URL could hold anything, so it is not shown at all.
pub fn redact(url: &str) -> String {
    let Ok(mut parsed) = url::Url::parse(url) else {
        return "*** (not a URL)".to_string();
    };
    let mut changed = false;
    if parsed.password().is_some() {
        let _ = parsed.set_password(Some("***"));
        changed = true;
    }
    let pairs: Vec<(String, String)> = parsed.query_pairs().into_owned().collect();
    if pairs
        .iter()
        .any(|(k, _)| k.to_ascii_lowercase().contains("password"))
    {
        let mut query = parsed.query_pairs_mut();
        query.clear();
        for (k, v) in &pairs {
            let shown = if k.to_ascii_lowercase().contains("password") {
                "***"
            } else {
                v
            };
            query.append_pair(k, shown);
        }
        drop(query);
        changed = true;
    }
    if changed {
        parsed.to_string()
    } else {
        url.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_redacted_wherever_they_are() {
        let url = DatabaseUrl::from(
            "postgres://u:pw-one@db:5432/x?sslmode=disable&password=pw-two&sslpassword=pw-three",
        );
        for shown in [
            url.to_string(),
            format!("{url:?}"),
            serde_json::to_string(&url).unwrap(),
        ] {
            for secret in ["pw-one", "pw-two", "pw-three"] {
                assert!(!shown.contains(secret), "{shown}");
            }
            assert!(shown.contains("sslmode=disable"), "{shown}");
            assert!(shown.contains("u:***@db"), "{shown}");
        }
        assert_eq!(redact("sqlite://ferrodoor.db"), "sqlite://ferrodoor.db");
        assert_eq!(redact("postgres://u:p@host:notaport/db"), "*** (not a URL)");
        assert!(url.expose().contains("pw-one"));
    }
}
