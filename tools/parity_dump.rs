//! Cross-framework parity, the engine's half: a few SimCLR training steps of a fixed
//! network from `examples/semi_supervised.nas`, written out so that `tools/parity_torch.py`
//! can run the same steps in PyTorch from the same weights on the same inputs.
//!
//! ```text
//! cargo run --release --example parity_dump -- OUT_DIR [PIPELINE] [STAGE] [STEPS]
//! ```
//! (defaults: `calibration_genotype`, `pretrain`, 5 steps). It builds the stage's network
//! exactly as `nas run` does (seeded init), draws one batch of the stage's SSL views from
//! the pipeline's data, and runs STEPS steps of the stage's optimiser (momentum, weight
//! decay, global-norm clipping) at its base learning rate on that batch. Written:
//! - `init.safetensors`: every parameter and buffer before the first step;
//! - `input.safetensors`: `x` `[2B, 3, 32, 32]` (view 1 of B images, then view 2);
//! - `steps.safetensors`: `grad.<param>` of the first step, `param.<param>` and
//!   `buffer.<name>` after the last step, `loss` `[STEPS]` (the loss of each step before its
//!   update), `grad_norm` `[STEPS]` (before clipping);
//! - `config.json`: the optimiser settings, temperature and the genotype.
//!
//! `PARITY_DTYPE=f64` builds the network in double precision (the PyTorch half follows the
//! dtype of `init.safetensors`), which separates rounding from a wrong formula.

#![allow(clippy::print_stdout, clippy::print_stderr)] // a command-line tool

use std::collections::HashMap;
use std::path::PathBuf;

use candle_core::{DType, Device, Tensor};
use nas_engine::data::augment::{Augmenter, Image};
use nas_engine::nn::Network;
use nas_engine::optim::{clip_grad_norm, Optim, Optimizer};
use nas_ir::{ObjectiveSpec, OptimKind};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

#[path = "parity_stage.rs"]
mod parity_stage;
use parity_stage::{ssl_train_stage, Res};

fn main() -> Res<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let out = PathBuf::from(
        args.first()
            .ok_or("usage: parity_dump OUT_DIR [PIPELINE] [STAGE] [STEPS]")?,
    );
    let pipeline = args
        .get(1)
        .cloned()
        .unwrap_or_else(|| "calibration_genotype".into());
    let stage_name = args.get(2).cloned().unwrap_or_else(|| "pretrain".into());
    let steps: usize = args.get(3).map(|s| s.parse()).transpose()?.unwrap_or(5);
    std::fs::create_dir_all(&out)?;

    let (program, spec) = ssl_train_stage(&pipeline, &stage_name)?;
    let seed = program.pipeline.seed;
    let temperature = match spec.objective {
        ObjectiveSpec::Simclr { temperature } => temperature,
        _ => return Err("the stage's objective is not simclr".into()),
    };
    let (momentum, nesterov) = match spec.optim.kind {
        OptimKind::Sgd { momentum, nesterov } => (momentum, nesterov),
        _ => return Err("the stage's optimiser is not sgd".into()),
    };

    let device = Device::Cpu;
    let dtype = match std::env::var("PARITY_DTYPE").as_deref() {
        Ok("f64") => DType::F64,
        _ => DType::F32,
    };
    let mut init_rng = ChaCha8Rng::seed_from_u64(seed);
    let net = Network::new(&spec.network, None, &mut init_rng, dtype, &device)?;
    net.save(&out.join("init.safetensors"))?;

    // one batch of the stage's views of the first B training images
    let data = nas_engine::data::load_train(
        &program.pipeline.data,
        nas_ir::streams::seed(seed, nas_ir::streams::Stream::DataLimit),
    )?;
    let aug = Augmenter::new(&spec.views)?;
    let mut aug_rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed);
    let b = spec.batch;
    let mut views: Vec<Vec<f32>> = vec![Vec::new(), Vec::new()];
    for i in 0..b {
        let img = Image {
            channels: data.channels,
            height: data.size,
            width: data.size,
            data: data
                .image_u8(i)?
                .iter()
                .map(|&p| p as f32 / data.pixel_max)
                .collect(),
        };
        for (v, view) in aug
            .apply_views(&img, &mut aug_rng)?
            .into_iter()
            .enumerate()
            .take(2)
        {
            views[v].extend(view.data);
        }
    }
    let x: Vec<f32> = views.concat();
    let x = Tensor::from_vec(x, (2 * b, data.channels, data.size, data.size), &device)?
        .to_dtype(dtype)?;
    candle_core::safetensors::save(
        &HashMap::from([("x".to_string(), x.clone())]),
        out.join("input.safetensors"),
    )?;

    let mut opt = Optim::from_spec(&spec.optim, net.params().to_vec())?;
    opt.set_learning_rate(spec.optim.lr);
    let mut saved: HashMap<String, Tensor> = HashMap::new();
    let mut losses = Vec::new();
    let mut norms = Vec::new();
    for step in 0..steps {
        let o = net.forward_t(&x, true)?;
        let nt = nas_engine::ssl::simclr::nt_xent(&o.out, temperature)?;
        losses.push(nt.loss.to_dtype(DType::F32)?.to_scalar::<f32>()?);
        let mut grads = nt.loss.backward()?;
        if step == 0 {
            for (name, var) in net.params() {
                if let Some(g) = grads.get(var.as_tensor()) {
                    saved.insert(format!("grad.{name}"), g.clone());
                }
            }
        }
        let norm = match spec.optim.clip_norm {
            Some(c) => clip_grad_norm(net.params(), &mut grads, c)?,
            None => f64::NAN,
        };
        norms.push(norm as f32);
        opt.step_except(&grads, &Default::default())?;
    }
    for (name, var) in net.params() {
        saved.insert(format!("param.{name}"), var.as_tensor().clone());
    }
    for (name, var) in net.buffers() {
        saved.insert(format!("buffer.{name}"), var.as_tensor().clone());
    }
    saved.insert("loss".into(), Tensor::new(losses.as_slice(), &device)?);
    saved.insert("grad_norm".into(), Tensor::new(norms.as_slice(), &device)?);
    candle_core::safetensors::save(&saved, out.join("steps.safetensors"))?;

    let genotype = serde_json::to_value(&spec.network)?;
    let config = serde_json::json!({
        "pipeline": pipeline,
        "stage": stage_name,
        "steps": steps,
        "batch": b,
        "temperature": temperature,
        "lr": spec.optim.lr,
        "momentum": momentum,
        "nesterov": nesterov,
        "weight_decay": spec.optim.weight_decay,
        "clip_norm": spec.optim.clip_norm,
        "network": genotype,
    });
    std::fs::write(
        out.join("config.json"),
        serde_json::to_string_pretty(&config)?,
    )?;
    eprintln!("wrote {} (losses {:?})", out.display(), losses);
    Ok(())
}
