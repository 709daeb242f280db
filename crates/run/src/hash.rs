//! Stable content hashes (FNV-1a, 64 bit) and a structural JSON diff, used to detect a
//! changed IR on resume and changed stages on re-run, and the hashes of a finished stage's
//! files that a later run checks before it skips the stage.

pub use nas_ir::fnv::Fnv64;

/// Hex hash of a serialisable value's JSON form, ignoring fields named `span` (moving a
/// definition in its file does not change what runs).
pub fn hash_json(value: &serde_json::Value) -> String {
    let mut h = Fnv64::new();
    h.write(strip_spans(value).to_string().as_bytes());
    format!("{:016x}", h.finish())
}

/// `value` with every object field named `span` removed.
pub fn strip_spans(value: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(k, _)| k.as_str() != "span")
                .map(|(k, v)| (k.clone(), strip_spans(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(strip_spans).collect()),
        other => other.clone(),
    }
}

/// Paths (`pipeline.stages[0].kind.batch`) where two JSON values differ, spans ignored.
pub fn json_diff(old: &serde_json::Value, new: &serde_json::Value) -> Vec<String> {
    let mut out = Vec::new();
    diff_into(
        &strip_spans(old),
        &strip_spans(new),
        String::new(),
        &mut out,
    );
    out
}

fn diff_into(a: &serde_json::Value, b: &serde_json::Value, path: String, out: &mut Vec<String>) {
    use serde_json::Value;
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                match (x.get(k), y.get(k)) {
                    (Some(u), Some(v)) => diff_into(u, v, p, out),
                    _ => out.push(p),
                }
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (u, v)) in x.iter().zip(y).enumerate() {
                diff_into(u, v, format!("{path}[{i}]"), out);
            }
        }
        _ if a != b => out.push(if path.is_empty() {
            "(root)".into()
        } else {
            path
        }),
        _ => {}
    }
}

/// The FNV-1a hash (hex) of every file under `dir` except `done.json`, by path relative to
/// `dir` with `/` separators: what a finished stage leaves, recorded in its `done.json`.
pub fn file_hashes(
    dir: &std::path::Path,
) -> std::io::Result<std::collections::BTreeMap<String, String>> {
    let mut out = std::collections::BTreeMap::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d)? {
            let path = entry?.path();
            if path.is_dir() {
                todo.push(path);
                continue;
            }
            let rel = path.strip_prefix(dir).unwrap_or(&path);
            let name = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            if name == "done.json" {
                continue;
            }
            // streamed: a stage's checkpoint can be gigabytes
            let mut file = std::fs::File::open(&path)?;
            let mut buf = vec![0u8; 1 << 16];
            let mut h = Fnv64::new();
            loop {
                let n = std::io::Read::read(&mut file, &mut buf)?;
                if n == 0 {
                    break;
                }
                h.write(&buf[..n]);
            }
            out.insert(name, format!("{:016x}", h.finish()));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn diff_names_changed_fields_and_ignores_spans() {
        let a = json!({"stages": [{"batch": 96, "span": {"line": 1}}], "seed": 2});
        let b = json!({"stages": [{"batch": 64, "span": {"line": 9}}], "seed": 2});
        assert_eq!(json_diff(&a, &b), vec!["stages[0].batch".to_string()]);
        assert_ne!(hash_json(&a), hash_json(&b));
        let c = json!({"stages": [{"batch": 96, "span": {"line": 5}}], "seed": 2});
        assert_eq!(hash_json(&a), hash_json(&c));
    }
}
