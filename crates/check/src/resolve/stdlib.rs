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
