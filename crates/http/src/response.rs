//! Casdoor's answer envelope: `{"status","msg","sub","name","data","data2","data3"}`.

use axum::Json;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Value, json};

#[derive(Debug, Serialize)]
pub struct Envelope {
    pub status: &'static str,
    pub msg: String,
    pub sub: String,
    pub name: String,
    pub data: Value,
    pub data2: Value,
    pub data3: Value,
}

impl Envelope {
    pub fn ok(data: impl Serialize) -> Self {
        Envelope {
            status: "ok",
            msg: String::new(),
            sub: String::new(),
            name: String::new(),
            data: to_value(data),
            data2: Value::Null,
            data3: Value::Null,
        }
    }

    pub fn with_data2(mut self, data2: impl Serialize) -> Self {
        self.data2 = to_value(data2);
        self
    }

    pub fn with_subject(mut self, sub: &str, name: &str) -> Self {
        self.sub = sub.to_string();
        self.name = name.to_string();
        self
    }

    pub fn error(msg: String) -> Self {
        Envelope {
            status: "error",
            msg,
            ..Envelope::ok(Value::Null)
        }
    }

    /// Casdoor's answer to a change: `"Affected"` or `"Unaffected"`.
    pub fn affected(affected: bool) -> Self {
        Envelope::ok(if affected { "Affected" } else { "Unaffected" })
    }
}

fn to_value(data: impl Serialize) -> Value {
    serde_json::to_value(data).unwrap_or_else(|e| json!({ "serializationError": e.to_string() }))
}

impl IntoResponse for Envelope {
    fn into_response(self) -> Response {
        Json(self).into_response()
    }
}
