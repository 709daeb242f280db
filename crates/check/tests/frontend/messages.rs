//! Messages that used to mislead: a condition written number-first, a standard module used
//! without its import, a did-you-mean that shares no letter with the name.

use std::path::Path;

use nas_check::resolve::LoadOptions;
use nas_check::{compile_text, Compiled, Select};
use nas_ir::{Condition, StageKind, Transition};

fn check(src: &str) -> Compiled {
    compile_text(
        "messages.nas",
        src,
        Path::new("."),
        &LoadOptions::default(),
        &Select::default(),
    )
}

/// A pipeline whose second search stage has one phase ending `when` the condition holds.
fn search_with(when: &str) -> String {
    format!(
        "import std.recipes.sswp
import std.data
pipeline p = sswp.recipe(data = data.digits(), cells = 4, channels = 8, epochs = 5, batch = 32) {{
  stage s2: ssl_search {{
    objective = simclr(temperature = 0.1)
    batch = 32
    weights = sgd(lr = 0.05)
    arch = adam(lr = 1e-3, every = 5)
    phase a {{ max_epochs = 3, when {when} }}
  }}
}}
"
    )
}

fn condition(when: &str) -> Transition {
    let c = check(&search_with(when));
    assert!(!c.has_errors(), "{when}: {:#?}", c.diags);
    let p = &c.programs[0];
    let stage = p
        .pipeline
        .stages
        .iter()
        .find(|s| s.name == "s2")
        .expect("s2");
    let StageKind::SslSearch(s) = &stage.kind else {
        panic!("a search")
    };
    s.phases[0].until.clone()
}

#[test]
fn a_condition_may_name_its_metric_on_either_side() {
    crate::support::at_root();
    let left = condition("loss < 4.0");
    assert_eq!(condition("4.0 > loss"), left);
    assert_eq!(
        condition("0.5 <= alpha_entropy"),
        condition("alpha_entropy >= 0.5")
    );
    let Transition::When {
        condition: Condition::Metric { metric, .. },
        ..
    } = left
    else {
        panic!("a metric condition")
    };
    assert_eq!(metric, "loss");
}

#[test]
fn a_standard_module_without_its_import_names_the_import() {
    crate::support::at_root();
    let c = check("import std.data\nlet s = darts.cifar(cells = 4)\nlet a = augment.simclr(data.digits())\nlet r = nb201.network()\n");
    let helps: Vec<String> = c
        .diags
        .iter()
        .map(|d| format!("{} {}", d.code, d.help.clone().unwrap_or_default()))
        .collect();
    assert_eq!(helps.len(), 3, "{helps:#?}");
    assert!(
        helps[0].contains("nas::resolve::missing_import")
            && helps[0].contains("import std.spaces.darts")
    );
    assert!(helps[1].contains("import std.augment"), "{helps:#?}");
    assert!(helps[2].contains("import std.spaces.nb201"), "{helps:#?}");
}

#[test]
fn did_you_mean_needs_a_shared_letter_and_nothing_lists_every_builtin() {
    crate::support::at_root();
    use nas_syntax::diagnostics::closest;
    assert_eq!(closest("abc", ["bn"]), None);
    assert_eq!(closest("bm", ["bn"]), Some("bn"));
    assert_eq!(closest("momentun", ["momentum"]), Some("momentum"));
    let c = check("let x = abc\n");
    let help = c.diags[0].help.clone().unwrap_or_default();
    assert!(!help.contains("`bn`") && help.contains("\"abc\""), "{help}");
}
