//! `ferrodoor`: the identity server and its helpers.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use ferrodoor::{Settings, open_database};
use ferrodoor_wechat::emulator::{EmulatedApp, EmulatorConfig};
use tokio::net::TcpListener;

#[derive(Parser)]
#[command(
    name = "ferrodoor",
    version,
    about = "Identity server with Casdoor's API and WeChat Mini Program login"
)]
struct Cli {
    /// TOML configuration file (default: ./ferrodoor.toml when present).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    /// Casdoor's configuration, read when present so a Casdoor deployment can move over.
    #[arg(long, global = true, default_value = "conf/app.conf")]
    casdoor_conf: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (migrates the database first).
    Serve,
    /// Bring the database schema up to date and exit.
    Migrate,
    /// Run a faithful emulator of WeChat's server APIs, for tests and offline development.
    WechatEmulator {
        #[arg(long, default_value = "127.0.0.1:9090")]
        listen: SocketAddr,
        /// An emulated mini program, `appid:secret` or `appid:secret:unionid` (bound to an
        /// open platform account, so sessions carry a unionid). Repeatable.
        #[arg(long = "app", required = true)]
        apps: Vec<EmulatedApp>,
    },
    /// Print the effective configuration (secrets hidden) and exit.
    Config,
    /// Load a Casdoor `init_data.json` dump (as Casdoor writes it) into the database and
    /// report what was imported, what existed and what was skipped, and why. Run it
    /// before the first `serve` so Casdoor's certificates, and the tokens they signed,
    /// stay valid.
    ImportCasdoor {
        /// The dump file.
        file: std::path::PathBuf,
    },
}

fn main() -> Result<()> {
    keep_large_allocations_mapped();
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?
        .block_on(run())
}

/// Each argon2 hash allocates 19 MiB. glibc raises its mmap threshold to the size of the
/// first large block freed, so from the second hash on those 19 MiB came from the heap and
/// stayed resident (idle RSS 37 MB instead of 17 MB). A fixed threshold keeps large blocks
/// in their own mappings, given back to the system when freed.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn keep_large_allocations_mapped() {
    // SAFETY: mallopt only sets an allocator parameter; no thread has started yet.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn keep_large_allocations_mapped() {}

async fn run() -> Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::WechatEmulator { listen, apps } => {
            init_tracing("text");
            let listener = TcpListener::bind(listen)
                .await
                .with_context(|| format!("binding {listen}"))?;
            println!("WeChat emulator listening on http://{listen}");
            ferrodoor_wechat::emulator::serve(listener, EmulatorConfig::with_apps(apps)).await?;
            Ok(())
        }
        command => {
            let settings = Settings::load(cli.config.as_deref(), &cli.casdoor_conf)?;
            init_tracing(&settings.log_format);
            match command {
                Command::Serve => serve(settings).await,
                Command::Migrate => {
                    // Closed, so SQLite's log is copied back: the database is one file.
                    open_database(&settings).await?.close().await;
                    println!("database {} is up to date", settings.database_url);
                    Ok(())
                }
                Command::Config => {
                    // Secrets serialize as `***` (their types), so this cannot show one.
                    println!("{}", serde_json::to_string_pretty(&settings)?);
                    Ok(())
                }
                Command::ImportCasdoor { file } => {
                    let report = ferrodoor::import_casdoor(&settings, &file).await?;
                    println!(
                        "imported {} objects, {} existed already, {} skipped",
                        report.created,
                        report.existing,
                        report.skipped.len()
                    );
                    for (what, why) in &report.skipped {
                        println!("skipped {what}: {why}");
                    }
                    Ok(())
                }
                Command::WechatEmulator { .. } => unreachable!("handled above"),
            }
        }
    }
}

async fn serve(settings: Settings) -> Result<()> {
    let listener = TcpListener::bind(&settings.listen)
        .await
        .with_context(|| format!("binding {}", settings.listen))?;
    let server = ferrodoor::start(&settings, listener).await?;
    if let Some(password) = &server.generated_admin_password {
        // Shown once, on the terminal, never through the log pipeline.
        println!(
            "Created the administrator built-in/admin with the generated password: {password}"
        );
        println!("Set FERRODOOR_ADMIN_PASSWORD before the first start to choose it instead.");
    }
    println!(
        "Ferrodoor listening on http://{} (origin {})",
        server.addr,
        server.core.config().issuer
    );
    let shutdown = server.shutdown_handle();
    tokio::spawn(async move {
        shutdown_signal().await;
        let _ = shutdown.send(true);
    });
    server.wait().await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
}

fn init_tracing(format: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("FERRODOOR_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,tower_http=info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    if format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}
