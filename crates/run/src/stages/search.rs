//! `ssl_search`: self-supervised search of a supernet (SSWP-NAS, reference §2.4).
//!
//! Weight steps on one split of the training images, an architecture step on the other
//! split after every `arch_every` weight steps in phases that allow it, cells frozen front
//! to back in a freezing phase, a checkpoint after every epoch (and on Ctrl-C after the
//! current step). Every random draw comes from seeded ChaCha8 streams whose positions are
//! checkpointed, so an interrupted and resumed search equals an uninterrupted one.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

use candle_core::{DType, Tensor};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::common::{self, Fail};
use super::select;
use crate::checkpoint;
use crate::ctx::StageCtx;
use crate::error::RuntimeError;
use crate::events::Event;
use crate::metrics::MetricsLog;
use crate::phases::{cells_to_freeze, max_len, PhaseState};
use crate::state::{pack, unpack, RngState};
use nas_engine::data::{self, Augmenter, Batch, Loader, LoaderConfig};
use nas_engine::nn::{DeriveOptions, Network};
use nas_engine::optim::{clip_grad_norm, learning_rate, Optim, Optimizer};
use nas_ir::outputs::{SslDone, SslEpoch, SslResult, OUTPUT_VERSION};
use nas_ir::streams::{self, Stream};
use nas_ir::{
    CellGenotype, FreezeOrder, Genotype, ObjectiveSpec, SamplerSpec, SearchSpec, StageKind,
};

/// Resumable position of a search (the checkpoint's `meta`).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Position {
    /// Next epoch to run.
    epoch: usize,
    /// Next weight step of that epoch (0 at an epoch boundary).
    step: usize,
    /// Arch batches already drawn in that epoch.
    arch_batches: usize,
    phase: PhaseState,
    frozen: Vec<(usize, CellGenotype)>,
    rng: RngState,
    /// Running sums of the epoch in progress.
    acc: EpochAcc,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct EpochAcc {
    loss: f64,
    ssl_acc: f64,
    feature_std: f64,
    steps: usize,
    arch_steps: usize,
    images: usize,
    seconds: f64,
}

/// Everything the epoch loop works with.
struct Search<'s> {
    spec: &'s SearchSpec,
    net: Network,
    opt_w: Optim,
    opt_a: Optim,
    rng: ChaCha8Rng,
    loader_w: Loader,
    loader_a: Loader,
    derive: DeriveOptions,
    objective: ObjectiveSpec,
    steps: usize,
}

/// What a fixed-network self-supervised stage (`ssl_train`) adds to the search loop: the
/// cells of its network and where its initial weights come from.
#[derive(Debug, Clone, Default)]
pub struct FixedInit {
    pub genotype: Option<Genotype>,
    pub weights: Option<PathBuf>,
}

pub fn run(ctx: &mut StageCtx<'_>, spec: &SearchSpec) -> Result<SslDone, RuntimeError> {
    run_with(ctx, spec, &FixedInit::default())
}

/// The search loop; with a fixed network and no architecture phase it is plain
/// self-supervised training of that network.
pub fn run_with(
    ctx: &mut StageCtx<'_>,
    spec: &SearchSpec,
    init: &FixedInit,
) -> Result<SslDone, RuntimeError> {
    let fail = Fail::new(ctx.stage);
    let seed = ctx.program.pipeline.seed;
    // selection measures on the architecture split too: data the weights never train on
    let needs_arch = spec
        .phases
        .iter()
        .any(|p| p.arch_updates || p.select.is_some());
    let split = if needs_arch { spec.split } else { 1.0 };
    let dataset = Arc::new(
        data::load_train(
            &ctx.program.pipeline.data,
            streams::seed(seed, Stream::DataLimit),
        )
        .map_err(|e| fail.data(e))?,
    );
    let labels = dataset.labels.clone();
    let dataset_has_no_labels = labels.is_none();
    let (w_idx, a_idx) = data::split::split_fraction(
        labels.as_deref(),
        dataset.len(),
        split,
        streams::seed(seed, Stream::SearchSplit),
    )
    .map_err(|e| fail.data(e))?;
    let aug = Arc::new(Augmenter::new(&spec.views).map_err(|e| fail.msg(e))?);
    let cfg = |s: u64| LoaderConfig {
        drop_last: true,
        ..LoaderConfig::new(spec.batch, s)
    };
    let loader_w = Loader::new(
        dataset.clone(),
        w_idx,
        aug.clone(),
        cfg(streams::seed(seed, Stream::SearchWeightData)),
        ctx.device.clone(),
    )
    .map_err(|e| fail.data(e))?;
    let loader_a = Loader::new(
        dataset,
        a_idx,
        aug,
        cfg(streams::seed(seed, Stream::SearchArchData)),
        ctx.device.clone(),
    )
    .map_err(|e| fail.data(e))?;
    let steps = spec.steps_per_epoch.unwrap_or(loader_w.batches_per_epoch());
    if steps == 0
        || loader_w.batches_per_epoch() == 0
        || (needs_arch && loader_a.batches_per_epoch() == 0)
    {
        return Err(fail.msg(format!(
            "the weight and architecture splits must each hold at least one batch of {} images",
            spec.batch
        )));
    }
    let mut init_rng = ChaCha8Rng::seed_from_u64(streams::seed(seed, Stream::SearchInit));
    let mut net = Network::new(
        &spec.network,
        init.genotype.as_ref(),
        &mut init_rng,
        DType::F32,
        ctx.device,
    )
    .map_err(|e| fail.nn(e))?;
    if let Some(path) = &init.weights {
        let label = super::networks::file_label(ctx, path);
        let load = super::networks::load_by_name(&net, path, label, &fail)?;
        ctx.sink.emit(Event::Note {
            text: format!("{}: {}", ctx.stage.name, load.summary()),
        });
    }
    if let SamplerSpec::TwoPath {
        skip_drop,
        pool_drop,
    } = spec.sampler
    {
        net.set_drop_probs(skip_drop, pool_drop);
    }
    let opt_w = Optim::from_spec(&spec.weights, net.params().to_vec()).map_err(|e| fail.msg(e))?;
    let opt_a = Optim::from_spec(&spec.arch, net.alphas()).map_err(|e| fail.msg(e))?;
    if matches!(spec.objective, ObjectiveSpec::CrossEntropy { .. }) && dataset_has_no_labels {
        return Err(fail.msg("a cross-entropy search needs labels; the dataset has none"));
    }
    let mut s = Search {
        spec,
        net,
        opt_w,
        opt_a,
        rng: ChaCha8Rng::seed_from_u64(streams::seed(seed, Stream::SearchSample)),
        loader_w,
        loader_a,
        derive: derive_options(ctx),
        objective: spec.objective.clone(),
        steps,
    };
    let mut pos = initial_position(ctx, &mut s, &fail)?;
    let mut log = MetricsLog::open(&ctx.dir, |_, epoch| epoch < pos.epoch)
        .map_err(|e| fail.io(&ctx.dir, e))?;
    ctx.sink.emit(Event::StageStart {
        stage: ctx.stage.name.clone(),
        kind: ctx.stage.kind.name().into(),
        epochs: spec.epochs,
    });
    while pos.phase.settle(&spec.phases, pos.epoch) && pos.epoch < spec.epochs {
        run_epoch(ctx, &mut s, &mut pos, &mut log, &fail)?;
    }
    let genotype = s.net.derive(&s.derive).map_err(|e| fail.nn(e))?;
    common::save_weights(&s.net, &ctx.dir.join("weights.safetensors"), &fail)?;
    let last = MetricsLog::read::<SslEpoch>(&ctx.dir)
        .ok()
        .and_then(|r| r.last().cloned());
    Ok(SslDone {
        result: SslResult {
            epochs: pos.epoch,
            loss: last.as_ref().map(|l| l.loss),
            ssl_acc: last.as_ref().map(|l| l.ssl_acc),
            alpha_entropy: s.net.alpha_entropy().map_err(|e| fail.nn(e))?,
        },
        genotype,
    })
}

/// Fresh start, or the state of the last checkpoint when resuming.
fn initial_position(
    ctx: &mut StageCtx<'_>,
    s: &mut Search<'_>,
    fail: &Fail,
) -> Result<Position, RuntimeError> {
    let dir = ctx.dir.join("checkpoint");
    let fresh = Position {
        epoch: 0,
        step: 0,
        arch_batches: 0,
        phase: PhaseState::default(),
        frozen: Vec::new(),
        rng: RngState::of(&s.rng),
        acc: EpochAcc::default(),
    };
    if !ctx.resumes_from_checkpoint() {
        return Ok(fresh);
    }
    let ckpt = checkpoint::load(&dir, ctx.device)?;
    let pos: Position = serde_json::from_value(ckpt.meta.clone())
        .map_err(|e| fail.msg(format!("checkpoint {}: bad metadata: {e}", dir.display())))?;
    // the checksum guards against damage, not against a forged file: the position must be
    // one this stage can be at
    let cells = s.net.cell_count();
    let bad = if pos.epoch > s.spec.epochs {
        Some(format!(
            "epoch {} is past the stage's {} epochs",
            pos.epoch, s.spec.epochs
        ))
    } else if pos.step > s.steps {
        Some(format!(
            "step {} is past the epoch's {} steps",
            pos.step, s.steps
        ))
    } else if let Some((cell, _)) = pos.frozen.iter().find(|(c, _)| *c >= cells) {
        Some(format!(
            "frozen cell {cell} does not exist (the network has {cells})"
        ))
    } else {
        None
    };
    if let Some(reason) = bad {
        return Err(checkpoint::CheckpointError::Corrupt {
            path: dir.join(checkpoint::FILE_NAME),
            reason,
        }
        .into());
    }
    for (cell, geno) in &pos.frozen {
        s.net
            .freeze_cell_with(*cell, geno)
            .map_err(|e| fail.nn(e))?;
    }
    unpack(
        &ckpt,
        &s.net,
        &mut [("opt_w", &mut s.opt_w), ("opt_a", &mut s.opt_a)],
    )
    .map_err(|e| fail.msg(format!("checkpoint {}: {e}", dir.display())))?;
    common::check_finite_state(&s.net, &dir, fail)?;
    s.rng = pos.rng.restore().map_err(|e| fail.msg(e))?;
    ctx.sink.emit(Event::Resumed {
        stage: ctx.stage.name.clone(),
        epoch: pos.epoch,
    });
    Ok(pos)
}

/// The derive options of the derive stage that reads this search (defaults otherwise):
/// freezing a cell must give the cell that derivation will give.
fn derive_options(ctx: &StageCtx<'_>) -> DeriveOptions {
    ctx.program
        .pipeline
        .stages
        .iter()
        .find_map(|st| match &st.kind {
            StageKind::Derive(d) if d.search == ctx.stage.name => Some(DeriveOptions::from(d)),
            _ => None,
        })
        .unwrap_or_default()
}

fn run_epoch(
    ctx: &mut StageCtx<'_>,
    s: &mut Search<'_>,
    pos: &mut Position,
    log: &mut MetricsLog,
    fail: &Fail,
) -> Result<(), RuntimeError> {
    let spec = s.spec;
    let epoch = pos.epoch;
    let phase = &spec.phases[pos.phase.index];
    if pos.step == 0 {
        freeze_due(ctx, s, pos, fail)?;
        select_due(ctx, s, pos, fail)?;
    }
    ctx.sink.emit(Event::EpochStart {
        stage: ctx.stage.name.clone(),
        epoch,
        epochs: spec.epochs,
        steps: s.steps,
        phase: phase.name.clone(),
    });
    let mut batches = s.loader_w.steps(epoch as u64, pos.step, s.steps);
    let mut arch_batches = s.loader_a.epoch(epoch as u64, pos.arch_batches);
    while pos.step < s.steps {
        let started = Instant::now();
        let batch = next_batch(&mut batches, fail)?;
        let lr = learning_rate(
            &spec.weights.schedule,
            spec.weights.lr,
            epoch,
            pos.step,
            s.steps,
            spec.epochs,
        );
        let (loss, acc, fstd) = weight_step(s, &batch, lr, phase.drop, epoch, pos.step, fail)?;
        if phase.arch_updates && (pos.step + 1).is_multiple_of(spec.arch_every.max(1)) {
            let ab = match arch_batches.next() {
                Some(b) => b.map_err(|e| fail.data(e))?,
                None => {
                    // the architecture split is smaller than the weight split: start it over
                    pos.arch_batches = 0;
                    arch_batches = s.loader_a.epoch(epoch as u64, 0);
                    next_batch(&mut arch_batches, fail)?
                }
            };
            pos.arch_batches += 1;
            arch_step(s, &ab, epoch, pos.step, fail)?;
            pos.acc.arch_steps += 1;
        }
        let n = batch.indices.len();
        pos.acc.loss += loss;
        pos.acc.ssl_acc += acc;
        pos.acc.feature_std += fstd;
        pos.acc.steps += 1;
        pos.acc.images += n;
        let secs = started.elapsed().as_secs_f64();
        pos.acc.seconds += secs;
        pos.step += 1;
        ctx.sink.emit(Event::Step {
            stage: ctx.stage.name.clone(),
            epoch,
            step: pos.step - 1,
            steps: s.steps,
            loss,
            lr,
            images_per_sec: n as f64 / secs.max(1e-9),
        });
        if ctx.stop.load(Ordering::SeqCst) && pos.step < s.steps {
            save(ctx, s, pos, fail)?;
            return Err(RuntimeError::Interrupted {
                stage: ctx.stage.name.clone(),
                epoch,
                step: pos.step,
            });
        }
    }
    finish_epoch(ctx, s, pos, log, fail)
}

/// Freeze the cells whose time has come in a freezing phase.
fn freeze_due(
    ctx: &mut StageCtx<'_>,
    s: &mut Search<'_>,
    pos: &mut Position,
    fail: &Fail,
) -> Result<(), RuntimeError> {
    let phase = &s.spec.phases[pos.phase.index];
    let Some(order) = phase.freeze else {
        return Ok(());
    };
    let cells = s.net.cell_count();
    for cell in cells_to_freeze(order, pos.phase.start, max_len(phase), cells, pos.epoch) {
        if s.net.is_searching(cell) {
            let geno = s.net.freeze_cell(cell, &s.derive).map_err(|e| fail.nn(e))?;
            pos.frozen.push((cell, geno));
            ctx.sink.emit(Event::CellFrozen {
                stage: ctx.stage.name.clone(),
                cell,
                epoch: pos.epoch,
            });
        }
    }
    Ok(())
}

/// Fix the edges whose turn has come in a selection phase (front to back, evenly spaced
/// across the phase like cell freezing), measured on the first batches of the
/// architecture split.
fn select_due(
    ctx: &mut StageCtx<'_>,
    s: &mut Search<'_>,
    pos: &Position,
    fail: &Fail,
) -> Result<(), RuntimeError> {
    let phase = &s.spec.phases[pos.phase.index];
    let Some(sel) = &phase.select else {
        return Ok(());
    };
    let rows: Vec<(usize, usize)> = s
        .net
        .alpha_rows()
        .into_iter()
        .flat_map(|(g, n)| (0..n).map(move |r| (g, r)))
        .collect();
    let due = cells_to_freeze(
        FreezeOrder::Forward,
        pos.phase.start,
        max_len(phase),
        rows.len(),
        pos.epoch,
    );
    let mut batches = Vec::with_capacity(sel.batches);
    let mut it = s.loader_a.epoch(pos.epoch as u64, 0);
    for _ in 0..sel.batches {
        batches.push(next_batch(&mut it, fail)?);
    }
    let objective = s.objective.clone();
    let loss = |net: &Network, b: &Batch| -> Result<Tensor, RuntimeError> {
        let out = net
            .forward_t(&stack_views(b, fail)?, true)
            .map_err(|e| fail.nn(e))?;
        Ok(objective_loss(&objective, &out, b, fail)?.loss)
    };
    let due: Vec<(usize, usize)> = due.into_iter().map(|i| rows[i]).collect();
    let keep = s.derive.edges_per_node;
    select::select_rows(
        ctx, &mut s.net, &batches, &loss, &due, keep, pos.epoch, fail,
    )
}

fn next_batch(
    it: &mut dyn Iterator<Item = Result<Batch, data::DataError>>,
    fail: &Fail,
) -> Result<Batch, RuntimeError> {
    match it.next() {
        Some(b) => b.map_err(|e| fail.data(e)),
        None => Err(fail.internal("the loader ran out of batches before the epoch ended")),
    }
}

/// Views of a batch stacked into one tensor [views * B, C, H, W].
fn stack_views(batch: &Batch, fail: &Fail) -> Result<Tensor, RuntimeError> {
    Tensor::cat(&batch.views, 0).map_err(|e| fail.tensor("stacking views", e))
}

/// One SGD step on the weights; returns (loss, retrieval accuracy, feature std).
fn weight_step(
    s: &mut Search<'_>,
    batch: &Batch,
    lr: f64,
    drop: bool,
    epoch: usize,
    step: usize,
    fail: &Fail,
) -> Result<(f64, f64, f64), RuntimeError> {
    s.net
        .resample(&mut s.rng, true, drop)
        .map_err(|e| fail.nn(e))?;
    let x = stack_views(batch, fail)?;
    let out = s.net.forward_t(&x, true).map_err(|e| fail.nn(e))?;
    let nt = objective_loss(&s.objective, &out, batch, fail)?;
    let loss = common::scalar(&nt.loss, fail)?;
    fail.finite("loss", loss, epoch, step)?;
    let mut grads = nt.loss.backward().map_err(|e| fail.tensor("backward", e))?;
    let used = s.net.used_params().map_err(|e| fail.nn(e))?;
    let params = s.net.params();
    let excluded: HashSet<String> = params
        .iter()
        .zip(&used)
        .filter(|(_, u)| !**u)
        .map(|((n, _), _)| n.clone())
        .collect();
    let active: Vec<(String, candle_core::Var)> = params
        .iter()
        .zip(&used)
        .filter(|(_, u)| **u)
        .map(|(p, _)| p.clone())
        .collect();
    let norm = match s.spec.weights.clip_norm {
        Some(c) => clip_grad_norm(&active, &mut grads, c).map_err(|e| fail.msg(e))?,
        None => common::grad_norm(&active, &grads, fail)?,
    };
    fail.finite("gradient norm", norm, epoch, step)?;
    s.opt_w.set_learning_rate(lr);
    s.opt_w
        .step_except(&grads, &excluded)
        .map_err(|e| fail.msg(e))?;
    Ok((loss, nt.accuracy, nt.feature_std))
}

/// The stage's loss on a forward pass, with its metrics: for SimCLR the positive-retrieval
/// accuracy and the feature std; for cross-entropy (supervised DARTS) the top-1 accuracy
/// and the std of the pooled features.
fn objective_loss(
    objective: &ObjectiveSpec,
    out: &nas_engine::nn::Outputs,
    batch: &Batch,
    fail: &Fail,
) -> Result<nas_engine::ssl::simclr::NtXent, RuntimeError> {
    match objective {
        ObjectiveSpec::Simclr { temperature } => {
            nas_engine::ssl::simclr::nt_xent(&out.out, *temperature).map_err(|e| fail.msg(e))
        }
        ObjectiveSpec::CrossEntropy { label_smoothing } => {
            let y = batch
                .labels
                .as_ref()
                .ok_or_else(|| fail.msg("a cross-entropy search needs labels"))?;
            let loss = nas_engine::ssl::supervised::cross_entropy(&out.out, y, *label_smoothing)
                .map_err(|e| fail.msg(e))?;
            let accuracy =
                nas_engine::ssl::supervised::accuracy(&out.out, y).map_err(|e| fail.msg(e))?;
            let feature_std =
                nas_engine::ssl::simclr::feature_std(&out.features).map_err(|e| fail.msg(e))?;
            Ok(nas_engine::ssl::simclr::NtXent {
                loss,
                accuracy,
                feature_std,
            })
        }
    }
}

/// One Adam step on the alphas from a batch of the architecture split.
fn arch_step(
    s: &mut Search<'_>,
    batch: &Batch,
    epoch: usize,
    step: usize,
    fail: &Fail,
) -> Result<(), RuntimeError> {
    s.net
        .resample(&mut s.rng, false, false)
        .map_err(|e| fail.nn(e))?;
    let x = stack_views(batch, fail)?;
    let out = s.net.forward_t(&x, true).map_err(|e| fail.nn(e))?;
    let nt = objective_loss(&s.objective, &out, batch, fail)?;
    fail.finite(
        "architecture loss",
        common::scalar(&nt.loss, fail)?,
        epoch,
        step,
    )?;
    let mut grads = nt.loss.backward().map_err(|e| fail.tensor("backward", e))?;
    let arch = s.net.arch_grads(&grads).map_err(|e| fail.nn(e))?;
    for (var, g) in arch {
        grads.insert(var.as_tensor(), g);
    }
    s.opt_a.set_learning_rate(learning_rate(
        &s.spec.arch.schedule,
        s.spec.arch.lr,
        epoch,
        step,
        s.steps,
        s.spec.epochs,
    ));
    s.opt_a.step(&grads).map_err(|e| fail.msg(e))?;
    s.net.rescale_alphas().map_err(|e| fail.nn(e))?;
    for (name, var) in s.net.alphas() {
        let v = common::max_abs(var.as_tensor(), fail)?;
        fail.finite(&format!("alpha `{name}`"), v, epoch, step)?;
    }
    Ok(())
}

fn finish_epoch(
    ctx: &mut StageCtx<'_>,
    s: &mut Search<'_>,
    pos: &mut Position,
    log: &mut MetricsLog,
    fail: &Fail,
) -> Result<(), RuntimeError> {
    let a = &pos.acc;
    let n = a.steps.max(1) as f64;
    let genotype = s.net.derive(&s.derive).map_err(|e| fail.nn(e))?;
    let geno_text = serde_json::to_string(&genotype).map_err(|e| fail.internal(e))?;
    let spec = s.spec;
    let stable = pos.phase.last_genotype.as_deref() == Some(geno_text.as_str());
    let record = SslEpoch {
        format_version: OUTPUT_VERSION,
        epoch: pos.epoch,
        phase: spec.phases[pos.phase.index].name.clone(),
        loss: a.loss / n,
        ssl_acc: a.ssl_acc / n,
        feature_std: a.feature_std / n,
        alpha_entropy: s.net.alpha_entropy().map_err(|e| fail.nn(e))?,
        lr: learning_rate(
            &spec.weights.schedule,
            spec.weights.lr,
            pos.epoch,
            0,
            s.steps,
            spec.epochs,
        ),
        arch_steps: a.arch_steps,
        frozen_cells: pos.frozen.len(),
        images_per_sec: a.images as f64 / a.seconds.max(1e-9),
        arch_stable_epochs: if stable { pos.phase.stable + 1 } else { 0 },
    };
    log.append(&record).map_err(|e| fail.io(&ctx.dir, e))?;
    // `when` conditions and the progress display look metrics up by name
    let metrics = serde_json::to_value(&record).map_err(|e| fail.internal(e))?;
    pos.phase
        .end_epoch(&spec.phases, pos.epoch, &metrics, &geno_text);
    ctx.sink.emit(Event::EpochEnd {
        stage: ctx.stage.name.clone(),
        epoch: pos.epoch,
        metrics: shown_metrics(metrics, &spec.objective),
    });
    pos.epoch += 1;
    pos.step = 0;
    pos.arch_batches = 0;
    pos.acc = EpochAcc::default();
    save(ctx, s, pos, fail)
}

fn save(
    ctx: &StageCtx<'_>,
    s: &Search<'_>,
    pos: &mut Position,
    fail: &Fail,
) -> Result<(), RuntimeError> {
    common::check_finite_weights(&s.net, fail, pos.epoch, pos.step)?;
    pos.rng = RngState::of(&s.rng);
    let meta = serde_json::to_value(&*pos).map_err(|e| fail.internal(e))?;
    let ckpt =
        pack(&s.net, &[("opt_w", &s.opt_w), ("opt_a", &s.opt_a)], meta).map_err(|e| fail.msg(e))?;
    ctx.save_checkpoint(&ckpt)
}

/// Rebuild the searched supernet from a completed search stage's checkpoint.
pub fn load_supernet(
    ctx: &StageCtx<'_>,
    search_stage: &str,
    spec: &SearchSpec,
    fail: &Fail,
) -> Result<Network, RuntimeError> {
    let dir = ctx.stage_dir(search_stage).join("checkpoint");
    let ckpt = checkpoint::load(&dir, ctx.device)?;
    let pos: Position = serde_json::from_value(ckpt.meta.clone())
        .map_err(|e| fail.msg(format!("checkpoint {}: bad metadata: {e}", dir.display())))?;
    let mut init_rng =
        ChaCha8Rng::seed_from_u64(streams::seed(ctx.program.pipeline.seed, Stream::SearchInit));
    let mut net = Network::new(&spec.network, None, &mut init_rng, DType::F32, ctx.device)
        .map_err(|e| fail.nn(e))?;
    for (cell, geno) in &pos.frozen {
        net.freeze_cell_with(*cell, geno).map_err(|e| fail.nn(e))?;
    }
    unpack(&ckpt, &net, &mut [])
        .map_err(|e| fail.msg(format!("checkpoint {}: {e}", dir.display())))?;
    Ok(net)
}

/// The epoch's metrics as the log shows them: with a supervised objective the accuracy is
/// the training accuracy, not a self-supervised one (`metrics.jsonl` keeps the field name
/// `ssl_acc` of its format).
fn shown_metrics(mut metrics: serde_json::Value, objective: &ObjectiveSpec) -> serde_json::Value {
    if let (ObjectiveSpec::CrossEntropy { .. }, Some(m)) = (objective, metrics.as_object_mut()) {
        if let Some(acc) = m.remove("ssl_acc") {
            m.insert("train_acc".into(), acc);
        }
    }
    metrics
}
