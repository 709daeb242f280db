//! Inputs for the formatter's property test: valid pipelines drawn from a seed (extensions of
//! the SSWP recipe and stand-alone searches, with integer fields written as arithmetic that
//! evaluates to a valid value), and layout noise (whitespace, comments, blank lines, CRLF)
//! laid over any source.

use crate::fuzz::Rng;

fn chance(rng: &mut Rng, percent: usize) -> bool {
    rng.below(100) < percent
}

fn pick<'a>(rng: &mut Rng, xs: &[&'a str]) -> &'a str {
    xs[rng.below(xs.len())]
}

/// An integer expression (tokens separated by spaces) and how tightly it binds: comparisons
/// 1, `+ -` 2, `* /` 3, `of` 4, unary minus 5, atoms 6.
struct Int {
    text: String,
    prec: u8,
}

fn atom(text: String) -> Int {
    Int { text, prec: 6 }
}

/// `l op r` with the parentheses precedence needs, and now and then one it does not.
fn binary(rng: &mut Rng, l: Int, op: &str, r: Int, prec: u8) -> Int {
    let wrap = |rng: &mut Rng, e: Int, needed: bool| {
        if needed || chance(rng, 10) {
            format!("( {} )", e.text)
        } else {
            e.text
        }
    };
    let (l_needs, r_needs) = (l.prec < prec, r.prec <= prec);
    let l = wrap(rng, l, l_needs);
    let r = wrap(rng, r, r_needs);
    Int {
        text: format!("{l} {op} {r}"),
        prec,
    }
}

/// An expression that evaluates to `v` (>= 0).
fn int(rng: &mut Rng, v: i64, depth: usize) -> Int {
    if depth == 0 || chance(rng, 45) {
        return atom(v.to_string());
    }
    let d = depth - 1;
    match rng.below(7) {
        0 => {
            let a = rng.below(v as usize + 1) as i64;
            let (l, r) = (int(rng, a, d), int(rng, v - a, d));
            binary(rng, l, "+", r, 2)
        }
        1 => {
            let divisors: Vec<i64> = (1..=v.max(1)).filter(|k| v % k == 0).collect();
            let a = divisors[rng.below(divisors.len())];
            let (l, r) = (int(rng, a, d), int(rng, v / a.max(1), d));
            binary(rng, l, "*", r, 3)
        }
        2 => {
            let m = rng.below(6) as i64;
            let (l, r) = (int(rng, v + m, d), int(rng, m, d));
            binary(rng, l, "-", r, 2)
        }
        3 => {
            let k = 1 + rng.below(4) as i64;
            let (l, r) = (int(rng, v * k, d), atom(k.to_string()));
            binary(rng, l, "/", r, 3)
        }
        4 => {
            let (pct, n) = if chance(rng, 50) {
                ("100%", v)
            } else {
                ("50%", 2 * v)
            };
            let r = int(rng, n, d);
            binary(rng, atom(pct.into()), "of", r, 4)
        }
        5 => {
            let inner = if chance(rng, 50) {
                format!("( - {v} )")
            } else {
                format!("- {v}")
            };
            Int {
                text: format!("- {inner}"),
                prec: 5,
            }
        }
        _ => atom(format!("( {} )", int(rng, v, d).text)),
    }
}

fn int_text(rng: &mut Rng, v: i64) -> String {
    int(rng, v, 3).text
}

/// An expression for a value drawn from `lo..lo + n`.
fn int_in(rng: &mut Rng, lo: usize, n: usize) -> String {
    let v = lo + rng.below(n);
    int_text(rng, v as i64)
}

/// `a , b , c` and now and then a trailing comma.
fn commas(rng: &mut Rng, parts: &[String]) -> String {
    let mut s = parts.join(" , ");
    if !parts.is_empty() && chance(rng, 20) {
        s.push_str(" ,");
    }
    s
}

/// Block fields, separated by commas or not.
fn fields(rng: &mut Rng, parts: &[String]) -> String {
    let sep = if chance(rng, 50) { " , " } else { " " };
    parts.join(sep)
}

/// The imports and shared definitions that every generated file starts with.
pub fn prelude() -> &'static str {
    "import std.recipes.sswp\nimport std.spaces.darts\nimport std.augment\nimport std.data\n\n\
     let lr0 = 0.05\n\
     def opt ( lr : float = 0.025 , momentum : float = 0.9 ) : optimiser = sgd ( lr = lr , momentum = momentum )\n\
     op conv_bn ( k : int ) = seq ( relu , conv ( k , stride = edge ) , bn )\n\
     let ops = [ darts . sep_conv_3x3 , darts . skip_connect , named ( \"cb3\" , conv_bn ( 3 ) ) , darts . max_pool_3x3 ]\n"
}

/// One valid pipeline named `g<i>`, tokens separated by spaces.
pub fn pipeline(rng: &mut Rng, i: usize) -> String {
    let mut items = Vec::new();
    let standalone = chance(rng, 40);
    let header = if standalone {
        items.extend(search_items(rng));
        let epochs = 5 + rng.below(20);
        format!("pipeline g{i} ( epochs : int = {epochs} )")
    } else {
        let args = [
            "data = data . digits ( )".to_string(),
            format!("cells = {}", int_in(rng, 3, 4)),
            format!("channels = {}", pick(rng, &["4", "8", "2 * 4"])),
            format!("epochs = {}", int_in(rng, 5, 20)),
            format!("batch = {}", pick(rng, &["8", "16", "32"])),
        ];
        let n = 1 + rng.below(args.len());
        format!(
            "pipeline g{i} = sswp . recipe ( {} )",
            commas(rng, &args[..n])
        )
    };
    items.push(format!("seed = {}", int_in(rng, 0, 100)));
    if !standalone {
        items.extend(overrides(rng));
    }
    for k in 0..rng.below(4) {
        items.push(stage(rng, k));
    }
    format!("{header} {{ {} }}", items.join(" "))
}

/// Settings and overrides of the recipe's search stage.
fn overrides(rng: &mut Rng) -> Vec<String> {
    let mut out = Vec::new();
    if chance(rng, 50) {
        out.push(format!("search . steps_per_epoch = {}", int_in(rng, 1, 20)));
    }
    if chance(rng, 40) {
        out.push(format!(
            "search . arch = adam ( lr = {} , betas = ( {} , 0.999 ) , every = {} )",
            pick(rng, &["1e-2", "3e-2", "0.001"]),
            pick(rng, &["0.0", "0.5"]),
            int_in(rng, 1, 5)
        ));
    }
    if chance(rng, 30) {
        out.push("search . weights = opt ( lr = lr0 )".into());
    }
    if chance(rng, 30) {
        let steps = [
            "random_resized_crop ( size = 8 , scale = ( 0.5 , 1.0 ) )".to_string(),
            "normalize ( data . mean , data . std )".to_string(),
        ];
        out.push(format!(
            "views = augmentation ( views = 2 , steps = [ {} ] )",
            commas(rng, &steps)
        ));
    }
    out
}

/// A stand-alone search: data, space, views, a search stage with phases, derive.
fn search_items(rng: &mut Rng) -> Vec<String> {
    let space_ops = pick(rng, &["darts . sswp_ops", "ops"]);
    let cells = int_in(rng, 3, 3);
    let sampler = pick(rng, &["two_path ( skip_drop = 0.2 )", "two_path"]);
    let batch = int_text(rng, 16);
    let mut search = vec![
        "objective = simclr ( temperature = 0.07 , head = mlp ( 32 , 16 ) )".to_string(),
        format!("sampler = {sampler}"),
        format!("batch = {batch}"),
        "weights = opt ( )".to_string(),
        "arch = adam ( lr = 1e-3 , betas = ( 0.0 , 0.999 ) , every = 2 )".to_string(),
    ];
    if chance(rng, 50) {
        search.push("epochs = epochs".into());
        search.push("phase warmup { epochs = 20% of epochs , arch = frozen }".into());
        search.push(format!(
            "phase search {{ {} }}",
            fields(rng, &["epochs = 40% of epochs".to_string()])
        ));
        search.push(format!(
            "phase freeze {{ {} }}",
            fields(
                rng,
                &[
                    "epochs = epochs - 20% of epochs - 40% of epochs".to_string(),
                    "freeze = cells ( forward )".to_string()
                ]
            )
        ));
    } else {
        search.push("phase warmup { epochs = 1 , arch = frozen }".into());
        let cond = pick(
            rng,
            &["arch_stable ( epochs = 2 )", "loss < 0.5", "val_acc >= 0.9"],
        );
        let parts = [
            format!("max_epochs = {}", int_text(rng, 3)),
            format!("when {cond}"),
        ];
        search.push(format!("phase search {{ {} }}", fields(rng, &parts)));
    }
    vec![
        "data = data . digits ( limit = 200 )".to_string(),
        format!("space = darts . cifar ( cells = {cells} , channels = 8 , ops = {space_ops} , alpha = per_cell )"),
        "views = augment . simclr ( data )".to_string(),
        format!("stage search : ssl_search {{ {} }}", fields(rng, &search)),
        "stage derive : derive { edges_per_node = 2 , max_skip = 2 , max_pool = 2 } after search"
            .to_string(),
    ]
}

/// A stage `t<k>` that uses the derived network.
fn stage(rng: &mut Rng, k: usize) -> String {
    let epochs = format!("epochs = {}", int_in(rng, 1, 10));
    match rng.below(4) {
        0 => {
            let mut args = vec![
                format!("init = {}", pick(rng, &["preserved", "random"])),
                format!("labels = {}%", 1 + rng.below(100)),
                epochs,
            ];
            if chance(rng, 40) {
                args.push(format!("batch = {}", int_text(rng, 16)));
            }
            if chance(rng, 40) {
                args.push("optim = opt ( lr = lr0 , momentum = 0.8 )".into());
            }
            format!("stage t{k} : finetune ( {} ) after derive", commas(rng, &args))
        }
        1 => format!(
            "stage t{k} : knn ( init = preserved , k = {} , temperature = 0.1 , labels = 10% ) after derive",
            int_text(rng, 5)
        ),
        2 => format!("stage t{k} : linear_eval ( {epochs} ) after derive"),
        _ => format!(
            "stage t{k} : finetune {{ {} }} after derive",
            fields(rng, &[epochs, "labels = 50%".to_string()])
        ),
    }
}

/// `text` with every run of whitespace outside strings and comments replaced by other
/// whitespace (spaces, tabs, line ends, blank lines) or, one time in eight, a comment; and
/// now and then CRLF line ends. The tokens and their order are untouched.
pub fn scramble(text: &str, rng: &mut Rng) -> String {
    const SPACES: &[&str] = &[
        " ", " ", " ", " ", "\n", "\n", "  ", "\t", "\n\n", "\n\n\n", "\n    ",
    ];
    const COMMENTS: &[&str] = &[
        " /* c */ ",
        " // c\n",
        "\n// own line\n",
        "\n\n/* own\n   block */\n",
        " /*x*/",
    ];
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len() * 2);
    let (mut i, mut after_line_comment) = (0, false);
    while i < b.len() {
        let start = i;
        match b[i] {
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    i += if b[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                i = text[i..].find('\n').map_or(b.len(), |p| i + p);
                out.push_str(&text[start..i]);
                after_line_comment = true;
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i = text[i + 2..].find("*/").map_or(b.len(), |p| i + 2 + p + 2);
            }
            c if c.is_ascii_whitespace() => {
                while i < b.len() && b[i].is_ascii_whitespace() {
                    i += 1;
                }
                if after_line_comment {
                    out.push('\n');
                }
                let noise = if chance(rng, 12) { COMMENTS } else { SPACES };
                out.push_str(noise[rng.below(noise.len())]);
                after_line_comment = false;
                continue;
            }
            _ => i += text[i..].chars().next().map_or(1, char::len_utf8),
        }
        out.push_str(&text[start..i.min(b.len())]);
        after_line_comment = false;
    }
    if chance(rng, 20) {
        out = out.replace('\n', "\r\n");
    }
    out
}
