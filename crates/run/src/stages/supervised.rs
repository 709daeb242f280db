//! `finetune`, `train` and `linear_eval`: supervised training of a fixed network on a
//! class-balanced label fraction, selected on a validation split carved from those
//! labels, tested once at the end (never tuned on the test set).
//!
//! Contract: for every seed of the stage, the network is built (cells from the derive
//! stage or a fixed genotype), initialised (preserved / random / another stage's weights),
//! trained with the stage's optimiser and schedule (per step), checkpointed every epoch;
//! the epoch with the best validation accuracy (the last epoch when there is no validation
//! split) is the one tested. `linear_eval` trains only the classifier on frozen features
//! (batch-norm statistics frozen too).

use std::collections::HashSet;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

use candle_core::Tensor;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::common::{self, save_weights, Fail};
use super::networks;
use crate::checkpoint;
use crate::ctx::StageCtx;
use crate::error::RuntimeError;
use crate::events::Event;
use crate::metrics::MetricsLog;
use crate::state::{pack, unpack, RngState};
use nas_engine::data::{self, Augmenter, Dataset, Loader, LoaderConfig, Part};
use nas_engine::nn::{DropPath, Network};
use nas_engine::optim::{clip_grad_norm, learning_rate, Optim, Optimizer};
use nas_engine::ssl::supervised::{cross_entropy, top1_correct};
use nas_ir::outputs::{
    SeedResult, SupervisedDone, SupervisedEpoch, SupervisedResult, WeightsLoad, OUTPUT_VERSION,
};
use nas_ir::streams::{self, Stream};
use nas_ir::{AugStep, AugmentSpec, SupervisedSpec};

/// Resumable position (checkpoint `meta`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Position {
    seed_index: usize,
    /// Next epoch of the current seed.
    epoch: usize,
    best_val: Option<f64>,
    best_epoch: usize,
    rng: Option<RngState>,
    /// Finished seeds: (seed, best validation accuracy, test accuracy).
    done: Vec<SeedResult>,
    /// How the first seed's network took its initial weights (the same for every seed).
    #[serde(default)]
    load: Option<WeightsLoad>,
}

struct Splits {
    train: Arc<Dataset>,
    train_idx: Vec<usize>,
    val_idx: Vec<usize>,
    test: Arc<Dataset>,
}

pub fn run(ctx: &mut StageCtx<'_>, spec: &SupervisedSpec) -> Result<SupervisedDone, RuntimeError> {
    let fail = Fail::new(ctx.stage);
    let splits = load_splits(ctx, spec, &fail)?;
    let ckpt_dir = ctx.dir.join("checkpoint");
    let mut pos: Position = if ctx.resumes_from_checkpoint() {
        let c = checkpoint::load(&ckpt_dir, ctx.device)?;
        let pos: Position = serde_json::from_value(c.meta)
            .map_err(|e| fail.msg(format!("checkpoint: bad metadata: {e}")))?;
        // a forged file can pass the checksum: the position must be one the stage can be at
        let bad = if pos.seed_index >= spec.seeds.len() {
            Some(format!(
                "seed {} of {}",
                pos.seed_index + 1,
                spec.seeds.len()
            ))
        } else if pos.epoch > spec.epochs {
            Some(format!("epoch {} of {}", pos.epoch, spec.epochs))
        } else {
            None
        };
        if let Some(at) = bad {
            return Err(checkpoint::CheckpointError::Corrupt {
                path: ckpt_dir.join(checkpoint::FILE_NAME),
                reason: format!("its position ({at}) is not one this stage can be at"),
            }
            .into());
        }
        pos
    } else {
        Position::default()
    };
    // keep the lines of the seeds finished and the epochs of the current seed that the
    // checkpoint covers: a line written after the last checkpoint is written again
    let finished = &spec.seeds[..pos.seed_index.min(spec.seeds.len())];
    let current = spec.seeds.get(pos.seed_index).copied();
    let mut log = MetricsLog::open(&ctx.dir, |seed, epoch| match seed {
        Some(s) => finished.contains(&s) || (Some(s) == current && epoch < pos.epoch),
        None => false,
    })
    .map_err(|e| fail.io(&ctx.dir, e))?;
    ctx.sink.emit(Event::StageStart {
        stage: ctx.stage.name.clone(),
        kind: ctx.stage.kind.name().into(),
        epochs: spec.epochs,
    });
    while pos.seed_index < spec.seeds.len() {
        let seed = spec.seeds[pos.seed_index];
        let result = run_seed(ctx, spec, &splits, seed, &mut pos, &mut log, &fail)?;
        pos.done.push(result);
        pos.seed_index += 1;
        pos.epoch = 0;
        pos.best_val = None;
        pos.rng = None;
    }
    let tests: Vec<f64> = pos.done.iter().map(SeedResult::test_acc).collect();
    let (mean, std) = mean_std(&tests);
    Ok(SupervisedDone {
        result: SupervisedResult {
            test_acc_mean: mean,
            test_acc_std: std,
            seeds: tests.len(),
        },
        per_seed: pos.done,
        labels: spec.labels,
        train_images: splits.train_idx.len(),
        val_images: splits.val_idx.len(),
        test_images: Some(splits.test.len()),
        init_load: pos.load,
    })
}

fn mean_std(v: &[f64]) -> (f64, f64) {
    let n = v.len().max(1) as f64;
    let mean = v.iter().sum::<f64>() / n;
    let var = if v.len() > 1 {
        v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)
    } else {
        0.0
    };
    (mean, var.sqrt())
}

fn load_splits(
    ctx: &StageCtx<'_>,
    spec: &SupervisedSpec,
    fail: &Fail,
) -> Result<Splits, RuntimeError> {
    let seed = ctx.program.pipeline.seed;
    let train = data::load_train(
        &ctx.program.pipeline.data,
        streams::seed(seed, Stream::DataLimit),
    )
    .map_err(|e| fail.data(e))?;
    let labels = train
        .labels
        .clone()
        .ok_or_else(|| fail.msg("this stage needs labels; the dataset has none"))?;
    let labelled = data::split::label_fraction(
        &labels,
        spec.labels,
        streams::seed(seed, Stream::DataLabels),
    )
    .map_err(|e| fail.data(e))?;
    let sub: Vec<u32> = labelled.iter().map(|&i| labels[i]).collect();
    let (val_local, train_local) = data::split::split_fraction(
        Some(&sub),
        sub.len(),
        spec.val_fraction,
        streams::seed(seed, Stream::DataVal),
    )
    .map_err(|e| fail.data(e))?;
    let test = data::load(&ctx.program.pipeline.data, Part::Test).map_err(|e| fail.data(e))?;
    Ok(Splits {
        train: Arc::new(train),
        train_idx: train_local.iter().map(|&i| labelled[i]).collect(),
        val_idx: val_local.iter().map(|&i| labelled[i]).collect(),
        test: Arc::new(test),
    })
}

/// The augmentation's normalisation only: how evaluation sees images.
fn eval_augment(spec: &AugmentSpec) -> AugmentSpec {
    let steps = spec
        .steps
        .iter()
        .filter(|s| matches!(s, AugStep::Normalize { .. }))
        .cloned()
        .collect();
    AugmentSpec {
        views: 1,
        steps,
        span: spec.span.clone(),
    }
}

fn loader(
    ds: &Arc<Dataset>,
    idx: Vec<usize>,
    aug: &AugmentSpec,
    cfg: LoaderConfig,
    ctx: &StageCtx<'_>,
    fail: &Fail,
) -> Result<Loader, RuntimeError> {
    let aug = Arc::new(Augmenter::new(aug).map_err(|e| fail.msg(e))?);
    Loader::new(ds.clone(), idx, aug, cfg, ctx.device.clone()).map_err(|e| fail.data(e))
}

#[allow(clippy::too_many_arguments)]
fn run_seed(
    ctx: &mut StageCtx<'_>,
    spec: &SupervisedSpec,
    sp: &Splits,
    seed: u64,
    pos: &mut Position,
    log: &mut MetricsLog,
    fail: &Fail,
) -> Result<SeedResult, RuntimeError> {
    let net = networks::build(
        ctx,
        &spec.network,
        streams::seed(seed, Stream::TrainInit),
        fail,
    )?;
    if pos.epoch == 0 {
        if let Some(file) = networks::init_file(ctx, &spec.network, &spec.init)? {
            let label = networks::file_label(ctx, &file);
            let load = networks::load_by_name(&net, &file, label, fail)?;
            ctx.sink.emit(Event::Note {
                text: format!("{}: {}", ctx.stage.name, load.summary()),
            });
            pos.load.get_or_insert(load);
        }
    }
    let trainable: Vec<(String, candle_core::Var)> = net
        .params()
        .iter()
        .filter(|(n, _)| !spec.frozen_features || n.starts_with("classifier"))
        .cloned()
        .collect();
    let mut opt = Optim::from_spec(&spec.optim, trainable.clone()).map_err(|e| fail.msg(e))?;
    let mut rng = ChaCha8Rng::seed_from_u64(streams::seed(seed, Stream::TrainSteps));
    let ckpt_dir = ctx.dir.join("checkpoint");
    if pos.epoch > 0 {
        let c = checkpoint::load(&ckpt_dir, ctx.device)?;
        unpack(&c, &net, &mut [("opt", &mut opt)]).map_err(|e| fail.msg(e))?;
        common::check_finite_state(&net, &ckpt_dir, fail)?;
        if let Some(r) = &pos.rng {
            rng = r.restore().map_err(|e| fail.msg(e))?;
        }
        ctx.sink.emit(Event::Resumed {
            stage: ctx.stage.name.clone(),
            epoch: pos.epoch,
        });
    }
    let bs = spec.batch.min(sp.train_idx.len()).max(1);
    let train_cfg = LoaderConfig {
        drop_last: sp.train_idx.len() > bs,
        ..LoaderConfig::new(bs, streams::seed(seed, Stream::TrainData))
    };
    let train_loader = loader(
        &sp.train,
        sp.train_idx.clone(),
        &spec.augment,
        train_cfg,
        ctx,
        fail,
    )?;
    let eval_cfg = LoaderConfig {
        shuffle: false,
        ..LoaderConfig::new(256, streams::seed(seed, Stream::EvalData))
    };
    let eval_aug = eval_augment(&spec.augment);
    let val_loader = loader(
        &sp.train,
        sp.val_idx.clone(),
        &eval_aug,
        eval_cfg,
        ctx,
        fail,
    )?;
    let steps = spec
        .steps_per_epoch
        .unwrap_or(train_loader.batches_per_epoch());
    let best_path = ctx.dir.join(format!("best-seed{seed}.safetensors"));
    let frozen: HashSet<String> = if spec.frozen_features {
        net.params()
            .iter()
            .filter(|(n, _)| !n.starts_with("classifier"))
            .map(|(n, _)| n.clone())
            .collect()
    } else {
        HashSet::new()
    };
    while pos.epoch < spec.epochs {
        let epoch = pos.epoch;
        ctx.sink.emit(Event::EpochStart {
            stage: ctx.stage.name.clone(),
            epoch,
            epochs: spec.epochs,
            steps,
            phase: format!("seed {seed}"),
        });
        let started = Instant::now();
        let (mut loss_sum, mut correct, mut seen) = (0.0, 0usize, 0usize);
        for (step, batch) in train_loader.steps(epoch as u64, 0, steps).enumerate() {
            let batch = batch.map_err(|e| fail.data(e))?;
            let x = &batch.views[0];
            let y = batch
                .labels
                .as_ref()
                .ok_or_else(|| fail.internal("labelled batch without labels"))?;
            let lr = learning_rate(
                &spec.optim.schedule,
                spec.optim.lr,
                epoch,
                step,
                steps,
                spec.epochs,
            );
            let (loss, c) = train_step(
                &net,
                &mut opt,
                spec,
                &trainable,
                &frozen,
                x,
                y,
                lr,
                &mut rng,
                (epoch, step),
                fail,
            )?;
            loss_sum += loss;
            correct += c;
            seen += batch.indices.len();
            ctx.sink.emit(Event::Step {
                stage: ctx.stage.name.clone(),
                epoch,
                step,
                steps,
                loss,
                lr,
                images_per_sec: seen as f64 / started.elapsed().as_secs_f64().max(1e-9),
            });
        }
        common::check_finite_weights(&net, fail, epoch, steps)?;
        let val = if sp.val_idx.is_empty() {
            None
        } else {
            Some(accuracy(&net, &val_loader, fail)?)
        };
        if val.is_none() || val > pos.best_val {
            pos.best_val = val;
            pos.best_epoch = epoch;
            save_weights(&net, &best_path, fail)?;
        }
        let record = SupervisedEpoch {
            format_version: OUTPUT_VERSION,
            epoch,
            seed,
            loss: loss_sum / steps.max(1) as f64,
            train_acc: correct as f64 / seen.max(1) as f64,
            val_acc: val,
            lr: learning_rate(
                &spec.optim.schedule,
                spec.optim.lr,
                epoch,
                0,
                steps,
                spec.epochs,
            ),
            images_per_sec: seen as f64 / started.elapsed().as_secs_f64().max(1e-9),
        };
        log.append(&record).map_err(|e| fail.io(&ctx.dir, e))?;
        ctx.sink.emit(Event::EpochEnd {
            stage: ctx.stage.name.clone(),
            epoch,
            metrics: serde_json::to_value(&record)
                .map_err(|e| RuntimeError::Internal(e.to_string()))?,
        });
        pos.epoch += 1;
        pos.rng = Some(RngState::of(&rng));
        let meta = serde_json::to_value(&*pos).map_err(|e| fail.internal(e))?;
        ctx.save_checkpoint(&pack(&net, &[("opt", &opt)], meta).map_err(|e| fail.msg(e))?)?;
        if ctx.stop.load(Ordering::SeqCst) && pos.epoch < spec.epochs {
            return Err(RuntimeError::Interrupted {
                stage: ctx.stage.name.clone(),
                epoch: pos.epoch,
                step: 0,
            });
        }
    }
    // test once, with the weights the validation split selected
    let label = networks::file_label(ctx, &best_path);
    networks::load_by_name(&net, &best_path, label, fail)?;
    let test_idx: Vec<usize> = (0..sp.test.len()).collect();
    let test_loader = loader(&sp.test, test_idx, &eval_aug, eval_cfg, ctx, fail)?;
    let test = accuracy(&net, &test_loader, fail)?;
    if spec.seeds.last() == Some(&seed) {
        save_weights(&net, &ctx.dir.join("weights.safetensors"), fail)?;
    }
    Ok(SeedResult(seed, pos.best_val, test))
}

#[allow(clippy::too_many_arguments)]
fn train_step(
    net: &Network,
    opt: &mut Optim,
    spec: &SupervisedSpec,
    trainable: &[(String, candle_core::Var)],
    frozen: &HashSet<String>,
    x: &Tensor,
    y: &Tensor,
    lr: f64,
    rng: &mut ChaCha8Rng,
    (epoch, step): (usize, usize),
    fail: &Fail,
) -> Result<(f64, usize), RuntimeError> {
    let train_mode = !spec.frozen_features;
    let drop = (spec.drop_path > 0.0).then(|| DropPath {
        prob: spec.drop_path * epoch as f64 / spec.epochs as f64,
        rng,
    });
    let out = net
        .forward_with(x, train_mode, drop)
        .map_err(|e| fail.nn(e))?;
    // A linear probe trains the classifier alone: cut the graph at the features, so that
    // backward does not run through the frozen body (it was ~20x the probe's own cost).
    let logits = if spec.frozen_features {
        net.head_forward(&out.features.detach())
            .map_err(|e| fail.nn(e))?
    } else {
        out.out.clone()
    };
    let smoothing = 0.0;
    let mut loss = cross_entropy(&logits, y, smoothing).map_err(|e| fail.msg(e))?;
    if let (Some(aux), Some(a)) = (&out.aux, &spec.network.auxiliary) {
        let l = cross_entropy(aux, y, smoothing).map_err(|e| fail.msg(e))?;
        loss = (loss
            + l.affine(a.weight, 0.0)
                .map_err(|e| fail.tensor("aux loss", e))?)
        .map_err(|e| fail.tensor("aux loss", e))?;
    }
    let value = common::scalar(&loss, fail)?;
    fail.finite("loss", value, epoch, step)?;
    let mut grads = loss.backward().map_err(|e| fail.tensor("backward", e))?;
    if let Some(c) = spec.optim.clip_norm {
        let norm = clip_grad_norm(trainable, &mut grads, c).map_err(|e| fail.msg(e))?;
        fail.finite("gradient norm", norm, epoch, step)?;
    }
    opt.set_learning_rate(lr);
    opt.step_except(&grads, frozen).map_err(|e| fail.msg(e))?;
    let correct = top1_correct(&logits, y).map_err(|e| fail.msg(e))?;
    Ok((value, correct))
}

/// Top-1 accuracy in evaluation mode over every batch of `loader`.
pub fn accuracy(net: &Network, loader: &Loader, fail: &Fail) -> Result<f64, RuntimeError> {
    let (mut correct, mut seen) = (0usize, 0usize);
    for batch in loader.epoch(0, 0) {
        let batch = batch.map_err(|e| fail.data(e))?;
        let y = batch
            .labels
            .as_ref()
            .ok_or_else(|| fail.internal("labelled batch without labels"))?;
        let out = net
            .forward_t(&batch.views[0], false)
            .map_err(|e| fail.nn(e))?;
        correct += top1_correct(&out.out, y).map_err(|e| fail.msg(e))?;
        seen += batch.indices.len();
    }
    Ok(correct as f64 / seen.max(1) as f64)
}
