//! A generated 10,000-line spec must check in under a second in release mode.
//! Run once with `cargo test --release --test frontend_perf -- --ignored --nocapture`.

use std::path::Path;
use std::time::Instant;

use nas_check::resolve::LoadOptions;
use nas_check::{compile_text, Select};

/// About 10,000 lines: optimisers, ops, augmentations, and a pipeline of many stages.
fn generate() -> String {
    let mut s = String::from("import std.data\nimport std.spaces.darts\nimport std.augment\n\n");
    for i in 0..2000 {
        s.push_str(&format!("/// optimiser {i}\nlet opt{i} = sgd(lr = 0.001 * {}, momentum = 0.9, weight_decay = 3e-4, schedule = cosine)\n", i % 50 + 1));
    }
    for i in 0..1000 {
        s.push_str(&format!(
            "op conv{i} = seq(relu, dwconv({}, stride = edge), conv(1), bn)\n",
            2 * (i % 3) + 3
        ));
    }
    s.push_str("let my_ops = [darts.skip_connect, darts.sep_conv_3x3, conv0, conv1, conv2]\n\n");
    s.push_str("pipeline big {\n  data = data.digits()\n  space = darts.cifar(cells = 5, channels = 8, ops = my_ops, alpha = per_cell)\n");
    s.push_str("  views = augmentation(views = 2, steps = [random_resized_crop(size = 8), normalize(data.mean, data.std)])\n");
    s.push_str("  stage search: ssl_search {\n    objective = simclr(temperature = 0.1)\n    batch = 32\n    weights = opt1\n    arch = adam(lr = 1e-3)\n    phase warmup { epochs = 1, arch = frozen }\n    phase search { max_epochs = 5, when loss < 0.5 }\n  }\n");
    s.push_str("  stage derive: derive after search\n");
    let mut i = 0;
    while s.lines().count() < 10_000 {
        s.push_str(&format!(
            "  stage tune{i}: finetune {{\n    labels = {}%\n    epochs = 3\n    batch = 32\n    optim = opt{}\n    steps_per_epoch = 5\n  }} after derive\n",
            i % 100 + 1,
            i % 2000
        ));
        i += 1;
    }
    s.push_str("}\n");
    s
}

#[test]
#[ignore = "a measurement: run with --release"]
fn ten_thousand_lines_check_in_under_a_second() {
    crate::support::at_root();
    let src = generate();
    let lines = src.lines().count();
    assert!(lines >= 10_000);
    let t = Instant::now();
    let c = compile_text(
        "big.nas",
        &src,
        Path::new("."),
        &LoadOptions::default(),
        &Select::default(),
    );
    let took = t.elapsed();
    assert!(c.diags.is_empty(), "{:?}", &c.diags[..c.diags.len().min(3)]);
    assert_eq!(c.programs.len(), 1);
    println!(
        "{lines} lines checked and lowered in {took:?} ({} stages)",
        c.programs[0].pipeline.stages.len()
    );
    if !cfg!(debug_assertions) {
        assert!(took.as_secs_f64() < 1.0, "took {took:?}");
    }
}
