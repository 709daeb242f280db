//! The standard library, embedded in the binary at build time so that an installed `nas`
//! works anywhere. Keys are module paths after `std.` (`spaces.darts`).

/// (module path, source text) of every standard module.
pub const STDLIB: &[(&str, &str)] = &[
    ("augment", include_str!("../../../../stdlib/augment.nas")),
    ("data", include_str!("../../../../stdlib/data.nas")),
    (
        "genotypes",
        include_str!("../../../../stdlib/genotypes.nas"),
    ),
    (
        "recipes.darts",
        include_str!("../../../../stdlib/recipes/darts.nas"),
    ),
    (
        "recipes.nb201",
        include_str!("../../../../stdlib/recipes/nb201.nas"),
    ),
    (
        "recipes.sswp",
        include_str!("../../../../stdlib/recipes/sswp.nas"),
    ),
    (
        "spaces.darts",
        include_str!("../../../../stdlib/spaces/darts.nas"),
    ),
    (
        "spaces.nb201",
        include_str!("../../../../stdlib/spaces/nb201.nas"),
    ),
];

/// The source of `std.<path>`, if it exists.
pub fn lookup(path: &str) -> Option<&'static str> {
    STDLIB.iter().find(|(p, _)| *p == path).map(|(_, t)| *t)
}

/// The name shown in diagnostics for `std.<path>`: `std/spaces/darts.nas`.
pub fn display_name(path: &str) -> String {
    format!("std/{}.nas", path.replace('.', "/"))
}

/// The standard modules that a name used without an import may mean: those whose last
/// segment is `name` (`augment`, `darts`), and when `member` is given, only those that
/// define it (`darts.cifar` is `std.spaces.darts`, not `std.recipes.darts`).
pub fn modules_named(name: &str, member: Option<&str>) -> Vec<&'static str> {
    STDLIB
        .iter()
        .filter(|(path, _)| path.rsplit('.').next() == Some(name))
        .filter(|(_, text)| member.is_none_or(|m| defines(text, m)))
        .map(|(path, _)| *path)
        .collect()
}

/// Whether a standard module's text defines `name` at the top level (`let`, `def`, `op`,
/// `pipeline`; the standard library is formatted, so definitions start their line).
fn defines(text: &str, name: &str) -> bool {
    text.lines().any(|line| {
        ["let ", "def ", "op ", "pipeline "].iter().any(|kw| {
            line.strip_prefix(kw).is_some_and(|rest| {
                rest.strip_prefix(name).is_some_and(|after| {
                    !after.starts_with(|c: char| c.is_alphanumeric() || c == '_')
                })
            })
        })
    })
}

/// The report for `name` (a standard module's last segment) used without its import, at
/// `span`; `None` when no standard module fits.
pub fn missing_import(
    name: &str,
    member: Option<&str>,
    span: nas_syntax::source::Span,
) -> Option<nas_syntax::diagnostics::Diag> {
    let modules = modules_named(name, member);
    let lines: Vec<String> = modules
        .iter()
        .map(|m| format!("`import std.{m}`"))
        .collect();
    let help = match lines.as_slice() {
        [] => return None,
        [one] => format!("add {one} at the top of the file"),
        many => format!("add one of {} at the top of the file", many.join(", ")),
    };
    let e = super::ResolveError::MissingImport {
        name: name.to_string(),
    };
    Some(nas_syntax::diagnostics::Diag::error(e, span, "not imported").with_help(help))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_member_picks_the_module_that_defines_it() {
        assert_eq!(modules_named("darts", Some("cifar")), vec!["spaces.darts"]);
        assert_eq!(
            modules_named("darts", Some("recipe")),
            vec!["recipes.darts"]
        );
        assert_eq!(modules_named("darts", None).len(), 2);
        assert_eq!(modules_named("augment", Some("simclr")), vec!["augment"]);
        assert!(modules_named("augment", Some("simclr_x")).is_empty());
        assert!(modules_named("nothing", None).is_empty());
    }
}
