//! Configuration: defaults, then Casdoor's `conf/app.conf` (so a Casdoor deployment can
//! move over), then `ferrodoor.toml`, then `FERRODOOR_*` environment variables. Later
//! sources win.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use ferrodoor_core::seal::Secret;
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

pub use crate::database_url::DatabaseUrl;

/// Secrets are `Secret`s and the database URL a `DatabaseUrl`: their `Debug` and `Serialize`
/// cannot show a password or key, so printing the settings (`ferrodoor config`) is safe.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Settings {
    /// Address to listen on.
    pub listen: String,
    /// Public base URL: the `iss` of tokens and the base of discovery. Defaults to
    /// `http://` + `listen`.
    pub origin: Option<String>,
    /// `sqlite://file.db` (created if missing) or `postgres://…`.
    pub database_url: DatabaseUrl,
    /// PostgreSQL: how long a request waits for a database connection before answering 503
    /// (also how long an unreachable database is retried).
    pub database_acquire_timeout_ms: u64,
    /// PostgreSQL: how long one statement may take (the server cancels it, the client stops
    /// waiting) before the request answers 503; bounds a database that went silent.
    pub database_statement_timeout_ms: u64,
    /// A Casdoor-format `init_data.json` applied at start-up (idempotent).
    pub init_data: Option<PathBuf>,
    /// Password of `built-in/admin` when it is first created; generated and printed once
    /// when unset.
    pub admin_password: Option<Secret>,
    /// WeChat's API base URL (point it at `ferrodoor wechat-emulator` offline).
    pub wechat_api_base: String,
    /// Where browsers go for WeChat's sign-in pages (`connect/qrconnect`,
    /// `connect/oauth2/authorize`); the emulator serves them too.
    pub wechat_open_base: String,
    /// How long the mini-program code of a PC scan sign-in stays valid, in seconds (1-600).
    pub wechat_scan_ticket_seconds: i64,
    /// `text` or `json` log lines.
    pub log_format: String,
    /// Base64 of 32 random bytes: seals secrets kept at rest (WeChat session keys). Every
    /// node of a cluster needs the same one. When unset, `secret_key_file` is used.
    pub secret_key: Option<Secret>,
    /// Where the secret key is kept when `secret_key` is unset; created (mode 0600) with a
    /// random key on first start.
    pub secret_key_file: PathBuf,
    /// Algorithm of the keys Ferrodoor generates: `RS256` (default, what Casdoor's SDKs
    /// verify) or `ES256` (much cheaper to sign). Applies to the first start and to
    /// rotations; existing certificates keep theirs.
    pub signing_algorithm: String,
    /// A bearer token that may read `/api/metrics` without an account (global admins always
    /// may). Unset: only global admins.
    pub metrics_token: Option<String>,
    /// Records older than this many days are deleted (checked every ten minutes).
    pub record_retention_days: i64,
    /// Whether webhooks may target loopback, private, link-local and metadata addresses
    /// (refused by default: CVE-2026-5469).
    pub webhook_allow_private: bool,
    /// How often each node looks for due webhook deliveries.
    pub webhook_poll_ms: u64,
    /// How long a receiver has to answer.
    pub webhook_timeout_ms: u64,
    /// The first retry's wait; each next one doubles it (at most an hour, 12 attempts).
    pub webhook_retry_base_seconds: i64,
    /// Requests per minute one client address may send to the costly anonymous endpoints
    /// (token endpoint, sign-in, the hosted sign-in page, WeChat binding); 0 turns the
    /// limit off.
    pub rate_limit_per_minute: u32,
    /// Requests one client address may send at once before that pace applies.
    pub rate_limit_burst: u32,
    /// Comma-separated IP addresses of reverse proxies whose `X-Forwarded-For` names the
    /// client; from anyone else the header is ignored.
    pub trusted_proxies: String,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            listen: "127.0.0.1:8000".into(),
            origin: None,
            database_url: "sqlite://ferrodoor.db".into(),
            database_acquire_timeout_ms: 5_000,
            database_statement_timeout_ms: 5_000,
            init_data: None,
            admin_password: None,
            wechat_api_base: ferrodoor_wechat::DEFAULT_API_BASE.into(),
            wechat_open_base: ferrodoor_wechat::DEFAULT_OPEN_BASE.into(),
            wechat_scan_ticket_seconds: ferrodoor_core::service::TICKET_SECONDS,
            log_format: "text".into(),
            secret_key: None,
            secret_key_file: PathBuf::from("ferrodoor.key"),
            signing_algorithm: "RS256".into(),
            metrics_token: None,
            record_retention_days: 90,
            webhook_allow_private: false,
            webhook_poll_ms: 1_000,
            webhook_timeout_ms: 10_000,
            webhook_retry_base_seconds: 10,
            rate_limit_per_minute: 60,
            rate_limit_burst: 20,
            trusted_proxies: String::new(),
        }
    }
}

impl Settings {
    /// Loads the settings. `config`: the TOML file (`--config`); without it
    /// `ferrodoor.toml` is read when present. `casdoor_conf`: Casdoor's app.conf.
    pub fn load(config: Option<&Path>, casdoor_conf: &Path) -> Result<Self> {
        let mut figment = Figment::from(Serialized::defaults(Settings::default()));
        if casdoor_conf.exists() {
            let text = std::fs::read_to_string(casdoor_conf)
                .with_context(|| format!("reading {}", casdoor_conf.display()))?;
            figment = figment.merge(Serialized::defaults(from_casdoor_conf(&text)?));
        }
        match config {
            Some(path) if !path.exists() => bail!("config file {} does not exist", path.display()),
            Some(path) => figment = figment.merge(Toml::file(path)),
            None => figment = figment.merge(Toml::file("ferrodoor.toml")),
        }
        figment = figment.merge(Env::prefixed("FERRODOOR_").only(&[
            "listen",
            "origin",
            "database_url",
            "database_acquire_timeout_ms",
            "database_statement_timeout_ms",
            "init_data",
            "admin_password",
            "wechat_api_base",
            "wechat_open_base",
            "wechat_scan_ticket_seconds",
            "log_format",
            "secret_key",
            "secret_key_file",
            "signing_algorithm",
            "metrics_token",
            "record_retention_days",
            "webhook_allow_private",
            "webhook_poll_ms",
            "webhook_timeout_ms",
            "webhook_retry_base_seconds",
            "rate_limit_per_minute",
            "rate_limit_burst",
            "trusted_proxies",
        ]));
        let settings: Settings = figment.extract().context("invalid configuration")?;
        settings.validate()?;
        Ok(settings)
    }

    pub fn key_algorithm(&self) -> Result<ferrodoor_core::keys::KeyAlgorithmChoice> {
        self.signing_algorithm
            .parse()
            .map_err(|e: String| anyhow::anyhow!(e))
    }

    fn validate(&self) -> Result<()> {
        self.listen
            .parse::<std::net::SocketAddr>()
            .with_context(|| format!("listen address {:?} is not host:port", self.listen))?;
        self.key_algorithm()?;
        if !(1..=600).contains(&self.wechat_scan_ticket_seconds) {
            bail!("wechat_scan_ticket_seconds must be between 1 and 600");
        }
        if self.record_retention_days < 1 {
            bail!("record_retention_days must be at least 1");
        }
        if self.webhook_poll_ms == 0 || self.webhook_timeout_ms == 0 {
            bail!("webhook_poll_ms and webhook_timeout_ms must be positive");
        }
        self.rate_limit_settings()?;
        if self.database_acquire_timeout_ms == 0 {
            bail!("database_acquire_timeout_ms must be positive");
        }
        if self.database_statement_timeout_ms == 0 {
            bail!("database_statement_timeout_ms must be positive");
        }
        if let Some(origin) = &self.origin {
            let url = url::Url::parse(origin)
                .with_context(|| format!("origin {origin:?} is not a URL"))?;
            if !matches!(url.scheme(), "http" | "https") {
                bail!("origin {origin:?} must be http or https");
            }
        }
        Ok(())
    }

    /// The 32-byte secret key: configured, else read from (or created in) the key file.
    pub fn resolve_secret_key(&self) -> Result<[u8; 32]> {
        use base64::Engine;
        let decode = |text: &str, from: &str| -> Result<[u8; 32]> {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(text.trim())
                .with_context(|| format!("the secret key in {from} is not base64"))?;
            bytes.try_into().map_err(|b: Vec<u8>| {
                anyhow::anyhow!("the secret key in {from} has {} bytes, not 32", b.len())
            })
        };
        if let Some(key) = &self.secret_key {
            return decode(key.expose(), "FERRODOOR_SECRET_KEY");
        }
        let path = &self.secret_key_file;
        if path.exists() {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            return decode(&text, &path.display().to_string());
        }
        let mut key = [0u8; 32];
        rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut key);
        let text = base64::engine::general_purpose::STANDARD.encode(key);
        write_private(path, &text)
            .with_context(|| format!("creating the secret key file {}", path.display()))?;
        Ok(key)
    }

    pub fn webhook_sender(&self) -> crate::webhook_sender::SenderSettings {
        crate::webhook_sender::SenderSettings {
            poll: std::time::Duration::from_millis(self.webhook_poll_ms),
            timeout: std::time::Duration::from_millis(self.webhook_timeout_ms),
            retry_base_seconds: self.webhook_retry_base_seconds.max(1),
            allow_private: self.webhook_allow_private,
        }
    }

    pub fn rate_limit_settings(&self) -> Result<ferrodoor_http::rate_limit::RateLimitSettings> {
        let trusted_proxies = self
            .trusted_proxies
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(|p| {
                p.parse()
                    .with_context(|| format!("trusted proxy {p:?} is not an IP address"))
            })
            .collect::<Result<_>>()?;
        Ok(ferrodoor_http::rate_limit::RateLimitSettings {
            per_minute: self.rate_limit_per_minute,
            burst: self.rate_limit_burst,
            trusted_proxies,
        })
    }

    pub fn pool_settings(&self) -> ferrodoor_store::PoolSettings {
        ferrodoor_store::PoolSettings {
            acquire_timeout: std::time::Duration::from_millis(self.database_acquire_timeout_ms),
            statement_timeout: std::time::Duration::from_millis(self.database_statement_timeout_ms),
        }
    }

    /// The public base URL, without a trailing slash.
    pub fn origin(&self) -> String {
        match &self.origin {
            Some(o) => o.trim_end_matches('/').to_string(),
            None => format!("http://{}", self.listen),
        }
    }
}

/// Writes a file only its owner can read.
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(text.as_bytes())
}

/// The settings a Casdoor `app.conf` implies (only `origin`, `httpport`, `driverName` and
/// `dataSourceName`/`dbName` are read). Only present keys are returned.
#[derive(Debug, Default, Serialize, PartialEq)]
struct CasdoorSettings {
    #[serde(skip_serializing_if = "Option::is_none")]
    listen: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    origin: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    database_url: Option<String>,
}

fn from_casdoor_conf(text: &str) -> Result<CasdoorSettings> {
    let get = |key: &str| {
        text.lines()
            .map(str::trim)
            .filter(|l| !l.starts_with('#') && !l.starts_with(';'))
            .filter_map(|l| l.split_once('='))
            .find(|(k, _)| k.trim() == key)
            .map(|(_, v)| v.trim().trim_matches('"').to_string())
            .filter(|v| !v.is_empty())
    };
    let mut out = CasdoorSettings {
        // Casdoor listens on every interface.
        listen: get("httpport").map(|p| format!("0.0.0.0:{p}")),
        origin: get("origin"),
        database_url: None,
    };
    if let (Some(driver), Some(dsn)) = (get("driverName"), get("dataSourceName")) {
        out.database_url = Some(casdoor_dsn_to_url(&driver, &dsn, get("dbName").as_deref())?);
    }
    Ok(out)
}

/// Casdoor's driver + DSN as a URL. Only the databases Ferrodoor supports are accepted.
fn casdoor_dsn_to_url(driver: &str, dsn: &str, db_name: Option<&str>) -> Result<String> {
    match driver {
        "postgres" if dsn.starts_with("postgres://") || dsn.starts_with("postgresql://") => {
            Ok(dsn.to_string())
        }
        "postgres" => {
            // key=value form: "user=… password=… host=… port=… dbname=… sslmode=…"
            let kv: Vec<(&str, &str)> = dsn
                .split_whitespace()
                .filter_map(|p| p.split_once('='))
                .collect();
            let val = |k: &str| kv.iter().find(|(key, _)| *key == k).map(|(_, v)| *v);
            let user = val("user").unwrap_or("postgres");
            let auth = match val("password") {
                Some(p) => format!("{user}:{p}"),
                None => user.to_string(),
            };
            let db = val("dbname").or(db_name).unwrap_or("casdoor");
            let mut url = format!(
                "postgres://{auth}@{}:{}/{db}",
                val("host").unwrap_or("localhost"),
                val("port").unwrap_or("5432")
            );
            if let Some(mode) = val("sslmode") {
                url.push_str(&format!("?sslmode={mode}"));
            }
            Ok(url)
        }
        "sqlite" => {
            let file = dsn
                .trim_start_matches("file:")
                .split('?')
                .next()
                .unwrap_or("casdoor.db");
            Ok(format!("sqlite://{file}"))
        }
        other => bail!(
            "Casdoor's driverName {other:?} is not supported by Ferrodoor; use sqlite or postgres (FERRODOOR_DATABASE_URL)"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn casdoor_conf_keys_are_mapped() {
        let conf = "appname = casdoor\nhttpport = 8001\ndriverName = postgres\ndataSourceName = user=pg password=pw host=db port=5433 sslmode=disable dbname=cas\norigin = https://door.example.com\n";
        let s = from_casdoor_conf(conf).unwrap();
        assert_eq!(s.listen.as_deref(), Some("0.0.0.0:8001"));
        assert_eq!(s.origin.as_deref(), Some("https://door.example.com"));
        assert_eq!(
            s.database_url.as_deref(),
            Some("postgres://pg:pw@db:5433/cas?sslmode=disable")
        );
        let s =
            from_casdoor_conf("driverName = sqlite\ndataSourceName = file:casdoor.db?cache=shared")
                .unwrap();
        assert_eq!(s.database_url.as_deref(), Some("sqlite://casdoor.db"));
        assert!(
            from_casdoor_conf("driverName = mysql\ndataSourceName = root:123@tcp(localhost:3306)/")
                .is_err()
        );
    }

    /// The documented precedence: defaults < app.conf < ferrodoor.toml < FERRODOOR_* env.
    #[test]
    #[allow(clippy::result_large_err)] // figment's Jail API fixes the error type
    fn later_sources_win() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "app.conf",
                "httpport = 8001\norigin = https://from-casdoor.example\n",
            )?;
            jail.create_file(
                "ferrodoor.toml",
                "origin = \"https://from-toml.example\"\nlog_format = \"json\"\n",
            )?;
            let s = Settings::load(None, Path::new("app.conf")).map_err(|e| e.to_string())?;
            assert_eq!(s.listen, "0.0.0.0:8001");
            assert_eq!(s.origin(), "https://from-toml.example");
            jail.set_env("FERRODOOR_ORIGIN", "https://from-env.example/");
            jail.set_env("FERRODOOR_DATABASE_URL", "postgres://u@h/db");
            let s = Settings::load(None, Path::new("app.conf")).map_err(|e| e.to_string())?;
            assert_eq!(s.origin(), "https://from-env.example");
            assert_eq!(s.database_url.expose(), "postgres://u@h/db");
            assert_eq!(s.log_format, "json");
            assert_eq!(s.database_acquire_timeout_ms, 5_000);
            jail.set_env("FERRODOOR_DATABASE_ACQUIRE_TIMEOUT_MS", "1500");
            let s = Settings::load(None, Path::new("app.conf")).map_err(|e| e.to_string())?;
            assert_eq!(
                s.pool_settings().acquire_timeout,
                std::time::Duration::from_millis(1500)
            );
            jail.set_env("FERRODOOR_DATABASE_ACQUIRE_TIMEOUT_MS", "0");
            assert!(Settings::load(None, Path::new("app.conf")).is_err());
            jail.set_env("FERRODOOR_DATABASE_ACQUIRE_TIMEOUT_MS", "1500");
            jail.set_env("FERRODOOR_RATE_LIMIT_PER_MINUTE", "5");
            jail.set_env("FERRODOOR_TRUSTED_PROXIES", "10.0.0.1, ::1");
            let s = Settings::load(None, Path::new("app.conf")).map_err(|e| e.to_string())?;
            let limit = s.rate_limit_settings().map_err(|e| e.to_string())?;
            assert_eq!((limit.per_minute, limit.burst), (5, 20));
            assert_eq!(limit.trusted_proxies.len(), 2);
            jail.set_env("FERRODOOR_TRUSTED_PROXIES", "10.0.0.0/8");
            assert!(Settings::load(None, Path::new("app.conf")).is_err());
            jail.set_env("FERRODOOR_TRUSTED_PROXIES", "");
            jail.set_env("FERRODOOR_LISTEN", "nonsense");
            assert!(Settings::load(None, Path::new("app.conf")).is_err());
            Ok(())
        });
    }

    #[test]
    fn a_named_config_file_must_exist() {
        assert!(
            Settings::load(
                Some(Path::new("/nonexistent/ferrodoor.toml")),
                Path::new("/nonexistent/app.conf")
            )
            .is_err()
        );
    }

    #[test]
    fn the_secret_key_is_created_once_and_then_reused() {
        let dir = tempfile::tempdir().unwrap();
        let settings = Settings {
            secret_key_file: dir.path().join("k"),
            ..Settings::default()
        };
        let first = settings.resolve_secret_key().unwrap();
        assert_eq!(settings.resolve_secret_key().unwrap(), first);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("k"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let short = Settings {
            secret_key: Some("c2hvcnQ=".into()),
            ..Settings::default()
        };
        assert!(short.resolve_secret_key().is_err());
    }

    #[test]
    fn debug_shows_no_secret() {
        let settings = Settings {
            database_url: "postgres://u:url-pw@h/db?password=query-pw".into(),
            admin_password: Some("admin-pw".into()),
            secret_key: Some("the-secret-key".into()),
            ..Settings::default()
        };
        let shown = format!("{settings:?} {settings:#?}");
        for secret in ["url-pw", "query-pw", "admin-pw", "the-secret-key"] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
    }

    #[test]
    fn origin_defaults_to_the_listen_address() {
        let s = Settings::default();
        assert_eq!(s.origin(), "http://127.0.0.1:8000");
    }
}
