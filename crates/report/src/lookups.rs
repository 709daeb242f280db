//! The benchmark look-ups of a sweep: every run's found cell with its true accuracies
//! (`nb201_lookup` stages), and per arm (runs whose pipelines differ only in a trailing
//! `_<seed>`) the mean ± standard deviation, best and worst CIFAR-10 accuracy, the search's
//! wall time and its final alpha entropy: the table the NAS-Bench-201 measurement reports.
//!
//! Contract: runs without a look-up stage are left out; nothing is written here.

use std::fmt::Write as _;

use super::folder::{Metric, RunFolder};
use super::plots::{Corner, Panel, Series};
use super::table::{spread_text, MeanStd};
use nas_ir::StageKind;

/// One run's look-up and its search.
#[derive(Debug, Clone, PartialEq)]
pub struct LookupRun {
    pub run: String,
    pub pipeline: String,
    /// The pipeline's name without a trailing `_<digits>`.
    pub arm: String,
    pub arch: String,
    pub cifar10: f64,
    pub cifar100: f64,
    pub imagenet16: f64,
    pub top_percent: f64,
    pub search_seconds: Option<f64>,
    pub final_entropy: Option<f64>,
}

/// Per arm: CIFAR-10 accuracy over its runs, in percent.
#[derive(Debug, Clone, PartialEq)]
pub struct ArmSummary {
    pub arm: String,
    pub cifar10: MeanStd,
    pub best: f64,
    pub worst: f64,
    pub mean_seconds: Option<f64>,
    pub mean_entropy: Option<f64>,
}

/// The look-up of every run that has one (its first `nb201_lookup` stage).
pub fn lookup_runs(runs: &[RunFolder]) -> Vec<LookupRun> {
    runs.iter()
        .filter_map(|run| {
            let look = run.stages.iter().find_map(|s| s.lookup())?;
            let search = run
                .stages
                .iter()
                .find(|s| matches!(s.kind(), StageKind::SslSearch(_)));
            let r = &look.result;
            Some(LookupRun {
                run: run.dir.display().to_string(),
                pipeline: run.program.pipeline.name.clone(),
                arm: arm_of(&run.program.pipeline.name),
                arch: r.arch.clone(),
                cifar10: r.cifar10,
                cifar100: r.cifar100,
                imagenet16: r.imagenet16,
                top_percent: r.cifar10_top_percent,
                search_seconds: search.and_then(|s| s.seconds()),
                final_entropy: search
                    .and_then(|s| s.series(Metric::AlphaEntropy, None).last().map(|p| p.1)),
            })
        })
        .collect()
}

/// `recipe_3` -> `recipe`; names without a numeric suffix are their own arm.
pub fn arm_of(pipeline: &str) -> String {
    match pipeline.rsplit_once('_') {
        Some((head, tail))
            if !head.is_empty() && tail.chars().all(|c| c.is_ascii_digit()) && !tail.is_empty() =>
        {
            head.to_string()
        }
        _ => pipeline.to_string(),
    }
}

/// Arms in order of first appearance.
pub fn summaries(rows: &[LookupRun]) -> Vec<ArmSummary> {
    let mut arms: Vec<&str> = Vec::new();
    for r in rows {
        if !arms.contains(&r.arm.as_str()) {
            arms.push(&r.arm);
        }
    }
    arms.into_iter()
        .filter_map(|arm| {
            let of: Vec<&LookupRun> = rows.iter().filter(|r| r.arm == arm).collect();
            let acc: Vec<f64> = of.iter().map(|r| r.cifar10).collect();
            let mean = |v: Vec<f64>| MeanStd::of(&v).map(|m| m.mean);
            Some(ArmSummary {
                arm: arm.to_string(),
                cifar10: MeanStd::of(&acc)?,
                best: acc.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                worst: acc.iter().copied().fold(f64::INFINITY, f64::min),
                mean_seconds: mean(of.iter().filter_map(|r| r.search_seconds).collect()),
                mean_entropy: mean(of.iter().filter_map(|r| r.final_entropy).collect()),
            })
        })
        .collect()
}

fn or_dash(v: Option<f64>, f: impl Fn(f64) -> String) -> String {
    v.map(f).unwrap_or_else(|| "-".into())
}

/// The markdown section (none when no run has a look-up).
pub fn markdown(rows: &[LookupRun]) -> Option<String> {
    if rows.is_empty() {
        return None;
    }
    let mut md = String::from("## Benchmark look-ups\n\n");
    md.push_str(
        "True test accuracy (%) of each run's found cell from the benchmark table, which no \
         search reads. Per arm (pipelines named `<arm>_<seed>`): mean ± sample standard \
         deviation over runs (n), best and worst; the search stage's wall time and its alpha \
         entropy at the last epoch (ln 5 = 1.609 is uniform over NB201's 5 ops).\n\n",
    );
    md.push_str("| arm | n | CIFAR-10 mean ± std | best | worst | search wall s (mean) | final alpha entropy (mean) |\n");
    md.push_str("|---|---:|---:|---:|---:|---:|---:|\n");
    for s in summaries(rows) {
        // below 3 runs a standard deviation is no measurement of spread
        let spread = spread_text(
            &format!("{:.2}", s.cifar10.mean),
            &format!("{:.2}", s.cifar10.std),
            s.cifar10.n,
            "run",
        );
        let _ = writeln!(
            md,
            "| {} | {} | {spread} | {:.2} | {:.2} | {} | {} |",
            s.arm,
            s.cifar10.n,
            s.best,
            s.worst,
            or_dash(s.mean_seconds, |v| format!("{v:.0}")),
            or_dash(s.mean_entropy, |v| format!("{v:.4}")),
        );
    }
    md.push_str("\n| run | cell | CIFAR-10 | CIFAR-100 | ImageNet16-120 | CIFAR-10 top % | search wall s | final alpha entropy |\n");
    md.push_str("|---|---|---:|---:|---:|---:|---:|---:|\n");
    for r in rows {
        let _ = writeln!(
            md,
            "| {} | `{}` | {:.2} | {:.2} | {:.2} | {:.2} | {} | {} |",
            r.pipeline,
            r.arch.replace('|', "\\|"),
            r.cifar10,
            r.cifar100,
            r.imagenet16,
            r.top_percent,
            or_dash(r.search_seconds, |v| format!("{v:.0}")),
            or_dash(r.final_entropy, |v| format!("{v:.4}")),
        );
    }
    Some(md)
}

/// One series per arm: CIFAR-10 accuracy of its runs in order (x = 1, 2, ...).
pub fn panel(rows: &[LookupRun]) -> Option<Panel> {
    if rows.is_empty() {
        return None;
    }
    let series = summaries(rows)
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let points = rows
                .iter()
                .filter(|r| r.arm == s.arm)
                .enumerate()
                .map(|(k, r)| ((k + 1) as f64, r.cifar10))
                .collect();
            Series {
                markers: true,
                ..Series::line(
                    format!("{} ({:.2} ± {:.2})", s.arm, s.cifar10.mean, s.cifar10.std),
                    points,
                    i,
                )
            }
        })
        .collect();
    Some(Panel {
        title: "found cells: true CIFAR-10 accuracy (NAS-Bench-201)".into(),
        x_label: "run of the arm".into(),
        y_label: "test accuracy (%)".into(),
        series,
        legend: Corner::LowerRight,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(pipeline: &str, acc: f64) -> LookupRun {
        LookupRun {
            run: format!("runs/{pipeline}"),
            pipeline: pipeline.into(),
            arm: arm_of(pipeline),
            arch: "|a~0|+|a~0|b~1|+|a~0|b~1|c~2|".into(),
            cifar10: acc,
            cifar100: 70.0,
            imagenet16: 40.0,
            top_percent: 5.0,
            search_seconds: Some(100.0),
            final_entropy: Some(0.5),
        }
    }

    #[test]
    fn arms_group_seeds_and_summarise() {
        assert_eq!(arm_of("recipe_12"), "recipe");
        assert_eq!(arm_of("recipe"), "recipe");
        assert_eq!(arm_of("x_y"), "x_y");
        let rows = vec![row("a_0", 93.0), row("b_0", 90.0), row("a_1", 94.0)];
        let s = summaries(&rows);
        assert_eq!(s.len(), 2);
        assert_eq!((s[0].arm.as_str(), s[0].cifar10.n), ("a", 2));
        assert!((s[0].cifar10.mean - 93.5).abs() < 1e-12);
        assert!((s[0].cifar10.std - 0.5f64.sqrt()).abs() < 1e-12);
        assert_eq!((s[0].best, s[0].worst), (94.0, 93.0));
        let md = markdown(&rows).unwrap();
        assert!(
            md.contains(
                "| a | 2 | 93.50 ± 0.71 (2 runs, too few for a spread) | 94.00 | 93.00 | 100 | 0.5000 |"
            ),
            "{md}"
        );
        assert!(md.contains("`\\|a~0\\|+"), "{md}");
        assert!(
            md.contains("| b | 1 | 90.00 (1 run, no spread) | 90.00 | 90.00 |"),
            "{md}"
        );
        assert!(markdown(&[]).is_none());
    }
}
