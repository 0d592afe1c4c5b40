//! The crypto of WeChat's "open data": `encryptedData` decryption, the `rawData`
//! signature and the `checksession` signature.
//!
//! Doc: <https://developers.weixin.qq.com/miniprogram/dev/framework/open-ability/signature.html>.
//! Keys and IVs are passed as the base64 text WeChat hands out.

use aws_lc_rs::cipher::{
    AES_128, DecryptionContext, EncryptionContext, PaddedBlockDecryptingKey,
    PaddedBlockEncryptingKey, UnboundCipherKey,
};
use aws_lc_rs::{constant_time, digest, hmac};
use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use serde_json::Value;

/// Why WeChat's encrypted data could not be opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    /// The named input (`session_key`, `iv` or `encryptedData`) is not base64.
    #[error("{0} is not valid base64")]
    BadBase64(&'static str),
    /// The session key does not decode to 16 bytes (AES-128).
    #[error("session_key decodes to {0} bytes, expected 16")]
    BadKeyLength(usize),
    /// The IV does not decode to 16 bytes.
    #[error("iv decodes to {0} bytes, expected 16")]
    BadIvLength(usize),
    /// Wrong key or IV, or tampered data: the PKCS#7 padding did not check out.
    /// In practice this almost always means the session key is stale because
    /// the front end called `wx.login` again after obtaining the data.
    #[error("decryption failed (stale session_key or tampered data)")]
    DecryptFailed,
    /// The plaintext is not a JSON object.
    #[error("decrypted data is not a JSON object")]
    NotJson,
    /// `watermark.appid` is missing or names another app: the data was issued
    /// to a different mini program and must not be trusted.
    #[error("watermark appid {found:?} does not match this app")]
    WatermarkMismatch { found: Option<String> },
}

/// AES-128 key and CBC IV length.
const AES_BLOCK: usize = 16;

/// Standard base64, tolerant of missing padding (some SDKs strip `=`).
const LENIENT_BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_encode_padding(true)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Decrypts `encryptedData` (user info, or the phone number of the old
/// `getPhoneNumber` flow) and checks it was issued to `expected_appid`.
///
/// AES-128-CBC with PKCS#7 padding; key = base64-decoded session key.
pub fn decrypt_data(
    session_key_b64: &str,
    iv_b64: &str,
    encrypted_b64: &str,
    expected_appid: &str,
) -> Result<Value, CryptoError> {
    let key = decode_16(session_key_b64, "session_key", CryptoError::BadKeyLength)?;
    let iv = decode_16(iv_b64, "iv", CryptoError::BadIvLength)?;
    let mut buffer = decode(encrypted_b64, "encryptedData")?;
    if buffer.is_empty() || buffer.len() % AES_BLOCK != 0 {
        return Err(CryptoError::DecryptFailed);
    }
    let cipher_key =
        UnboundCipherKey::new(&AES_128, &key).map_err(|_| CryptoError::BadKeyLength(key.len()))?;
    let decrypting_key =
        PaddedBlockDecryptingKey::cbc_pkcs7(cipher_key).map_err(|_| CryptoError::DecryptFailed)?;
    let plaintext = decrypting_key
        .decrypt(&mut buffer, DecryptionContext::Iv128(iv.into()))
        .map_err(|_| CryptoError::DecryptFailed)?;
    let data: Value = serde_json::from_slice(plaintext).map_err(|_| CryptoError::NotJson)?;
    if !data.is_object() {
        return Err(CryptoError::NotJson);
    }
    let found = data
        .get("watermark")
        .and_then(|w| w.get("appid"))
        .and_then(Value::as_str);
    if found != Some(expected_appid) {
        return Err(CryptoError::WatermarkMismatch {
            found: found.map(str::to_owned),
        });
    }
    Ok(data)
}

/// Encrypts `plaintext` the way WeChat builds `encryptedData`; returns base64.
/// The inverse of [`decrypt_data`], for the emulator and tests.
pub fn encrypt_data(
    session_key_b64: &str,
    iv_b64: &str,
    plaintext: &[u8],
) -> Result<String, CryptoError> {
    let key = decode_16(session_key_b64, "session_key", CryptoError::BadKeyLength)?;
    let iv = decode_16(iv_b64, "iv", CryptoError::BadIvLength)?;
    let cipher_key =
        UnboundCipherKey::new(&AES_128, &key).map_err(|_| CryptoError::BadKeyLength(key.len()))?;
    let encrypting_key = PaddedBlockEncryptingKey::cbc_pkcs7(cipher_key)
        .map_err(|_| CryptoError::BadKeyLength(key.len()))?;
    let mut buffer = plaintext.to_vec();
    encrypting_key
        .less_safe_encrypt(&mut buffer, EncryptionContext::Iv128(iv.into()))
        .map_err(|_| CryptoError::DecryptFailed)?;
    Ok(base64::engine::general_purpose::STANDARD.encode(buffer))
}

/// Checks the `signature` WeChat sends with `rawData`:
/// `hex(sha1(rawData + session_key))`, over the exact bytes of `rawData`.
/// Compared in constant time; a malformed signature is simply `false`.
pub fn verify_raw_data_signature(raw_data: &str, session_key: &str, signature_hex: &str) -> bool {
    let Ok(claimed) = hex::decode(signature_hex.trim()) else {
        return false;
    };
    let expected = raw_data_digest(raw_data, session_key);
    constant_time::verify_slices_are_equal(expected.as_ref(), &claimed).is_ok()
}

/// `hex(sha1(rawData + session_key))`, as WeChat signs `rawData`. For the
/// emulator and tests; servers verify with [`verify_raw_data_signature`].
pub fn raw_data_signature(raw_data: &str, session_key: &str) -> String {
    hex::encode(raw_data_digest(raw_data, session_key))
}

fn raw_data_digest(raw_data: &str, session_key: &str) -> digest::Digest {
    let mut context = digest::Context::new(&digest::SHA1_FOR_LEGACY_USE_ONLY);
    context.update(raw_data.as_bytes());
    context.update(session_key.as_bytes());
    context.finish()
}

/// The user-state signature of `wxa/checksession` and
/// `wxa/resetusersessionkey` (`sig_method=hmac_sha256`): hex HMAC-SHA256 of
/// `message` (empty for those two APIs), keyed with the base64 TEXT of the
/// session key, not its decoded bytes.
pub fn session_signature(session_key: &str, message: &str) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, session_key.as_bytes());
    hex::encode(hmac::sign(&key, message.as_bytes()))
}

/// Decodes base64 that may have been mangled in transit: line breaks are
/// dropped, and spaces become `+` again, since a `+` in an unencoded form or
/// query value arrives as a space (a known cause of "decryption fails").
/// Spaces are not trimmed first: a leading or trailing `+` arrives as one
/// (found by fuzz/wechat_crypto). Only if that does not decode are outer
/// spaces taken for stray whitespace.
fn decode(b64: &str, what: &'static str) -> Result<Vec<u8>, CryptoError> {
    let cleaned: String = b64
        .chars()
        .filter(|c| !matches!(c, '\r' | '\n' | '\t'))
        .collect();
    LENIENT_BASE64
        .decode(cleaned.replace(' ', "+"))
        .or_else(|_| LENIENT_BASE64.decode(cleaned.trim().replace(' ', "+")))
        .map_err(|_| CryptoError::BadBase64(what))
}

fn decode_16(
    b64: &str,
    what: &'static str,
    wrong_length: fn(usize) -> CryptoError,
) -> Result<[u8; AES_BLOCK], CryptoError> {
    let bytes = decode(b64, what)?;
    <[u8; AES_BLOCK]>::try_from(bytes.as_slice()).map_err(|_| wrong_length(bytes.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    // WeChat's official demo vector (signature.html demo; also in WxJava's and
    // wechatpy's test suites).
    const DEMO_APPID: &str = "wx4f4bc4dec97d474b";
    const DEMO_SESSION_KEY: &str = "tiihtNczf5v6AKRyjwEUhQ==";
    const DEMO_IV: &str = "r7BXXKkLb8qrSNn05n0qiA==";
    const DEMO_ENCRYPTED: &str = "CiyLU1Aw2KjvrjMdj8YKliAjtP4gsMZMQmRzooG2xrDcvSnxIMXFufNstNGTyaGS9uT5geRa0W4oTOb1WT7fJlAC+oNPdbB+3hVbJSRgv+4lGOETKUQz6OYStslQ142dNCuabNPGBzlooOmB231qMM85d2/fV6ChevvXvQP8Hkue1poOFtnEtpyxVLW1zAo6/1Xx1COxFvrc2d7UL/lmHInNlxuacJXwu0fjpXfz/YqYzBIBzD6WUfTIF9GRHpOn/Hz7saL8xz+W//FRAUid1OksQaQx4CMs8LOddcQhULW4ucetDf96JcR3g0gfRK4PC7E/r7Z6xNrXd2UIeorGj5Ef7b1pJAYB6Y5anaHqZ9J6nKEBvB4DnNLIVWSgARns/8wR2SiRS7MNACwTyrGvt9ts8p12PKFdlqYTopNHR1Vf7XjfhQlVsAJdNiKdYmYVoKlaRv85IfVunYzO0IKXsyl7JCUjCpoG20f0a04COwfneQAGGwd5oa+T8yO5hzuyDb/XcxxmK01EpqOyuxINew==";

    fn tampered(b64: &str, byte_index: usize) -> String {
        let mut bytes = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .unwrap();
        bytes[byte_index] ^= 0x01;
        base64::engine::general_purpose::STANDARD.encode(bytes)
    }

    #[test]
    fn official_demo_vector_decrypts() {
        let data = decrypt_data(DEMO_SESSION_KEY, DEMO_IV, DEMO_ENCRYPTED, DEMO_APPID).unwrap();
        assert_eq!(data["openId"], "oGZUI0egBJY1zhBYw2KhdUfwVJJE");
        assert_eq!(data["nickName"], "Band");
        assert_eq!(data["unionId"], "ocMvos6NjeKLIBqg5Mr9QjxrP1FA");
        assert_eq!(data["watermark"]["timestamp"], 1477314187);
        assert_eq!(data["watermark"]["appid"], DEMO_APPID);
    }

    #[test]
    fn encrypt_reproduces_the_official_ciphertext() {
        let data = decrypt_data(DEMO_SESSION_KEY, DEMO_IV, DEMO_ENCRYPTED, DEMO_APPID).unwrap();
        // serde_json keeps the demo's key order only with preserve_order, so
        // re-encrypt the exact plaintext bytes instead of re-serialising.
        let key = decode_16(DEMO_SESSION_KEY, "session_key", CryptoError::BadKeyLength).unwrap();
        let iv = decode_16(DEMO_IV, "iv", CryptoError::BadIvLength).unwrap();
        let mut buffer = decode(DEMO_ENCRYPTED, "encryptedData").unwrap();
        let decrypting =
            PaddedBlockDecryptingKey::cbc_pkcs7(UnboundCipherKey::new(&AES_128, &key).unwrap())
                .unwrap();
        let plaintext = decrypting
            .decrypt(&mut buffer, DecryptionContext::Iv128(iv.into()))
            .unwrap()
            .to_vec();
        assert_eq!(serde_json::from_slice::<Value>(&plaintext).unwrap(), data);
        assert_eq!(
            encrypt_data(DEMO_SESSION_KEY, DEMO_IV, &plaintext).unwrap(),
            DEMO_ENCRYPTED
        );
    }

    #[test]
    fn form_mangled_base64_still_decrypts() {
        let mangled = DEMO_ENCRYPTED.replace('+', " ");
        let wrapped = format!("{}\n{}", &mangled[..64], &mangled[64..]);
        let data = decrypt_data(DEMO_SESSION_KEY, DEMO_IV, &wrapped, DEMO_APPID).unwrap();
        assert_eq!(data["nickName"], "Band");
    }

    #[test]
    fn wrong_appid_is_a_watermark_mismatch() {
        let e = decrypt_data(DEMO_SESSION_KEY, DEMO_IV, DEMO_ENCRYPTED, "wxOTHER").unwrap_err();
        assert_eq!(
            e,
            CryptoError::WatermarkMismatch {
                found: Some(DEMO_APPID.into())
            }
        );
    }

    #[test]
    fn missing_watermark_is_a_mismatch() {
        let key = "AAAAAAAAAAAAAAAAAAAAAA==";
        let iv = "AQEBAQEBAQEBAQEBAQEBAQ==";
        let encrypted = encrypt_data(key, iv, br#"{"phoneNumber":"13800138000"}"#).unwrap();
        let e = decrypt_data(key, iv, &encrypted, "wxapp").unwrap_err();
        assert_eq!(e, CryptoError::WatermarkMismatch { found: None });
    }

    #[test]
    fn tampered_last_block_fails_padding() {
        let len = decode(DEMO_ENCRYPTED, "x").unwrap().len();
        let e = decrypt_data(
            DEMO_SESSION_KEY,
            DEMO_IV,
            &tampered(DEMO_ENCRYPTED, len - 1),
            DEMO_APPID,
        )
        .unwrap_err();
        assert_eq!(e, CryptoError::DecryptFailed);
    }

    #[test]
    fn tampered_first_block_is_not_json() {
        let e = decrypt_data(
            DEMO_SESSION_KEY,
            DEMO_IV,
            &tampered(DEMO_ENCRYPTED, 0),
            DEMO_APPID,
        )
        .unwrap_err();
        assert_eq!(e, CryptoError::NotJson);
    }

    #[test]
    fn stale_session_key_fails() {
        let stale = "HyVFkGl5F5OQWJZZaNzBBg==";
        let e = decrypt_data(stale, DEMO_IV, DEMO_ENCRYPTED, DEMO_APPID).unwrap_err();
        assert!(
            matches!(e, CryptoError::DecryptFailed | CryptoError::NotJson),
            "{e:?}"
        );
    }

    #[test]
    fn bad_lengths_and_base64_are_typed() {
        let e = decrypt_data("AAAA", DEMO_IV, DEMO_ENCRYPTED, DEMO_APPID).unwrap_err();
        assert_eq!(e, CryptoError::BadKeyLength(3));
        let e = decrypt_data(DEMO_SESSION_KEY, "AAAA", DEMO_ENCRYPTED, DEMO_APPID).unwrap_err();
        assert_eq!(e, CryptoError::BadIvLength(3));
        let e = decrypt_data(DEMO_SESSION_KEY, DEMO_IV, "not*base64", DEMO_APPID).unwrap_err();
        assert_eq!(e, CryptoError::BadBase64("encryptedData"));
        let e = decrypt_data("%%%", DEMO_IV, DEMO_ENCRYPTED, DEMO_APPID).unwrap_err();
        assert_eq!(e, CryptoError::BadBase64("session_key"));
        let e = decrypt_data(DEMO_SESSION_KEY, DEMO_IV, "AAAA", DEMO_APPID).unwrap_err();
        assert_eq!(e, CryptoError::DecryptFailed, "3 bytes is not whole blocks");
        let e = decrypt_data(DEMO_SESSION_KEY, DEMO_IV, "", DEMO_APPID).unwrap_err();
        assert_eq!(e, CryptoError::DecryptFailed);
    }

    #[test]
    fn round_trip_with_watermark() {
        let key = "MDEyMzQ1Njc4OWFiY2RlZg==";
        let iv = "ZmVkY2JhOTg3NjU0MzIxMA==";
        let plain = br#"{"phoneNumber":"13800138000","watermark":{"appid":"wxapp","timestamp":1}}"#;
        let encrypted = encrypt_data(key, iv, plain).unwrap();
        let data = decrypt_data(key, iv, &encrypted, "wxapp").unwrap();
        assert_eq!(data["phoneNumber"], "13800138000");
        assert_eq!(
            encrypt_data("AAAA", iv, plain).unwrap_err(),
            CryptoError::BadKeyLength(3)
        );
    }

    const RAW_DATA: &str = r#"{"nickName":"Band","gender":1,"language":"zh_CN","city":"Guangzhou","province":"Guangdong","country":"CN","avatarUrl":"http://wx.qlogo.cn/mmopen/vi_32/1vZvI39NWFQ9XM4LtQpFrQJ1xlgZxx3w7bQxKARol6503Iuswjjn6nIGBiaycAjAtpujxyzYsrztuuICqIM5ibXQ/0"}"#;
    const RAW_DATA_KEY: &str = "HyVFkGl5F5OQWJZZaNzBBg==";
    const RAW_DATA_SIGNATURE: &str = "75e81ceda165f4ffa64f4068af58c64b8f54b88c";

    #[test]
    fn official_raw_data_signature_verifies() {
        assert_eq!(
            raw_data_signature(RAW_DATA, RAW_DATA_KEY),
            RAW_DATA_SIGNATURE
        );
        assert!(verify_raw_data_signature(
            RAW_DATA,
            RAW_DATA_KEY,
            RAW_DATA_SIGNATURE
        ));
        assert!(verify_raw_data_signature(
            RAW_DATA,
            RAW_DATA_KEY,
            &RAW_DATA_SIGNATURE.to_uppercase()
        ));
    }

    #[test]
    fn raw_data_signature_rejects_changes() {
        let altered = RAW_DATA.replace("Band", "Bond");
        assert!(!verify_raw_data_signature(
            &altered,
            RAW_DATA_KEY,
            RAW_DATA_SIGNATURE
        ));
        assert!(!verify_raw_data_signature(
            RAW_DATA,
            DEMO_SESSION_KEY,
            RAW_DATA_SIGNATURE
        ));
        assert!(!verify_raw_data_signature(
            RAW_DATA,
            RAW_DATA_KEY,
            "fake_sign"
        ));
        assert!(!verify_raw_data_signature(RAW_DATA, RAW_DATA_KEY, ""));
        assert!(!verify_raw_data_signature(
            RAW_DATA,
            RAW_DATA_KEY,
            &RAW_DATA_SIGNATURE[..38]
        ));
    }

    #[test]
    fn official_hmac_signature_vector() {
        assert_eq!(
            session_signature("o0q0otL8aEzpcZL/FT9WsQ==", r#"{"foo":"bar"}"#),
            "654571f79995b2ce1e149e53c0a33dc39c0a74090db514261454e8dbe432aa0b"
        );
    }

    #[test]
    fn hmac_key_is_the_base64_text_not_the_bytes() {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode("o0q0otL8aEzpcZL/FT9WsQ==")
            .unwrap();
        let with_bytes = hex::encode(hmac::sign(
            &hmac::Key::new(hmac::HMAC_SHA256, &decoded),
            br#"{"foo":"bar"}"#,
        ));
        assert_ne!(
            session_signature("o0q0otL8aEzpcZL/FT9WsQ==", r#"{"foo":"bar"}"#),
            with_bytes
        );
    }

    /// A `+` at either end of the base64 arrives as a space too (found by fuzzing: the
    /// spaces used to be trimmed away first, so ~1 in 64 ciphertexts failed).
    #[test]
    fn plus_at_either_end_survives_an_unencoded_form() {
        let (mut leading, mut trailing) = (0, 0);
        for i in 0..3000 {
            let plain = format!(r#"{{"n":"{i:09}","watermark":{{"appid":"wxa"}}}}"#);
            let encrypted = encrypt_data(DEMO_SESSION_KEY, DEMO_IV, plain.as_bytes()).unwrap();
            let (starts, ends) = (encrypted.starts_with('+'), encrypted.ends_with('+'));
            if !(starts || ends) {
                continue;
            }
            leading += usize::from(starts);
            trailing += usize::from(ends);
            let mangled = encrypted.replace('+', " ");
            let data = decrypt_data(DEMO_SESSION_KEY, DEMO_IV, &mangled, "wxa").unwrap();
            assert_eq!(data["watermark"]["appid"], "wxa");
        }
        assert!(leading > 0 && trailing > 0, "{leading} {trailing}");
        // Stray outer whitespace is still tolerated.
        let padded = format!(" {DEMO_ENCRYPTED} \n");
        assert!(decrypt_data(DEMO_SESSION_KEY, DEMO_IV, &padded, DEMO_APPID).is_ok());
    }
}
