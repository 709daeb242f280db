//! Cross-framework training parity, the engine's half: the exact batches an `ssl_train`
//! stage of `examples/semi_supervised.nas` trains on, written out so that
//! `tools/parity_train_torch.py` can train the same network on them in PyTorch (and, for
//! comparison, on its own augmentations of the same images in the same order).
//!
//! ```text
//! cargo run --release --example parity_views -- OUT_DIR [PIPELINE] [STAGE]
//! ```
//! (defaults: `calibration_pretrain_5k`, `pretrain`). It builds the stage's weight loader as
//! `nas run` does (the same dataset, split, seed, augmentation, batch and `drop_last`) and,
//! for every epoch `e` of the stage, writes `views-e.safetensors`: `x` `[steps, 2B, C, H, W]`
//! (per step view 1 of the B images, then view 2, as the stage stacks them) and `idx`
//! `[steps, B]` (the dataset indices). Also `images.safetensors` (`pixels` `[N, C, H, W]`
//! u8 of the stage's dataset) and `views.json` (epochs, steps, batch, mean and std).
//! Run `parity_dump OUT_DIR PIPELINE STAGE 0` as well for the stage's initial weights and
//! optimiser settings.

#![allow(clippy::print_stdout, clippy::print_stderr)] // a command-line tool

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use candle_core::{Device, Tensor};
use nas_engine::data::{split, Augmenter, Loader, LoaderConfig};

#[path = "parity_stage.rs"]
mod parity_stage;
use parity_stage::{ssl_train_stage, Res};

fn main() -> Res<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let out = PathBuf::from(
        args.first()
            .ok_or("usage: parity_views OUT_DIR [PIPELINE] [STAGE]")?,
    );
    let pipeline = args
        .get(1)
        .cloned()
        .unwrap_or_else(|| "calibration_pretrain_5k".into());
    let stage_name = args.get(2).cloned().unwrap_or_else(|| "pretrain".into());
    std::fs::create_dir_all(&out)?;

    let (program, spec) = ssl_train_stage(&pipeline, &stage_name)?;
    let seed = program.pipeline.seed;

    // the weight loader of the search loop that ssl_train runs (one split holding everything)
    let device = Device::Cpu;
    let dataset = Arc::new(nas_engine::data::load_train(
        &program.pipeline.data,
        nas_ir::streams::seed(seed, nas_ir::streams::Stream::DataLimit),
    )?);
    let (w_idx, _) = split::split_fraction(dataset.labels.as_deref(), dataset.len(), 1.0, seed)?;
    let loader = Loader::new(
        dataset.clone(),
        w_idx,
        Arc::new(Augmenter::new(&spec.views)?),
        LoaderConfig {
            drop_last: true,
            ..LoaderConfig::new(spec.batch, seed)
        },
        device.clone(),
    )?;
    let steps = spec.steps_per_epoch.unwrap_or(loader.batches_per_epoch());
    let (c, h, w) = (dataset.channels, dataset.size, dataset.size);
    for epoch in 0..spec.epochs {
        let mut xs = Vec::with_capacity(steps);
        let mut idx: Vec<u32> = Vec::with_capacity(steps * spec.batch);
        for batch in loader.steps(epoch as u64, 0, steps) {
            let batch = batch?;
            xs.push(Tensor::cat(&batch.views, 0)?);
            idx.extend(batch.indices.iter().map(|&i| i as u32));
        }
        let x = Tensor::stack(&xs, 0)?;
        let idx = Tensor::from_vec(idx, (steps, spec.batch), &device)?;
        candle_core::safetensors::save(
            &HashMap::from([("x".to_string(), x), ("idx".to_string(), idx)]),
            out.join(format!("views-{epoch}.safetensors")),
        )?;
        eprintln!("epoch {epoch}: {steps} batches");
    }
    let pixels = Tensor::from_vec(dataset.pixels.clone(), (dataset.len(), c, h, w), &device)?;
    candle_core::safetensors::save(
        &HashMap::from([("pixels".to_string(), pixels)]),
        out.join("images.safetensors"),
    )?;
    let info = serde_json::json!({
        "pipeline": pipeline,
        "stage": stage_name,
        "epochs": spec.epochs,
        "steps": steps,
        "batch": spec.batch,
        "pixel_max": dataset.pixel_max,
        "views": serde_json::to_value(&spec.views)?,
    });
    std::fs::write(out.join("views.json"), serde_json::to_string_pretty(&info)?)?;
    eprintln!("wrote {}", out.display());
    Ok(())
}
