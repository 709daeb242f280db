//! Any bytes as a `.nas` file: parse, check and lower must return diagnostics, never panic,
//! overflow the stack or hang; rendering them must not panic either.

#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use nas_check::resolve::LoadOptions;
use nas_check::{compile_text, Select};
use nas_syntax::diagnostics::{render_human, to_json};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let c = compile_text(
        "fuzz.nas",
        text,
        Path::new("."),
        &LoadOptions::default(),
        &Select::default(),
    );
    let _ = render_human(&c.diags, &c.sources, 80, false);
    let _ = to_json(&c.diags, &c.sources);
});
