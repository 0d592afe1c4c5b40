//! `encryptedData` decryption and the `rawData` / session signatures on arbitrary input,
//! plus round trips through the encryption the emulator uses.

use arbitrary::{Arbitrary, Unstructured};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ferrodoor_wechat::crypto::{
    decrypt_data, encrypt_data, raw_data_signature, session_signature, verify_raw_data_signature,
};
use serde_json::{Value, json};

#[derive(Debug, Arbitrary)]
enum Transit {
    Intact,
    /// `+` arrives as a space in an unencoded form value.
    PlusAsSpace,
    LineBreaks,
    NoPadding,
}

#[derive(Debug, Arbitrary)]
enum Input {
    Decrypt {
        session_key: String,
        iv: String,
        data: String,
        appid: String,
    },
    RoundTrip {
        key: [u8; 16],
        iv: [u8; 16],
        appid: String,
        watermark_appid: String,
        extra: String,
        transit: Transit,
    },
    Signature {
        raw_data: String,
        session_key: String,
        signature: String,
    },
    SignatureFlip {
        raw_data: String,
        session_key: String,
        at: u8,
    },
}

fn transit(b64: &str, how: &Transit) -> String {
    match how {
        Transit::Intact => b64.to_string(),
        Transit::PlusAsSpace => b64.replace('+', " "),
        Transit::LineBreaks => b64
            .as_bytes()
            .chunks(16)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join("\r\n"),
        Transit::NoPadding => b64.trim_end_matches('=').to_string(),
    }
}

pub fn run(data: &[u8]) {
    let Ok(input) = Input::arbitrary_take_rest(Unstructured::new(data)) else {
        return;
    };
    match input {
        Input::Decrypt {
            session_key,
            iv,
            data,
            appid,
        } => {
            if let Ok(v) = decrypt_data(&session_key, &iv, &data, &appid) {
                assert_eq!(v["watermark"]["appid"], Value::String(appid));
            }
        }
        Input::RoundTrip {
            key,
            iv,
            appid,
            watermark_appid,
            extra,
            transit: how,
        } => {
            let (key, iv) = (STANDARD.encode(key), STANDARD.encode(iv));
            let plain = json!({"openId": extra, "watermark": {"appid": watermark_appid}});
            let encrypted =
                encrypt_data(&key, &iv, plain.to_string().as_bytes()).expect("16-byte key and iv");
            let result = decrypt_data(
                &transit(&key, &how),
                &transit(&iv, &how),
                &transit(&encrypted, &how),
                &appid,
            );
            if appid == watermark_appid {
                assert_eq!(result.expect("own encryption must decrypt"), plain);
            } else {
                assert!(result.is_err(), "data for another app was accepted");
            }
        }
        Input::Signature {
            raw_data,
            session_key,
            signature,
        } => {
            let expected = raw_data_signature(&raw_data, &session_key);
            let ok = verify_raw_data_signature(&raw_data, &session_key, &signature);
            assert_eq!(ok, signature.trim().eq_ignore_ascii_case(&expected));
            let _ = session_signature(&session_key, &raw_data);
        }
        Input::SignatureFlip {
            raw_data,
            session_key,
            at,
        } => {
            let good = raw_data_signature(&raw_data, &session_key);
            assert!(verify_raw_data_signature(&raw_data, &session_key, &good));
            let mut bad = good.into_bytes();
            let i = usize::from(at) % bad.len();
            bad[i] = if bad[i] == b'0' { b'1' } else { b'0' };
            let bad = String::from_utf8(bad).unwrap_or_default();
            assert!(!verify_raw_data_signature(&raw_data, &session_key, &bad));
        }
    }
}
