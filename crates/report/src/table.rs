//! The numbers of a run, as rows and as markdown tables: one row per evaluation stage
//! (finetune, train, linear_eval, knn, ssl_train) and one per self-supervised training
//! stage (ssl_search, ssl_train). Accuracies are fractions in the rows and percentages in
//! the tables.

use std::fmt::Write as _;

use super::folder::{Metric, RunFolder, StageRecord};
use nas_ir::{InitSpec, ObjectiveSpec, StageKind};

/// Mean, sample standard deviation (n - 1; 0 for one value) and count.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MeanStd {
    pub mean: f64,
    pub std: f64,
    pub n: usize,
}

impl MeanStd {
    /// None for no values.
    pub fn of(values: &[f64]) -> Option<MeanStd> {
        if values.is_empty() {
            return None;
        }
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        let var = if values.len() > 1 {
            values.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)
        } else {
            0.0
        };
        Some(MeanStd {
            mean,
            std: var.sqrt(),
            n: values.len(),
        })
    }
}

/// One evaluation stage, side by side with the others.
#[derive(Debug, Clone, PartialEq)]
pub struct EvalRow {
    pub stage: String,
    pub kind: &'static str,
    /// `preserved`, `random` or `from <stage>`.
    pub init: String,
    /// Fraction of the training labels used (none for self-supervised stages).
    pub labels: Option<f64>,
    pub epochs: Option<usize>,
    pub seeds: Option<usize>,
    /// Mean over seeds of the best validation accuracy (none without a validation split).
    pub val_acc: Option<f64>,
    pub test_acc: Option<MeanStd>,
    /// Test images each seed (or the kNN classifier) was tested on.
    pub test_images: Option<usize>,
    pub knn_acc: Option<f64>,
    pub seconds: Option<f64>,
    /// Mean over the epochs' records.
    pub images_per_sec: Option<f64>,
}

/// One self-supervised training stage: how its loss moved.
#[derive(Debug, Clone, PartialEq)]
pub struct SslRow {
    pub stage: String,
    pub kind: &'static str,
    /// The training objective: `SimCLR` or `cross-entropy (labels)`.
    pub objective: &'static str,
    pub epochs: usize,
    pub loss: Option<(f64, f64)>,
    /// First and last alpha entropy (search stages only).
    pub alpha_entropy: Option<(f64, f64)>,
    pub seconds: Option<f64>,
    pub images_per_sec: Option<f64>,
}

/// `preserved`, `random` or `from <stage>`.
pub fn init_text(init: &InitSpec) -> String {
    match init {
        InitSpec::Preserved => "preserved".into(),
        InitSpec::Random => "random".into(),
        InitSpec::Stage { stage } => format!("from {stage}"),
    }
}

/// The evaluation stages of `run`, in execution order.
pub fn eval_rows(run: &RunFolder) -> Vec<EvalRow> {
    run.stages.iter().filter_map(eval_row).collect()
}

fn eval_row(rec: &StageRecord) -> Option<EvalRow> {
    let mut row = EvalRow {
        stage: rec.name().to_string(),
        kind: rec.kind().name(),
        init: String::new(),
        labels: None,
        epochs: None,
        seeds: None,
        val_acc: None,
        test_acc: None,
        test_images: None,
        knn_acc: None,
        seconds: rec.seconds(),
        images_per_sec: mean_images_per_sec(rec),
    };
    match rec.kind() {
        StageKind::Finetune(s) | StageKind::Train(s) | StageKind::LinearEval(s) => {
            let (vals, tests) = per_seed(rec);
            row.init = init_text(&s.init);
            row.labels = Some(s.labels);
            row.epochs = Some(s.epochs);
            row.seeds = Some(s.seeds.len());
            row.val_acc = MeanStd::of(&vals).map(|m| m.mean);
            row.test_acc = MeanStd::of(&tests).or_else(|| result_test_acc(rec));
            row.test_images = rec.supervised().and_then(|d| d.test_images);
        }
        StageKind::Knn(s) => {
            row.init = init_text(&s.init);
            row.labels = Some(s.labels);
            row.knn_acc = rec.knn().map(|k| k.result.knn_acc);
            row.test_images = rec.knn().and_then(|k| k.result.test_images);
        }
        StageKind::SslTrain(s) => {
            row.init = init_text(&s.init);
            row.epochs = Some(s.epochs);
        }
        StageKind::SslSearch(_) | StageKind::Derive(_) | StageKind::Nb201Lookup(_) => return None,
    }
    Some(row)
}

/// Per-seed best validation accuracies (those that exist) and test accuracies, from
/// `done.json`'s `per_seed`.
fn per_seed(rec: &StageRecord) -> (Vec<f64>, Vec<f64>) {
    let seeds = rec
        .supervised()
        .map(|d| d.per_seed.as_slice())
        .unwrap_or_default();
    let vals = seeds.iter().filter_map(|s| s.val_acc()).collect();
    let tests = seeds.iter().map(|s| s.test_acc()).collect();
    (vals, tests)
}

/// The summary in `result` when `per_seed` is empty.
fn result_test_acc(rec: &StageRecord) -> Option<MeanStd> {
    let r = &rec.supervised()?.result;
    Some(MeanStd {
        mean: r.test_acc_mean,
        std: r.test_acc_std,
        n: r.seeds,
    })
}

fn mean_images_per_sec(rec: &StageRecord) -> Option<f64> {
    let v: Vec<f64> = rec
        .series(Metric::ImagesPerSec, None)
        .into_iter()
        .map(|p| p.1)
        .collect();
    MeanStd::of(&v).map(|m| m.mean)
}

/// The self-supervised training stages of `run`, in execution order.
pub fn ssl_rows(run: &RunFolder) -> Vec<SslRow> {
    run.stages
        .iter()
        .filter_map(|rec| {
            let (search, objective) = match rec.kind() {
                StageKind::SslSearch(s) => (true, &s.objective),
                StageKind::SslTrain(s) => (false, &s.objective),
                _ => return None,
            };
            let loss = rec.series(Metric::Loss, None);
            let entropy = rec.series(Metric::AlphaEntropy, None);
            Some(SslRow {
                stage: rec.name().to_string(),
                kind: rec.kind().name(),
                objective: objective_name(objective),
                epochs: rec.ssl().map_or(loss.len(), |d| d.result.epochs),
                loss: first_last(&loss),
                alpha_entropy: if search { first_last(&entropy) } else { None },
                seconds: rec.seconds(),
                images_per_sec: mean_images_per_sec(rec),
            })
        })
        .collect()
}

fn first_last(points: &[(f64, f64)]) -> Option<(f64, f64)> {
    Some((points.first()?.1, points.last()?.1))
}

/// A fraction as a percentage with 2 decimals: `0.424` -> `42.40`.
pub fn pct(x: f64) -> String {
    format!("{:.2}", x * 100.0)
}

/// Fewer values than this give a mean but no estimate of the spread between them.
pub const MIN_SEEDS: usize = 3;

/// `42.40 ± 0.73 (3)`; below [`MIN_SEEDS`] the text says the spread is no estimate:
/// `42.40 (1 seed, no spread)`, `42.40 ± 0.73 (2 seeds, too few for a spread)`.
pub fn mean_std_text(m: &MeanStd) -> String {
    spread_text(&pct(m.mean), &pct(m.std), m.n, "seed")
}

/// A mean, its standard deviation and count, as [`mean_std_text`] writes them; `unit` names
/// what was counted (`seed`, `run`).
pub fn spread_text(mean: &str, std: &str, n: usize, unit: &str) -> String {
    match n {
        0 | 1 => format!("{mean} (1 {unit}, no spread)"),
        n if n < MIN_SEEDS => format!("{mean} ± {std} ({n} {unit}s, too few for a spread)"),
        n => format!("{mean} ± {std} ({n})"),
    }
}

/// How the report names a training objective.
pub fn objective_name(o: &ObjectiveSpec) -> &'static str {
    match o {
        ObjectiveSpec::Simclr { .. } => "SimCLR",
        ObjectiveSpec::CrossEntropy { .. } => "cross-entropy (labels)",
    }
}

/// The y-axis label of an objective's loss curve.
pub fn loss_label(o: &ObjectiveSpec) -> &'static str {
    match o {
        ObjectiveSpec::Simclr { .. } => "NT-Xent loss",
        ObjectiveSpec::CrossEntropy { .. } => "cross-entropy loss",
    }
}

/// A label fraction without trailing zeros: `0.1` -> `10%`, `0.005` -> `0.5%`.
pub fn labels_text(fraction: f64) -> String {
    let s = format!("{:.3}", fraction * 100.0);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    format!("{s}%")
}

fn or_dash<T>(v: Option<T>, f: impl FnOnce(T) -> String) -> String {
    v.map(f).unwrap_or_else(|| "-".into())
}

/// The evaluation table in markdown.
pub fn eval_table(rows: &[EvalRow]) -> String {
    let mut md = String::from(
        "| stage | kind | init | labels | epochs | seeds | val acc % | test acc % (n) | kNN acc % | test images | wall s | images/s |\n\
         |---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for r in rows {
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            r.stage,
            r.kind,
            r.init,
            or_dash(r.labels, labels_text),
            or_dash(r.epochs, |e| e.to_string()),
            or_dash(r.seeds, |s| s.to_string()),
            or_dash(r.val_acc, pct),
            or_dash(r.test_acc.as_ref(), mean_std_text),
            or_dash(r.knn_acc, pct),
            or_dash(r.test_images, |n| n.to_string()),
            or_dash(r.seconds, |s| format!("{s:.1}")),
            or_dash(r.images_per_sec, |v| format!("{v:.0}")),
        );
    }
    md
}

/// The benchmark look-up table in markdown: one row per `nb201_lookup` stage.
pub fn lookup_table(run: &RunFolder) -> Option<String> {
    let mut md = String::from(
        "| stage | cell | CIFAR-10 % | CIFAR-100 % | ImageNet16-120 % | CIFAR-10 rank |\n\
         |---|---|---:|---:|---:|---|\n",
    );
    let mut any = false;
    // a cell string's `|` would end the table cell: escaped as `\|`
    for rec in &run.stages {
        let Some(d) = rec.lookup() else { continue };
        let r = &d.result;
        any = true;
        let _ = writeln!(
            md,
            "| {} | `{}` | {:.2} | {:.2} | {:.2} | top {:.2} % of {} cells |",
            rec.name(),
            r.arch.replace('|', "\\|"),
            r.cifar10,
            r.cifar100,
            r.imagenet16,
            r.cifar10_top_percent,
            r.cells
        );
    }
    any.then_some(md)
}

/// The self-supervised training table in markdown.
pub fn ssl_table(rows: &[SslRow]) -> String {
    let mut md = String::from(
        "| stage | kind | objective | epochs | loss first → last | alpha entropy first → last | wall s | images/s |\n\
         |---|---|---|---:|---|---|---:|---:|\n",
    );
    let arrow = |(a, b): (f64, f64)| format!("{a:.4} → {b:.4}");
    for r in rows {
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            r.stage,
            r.kind,
            r.objective,
            r.epochs,
            or_dash(r.loss, arrow),
            or_dash(r.alpha_entropy, arrow),
            or_dash(r.seconds, |s| format!("{s:.1}")),
            or_dash(r.images_per_sec, |v| format!("{v:.0}")),
        );
    }
    md
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_std_and_formatting() {
        let m = MeanStd::of(&[0.42, 0.43, 0.418]).unwrap();
        assert_eq!(mean_std_text(&m), "42.27 ± 0.64 (3)");
        let two = MeanStd::of(&[0.42, 0.43]).unwrap();
        assert_eq!(
            mean_std_text(&two),
            "42.50 ± 0.71 (2 seeds, too few for a spread)"
        );
        let one = MeanStd::of(&[0.5]).unwrap();
        assert_eq!(mean_std_text(&one), "50.00 (1 seed, no spread)");
        assert_eq!(MeanStd::of(&[0.5]).unwrap().std, 0.0);
        assert!(MeanStd::of(&[]).is_none());
        assert_eq!(labels_text(0.1), "10%");
        assert_eq!(labels_text(0.005), "0.5%");
        assert_eq!(labels_text(1.0), "100%");
    }
}
