//! The cross-run comparison of a sweep (one pipeline at different search epochs):
//! `sweep.md` and `sweep.png`. For every run and fine-tune label fraction it compares the
//! three initialisations of the derived network: (a) preserved, (b) random and (c) from an
//! `ssl_train` stage, by their mean test accuracies and the differences (a) − (b) and
//! (a) − (c).
//!
//! Contract: `render` builds both files in memory; nothing is written here.

use std::fmt::Write as _;
use std::path::PathBuf;

use super::error::ReportError;
use super::folder::{Metric, RunFolder, StageRecord};
use super::lookups::{self, LookupRun};
use super::plots::{render_png, Corner, Panel, Series, PLOT_SIZE};
use super::run::OutFile;
use super::table::{labels_text, mean_std_text, MeanStd};
use nas_ir::{InitSpec, StageKind};

/// One fine-tune stage's test accuracy over its seeds.
#[derive(Debug, Clone, PartialEq)]
pub struct Arm {
    pub stage: String,
    pub test_acc: MeanStd,
}

/// The arms of one label fraction of one run.
#[derive(Debug, Clone, PartialEq)]
pub struct Arms {
    pub labels: f64,
    pub preserved: Option<Arm>,
    pub random: Option<Arm>,
    /// Initialised from an `ssl_train` stage (the two-stage baseline).
    pub two_stage: Option<Arm>,
}

/// What a sweep compares of one run.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepRun {
    pub dir: PathBuf,
    pub pipeline: String,
    pub search_epochs: usize,
    /// The supernet's SSL loss at the last search epoch.
    pub final_ssl_loss: Option<f64>,
    /// By increasing label fraction.
    pub arms: Vec<Arms>,
}

/// A difference of two mean accuracies and its rough standard error
/// `sqrt(s_a² / n_a + s_b² / n_b)` (none unless both have two seeds or more).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Diff {
    pub mean: f64,
    pub pm: Option<f64>,
}

impl Diff {
    pub fn between(a: &MeanStd, b: &MeanStd) -> Diff {
        let pm = (a.n >= 2 && b.n >= 2)
            .then(|| (a.std.powi(2) / a.n as f64 + b.std.powi(2) / b.n as f64).sqrt());
        Diff {
            mean: a.mean - b.mean,
            pm,
        }
    }
}

impl Arms {
    /// (a) − (b).
    pub fn preserved_minus_random(&self) -> Option<Diff> {
        Some(Diff::between(
            &self.preserved.as_ref()?.test_acc,
            &self.random.as_ref()?.test_acc,
        ))
    }

    /// (a) − (c).
    pub fn preserved_minus_two_stage(&self) -> Option<Diff> {
        Some(Diff::between(
            &self.preserved.as_ref()?.test_acc,
            &self.two_stage.as_ref()?.test_acc,
        ))
    }
}

/// The comparison rows of `runs`, ordered by search epochs (stable for ties).
pub fn sweep_runs(runs: &[RunFolder]) -> Result<Vec<SweepRun>, ReportError> {
    let mut out = runs.iter().map(sweep_run).collect::<Result<Vec<_>, _>>()?;
    out.sort_by_key(|r| r.search_epochs);
    Ok(out)
}

fn sweep_run(run: &RunFolder) -> Result<SweepRun, ReportError> {
    let (search, epochs) = run
        .stages
        .iter()
        .find_map(|rec| match rec.kind() {
            StageKind::SslSearch(s) => Some((rec, s.epochs)),
            _ => None,
        })
        .ok_or_else(|| ReportError::NoSearch {
            path: run.dir.join("pipeline.ir.json"),
        })?;
    let final_ssl_loss = search
        .series(Metric::Loss, None)
        .last()
        .map(|p| p.1)
        .or_else(|| search.ssl().and_then(|d| d.result.loss));
    Ok(SweepRun {
        dir: run.dir.clone(),
        pipeline: run.program.pipeline.name.clone(),
        search_epochs: epochs,
        final_ssl_loss,
        arms: arms(run),
    })
}

/// The fine-tune arms of a run by label fraction, increasing.
fn arms(run: &RunFolder) -> Vec<Arms> {
    let mut arms: Vec<Arms> = Vec::new();
    for rec in &run.stages {
        let StageKind::Finetune(spec) = rec.kind() else {
            continue;
        };
        let Some(test_acc) = test_acc(rec) else {
            continue;
        };
        let which = match &spec.init {
            InitSpec::Preserved => Which::Preserved,
            InitSpec::Random => Which::Random,
            InitSpec::Stage { stage } => match run.stage(stage).map(|s| s.kind()) {
                Some(StageKind::SslTrain(_)) => Which::TwoStage,
                _ => continue,
            },
        };
        let i = match arms
            .iter()
            .position(|a| same_fraction(a.labels, spec.labels))
        {
            Some(i) => i,
            None => {
                arms.push(Arms {
                    labels: spec.labels,
                    preserved: None,
                    random: None,
                    two_stage: None,
                });
                arms.len() - 1
            }
        };
        let slot = match which {
            Which::Preserved => &mut arms[i].preserved,
            Which::Random => &mut arms[i].random,
            Which::TwoStage => &mut arms[i].two_stage,
        };
        // the first stage of an arm in pipeline order counts; `sweep.md` names it
        slot.get_or_insert(Arm {
            stage: rec.name().to_string(),
            test_acc,
        });
    }
    arms.sort_by(|a, b| a.labels.total_cmp(&b.labels));
    arms
}

/// Which arm a fine-tune stage is.
enum Which {
    Preserved,
    Random,
    TwoStage,
}

fn same_fraction(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

/// Per-seed test accuracies of a supervised stage.
fn test_acc(rec: &StageRecord) -> Option<MeanStd> {
    let tests: Vec<f64> = rec
        .supervised()?
        .per_seed
        .iter()
        .map(|s| s.test_acc())
        .collect();
    MeanStd::of(&tests)
}

/// `sweep.md` and `sweep.png` (file names relative to the output folder). Runs with
/// benchmark look-ups add their section and panel; a sweep with look-ups and no fine-tune
/// arms shows only those.
pub fn render(
    runs: &[SweepRun],
    looks: &[LookupRun],
    out: &std::path::Path,
) -> Result<Vec<OutFile>, ReportError> {
    let tuned = runs.iter().any(|r| !r.arms.is_empty());
    let mut all = if tuned || looks.is_empty() {
        panels(runs)
    } else {
        Vec::new()
    };
    all.extend(lookups::panel(looks));
    let png = render_png(&all, PLOT_SIZE).map_err(|message| ReportError::Plot {
        path: out.join("sweep.png"),
        message,
    })?;
    let mut md = if tuned || looks.is_empty() {
        markdown(runs)
    } else {
        String::from(
            "# Sweep: benchmark look-ups\n\n![true accuracy of the found cells](sweep.png)\n\n",
        )
    };
    if let Some(section) = lookups::markdown(looks) {
        md.push('\n');
        md.push_str(&section);
    }
    Ok(vec![
        OutFile {
            path: "sweep.png".into(),
            bytes: png,
        },
        OutFile {
            path: "sweep.md".into(),
            bytes: md.into_bytes(),
        },
    ])
}

fn diff_text(d: Option<Diff>) -> String {
    match d {
        None => "-".into(),
        Some(Diff { mean, pm: Some(pm) }) => format!("{:+.2} ± {:.2}", mean * 100.0, pm * 100.0),
        Some(Diff { mean, pm: None }) => format!("{:+.2}", mean * 100.0),
    }
}

fn arm_text(a: &Option<Arm>) -> String {
    a.as_ref()
        .map(|a| mean_std_text(&a.test_acc))
        .unwrap_or_else(|| "-".into())
}

/// The text of `sweep.md`.
pub fn markdown(runs: &[SweepRun]) -> String {
    let mut md = String::from("# Sweep: preserved weights against the baselines\n\n");
    md.push_str(
        "Fine-tuned test accuracy in % (mean ± standard deviation over seeds, n seeds) of \
         the derived network initialised (a) with the search's preserved weights, (b) at \
         random, (c) from an `ssl_train` stage; differences in percentage points, ± the \
         rough standard error sqrt(s_a²/n_a + s_b²/n_b) when both arms have 2 seeds or more.\n\n",
    );
    md.push_str("| run | search epochs | final SSL loss | labels | (a) preserved | (b) random | (c) two-stage | (a) − (b) | (a) − (c) |\n");
    md.push_str("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for r in runs {
        let loss = r
            .final_ssl_loss
            .map(|l| format!("{l:.4}"))
            .unwrap_or_else(|| "-".into());
        let run = r.dir.display().to_string();
        if r.arms.is_empty() {
            let _ = writeln!(
                md,
                "| {run} | {} | {loss} | - | - | - | - | - | - |",
                r.search_epochs
            );
        }
        for a in &r.arms {
            let _ = writeln!(
                md,
                "| {run} | {} | {loss} | {} | {} | {} | {} | {} | {} |",
                r.search_epochs,
                labels_text(a.labels),
                arm_text(&a.preserved),
                arm_text(&a.random),
                arm_text(&a.two_stage),
                diff_text(a.preserved_minus_random()),
                diff_text(a.preserved_minus_two_stage()),
            );
        }
    }
    md.push_str("\nArms by stage:\n\n");
    for r in runs {
        let names: Vec<String> = r
            .arms
            .iter()
            .flat_map(|a| [&a.preserved, &a.random, &a.two_stage])
            .flatten()
            .map(|a| a.stage.clone())
            .collect();
        let _ = writeln!(
            md,
            "- {} (pipeline `{}`): {}",
            r.dir.display(),
            r.pipeline,
            if names.is_empty() {
                "no fine-tune arms".into()
            } else {
                names.join(", ")
            }
        );
    }
    let _ = writeln!(
        md,
        "\n![accuracy differences and final SSL loss against search epochs](sweep.png)"
    );
    md
}

/// Top: (a) − (b) and (a) − (c) per label fraction against search epochs, with error
/// bars; bottom: the supernet's final SSL loss against search epochs.
pub fn panels(runs: &[SweepRun]) -> Vec<Panel> {
    let mut fractions: Vec<f64> = Vec::new();
    for a in runs.iter().flat_map(|r| &r.arms) {
        if !fractions.iter().any(|&f| same_fraction(f, a.labels)) {
            fractions.push(a.labels);
        }
    }
    fractions.sort_by(f64::total_cmp);
    let mut diffs = Vec::new();
    for (i, &f) in fractions.iter().enumerate() {
        type Pick = fn(&Arms) -> Option<Diff>;
        let picks: [(&str, Pick); 2] = [
            ("(a) − (b)", Arms::preserved_minus_random),
            ("(a) − (c)", Arms::preserved_minus_two_stage),
        ];
        // a colour per difference and fraction; (a) − (c) dashed
        for (k, (name, pick)) in picks.into_iter().enumerate() {
            let mut points = Vec::new();
            let mut errors = Vec::new();
            for r in runs {
                let d = r
                    .arms
                    .iter()
                    .find(|a| same_fraction(a.labels, f))
                    .and_then(pick);
                if let Some(d) = d {
                    points.push((r.search_epochs as f64, 100.0 * d.mean));
                    errors.push(100.0 * d.pm.unwrap_or(0.0));
                }
            }
            if points.is_empty() {
                continue;
            }
            diffs.push(Series {
                dashed: k == 1,
                markers: true,
                errors: Some(errors),
                ..Series::line(
                    format!("{name}, {} labels", labels_text(f)),
                    points,
                    2 * i + k,
                )
            });
        }
    }
    let loss: Vec<(f64, f64)> = runs
        .iter()
        .filter_map(|r| Some((r.search_epochs as f64, r.final_ssl_loss?)))
        .collect();
    vec![
        Panel {
            title: "preserved − baseline, fine-tuned test accuracy".into(),
            x_label: "search epochs".into(),
            y_label: "difference (points)".into(),
            series: diffs,
            legend: Corner::UpperRight,
        },
        Panel {
            title: "supernet SSL loss at the end of the search".into(),
            x_label: "search epochs".into(),
            y_label: "NT-Xent loss".into(),
            series: vec![Series {
                markers: true,
                ..Series::line("final SSL loss", loss, 3)
            }],
            legend: Corner::UpperRight,
        },
    ]
}
