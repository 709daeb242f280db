//! `knn`: cosine k-nearest-neighbour accuracy of a network's pooled features, no training.
//!
//! Contract: features are L2-normalised global-pool outputs in evaluation mode; the bank is
//! a class-balanced `labels` fraction of the training images; each test image votes its k
//! nearest bank images with weight exp(similarity / temperature) (the InstDisc / DINO
//! protocol). The test set is read once.

use std::sync::Arc;

use candle_core::{DType, Tensor, D};

use super::common::Fail;
use super::networks;
use crate::ctx::StageCtx;
use crate::error::RuntimeError;
use crate::events::Event;
use nas_engine::data::{self, Augmenter, Loader, LoaderConfig, Part};
use nas_engine::nn::Network;
use nas_ir::outputs::{KnnDone, KnnResult};
use nas_ir::streams::{self, Stream};
use nas_ir::{AugStep, AugmentSpec, KnnSpec};

pub fn run(ctx: &mut StageCtx<'_>, spec: &KnnSpec) -> Result<KnnDone, RuntimeError> {
    let fail = Fail::new(ctx.stage);
    let seed = ctx.program.pipeline.seed;
    let net = networks::build(
        ctx,
        &spec.network,
        streams::seed(seed, Stream::TrainInit),
        &fail,
    )?;
    let mut init_load = None;
    if let Some(file) = networks::init_file(ctx, &spec.network, &spec.init)? {
        let label = networks::file_label(ctx, &file);
        let load = networks::load_by_name(&net, &file, label, &fail)?;
        ctx.sink.emit(Event::Note {
            text: format!("{}: {}", ctx.stage.name, load.summary()),
        });
        init_load = Some(load);
    }
    let data_spec = &ctx.program.pipeline.data;
    let train = Arc::new(
        data::load_train(data_spec, streams::seed(seed, Stream::DataLimit))
            .map_err(|e| fail.data(e))?,
    );
    let labels = train
        .labels
        .clone()
        .ok_or_else(|| fail.msg("kNN needs labels; the dataset has none"))?;
    let bank_idx = data::split::label_fraction(
        &labels,
        spec.labels,
        streams::seed(seed, Stream::DataLabels),
    )
    .map_err(|e| fail.data(e))?;
    let test = Arc::new(data::load(data_spec, Part::Test).map_err(|e| fail.data(e))?);
    let norm = AugmentSpec {
        views: 1,
        steps: vec![AugStep::Normalize {
            mean: data_spec.mean.clone(),
            std: data_spec.std.clone(),
        }],
        span: spec.span.clone(),
    };
    let aug = Arc::new(Augmenter::new(&norm).map_err(|e| fail.msg(e))?);
    let cfg = LoaderConfig {
        shuffle: false,
        ..LoaderConfig::new(256, streams::seed(seed, Stream::EvalData))
    };
    let test_idx: Vec<usize> = (0..test.len()).collect();
    let bank = Loader::new(train, bank_idx, aug.clone(), cfg, ctx.device.clone())
        .map_err(|e| fail.data(e))?;
    let queries =
        Loader::new(test, test_idx, aug, cfg, ctx.device.clone()).map_err(|e| fail.data(e))?;
    let (bank_f, bank_y) = features(&net, &bank, &fail)?;
    let (query_f, query_y) = features(&net, &queries, &fail)?;
    let classes = ctx.program.pipeline.data.classes.unwrap_or(1);
    let acc = knn_accuracy(
        &bank_f,
        &bank_y,
        &query_f,
        &query_y,
        spec.k,
        spec.temperature,
        classes,
    )
    .map_err(|e| fail.tensor("kNN", e))?;
    Ok(KnnDone {
        result: KnnResult {
            knn_acc: acc,
            k: spec.k,
            bank: bank_y.len(),
            test_images: Some(query_y.len()),
        },
        init_load,
    })
}

/// L2-normalised pooled features [N, D] and labels of every image of `loader`.
fn features(
    net: &Network,
    loader: &Loader,
    fail: &Fail,
) -> Result<(Tensor, Vec<u32>), RuntimeError> {
    let (mut fs, mut ys) = (Vec::new(), Vec::new());
    for batch in loader.epoch(0, 0) {
        let batch = batch.map_err(|e| fail.data(e))?;
        let f = net
            .forward_t(&batch.views[0], false)
            .map_err(|e| fail.nn(e))?
            .features;
        fs.push(f.detach());
        let y = batch
            .labels
            .ok_or_else(|| fail.internal("labelled batch without labels"))?;
        ys.extend(y.to_vec1::<u32>().map_err(|e| fail.tensor("labels", e))?);
    }
    let f = Tensor::cat(&fs, 0).map_err(|e| fail.tensor("features", e))?;
    let n = (f
        .sqr()
        .and_then(|s| s.sum_keepdim(D::Minus1))
        .and_then(|s| (s + 1e-12)?.sqrt()))
    .map_err(|e| fail.tensor("features", e))?;
    Ok((
        f.broadcast_div(&n)
            .map_err(|e| fail.tensor("features", e))?,
        ys,
    ))
}

/// Fraction of queries whose temperature-weighted vote over their k nearest bank entries
/// (cosine similarity) picks their label.
pub fn knn_accuracy(
    bank: &Tensor,
    bank_y: &[u32],
    query: &Tensor,
    query_y: &[u32],
    k: usize,
    temperature: f64,
    classes: usize,
) -> candle_core::Result<f64> {
    let sim = query
        .matmul(&bank.t()?)?
        .to_dtype(DType::F64)?
        .to_vec2::<f64>()?; // [Q, B]
    let mut correct = 0;
    for (row, &y) in sim.iter().zip(query_y) {
        let mut order: Vec<usize> = (0..row.len()).collect();
        order.sort_by(|&a, &b| row[b].total_cmp(&row[a]));
        let mut votes = vec![0.0; classes.max(1)];
        for &j in order.iter().take(k) {
            if let Some(v) = votes.get_mut(bank_y[j] as usize) {
                *v += (row[j] / temperature).exp();
            }
        }
        let best = (0..votes.len())
            .max_by(|&a, &b| votes[a].total_cmp(&votes[b]))
            .unwrap_or(0);
        correct += usize::from(best as u32 == y);
    }
    Ok(correct as f64 / query_y.len().max(1) as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use candle_core::Device;

    #[test]
    fn nearest_neighbours_vote_for_their_class() {
        let bank = Tensor::new(
            &[[1.0f32, 0.0], [0.9, 0.1], [0.0, 1.0], [0.1, 0.9]],
            &Device::Cpu,
        )
        .unwrap();
        let query =
            Tensor::new(&[[0.95f32, 0.05], [0.05, 0.95], [0.2, 0.8]], &Device::Cpu).unwrap();
        let acc = knn_accuracy(&bank, &[0, 0, 1, 1], &query, &[0, 1, 0], 2, 0.1, 2).unwrap();
        assert!((acc - 2.0 / 3.0).abs() < 1e-12, "{acc}");
    }
}
