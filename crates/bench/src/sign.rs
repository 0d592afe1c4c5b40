//! The physical bound: how many signatures per second this machine makes, on every core,
//! with a key parsed once (aws-lc-rs directly) — and what Ferrodoor's own token signing
//! achieves on the same claims, to see what the JWT layer costs on top.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{self, EcdsaKeyPair, KeyPair, RsaKeyPair};
use ferrodoor_core::clock::Now;
use ferrodoor_core::entity::{Application, User};
use ferrodoor_core::keys::{SigningKey, generate_rsa_cert};
use ferrodoor_core::token::{TokenRequest, sign_access_token};
use serde::Serialize;

#[derive(Clone, Debug, Serialize)]
pub struct SignBound {
    pub threads: usize,
    pub seconds: f64,
    /// RSA-2048 PKCS#1 v1.5 SHA-256 on a token-sized message, key parsed once.
    pub rs256_raw_per_second: f64,
    /// ECDSA P-256 SHA-256, key parsed once.
    pub es256_raw_per_second: f64,
    /// `ferrodoor_core::token::sign_access_token` on a mini-program user's claims.
    pub ferrodoor_access_token_per_second: f64,
    /// CPU time (utime + stime of this process while only the signing threads run) per
    /// RS256 signature, in milliseconds: what "one signature" means in the server's CPU
    /// per request, whatever the machine's load.
    pub rs256_cpu_ms_per_signature: f64,
    pub es256_cpu_ms_per_signature: f64,
}

/// Calls per second and CPU milliseconds per call.
struct Rate {
    per_second: f64,
    cpu_ms_per_call: f64,
}

/// Calls `op` on `threads` threads for `duration`; answers calls per second and the
/// process's CPU time per call.
fn rate(threads: usize, duration: Duration, op: impl Fn() + Send + Sync + 'static) -> Result<Rate> {
    let op = Arc::new(op);
    let cpu_before = crate::cpu::cpu_seconds("self")?;
    let stop = Arc::new(AtomicBool::new(false));
    let count = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let (op, stop, count) = (op.clone(), stop.clone(), count.clone());
            std::thread::spawn(move || {
                let mut n = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    op();
                    n += 1;
                }
                count.fetch_add(n, Ordering::Relaxed);
            })
        })
        .collect();
    std::thread::sleep(duration);
    stop.store(true, Ordering::Relaxed);
    for h in handles {
        let _ = h.join();
    }
    let elapsed = started.elapsed().as_secs_f64();
    let cpu = crate::cpu::cpu_seconds("self")? - cpu_before;
    let calls = count.load(Ordering::Relaxed).max(1) as f64;
    Ok(Rate {
        per_second: calls / elapsed,
        cpu_ms_per_call: 1000.0 * cpu / calls,
    })
}

fn sample_user() -> User {
    User {
        owner: "bench-org".into(),
        name: "wechat-oBench0000000000000000000".into(),
        id: "4bd0ab5c-3f9e-4c26-9d0f-6a1b2c3d4e5f".into(),
        display_name: "微信用户".into(),
        avatar: "https://thirdwx.qlogo.cn/mmopen/vi_32/POgEwh4mIHO4nibH0KlMECNjjGxQUq24ZEaGT4poC6icRiccVGKSyXwibcPq4BWmiaIGuG1icwxaQX6grC9VemZoJ8rg/132".into(),
        signup_application: "bench-app".into(),
        ..User::default()
    }
}

pub fn measure(threads: usize, duration: Duration) -> Result<SignBound> {
    let cert =
        generate_rsa_cert("bench-cert", Now::wall_clock()).map_err(|e| anyhow::anyhow!("{e}"))?;
    let key = Arc::new(SigningKey::from_cert(&cert).map_err(|e| anyhow::anyhow!("{e}"))?);
    let app = Application {
        owner: "admin".into(),
        name: "bench-app".into(),
        organization: "bench-org".into(),
        client_id: "0123456789abcdef0123".into(),
        ..Application::default()
    };
    let user = sample_user();
    let sign_token = {
        let key = key.clone();
        move || {
            let req = TokenRequest {
                application: &app,
                user: Some(&user),
                token_name: "0b7e2f1c-2d4e-4b8a-9c1d-3e5f7a9b1c2d",
                scope: "openid profile",
                nonce: "",
                tag: "wechat_miniprogram",
                expires_in: 7200,
            };
            let token = sign_access_token(&key, "http://127.0.0.1:8000", &req, Now::wall_clock());
            std::hint::black_box(token.ok());
        }
    };
    // The message a token signs is its header and claims, ~700 bytes for a mini-program user.
    let message = Arc::new(vec![b'x'; 700]);

    let der = rsa_pkcs8_der(&cert.private_key)?;
    let rsa = Arc::new(RsaKeyPair::from_pkcs8(&der).context("RSA key")?);
    let rsa_message = message.clone();
    let rs256 = move || {
        let mut sig = vec![0u8; rsa.public_modulus_len()];
        let ok = rsa.sign(
            &signature::RSA_PKCS1_SHA256,
            &SystemRandom::new(),
            &rsa_message,
            &mut sig,
        );
        std::hint::black_box(ok.is_ok());
    };

    let rng = SystemRandom::new();
    let p256 = EcdsaKeyPair::generate_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
        .context("P-256 key")?;
    let ec = Arc::new(
        EcdsaKeyPair::from_pkcs8(&signature::ECDSA_P256_SHA256_FIXED_SIGNING, p256.as_ref())
            .context("P-256 key")?,
    );
    std::hint::black_box(ec.public_key());
    let es256 = move || {
        std::hint::black_box(ec.sign(&SystemRandom::new(), &message).is_ok());
    };

    let rs256 = rate(threads, duration, rs256)?;
    let es256 = rate(threads, duration, es256)?;
    let token = rate(threads, duration, sign_token)?;
    Ok(SignBound {
        threads,
        seconds: duration.as_secs_f64(),
        rs256_raw_per_second: rs256.per_second,
        es256_raw_per_second: es256.per_second,
        ferrodoor_access_token_per_second: token.per_second,
        rs256_cpu_ms_per_signature: rs256.cpu_ms_per_call,
        es256_cpu_ms_per_signature: es256.cpu_ms_per_call,
    })
}

/// The PKCS#8 DER inside a PEM private key.
fn rsa_pkcs8_der(pem: &str) -> Result<Vec<u8>> {
    use base64::Engine;
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    base64::engine::general_purpose::STANDARD
        .decode(body)
        .context("private key PEM")
}
