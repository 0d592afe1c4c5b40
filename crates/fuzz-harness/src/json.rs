//! Arbitrary JSON, with object keys drawn mostly from the names the parser looks for.

use arbitrary::{Result, Unstructured};
use serde_json::{Map, Number, Value};

const MAX_DEPTH: usize = 4;

/// A JSON value; objects use `keys` for most of their names.
pub fn value(u: &mut Unstructured<'_>, keys: &[&str], depth: usize) -> Result<Value> {
    let top = if depth >= MAX_DEPTH { 6 } else { 8 };
    Ok(match u.int_in_range(0..=top)? {
        0 => Value::Null,
        1 => Value::Bool(u.arbitrary()?),
        2 => Value::Number(u.arbitrary::<i64>()?.into()),
        3 => Number::from_f64(u.arbitrary()?).map_or(Value::Null, Value::Number),
        4 => Value::Number(u.arbitrary::<u64>()?.into()),
        // Numbers as strings, as WeChat sends them.
        5 => Value::String(format!(" {} ", u.arbitrary::<i64>()?)),
        6 => Value::String(u.arbitrary()?),
        7 => Value::Array(
            (0..u.int_in_range(0..=3)?)
                .map(|_| value(u, keys, depth + 1))
                .collect::<Result<_>>()?,
        ),
        _ => Value::Object(object(u, keys, depth + 1)?),
    })
}

/// A JSON object with up to 8 members.
pub fn object(u: &mut Unstructured<'_>, keys: &[&str], depth: usize) -> Result<Map<String, Value>> {
    let mut map = Map::new();
    for _ in 0..u.int_in_range(0..=8)? {
        let k = key(u, keys)?;
        map.insert(k, value(u, keys, depth)?);
    }
    Ok(map)
}

pub fn key(u: &mut Unstructured<'_>, keys: &[&str]) -> Result<String> {
    if !keys.is_empty() && u.ratio(7, 8)? {
        Ok(u.choose(keys)?.to_string())
    } else {
        u.arbitrary()
    }
}
