//! A stopped server closes its database. On SQLite the last connection to close copies the
//! log back into the database file and removes it: what the server committed is in that one
//! file, which can then be copied alone (as an operator would, or a backup of a stopped
//! server). Both ways a server stops: `RunningServer::stop`, and SIGTERM to `ferrodoor serve`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::child::spawn_server;
use crate::kit::{APP1, Auth, Backend, Kit};

/// The database file of a SQLite kit.
fn database_file(kit: &Kit) -> PathBuf {
    PathBuf::from(
        kit.settings
            .database_url
            .expose()
            .trim_start_matches("sqlite://"),
    )
}

fn log_of(file: &Path) -> PathBuf {
    PathBuf::from(format!("{}-wal", file.display()))
}

/// A first sign-in (its writes go through the group writer), answering the user's name.
async fn sign_in(kit: &Kit, client_id: &str, person: &str) -> String {
    let code = kit.wx_login(APP1.0, person);
    let answer = kit
        .miniprogram_login("/api/login/oauth/access_token", client_id, &code, "", "")
        .await;
    answer.ok_status();
    let token = answer.body["access_token"].as_str().unwrap().to_string();
    let account = kit.get("/api/get-account", &Auth::Bearer(token)).await;
    account.ok()["name"].as_str().unwrap().to_string()
}

/// The names of `org`'s users, read from a copy of `file` alone (no log beside it).
async fn users_in_a_copy_of(file: &Path, org: &str) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("copy.db");
    std::fs::copy(file, &copy).unwrap();
    let store = ferrodoor_store::open(&format!("sqlite://{}", copy.display()))
        .await
        .unwrap();
    let page = store
        .list_users(Some(org), &ferrodoor_core::store::ListQuery::default())
        .await
        .unwrap();
    page.items.into_iter().map(|u| u.name).collect()
}

#[tokio::test]
async fn a_stopped_sqlite_server_leaves_one_file_with_everything_it_committed() {
    let Some(mut kit) = Kit::start(Backend::Sqlite).await else {
        return;
    };
    let client_id = kit.setup_miniprogram("stop", "stop-app", APP1).await;
    let file = database_file(&kit);
    let before_stop = sign_in(&kit, &client_id, "before-stop").await;
    assert!(log_of(&file).exists(), "a running server writes to the log");

    // The test's own connections (it made the database) close first: the server's are then
    // the last ones.
    kit.db.as_ref().unwrap().database().close().await;
    kit.server.take().unwrap().stop().await.unwrap();
    assert!(!log_of(&file).exists(), "RunningServer::stop left the log");
    assert!(
        users_in_a_copy_of(&file, "stop")
            .await
            .contains(&before_stop)
    );

    // The binary, stopped as an operator stops it.
    let dir = tempfile::tempdir().unwrap();
    let (mut child, base) = spawn_server(&kit, dir.path(), &[]).await;
    kit.base = base;
    let after_restart = sign_in(&kit, &client_id, "after-restart").await;
    let pid = child.id().unwrap().to_string();
    let status = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = tokio::time::timeout(Duration::from_secs(20), child.wait())
        .await
        .expect("the server ends after SIGTERM")
        .unwrap();
    assert!(exit.success(), "SIGTERM: {exit}");
    assert!(!log_of(&file).exists(), "SIGTERM left the log");
    let users = users_in_a_copy_of(&file, "stop").await;
    assert!(
        users.contains(&before_stop) && users.contains(&after_restart),
        "{users:?}"
    );
}

/// `ferrodoor migrate` (and `import-casdoor`, through the same close) leaves one file too.
#[test]
fn migrate_leaves_one_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("migrated.db");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ferrodoor"))
        .arg("migrate")
        .current_dir(dir.path())
        .env(
            "FERRODOOR_DATABASE_URL",
            format!("sqlite://{}", file.display()),
        )
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(file.exists(), "the database was made");
    assert!(!log_of(&file).exists(), "migrate left the log");
}
