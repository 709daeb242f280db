//! `nas predict`: class probabilities of a run's network for image files (PNG or JPEG,
//! resized as the pipeline's data says) or for a batch file in the CIFAR binary layout of the
//! run's data, with the accuracy when the batch has labels. Part of the binary.
//!
//! Contract: images are seen as the stage's evaluation saw them (its augmentation's
//! `normalize` steps only), batched and run in evaluation mode by the engine, so the
//! accuracy on a stage's test split equals the test accuracy its `done.json` reports. The
//! stage and its weights are read and checked by `nas_export` (same codes as `nas export`).

// The binary prints; the library crates may not (workspace lints).
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use candle_core::{DType, Device, Tensor, D};
use clap::Args;
use miette::Diagnostic;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use nas_engine::data::cifar::{self, Layout};
use nas_engine::data::{folder, Augmenter, DataError, Dataset, Loader, LoaderConfig};
use nas_engine::nn::Network;
use nas_engine::ssl::supervised::top1_correct;
use nas_export::Model;
use nas_ir::codes::{c, CodeInfo};
use nas_ir::{DataSource, HeadSpec};

use crate::cli::Format;

/// The codes of `nas predict`'s own errors, for `nas explain`.
pub static CODES: &[CodeInfo] = &[
    c("nas::predict::no_classifier", "the stage's network ends in no classifier",
      "`nas predict` prints class probabilities, so the network must end in a classifier. A derive stage's network keeps the search's projection head (its outputs are embeddings, not classes); a finetune, train or linear_eval stage trains a classifier. Name one with `--stage NAME`, or leave `--stage` out to take the last stage that fine-tuned the derived network.",
      "nas predict runs/quickstart --stage derive digit.png"),
    c("nas::predict::bad_image", "an image file cannot be read",
      "Each IMAGE must be a PNG or JPEG file; it is converted to the pipeline's channels and resized to its image size, as the pipeline's image folders are. The message names the file and what the decoder said.",
      "nas predict runs/quickstart notes.txt"),
    c("nas::predict::bad_data", "the `--data` file is not a batch in the run's layout",
      "`--data FILE` takes images in the CIFAR binary layout of the run's data: per image, a label byte (two for CIFAR-100, the second used) and then the C x H x W pixel bytes, channel by channel. The file must hold a whole number of such records with labels below the class count; the message names the record at fault.",
      "nas predict runs/quickstart --data data/cifar-10-batches-bin/test_batch.bin   # 3x32x32 records for an 8x8 grey network"),
    c("nas::predict::network", "the network could not be built or run",
      "The engine could not build the stage's network, load its weights or run it (the message says why). `nas export` of the same stage names damaged files with their own codes.",
      "(a weights file that the network's IR does not describe)"),
];

#[derive(Debug, thiserror::Error, Diagnostic)]
pub enum PredictError {
    #[error(
        "stage `{stage}` ends in {head}, not a classifier, so it gives no class probabilities"
    )]
    #[diagnostic(
        code(nas::predict::no_classifier),
        help("name a stage that trains a classifier (finetune, train, linear_eval) with `--stage NAME`")
    )]
    NoClassifier { stage: String, head: String },

    #[error("cannot read the image {path}: {message}")]
    #[diagnostic(
        code(nas::predict::bad_image),
        help("give PNG or JPEG files; they are resized to the pipeline's image size")
    )]
    BadImage { path: PathBuf, message: String },

    #[error("{message}")]
    #[diagnostic(code(nas::predict::bad_data), help("{layout}"))]
    BadData { message: String, layout: String },

    #[error("stage `{stage}`: {message}")]
    #[diagnostic(code(nas::predict::network))]
    Network { stage: String, message: String },
}

#[derive(Debug, Args)]
pub struct PredictArgs {
    /// The stage whose network predicts (default: as `nas export`).
    #[arg(long, value_name = "NAME")]
    pub stage: Option<String>,
    /// human: the three likeliest classes per image; json: one object per image per line.
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
    /// A batch of images in the CIFAR binary layout of the run's data (labels are scored).
    #[arg(long, value_name = "FILE", conflicts_with = "images")]
    pub data: Option<PathBuf>,
    /// A run folder written by `nas run`.
    #[arg(value_name = "RUN_DIR")]
    pub run: PathBuf,
    /// PNG or JPEG files.
    #[arg(value_name = "IMAGE", required_unless_present = "data")]
    pub images: Vec<PathBuf>,
}

type Failure = Box<dyn Diagnostic + Send + Sync>;

pub fn cmd_predict(a: &PredictArgs) -> i32 {
    match predict(a) {
        Ok(()) => 0,
        Err(e) => {
            crate::run_cmd::report(e.as_ref());
            1
        }
    }
}

/// Images to predict, named for the output.
struct Inputs {
    names: Vec<String>,
    data: Dataset,
}

fn predict(a: &PredictArgs) -> Result<(), Failure> {
    let model = nas_export::open(&a.run, a.stage.as_deref()).map_err(boxed)?;
    let classes = match (&model.spec.head, &model.classes) {
        (HeadSpec::Classifier { .. }, Some(c)) => c.clone(),
        (head, _) => {
            let head = match head {
                HeadSpec::Mlp { .. } => "a projection head",
                _ => "its pooled features",
            };
            return Err(Box::new(PredictError::NoClassifier {
                stage: model.stage.clone(),
                head: head.into(),
            }));
        }
    };
    nas_export::check(&model).map_err(boxed)?;
    let inputs = match &a.data {
        Some(file) => from_batch(file, &model, classes.len())?,
        None => from_images(&a.images, &model)?,
    };
    let net = network(&model)?;
    let net_err = |e: String| -> Failure {
        Box::new(PredictError::Network {
            stage: model.stage.clone(),
            message: e,
        })
    };
    let aug = Augmenter::from_steps(1, model.input.normalize.clone())
        .map_err(|e| net_err(e.to_string()))?;
    let n = inputs.data.len();
    let cfg = LoaderConfig {
        shuffle: false,
        ..LoaderConfig::new(256, 0)
    };
    let loader = Loader::new(
        Arc::new(inputs.data),
        (0..n).collect(),
        Arc::new(aug),
        cfg,
        Device::Cpu,
    )
    .map_err(|e| net_err(e.to_string()))?;
    let (mut correct, mut labelled) = (0usize, 0usize);
    for batch in loader.epoch(0, 0) {
        let batch = batch.map_err(|e| net_err(e.to_string()))?;
        let logits = net
            .forward_t(&batch.views[0], false)
            .map_err(|e| net_err(e.to_string()))?
            .out;
        if let Some(y) = &batch.labels {
            correct += top1_correct(&logits, y).map_err(|e| net_err(e.to_string()))?;
            labelled += batch.indices.len();
        }
        let rows = Rows::of(&logits, batch.labels.as_ref()).map_err(|e| net_err(e.to_string()))?;
        for (k, &i) in batch.indices.iter().enumerate() {
            print_row(a.format, &inputs.names[i], &classes, &rows, k);
        }
    }
    if labelled > 0 {
        let line = format!(
            "accuracy: {:.4} ({correct} of {labelled})",
            correct as f64 / labelled as f64
        );
        match a.format {
            Format::Human => crate::outln!("{line}"),
            Format::Json => crate::errln!("{line}"),
        }
    }
    Ok(())
}

fn boxed(e: nas_export::ExportError) -> Failure {
    Box::new(e)
}

/// The stage's network in evaluation mode, its weights loaded.
fn network(model: &Model) -> Result<Network, Failure> {
    let fail = |e: nas_engine::nn::NnError| -> Failure {
        Box::new(PredictError::Network {
            stage: model.stage.clone(),
            message: e.to_string(),
        })
    };
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let net = Network::new(&model.spec, None, &mut rng, DType::F32, &Device::Cpu).map_err(fail)?;
    net.load(&model.weights).map_err(fail)?;
    Ok(net)
}

fn from_images(paths: &[PathBuf], model: &Model) -> Result<Inputs, Failure> {
    let (channels, size) = (model.input.channels, model.input.size);
    let mut pixels = Vec::with_capacity(paths.len() * channels * size * size);
    for path in paths {
        let bytes = folder::decode_image(path, channels, size).map_err(|e| -> Failure {
            let message = match e {
                DataError::BadImage { message, .. } => message,
                other => other.to_string(),
            };
            Box::new(PredictError::BadImage {
                path: path.clone(),
                message,
            })
        })?;
        pixels.extend(bytes);
    }
    Ok(Inputs {
        names: paths.iter().map(|p| p.display().to_string()).collect(),
        data: Dataset {
            pixels,
            labels: None,
            channels,
            size,
            classes: None,
            pixel_max: 255.0,
            name: "images".into(),
        },
    })
}

fn from_batch(path: &Path, model: &Model, classes: usize) -> Result<Inputs, Failure> {
    let layout = Layout {
        label_bytes: if matches!(model.data.source, DataSource::Cifar100 { .. }) {
            2
        } else {
            1
        },
        channels: model.input.channels,
        size: model.input.size,
        classes,
    };
    let bad = |message: String| -> Failure {
        Box::new(PredictError::BadData {
            message,
            layout: format!(
                "--data takes records of {} label byte(s) and {}x{}x{} pixel bytes, the layout of this run's data",
                layout.label_bytes, layout.channels, layout.size, layout.size
            ),
        })
    };
    let bytes =
        std::fs::read(path).map_err(|e| bad(format!("cannot read {}: {e}", path.display())))?;
    let (pixels, labels) = cifar::parse(&bytes, path, &layout).map_err(|e| bad(e.to_string()))?;
    let n = labels.len();
    let pixel_max = if matches!(model.data.source, DataSource::Digits) {
        16.0
    } else {
        255.0
    };
    Ok(Inputs {
        names: (0..n).map(|i| format!("{}#{i}", path.display())).collect(),
        data: Dataset {
            pixels,
            labels: Some(labels),
            channels: layout.channels,
            size: layout.size,
            classes: Some(classes),
            pixel_max,
            name: path.display().to_string(),
        },
    })
}

/// One batch's probabilities, predictions and labels on the host.
struct Rows {
    probs: Vec<Vec<f32>>,
    predicted: Vec<u32>,
    labels: Option<Vec<u32>>,
}

impl Rows {
    fn of(logits: &Tensor, labels: Option<&Tensor>) -> candle_core::Result<Rows> {
        Ok(Rows {
            probs: softmax(logits)?.to_vec2()?,
            predicted: logits.argmax(D::Minus1)?.to_vec1()?,
            labels: labels.map(|l| l.to_vec1()).transpose()?,
        })
    }
}

/// Softmax over the last dimension, max-subtracted.
fn softmax(x: &Tensor) -> candle_core::Result<Tensor> {
    let shifted = x.broadcast_sub(&x.max_keepdim(D::Minus1)?)?;
    let e = shifted.exp()?;
    e.broadcast_div(&e.sum_keepdim(D::Minus1)?)
}

fn print_row(format: Format, name: &str, classes: &[String], rows: &Rows, k: usize) {
    let probs = &rows.probs[k];
    let top = rows.predicted[k] as usize;
    let label = rows.labels.as_ref().map(|l| l[k] as usize);
    let class = |i: usize| classes.get(i).cloned().unwrap_or_else(|| i.to_string());
    match format {
        Format::Json => {
            let map: serde_json::Map<String, serde_json::Value> = probs
                .iter()
                .enumerate()
                .map(|(i, p)| (class(i), serde_json::json!(p)))
                .collect();
            let mut v = serde_json::json!({
                "image": name, "predicted": class(top), "index": top,
                "probability": probs[top], "probabilities": map,
            });
            if let Some(l) = label {
                v["label"] = serde_json::json!(class(l));
                v["correct"] = serde_json::json!(l == top);
            }
            crate::outln!("{v}");
        }
        Format::Human => {
            let mut order: Vec<usize> = (0..probs.len()).collect();
            order.sort_by(|&a, &b| probs[b].total_cmp(&probs[a]));
            let best: Vec<String> = order
                .iter()
                .take(3)
                .map(|&i| format!("{} {:.1}%", class(i), 100.0 * probs[i]))
                .collect();
            let truth = label
                .map(|l| format!("  (label {})", class(l)))
                .unwrap_or_default();
            crate::outln!("{name}: {}{truth}", best.join(", "));
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_code_of_the_error_type_is_explained() {
        let source = include_str!("predict_cmd.rs");
        let errors = &source[source.find("pub enum PredictError").unwrap_or(0)..];
        assert_eq!(
            nas_ir::codes::unmatched(errors, super::CODES),
            Vec::<String>::new()
        );
    }
}
