//! A business-domain verification file: WeChat asks for `https://<domain>/<name>.txt` before
//! a mini program may open that domain in a `web-view`. Admins upload it per provider;
//! the server serves it at its origin's root.

use serde::Serialize;

use crate::error::{Error, Result};

/// The largest file accepted (WeChat's are a few dozen bytes).
pub const MAX_VERIFICATION_FILE_BYTES: usize = 1024;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VerificationFile {
    /// The provider's name; one file per provider.
    pub provider: String,
    /// `<name>.txt`, served at `/<file_name>`.
    pub file_name: String,
    pub content: String,
    pub updated_time: String,
}

/// A name safe to serve at the root: letters, digits, `_` and `-` (1-64), then `.txt`.
/// Nothing else, so no path, no dot segment, no other type can be stored or asked for.
pub fn is_verification_file_name(name: &str) -> bool {
    name.strip_suffix(".txt").is_some_and(|stem| {
        (1..=64).contains(&stem.len())
            && stem
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    })
}

impl VerificationFile {
    /// Checks the name and the content (plain text, at most
    /// [`MAX_VERIFICATION_FILE_BYTES`], no control characters but tab and line breaks).
    pub fn validate(&self) -> Result<()> {
        if !is_verification_file_name(&self.file_name) {
            return Err(Error::invalid(
                "fileName must be <name>.txt: 1-64 letters, digits, '_' or '-', then .txt",
            ));
        }
        if self.content.trim().is_empty() {
            return Err(Error::invalid("content must not be empty"));
        }
        if self.content.len() > MAX_VERIFICATION_FILE_BYTES {
            return Err(Error::invalid(format!(
                "content is {} bytes; a verification file has at most {MAX_VERIFICATION_FILE_BYTES}",
                self.content.len()
            )));
        }
        if self
            .content
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        {
            return Err(Error::invalid(
                "content must be plain text (no control characters)",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_txt_names_are_accepted() {
        for ok in ["MP_verify_abc123.txt", "a.txt", "x-y_Z9.txt"] {
            assert!(is_verification_file_name(ok), "{ok}");
        }
        for bad in [
            ".txt",
            "a.TXT",
            "a.txt.html",
            "../a.txt",
            "a/b.txt",
            "a\\b.txt",
            "a b.txt",
            "a..txt",
            "%2e%2e.txt",
            "ａ.txt",
            "a.html",
            "",
            &format!("{}.txt", "a".repeat(65)),
        ] {
            assert!(!is_verification_file_name(bad), "{bad}");
        }
    }

    #[test]
    fn content_is_small_plain_text() {
        let file = |content: &str| VerificationFile {
            provider: "p".into(),
            file_name: "MP_verify_x.txt".into(),
            content: content.into(),
            updated_time: String::new(),
        };
        assert!(file("abcdef0123456789\n").validate().is_ok());
        assert!(file("").validate().is_err());
        assert!(file("  \n").validate().is_err());
        assert!(file("a\u{0}b").validate().is_err());
        assert!(
            file(&"a".repeat(MAX_VERIFICATION_FILE_BYTES + 1))
                .validate()
                .is_err()
        );
        assert!(
            file(&"a".repeat(MAX_VERIFICATION_FILE_BYTES))
                .validate()
                .is_ok()
        );
    }
}
