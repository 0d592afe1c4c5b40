//! The Ferrodoor server as a library, so integration tests start exactly what `ferrodoor
//! serve` starts (on a loopback port of their own).

pub mod config;
mod database_url;
mod metrics_exporter;
mod shared_tokens;
mod webhook_sender;
mod wechat_gateway;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use ferrodoor_core::clock::Now;
use ferrodoor_core::seal::Sealer;
use ferrodoor_core::service::init_data::InitData;
use ferrodoor_core::service::{Core, CoreConfig};
use ferrodoor_core::store::Store;
use ferrodoor_http::AppState;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use config::Settings;
use wechat_gateway::HttpWeChatGateway;

/// Opens the database named in the settings and brings its schema up to date. Close it
/// when done (SQLite's log is then copied back and removed).
pub async fn open_database(settings: &Settings) -> Result<ferrodoor_store::Database> {
    let database_url = &settings.database_url;
    let db =
        ferrodoor_store::Database::connect_with(database_url.expose(), settings.pool_settings())
            .await
            .with_context(|| format!("opening the database {database_url}"))?;
    db.migrate().await.context("migrating the database")?;
    Ok(db)
}

pub use database_url::redact;

/// How long a stopping server waits for its database connections to close.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(10);

/// A running server: where it listens, and how to stop it.
pub struct RunningServer {
    pub addr: SocketAddr,
    pub core: Arc<Core>,
    /// Set when the admin's password was generated at this start.
    pub generated_admin_password: Option<String>,
    shutdown: watch::Sender<bool>,
    task: JoinHandle<std::io::Result<()>>,
    /// The webhook sender and the purger: they end at the shutdown signal too.
    background: Vec<JoinHandle<()>>,
    /// Closed once everything above has ended.
    db: Arc<ferrodoor_store::Database>,
}

impl RunningServer {
    /// Stops accepting connections, finishes requests in flight, and waits.
    /// Stops the background tasks too (a send in flight is finished, none is started).
    pub async fn stop(self) -> Result<()> {
        let _ = self.shutdown.send(true);
        self.wait().await
    }

    /// Waits until the server stops (at the shutdown signal, or when it fails), then until
    /// its background tasks have ended, then closes the database (SQLite's log is copied
    /// back and removed: the database is one file again).
    pub async fn wait(self) -> Result<()> {
        let served = self.task.await;
        // The server may have failed without the signal: the background tasks end with it.
        let _ = self.shutdown.send(true);
        let mut background = Ok(());
        for task in self.background {
            // Waits for every task, and closes the database, even after one failed.
            background = background.and(task.await);
        }
        // A database that stopped answering must not keep the process from ending.
        if tokio::time::timeout(CLOSE_TIMEOUT, self.db.close())
            .await
            .is_err()
        {
            tracing::warn!(
                seconds = CLOSE_TIMEOUT.as_secs(),
                "the database's connections did not close in time"
            );
        }
        background.context("background task")?;
        served.context("server task")?.context("server")?;
        Ok(())
    }

    pub fn shutdown_handle(&self) -> watch::Sender<bool> {
        self.shutdown.clone()
    }
}

/// `ferrodoor import-casdoor FILE`: loads a Casdoor `init_data.json` dump into the
/// database (run it before the first `serve`, so Casdoor's certificates are the ones in
/// use and the tokens they signed keep verifying).
pub async fn import_casdoor(
    settings: &Settings,
    path: &std::path::Path,
) -> Result<ferrodoor_core::service::init_data::InitDataReport> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading the Casdoor dump {}", path.display()))?;
    let data = InitData::parse(&text)?;
    let db = open_database(settings).await?;
    let core = build_core(settings, db.store(), settings.origin()).await?;
    let report = core.apply_init_data(data, Now::wall_clock()).await;
    // Closed, so SQLite's log is copied back: the database is one file.
    db.close().await;
    Ok(report?)
}

async fn build_core(
    settings: &Settings,
    store: Arc<dyn Store>,
    origin: String,
) -> Result<Arc<Core>> {
    let wechat = ferrodoor_wechat::WeChatClient::new(&settings.wechat_api_base)
        .map_err(|e| anyhow::anyhow!("WeChat API base {:?}: {e}", settings.wechat_api_base))?;
    let secret_key = settings.resolve_secret_key()?;
    let shared_tokens =
        shared_tokens::DbSharedTokens::new(store.clone(), Sealer::new(&secret_key)?);
    Ok(Arc::new(Core::new(
        store,
        Arc::new(HttpWeChatGateway::new(wechat, Arc::new(shared_tokens))),
        CoreConfig {
            signing_algorithm: settings.key_algorithm()?,
            webhook_allow_private: settings.webhook_allow_private,
            wechat_open_base: settings.wechat_open_base.clone(),
            wechat_scan_ticket_seconds: settings.wechat_scan_ticket_seconds,
            ..CoreConfig::new(origin, secret_key)
        },
    )?))
}

/// Starts the server on `listener` (already bound, so tests can use port 0).
pub async fn start(settings: &Settings, listener: TcpListener) -> Result<RunningServer> {
    let db = Arc::new(open_database(settings).await?);
    let store = db.store();
    let metrics = metrics_exporter::endpoint(db.clone(), settings.metrics_token.clone())?;
    let addr = listener.local_addr()?;
    let origin = match &settings.origin {
        Some(_) => settings.origin(),
        None => format!("http://{addr}"),
    };
    let core = build_core(settings, store, origin).await?;
    let generated_admin_password = core
        .bootstrap(
            settings
                .admin_password
                .as_ref()
                .map(|p| p.expose().to_string()),
            Now::wall_clock(),
        )
        .await?;
    if let Some(path) = &settings.init_data {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading init data {}", path.display()))?;
        let report = core
            .apply_init_data(InitData::parse(&text)?, Now::wall_clock())
            .await?;
        tracing::info!(
            created = report.created,
            existing = report.existing,
            skipped = report.skipped.len(),
            "init data applied"
        );
        for (what, why) in &report.skipped {
            tracing::warn!(%what, %why, "init data: not imported");
        }
    }
    let (shutdown, stopped) = watch::channel(false);
    let background = vec![
        spawn_purger(
            core.clone(),
            settings.record_retention_days,
            stopped.clone(),
        ),
        webhook_sender::spawn(core.clone(), settings.webhook_sender(), stopped.clone())?,
    ];
    let app = ferrodoor_http::router(
        AppState::new(core.clone())
            .with_wechat_api_base(&settings.wechat_api_base)
            .with_metrics(metrics)
            .with_rate_limit(&settings.rate_limit_settings()?),
    );
    let mut stopped = stopped;
    let task = tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async move {
            let _ = stopped.wait_for(|s| *s).await;
        })
        .await
    });
    Ok(RunningServer {
        addr,
        core,
        generated_admin_password,
        shutdown,
        task,
        background,
        db,
    })
}

/// Removes expired code claims, sessions and tokens, and records past their retention,
/// every ten minutes, until `stopped` turns true.
fn spawn_purger(
    core: Arc<Core>,
    record_retention_days: i64,
    mut stopped: watch::Receiver<bool>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(600));
        loop {
            tokio::select! {
                biased;
                _ = stopped.wait_for(|s| *s) => break,
                _ = tick.tick() => {}
            }
            if let Err(e) = core.purge_expired(Now::wall_clock()).await {
                tracing::warn!(error = %e, "purging expired rows failed");
            }
            if let Err(e) = core
                .purge_records(record_retention_days, Now::wall_clock())
                .await
            {
                tracing::warn!(error = %e, "purging old records failed");
            }
        }
    })
}
