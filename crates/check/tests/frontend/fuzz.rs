//! The mutation fuzz, as a test: mutants of every example and standard-library file (a fixed
//! seed and a bounded count, so every run checks the same cases) go through the whole front
//! end (`nas check`), the estimates (`--estimate`) and the human rendering. None may panic,
//! report an internal error, or take long.

use std::path::Path;
use std::time::{Duration, Instant};

use nas_check::resolve::LoadOptions;
use nas_check::{compile_text, Select};
use nas_ir::estimate::{estimate_network, estimate_train_memory};
use nas_ir::StageKind;

/// Mutants per file.
const MUTANTS: usize = 250;

/// SplitMix64: a small seeded generator, so the cases are the same on every machine (the
/// formatter's tests draw from it too).
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Things a mutant splices in: brackets, operators, extreme numbers, unfinished strings and
/// comments, keywords out of place.
const TOKENS: &[&str] = &[
    "(",
    ")",
    "{",
    "}",
    "[",
    "]",
    "=",
    ",",
    ".",
    "%",
    "-",
    "*",
    "/",
    "\"",
    "/*",
    "//",
    "\n",
    "0",
    "-1",
    "1e309",
    "9223372036854775807",
    "1000000",
    "0.0",
    "stage",
    "pipeline",
    "after",
    "when",
    "import",
    "let",
    "def",
    "op",
    "phase",
    "true",
    "x",
];

/// One mutant of `text`: a deletion, a duplication, a splice of a token, a swap of two lines
/// or a number made huge. Byte positions are moved to character boundaries.
pub fn mutate(text: &str, rng: &mut Rng) -> String {
    let at = |rng: &mut Rng| {
        let mut i = rng.below(text.len() + 1);
        while !text.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let (a, b) = {
        let (x, y) = (at(rng), at(rng));
        (x.min(y), x.max(y).min(x.min(y) + 200))
    };
    let b = (a..=b)
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(a);
    match rng.below(5) {
        0 => format!("{}{}", &text[..a], &text[b..]),
        1 => format!("{}{}{}", &text[..b], &text[a..b], &text[b..]),
        2 => format!(
            "{}{}{}",
            &text[..a],
            TOKENS[rng.below(TOKENS.len())],
            &text[a..]
        ),
        3 => {
            let mut lines: Vec<&str> = text.lines().collect();
            let (i, j) = (rng.below(lines.len()), rng.below(lines.len()));
            if !lines.is_empty() {
                lines.swap(i, j);
            }
            lines.join("\n")
        }
        _ => {
            let digits: Vec<usize> = text
                .char_indices()
                .filter(|(_, c)| c.is_ascii_digit())
                .map(|(i, _)| i)
                .collect();
            if digits.is_empty() {
                return text.to_string();
            }
            let i = digits[rng.below(digits.len())];
            format!("{}99999999{}", &text[..i], &text[i..])
        }
    }
}

fn nas_files() -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = ["examples", "stdlib"]
        .iter()
        .flat_map(walkdir::WalkDir::new)
        .filter_map(Result::ok)
        .map(|e| e.path().to_path_buf())
        .filter(|p| p.extension().is_some_and(|x| x == "nas"))
        .collect();
    v.sort();
    v
}

#[test]
fn mutants_of_every_example_and_stdlib_file_never_crash_check_estimate_or_render() {
    crate::support::at_root();
    let mut rng = Rng(20_261_207);
    let (mut cases, mut slowest) = (0usize, Duration::ZERO);
    let mut failures = Vec::new();
    for file in nas_files() {
        let text = std::fs::read_to_string(&file).unwrap();
        let dir = file.parent().unwrap_or(Path::new("."));
        for k in 0..MUTANTS {
            let mutant = mutate(&text, &mut rng);
            let t = Instant::now();
            let outcome = std::panic::catch_unwind(|| {
                let c = compile_text(
                    "mutant.nas",
                    &mutant,
                    dir,
                    &LoadOptions::default(),
                    &Select::default(),
                );
                nas_syntax::diagnostics::render_human(&c.diags, &c.sources, 80, false);
                for p in &c.programs {
                    for s in &p.pipeline.stages {
                        let net = match &s.kind {
                            StageKind::SslSearch(s) => &s.network,
                            StageKind::SslTrain(s) => &s.network,
                            StageKind::Finetune(s)
                            | StageKind::Train(s)
                            | StageKind::LinearEval(s) => &s.network,
                            _ => continue,
                        };
                        let _ = estimate_network(net, None);
                        let _ = estimate_train_memory(net, None, 96, 4);
                    }
                }
                c.diags
                    .iter()
                    .filter(|d| d.code.ends_with("::internal"))
                    .map(|d| d.message.clone())
                    .collect::<Vec<_>>()
            });
            slowest = slowest.max(t.elapsed());
            cases += 1;
            match outcome {
                Ok(internal) if internal.is_empty() => {}
                Ok(internal) => failures.push(format!("{} #{k}: {internal:?}", file.display())),
                Err(_) => failures.push(format!("{} #{k}: panicked", file.display())),
            }
        }
    }
    assert!(cases >= 10 * MUTANTS, "{cases} cases");
    assert!(
        failures.is_empty(),
        "{} of {cases} mutants failed: {failures:#?}",
        failures.len()
    );
    assert!(
        slowest < Duration::from_secs(5),
        "the slowest mutant took {slowest:?}"
    );
    println!("{cases} mutants, 0 failures, slowest {slowest:?}");
}
