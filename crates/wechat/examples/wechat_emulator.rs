//! Runs the WeChat emulator for offline development.
//!
//! ```text
//! cargo run -p ferrodoor-wechat --example wechat_emulator -- 127.0.0.1:9090 wxapp:secret:unionid
//! curl -d '{"appid":"wxapp","user":"alice"}' http://127.0.0.1:9090/__emulator/login
//! ```
//! Then point the server's WeChat base URL at `http://127.0.0.1:9090`.

use ferrodoor_wechat::emulator::{EmulatedApp, EmulatorConfig, serve};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: wechat_emulator <listen addr> <appid:secret[:unionid]>...";
    let listen = args.next().ok_or(usage)?;
    let apps = args
        .map(|spec| spec.parse::<EmulatedApp>())
        .collect::<Result<Vec<_>, _>>()?;
    if apps.is_empty() {
        return Err(usage.into());
    }
    let listener = tokio::net::TcpListener::bind(&listen).await?;
    println!("WeChat emulator on http://{}", listener.local_addr()?);
    for app in &apps {
        println!("  app {} (unionid bound: {})", app.appid, app.unionid_bound);
    }
    serve(listener, EmulatorConfig::with_apps(apps)).await?;
    Ok(())
}
