//! Why a stage of a used run folder runs again: a re-run into a folder that holds an earlier
//! run keeps the stages whose hash is unchanged and replaces the others, and says which and
//! why (its settings, the pipeline's seed or data, a stage it depends on, an unfinished
//! earlier attempt), naming the changed settings with their old and new values.
//!
//! Contract: pure functions of the earlier and the current IR (as JSON, spans ignored); the
//! executor emits the results as events.

use serde_json::Value;

use super::hash::{json_diff, strip_spans};

/// Changed settings named in a reason, at most; the rest are counted.
const SHOWN: usize = 3;
/// A value longer than this is shortened in a reason.
const VALUE_CHARS: usize = 40;

/// Why `stage`, which has an earlier result in the folder recorded under another hash, runs
/// again. `old` is the folder's earlier `pipeline.ir.json` (none when it is missing or
/// unreadable), `new` the current one; `rerun` are the stages of this run that already
/// re-ran or ran for the first time.
pub fn reason(old: Option<&Value>, new: &Value, stage: &str, rerun: &[String]) -> String {
    let Some(old) = old else {
        return "the folder's earlier pipeline.ir.json is missing, so its results cannot be \
                matched"
            .into();
    };
    let old_stage = stage_json(old, stage);
    let new_stage = stage_json(new, stage);
    if let (Some(a), Some(b)) = (old_stage, new_stage) {
        let mut a = strip_spans(a);
        let mut b = strip_spans(b);
        let old_after = take_after(&mut a);
        let new_after = take_after(&mut b);
        let changed = json_diff(&a, &b);
        if !changed.is_empty() {
            return format!("its settings changed: {}", describe(&a, &b, &changed));
        }
        if old_after != new_after {
            return format!(
                "it now runs after {} (before: {})",
                names(&new_after),
                names(&old_after)
            );
        }
    } else if old_stage.is_none() {
        return "the earlier run had no finished stage of this name in its pipeline".into();
    }
    for field in ["seed", "data"] {
        let a = strip_spans(&old["pipeline"][field]);
        let b = strip_spans(&new["pipeline"][field]);
        let changed = json_diff(&a, &b);
        if !changed.is_empty() {
            let what = if field == "seed" { "seed" } else { "data" };
            return format!(
                "the pipeline's {what} changed: {}",
                describe(&a, &b, &changed)
            );
        }
    }
    let deps: Vec<String> = new_stage
        .map(|s| take_after(&mut s.clone()))
        .unwrap_or_default()
        .into_iter()
        .filter(|d| rerun.contains(d))
        .collect();
    if !deps.is_empty() {
        let verb = if deps.len() == 1 { "runs" } else { "run" };
        return format!("it depends on {}, which {verb} again", names(&deps));
    }
    if old["format_version"] != new["format_version"] {
        return format!(
            "the IR format changed ({} → {})",
            old["format_version"], new["format_version"]
        );
    }
    "its earlier result was recorded under another hash (an earlier version of nas)".into()
}

/// The stages of the earlier pipeline that the current one does not have: their folders are
/// left as they were.
pub fn dropped_stages(old: &Value, new: &Value) -> Vec<String> {
    stage_names(old)
        .into_iter()
        .filter(|n| stage_json(new, n).is_none())
        .collect()
}

fn stage_names(ir: &Value) -> Vec<String> {
    ir["pipeline"]["stages"]
        .as_array()
        .map(|s| {
            s.iter()
                .filter_map(|st| st["name"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

fn stage_json<'a>(ir: &'a Value, name: &str) -> Option<&'a Value> {
    ir["pipeline"]["stages"]
        .as_array()?
        .iter()
        .find(|s| s["name"].as_str() == Some(name))
}

/// Removes and returns the stage's `after` list (compared on its own).
fn take_after(stage: &mut Value) -> Vec<String> {
    stage
        .as_object_mut()
        .and_then(|m| m.remove("after"))
        .and_then(|a| serde_json::from_value(a).ok())
        .unwrap_or_default()
}

fn names(stages: &[String]) -> String {
    if stages.is_empty() {
        return "no stage".into();
    }
    stages
        .iter()
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `epochs: 10 → 20, optim.lr: 0.1 → 0.05 and 2 more`, paths relative to the compared
/// values (a stage's `kind.` prefix dropped).
fn describe(old: &Value, new: &Value, paths: &[String]) -> String {
    let mut parts: Vec<String> = paths
        .iter()
        .take(SHOWN)
        .map(|p| {
            let values = format!("{} → {}", short(at(old, p)), short(at(new, p)));
            match p.strip_prefix("kind.").unwrap_or(p) {
                "(root)" => values,
                label => format!("{label}: {values}"),
            }
        })
        .collect();
    if paths.len() > SHOWN {
        parts.push(format!("and {} more", paths.len() - SHOWN));
    }
    parts.join(", ")
}

/// The value at a `a.b[2].c` path (as `json_diff` writes them); none where it is absent.
fn at<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    if path == "(root)" {
        return Some(v);
    }
    let mut cur = v;
    for part in path.split('.') {
        let (key, indices) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if !key.is_empty() {
            cur = cur.get(key)?;
        }
        for idx in indices.split('[').filter(|s| !s.is_empty()) {
            let i: usize = idx.trim_end_matches(']').parse().ok()?;
            cur = cur.get(i)?;
        }
    }
    Some(cur)
}

fn short(v: Option<&Value>) -> String {
    let Some(v) = v else {
        return "(none)".into();
    };
    let text = v.to_string();
    if text.chars().count() <= VALUE_CHARS {
        text
    } else {
        let cut: String = text.chars().take(VALUE_CHARS - 1).collect();
        format!("{cut}…")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ir(seed: u64, epochs: u64, after: &[&str]) -> Value {
        json!({
            "format_version": 1,
            "pipeline": {
                "name": "p", "seed": seed, "data": {"kind": "digits"},
                "stages": [
                    {"name": "search", "after": [], "kind": {"kind": "ssl_search", "epochs": 3}},
                    {"name": "tune", "after": after, "kind": {"kind": "finetune", "epochs": epochs,
                        "span": {"line": 3}}},
                ]
            }
        })
    }

    #[test]
    fn names_the_changed_setting_with_both_values() {
        let r = reason(
            Some(&ir(0, 10, &["search"])),
            &ir(0, 20, &["search"]),
            "tune",
            &[],
        );
        assert_eq!(r, "its settings changed: epochs: 10 → 20");
    }

    #[test]
    fn seed_then_dependencies_then_missing_ir() {
        let r = reason(Some(&ir(0, 10, &[])), &ir(1, 10, &[]), "tune", &[]);
        assert_eq!(r, "the pipeline's seed changed: 0 → 1");
        let r = reason(
            Some(&ir(0, 10, &["search"])),
            &ir(0, 10, &["search"]),
            "tune",
            &["search".into()],
        );
        assert_eq!(r, "it depends on `search`, which runs again");
        let r = reason(Some(&ir(0, 10, &[])), &ir(0, 10, &["search"]), "tune", &[]);
        assert_eq!(r, "it now runs after `search` (before: no stage)");
        assert!(reason(None, &ir(0, 10, &[]), "tune", &[]).contains("missing"));
    }

    #[test]
    fn stages_no_longer_in_the_pipeline() {
        let mut new = ir(0, 10, &[]);
        new["pipeline"]["stages"].as_array_mut().unwrap().remove(1);
        assert_eq!(
            dropped_stages(&ir(0, 10, &[]), &new),
            vec!["tune".to_string()]
        );
    }

    #[test]
    fn long_values_are_shortened() {
        let long = json!("x".repeat(100));
        let s = short(Some(&long));
        assert_eq!(s.chars().count(), VALUE_CHARS);
        assert!(s.ends_with('…'));
        assert_eq!(at(&json!({"a": [1, {"b": 2}]}), "a[1].b"), Some(&json!(2)));
    }
}
