//! `ferrodoor config` prints the effective settings: with every secret setting filled, from
//! the environment and from the files, none of the secrets appears in its output.

use std::process::Command;

const SECRET_KEY: &str = "c2VjcmV0LWtleS1zZWNyZXQta2V5LXNlY3JldC1rZXk=";
const ADMIN_PASSWORD: &str = "admin-pw-4c1f";
const URL_PASSWORD: &str = "userinfo-pw-9d2e";
const QUERY_PASSWORD: &str = "query-pw-77ab";
const SSL_PASSWORD: &str = "sslkey-pw-0e31";
const CASDOOR_PASSWORD: &str = "casdoor-pw-5a5a";

fn ferrodoor_config(dir: &std::path::Path, env: &[(&str, String)]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_ferrodoor"))
        .arg("config")
        .current_dir(dir)
        .env_clear()
        .envs(env.iter().map(|(k, v)| (k, v)))
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "ferrodoor config failed: {text}");
    text
}

fn assert_hidden(output: &str, secrets: &[&str]) {
    for secret in secrets {
        assert!(!output.contains(secret), "{secret:?} shown in:\n{output}");
    }
    assert!(
        output.contains("***"),
        "secrets should show as ***:\n{output}"
    );
}

#[test]
fn config_from_the_environment_shows_no_secret() {
    let dir = tempfile::tempdir().unwrap();
    let output = ferrodoor_config(
        dir.path(),
        &[
            ("FERRODOOR_SECRET_KEY", SECRET_KEY.into()),
            ("FERRODOOR_ADMIN_PASSWORD", ADMIN_PASSWORD.into()),
            (
                "FERRODOOR_DATABASE_URL",
                format!(
                    "postgres://door:{URL_PASSWORD}@db.example:5432/door?sslmode=require&password={QUERY_PASSWORD}&sslpassword={SSL_PASSWORD}"
                ),
            ),
        ],
    );
    assert_hidden(
        &output,
        &[
            SECRET_KEY,
            ADMIN_PASSWORD,
            URL_PASSWORD,
            QUERY_PASSWORD,
            SSL_PASSWORD,
        ],
    );
    // What is not secret is still there to check.
    assert!(output.contains("db.example:5432/door"), "{output}");
    assert!(output.contains("sslmode=require"), "{output}");
}

#[test]
fn config_from_the_files_shows_no_secret() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("conf")).unwrap();
    std::fs::write(
        dir.path().join("conf/app.conf"),
        format!(
            "driverName = postgres\ndataSourceName = user=door password={CASDOOR_PASSWORD} host=db.example port=5432 dbname=door\n"
        ),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("ferrodoor.toml"),
        format!("secret_key = \"{SECRET_KEY}\"\nadmin_password = \"{ADMIN_PASSWORD}\"\n"),
    )
    .unwrap();
    let output = ferrodoor_config(dir.path(), &[]);
    assert_hidden(&output, &[SECRET_KEY, ADMIN_PASSWORD, CASDOOR_PASSWORD]);
    assert!(output.contains("db.example:5432/door"), "{output}");
}
