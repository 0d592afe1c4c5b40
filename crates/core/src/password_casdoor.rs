//! Casdoor's password types, so users imported from a Casdoor dump sign in with the
//! password they have (`cred/*.go` in Casdoor). Such a hash is stored as
//! `$casdoor$<type>$<base64 org salt>$<base64 user salt>$<Casdoor's hash>` and replaced by
//! an argon2id one at the user's next successful sign-in. Casdoor tries the organization's
//! salt, then the user's (`object/check.go`); so does this.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use md5::Md5;
use sha2::{Digest, Sha256, Sha512};
use subtle::ConstantTimeEq;

use crate::error::{Error, Result};

const PREFIX: &str = "$casdoor$";

/// Casdoor's `passwordType` values (`cred/manager.go`); `sha256-salt` is an alias of
/// `salt`. `plain` is not kept: it is hashed with argon2id on import.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CasdoorPasswordType {
    Sha256Salt,
    Sha512Salt,
    Md5Salt,
    Bcrypt,
    Pbkdf2Salt,
    Argon2id,
    Pbkdf2Django,
}

impl CasdoorPasswordType {
    /// None for `plain` (and for an unknown type, which [`Self::parse`] reports).
    pub fn parse(name: &str) -> Result<Option<Self>> {
        Ok(Some(match name {
            "plain" => return Ok(None),
            "salt" | "sha256-salt" => Self::Sha256Salt,
            "sha512-salt" => Self::Sha512Salt,
            "md5-salt" => Self::Md5Salt,
            "bcrypt" => Self::Bcrypt,
            "pbkdf2-salt" => Self::Pbkdf2Salt,
            "argon2id" => Self::Argon2id,
            "pbkdf2-django" => Self::Pbkdf2Django,
            other => {
                let shown: String = other.chars().take(32).collect();
                return Err(Error::invalid(format!(
                    "unsupported Casdoor password type {shown:?}"
                )));
            }
        }))
    }

    fn name(self) -> &'static str {
        match self {
            Self::Sha256Salt => "salt",
            Self::Sha512Salt => "sha512-salt",
            Self::Md5Salt => "md5-salt",
            Self::Bcrypt => "bcrypt",
            Self::Pbkdf2Salt => "pbkdf2-salt",
            Self::Argon2id => "argon2id",
            Self::Pbkdf2Django => "pbkdf2-django",
        }
    }
}

/// What is stored for an imported Casdoor password hash.
pub fn seal(kind: CasdoorPasswordType, org_salt: &str, user_salt: &str, hash: &str) -> String {
    format!(
        "{PREFIX}{}${}${}${hash}",
        kind.name(),
        STANDARD.encode(org_salt),
        STANDARD.encode(user_salt)
    )
}

/// Whether a stored hash is an imported Casdoor one (to be replaced at the next sign-in).
pub fn is_casdoor(stored: &str) -> bool {
    stored.starts_with(PREFIX)
}

/// Verifies `password` against a stored `$casdoor$…` hash; false for anything malformed.
pub fn verify(password: &str, stored: &str) -> bool {
    let Some(rest) = stored.strip_prefix(PREFIX) else {
        return false;
    };
    let mut parts = rest.splitn(4, '$');
    let (Some(kind), Some(org), Some(user), Some(hash)) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    let decode = |s: &str| {
        STANDARD
            .decode(s)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
    };
    let (Ok(Some(kind)), Some(org), Some(user)) =
        (CasdoorPasswordType::parse(kind), decode(org), decode(user))
    else {
        return false;
    };
    correct(kind, password, hash, &org) || (user != org && correct(kind, password, hash, &user))
}

fn same(a: &str, b: &str) -> bool {
    bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

fn hex_digest<D: Digest>(data: &str) -> String {
    hex::encode(D::digest(data.as_bytes()))
}

/// Casdoor's salted digests: `H(H(password) + salt)`, or `H(password)` without a salt;
/// with no salt, `H(H(password))` is accepted too (its backward compatibility).
fn salted<D: Digest>(password: &str, hash: &str, salt: &str) -> bool {
    let once = hex_digest::<D>(password);
    if salt.is_empty() {
        return same(hash, &once) || same(hash, &hex_digest::<D>(&once));
    }
    same(hash, &hex_digest::<D>(&format!("{once}{salt}")))
}

fn pbkdf2_sha256(password: &str, salt: &[u8], rounds: u32, len: usize) -> Vec<u8> {
    let mut out = vec![0u8; len];
    pbkdf2::pbkdf2_hmac::<Sha256>(password.as_bytes(), salt, rounds, &mut out);
    out
}

/// Django's `pbkdf2_sha256$<iterations>$<salt>$<base64>`; the salts are not used.
fn django(password: &str, hash: &str) -> bool {
    let parts: Vec<&str> = hash.split('$').collect();
    let [algorithm, iterations, salt, expected] = parts.as_slice() else {
        return false;
    };
    let Ok(rounds) = iterations.parse::<u32>() else {
        return false;
    };
    // Django's own range; a larger count in a dump is refused rather than run.
    if *algorithm != "pbkdf2_sha256" || rounds == 0 || rounds > 10_000_000 {
        return false;
    }
    let key = pbkdf2_sha256(password, salt.as_bytes(), rounds, 32);
    same(expected, &STANDARD.encode(key))
}

/// Casdoor's argon2id: the salt is `pepper` or `pepper|m=…|t=…|p=…`; the pepper goes
/// before the password, the parameters are the hash's own.
fn argon2id(password: &str, hash: &str, salt: &str) -> bool {
    use argon2::password_hash::{PasswordHash, PasswordVerifier as _};
    let pepper = salt.split('|').next().unwrap_or("");
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    argon2::Argon2::default()
        .verify_password(format!("{pepper}{password}").as_bytes(), &parsed)
        .is_ok()
}

fn correct(kind: CasdoorPasswordType, password: &str, hash: &str, salt: &str) -> bool {
    match kind {
        CasdoorPasswordType::Sha256Salt => salted::<Sha256>(password, hash, salt),
        CasdoorPasswordType::Sha512Salt => salted::<Sha512>(password, hash, salt),
        CasdoorPasswordType::Md5Salt => salted::<Md5>(password, hash, salt),
        CasdoorPasswordType::Bcrypt => bcrypt::verify(password, hash).unwrap_or(false),
        CasdoorPasswordType::Pbkdf2Salt => {
            // Keycloak's: the salt is base64, 27 500 rounds, 64 bytes.
            let Ok(salt) = STANDARD.decode(salt) else {
                return false;
            };
            same(
                hash,
                &STANDARD.encode(pbkdf2_sha256(password, &salt, 27_500, 64)),
            )
        }
        CasdoorPasswordType::Argon2id => argon2id(password, hash, salt),
        CasdoorPasswordType::Pbkdf2Django => django(password, hash),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn salted_digests_follow_casdoor() {
        // sha256(sha256("123") + "salt"), computed with Python's hashlib.
        let once = hex_digest::<Sha256>("123");
        assert_eq!(
            once,
            "a665a45920422f9d417e4867efdc4fb8a04a1f3fff1fa07e998e86f7f7a27ae3"
        );
        let stored = hex_digest::<Sha256>(&format!("{once}pepper"));
        let sealed = seal(CasdoorPasswordType::Sha256Salt, "pepper", "", &stored);
        assert!(verify("123", &sealed));
        assert!(!verify("124", &sealed));
        // The user's salt is tried when the organization's does not match.
        let sealed = seal(CasdoorPasswordType::Sha256Salt, "other", "pepper", &stored);
        assert!(verify("123", &sealed));
    }

    #[test]
    fn malformed_hashes_never_verify() {
        for stored in [
            "",
            "$casdoor$",
            "$casdoor$salt$",
            "$casdoor$nope$$$x",
            "$casdoor$salt$!!$$x",
            "$casdoor$pbkdf2-django$$$pbkdf2_sha256$99999999999$s$x",
            "$casdoor$bcrypt$$$not-bcrypt",
            "$casdoor$argon2id$$$not-argon",
        ] {
            assert!(!verify("", stored), "{stored}");
        }
        assert!(CasdoorPasswordType::parse("rot13").is_err());
        assert_eq!(CasdoorPasswordType::parse("plain").unwrap(), None);
    }
}
