//! The form in which every layer publishes its diagnostic codes, for `nas explain`: the
//! front end (`nas_check::codes`), the interpreter (`nas_run::codes`) and the report
//! (`nas_report::codes`) each keep a table of these beside their error types.
//!
//! Contract: a code is `nas::<layer>::<name>`, never reused or renamed once released.

/// What `nas explain` prints for one code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeInfo {
    pub code: &'static str,
    pub summary: &'static str,
    pub explanation: &'static str,
    pub example: &'static str,
}

/// A table row, in the order the tables are written.
pub const fn c(
    code: &'static str,
    summary: &'static str,
    explanation: &'static str,
    example: &'static str,
) -> CodeInfo {
    CodeInfo {
        code,
        summary,
        explanation,
        example,
    }
}

/// Find `code` in `table`; the `nas::` prefix may be left out.
pub fn lookup<'a>(table: &'a [CodeInfo], code: &str) -> Option<&'a CodeInfo> {
    let full = full_name(code);
    table.iter().find(|c| c.code == full)
}

/// `code` with the `nas::` prefix.
pub fn full_name(code: &str) -> String {
    if code.starts_with("nas::") {
        code.to_string()
    } else {
        format!("nas::{code}")
    }
}

/// The codes of the `code(...)` attributes in `source` (an error type's file) that have no
/// row in `table`, and the rows of `table` that no attribute names: both empty when the
/// table and the error type agree.
pub fn unmatched(source: &str, table: &[CodeInfo]) -> Vec<String> {
    let named: Vec<&str> = source
        .split("code(")
        .skip(1)
        .filter_map(|part| part.split(')').next())
        .collect();
    let missing = named
        .iter()
        .filter(|code| !table.iter().any(|c| c.code == **code))
        .map(|code| format!("no row for {code}"));
    let extra = table
        .iter()
        .filter(|c| !named.contains(&c.code))
        .map(|c| format!("no variant for {}", c.code));
    missing.chain(extra).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unmatched_finds_both_directions() {
        let table = [c("nas::x::a", "", "", ""), c("nas::x::b", "", "", "")];
        let source = "#[diagnostic(code(nas::x::a))] #[diagnostic(code(nas::x::c), help(\"h\"))]";
        assert_eq!(
            unmatched(source, &table),
            vec![
                "no row for nas::x::c".to_string(),
                "no variant for nas::x::b".to_string()
            ]
        );
        assert_eq!(lookup(&table, "x::b").map(|c| c.code), Some("nas::x::b"));
    }
}
