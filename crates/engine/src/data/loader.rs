//! The batch loader: a seeded shuffled pass over an index list, augmented on worker threads
//! with a bounded prefetch queue, delivered as tensors on the caller's device.
//!
//! Determinism: the order of epoch `e` comes from an RNG seeded by (seed, e), and every
//! image's augmentation RNG from (seed, e, dataset index) ([`image_rng`]): the
//! `loader.order` and `loader.augment` streams of the loader's seed (`nas_ir::streams`), never from
//! thread timing. So the batches are identical for any number of workers (0 = augment on
//! the calling thread), and `epoch(e, k)` yields exactly batches `k..` of an uninterrupted
//! epoch `e` (resume). Worker `w` of `N` builds batches `k, k+N, ...` and owns one queue of
//! `prefetch` batches; the consumer reads the queues round-robin, so batches arrive in order
//! without a reorder buffer. Each batch is moved to the caller's device once, by the worker
//! that built it: on a GPU the host-to-device copies of the next batches run on the worker
//! threads while the training thread computes (with `workers = 0`, on the caller's thread).

use std::sync::mpsc::{sync_channel, Receiver};
use std::sync::Arc;
use std::thread::JoinHandle;

use candle_core::{Device, Tensor};
use nas_ir::streams::{self, Stream};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::augment::Augmenter;
use super::{DataError, Dataset};

/// How a [`Loader`] batches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoaderConfig {
    /// Images per batch (each gives `views` tensors' worth of rows).
    pub batch: usize,
    pub seed: u64,
    /// Drop the last, smaller batch of an epoch.
    pub drop_last: bool,
    /// Shuffle the order every epoch (off for evaluation passes).
    pub shuffle: bool,
    /// Augmentation threads; 0 augments on the caller's thread.
    pub workers: usize,
    /// Batches each worker may have ready ahead of the consumer (at least 1).
    pub prefetch: usize,
}

impl LoaderConfig {
    /// Shuffled, keeping the last batch, two workers with two batches of prefetch each.
    pub fn new(batch: usize, seed: u64) -> Self {
        LoaderConfig {
            batch,
            seed,
            drop_last: false,
            shuffle: true,
            workers: 2,
            prefetch: 2,
        }
    }
}

/// One batch: `views[v]` is `[B, C, H, W]` f32, `labels` is `[B]` u32 when the dataset has
/// labels, `indices` are the dataset indices of the B images, `batch_index` the position
/// of the batch in its epoch.
#[derive(Debug, Clone)]
pub struct Batch {
    pub views: Vec<Tensor>,
    pub labels: Option<Tensor>,
    pub indices: Vec<usize>,
    pub batch_index: usize,
}

/// The augmentation RNG of dataset image `index` in `epoch`.
pub fn image_rng(seed: u64, epoch: u64, index: usize) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(streams::seed(seed, Stream::LoaderAugment));
    // one ChaCha stream per (epoch, image): 2^32 of each is far beyond any dataset
    rng.set_stream((epoch << 32) | (index as u64 & 0xffff_ffff));
    rng
}

/// Batches over `indices` of a dataset.
#[derive(Debug, Clone)]
pub struct Loader {
    ctx: Arc<Context>,
    indices: Vec<usize>,
    config: LoaderConfig,
    device: Device,
}

#[derive(Debug)]
struct Context {
    dataset: Arc<Dataset>,
    augmenter: Arc<Augmenter>,
    shape: (usize, usize, usize),
    seed: u64,
}

impl Loader {
    pub fn new(
        dataset: Arc<Dataset>,
        indices: Vec<usize>,
        augmenter: Arc<Augmenter>,
        config: LoaderConfig,
        device: Device,
    ) -> Result<Self, DataError> {
        if config.batch == 0 {
            return Err(DataError::InvalidArgument {
                message: "batch size must be positive".into(),
            });
        }
        if let Some(&bad) = indices.iter().find(|&&i| i >= dataset.len()) {
            return Err(DataError::IndexOutOfRange {
                index: bad,
                len: dataset.len(),
            });
        }
        let shape = augmenter.output_shape(dataset.channels, dataset.size)?;
        let ctx = Arc::new(Context {
            dataset,
            augmenter,
            shape,
            seed: config.seed,
        });
        Ok(Loader {
            ctx,
            indices,
            config,
            device,
        })
    }

    /// Images per epoch (before `drop_last`).
    pub fn len(&self) -> usize {
        self.indices.len()
    }

    pub fn is_empty(&self) -> bool {
        self.indices.is_empty()
    }

    /// (channels, height, width) of every view.
    pub fn view_shape(&self) -> (usize, usize, usize) {
        self.ctx.shape
    }

    pub fn batches_per_epoch(&self) -> usize {
        let (n, b) = (self.indices.len(), self.config.batch);
        if self.config.drop_last {
            n / b
        } else {
            n.div_ceil(b)
        }
    }

    /// The dataset indices of epoch `epoch`, in the order they are batched.
    pub fn epoch_order(&self, epoch: u64) -> Vec<usize> {
        let mut order = self.indices.clone();
        if self.config.shuffle {
            let mut rng =
                ChaCha8Rng::seed_from_u64(streams::seed(self.config.seed, Stream::LoaderOrder));
            rng.set_stream(epoch);
            order.shuffle(&mut rng);
        }
        order
    }

    /// Steps `start..steps` of epoch `epoch`, where an epoch of more steps than one pass
    /// over the images holds (with `drop_last` or not) continues into further passes, each
    /// freshly shuffled and augmented: pass `p` of epoch `e` is the order and augmentation
    /// stream `e + p * 2^32`, so pass 0 is exactly [`Loader::epoch`]`(e, ..)`. Resumable at
    /// any step.
    pub fn steps(
        &self,
        epoch: u64,
        start: usize,
        steps: usize,
    ) -> Box<dyn Iterator<Item = Result<Batch, DataError>> + Send> {
        let per = self.batches_per_epoch().max(1);
        let first = start / per;
        let passes = steps.div_ceil(per);
        let me = self.clone(); // owned, so the caller may keep the loader's owner mutable
        Box::new(
            (first..passes.max(first))
                .flat_map(move |p| {
                    let skip = if p == first { start % per } else { 0 };
                    me.epoch(epoch.wrapping_add((p as u64) << 32), skip)
                })
                .take(steps.saturating_sub(start)),
        )
    }

    /// The batches `start_batch..` of epoch `epoch`.
    pub fn epoch(&self, epoch: u64, start_batch: usize) -> EpochIter {
        let order = self.epoch_order(epoch);
        let total = self.batches_per_epoch();
        let jobs: Vec<(usize, Vec<usize>)> = (start_batch.min(total)..total)
            .map(|k| {
                let end = ((k + 1) * self.config.batch).min(order.len());
                (k, order[k * self.config.batch..end].to_vec())
            })
            .collect();
        let count = jobs.len();
        let source = if self.config.workers == 0 {
            Source::Inline(jobs)
        } else {
            spawn_workers(
                &self.ctx,
                epoch,
                jobs,
                (self.config.workers, self.config.prefetch.max(1)),
                &self.device,
            )
        };
        EpochIter {
            ctx: self.ctx.clone(),
            epoch,
            device: self.device.clone(),
            source,
            next: 0,
            count,
            failed: false,
        }
    }
}

/// A batch before it becomes tensors.
struct HostBatch {
    views: Vec<Vec<f32>>,
    labels: Option<Vec<u32>>,
    indices: Vec<usize>,
    batch_index: usize,
}

type Job = (usize, Vec<usize>);
type Received = Result<Batch, DataError>;

enum Source {
    Inline(Vec<Job>),
    Threads {
        queues: Vec<Receiver<Received>>,
        handles: Vec<JoinHandle<()>>,
    },
}

/// `workers` threads, each with a queue of `prefetch` batches already on `device`.
fn spawn_workers(
    ctx: &Arc<Context>,
    epoch: u64,
    jobs: Vec<Job>,
    (workers, prefetch): (usize, usize),
    device: &Device,
) -> Source {
    let workers = workers.min(jobs.len()).max(1);
    let mut per_worker: Vec<Vec<Job>> = vec![Vec::new(); workers];
    for (r, job) in jobs.into_iter().enumerate() {
        per_worker[r % workers].push(job);
    }
    let mut queues = Vec::with_capacity(workers);
    let mut handles = Vec::with_capacity(workers);
    for mine in per_worker {
        let (tx, rx) = sync_channel::<Received>(prefetch);
        let (ctx, device) = (ctx.clone(), device.clone());
        handles.push(std::thread::spawn(move || {
            for (k, idx) in mine {
                let result = build(&ctx, epoch, k, idx).and_then(|h| to_tensors(&ctx, h, &device));
                let stop = result.is_err();
                // a closed queue means the consumer is gone: stop quietly
                if tx.send(result).is_err() || stop {
                    return;
                }
            }
        }));
        queues.push(rx);
    }
    Source::Threads { queues, handles }
}

/// Augments the images of one batch into per-view `[B, C, H, W]` buffers.
fn build(
    ctx: &Context,
    epoch: u64,
    batch_index: usize,
    indices: Vec<usize>,
) -> Result<HostBatch, DataError> {
    let (c, h, w) = ctx.shape;
    let per_image = c * h * w;
    let views = ctx.augmenter.views();
    let mut bufs: Vec<Vec<f32>> = (0..views)
        .map(|_| Vec::with_capacity(indices.len() * per_image))
        .collect();
    for &i in &indices {
        let img = ctx.dataset.image(i)?;
        let mut rng = image_rng(ctx.seed, epoch, i);
        for buf in bufs.iter_mut() {
            let view = ctx.augmenter.apply(&img, &mut rng)?;
            if view.data.len() != per_image {
                return Err(DataError::Internal {
                    message: format!(
                        "a view has {} values, expected {per_image}",
                        view.data.len()
                    ),
                });
            }
            buf.extend_from_slice(&view.data);
        }
    }
    let labels = ctx
        .dataset
        .labels
        .as_ref()
        .map(|l| indices.iter().map(|&i| l[i]).collect());
    Ok(HostBatch {
        views: bufs,
        labels,
        indices,
        batch_index,
    })
}

/// The batch as tensors on `device`: the one host-to-device copy of its data.
fn to_tensors(ctx: &Context, host: HostBatch, device: &Device) -> Result<Batch, DataError> {
    let (c, h, w) = ctx.shape;
    let b = host.indices.len();
    let views = host
        .views
        .into_iter()
        .map(|v| Tensor::from_vec(v, (b, c, h, w), device))
        .collect::<Result<Vec<_>, _>>()?;
    let labels = host
        .labels
        .map(|l| Tensor::from_vec(l, b, device))
        .transpose()?;
    Ok(Batch {
        views,
        labels,
        indices: host.indices,
        batch_index: host.batch_index,
    })
}

/// The remaining batches of one epoch; dropping it stops and joins the workers.
pub struct EpochIter {
    ctx: Arc<Context>,
    epoch: u64,
    device: Device,
    source: Source,
    next: usize,
    count: usize,
    failed: bool,
}

impl EpochIter {
    /// Batches still to come.
    pub fn remaining(&self) -> usize {
        self.count - self.next
    }

    fn receive(&mut self) -> Received {
        let r = self.next;
        match &mut self.source {
            Source::Inline(jobs) => {
                let (k, idx) = std::mem::take(&mut jobs[r]);
                let host = build(&self.ctx, self.epoch, k, idx)?;
                to_tensors(&self.ctx, host, &self.device)
            }
            Source::Threads { queues, .. } => {
                let n = queues.len();
                queues[r % n].recv().map_err(|_| DataError::Internal {
                    message: "an augmentation worker stopped without a result".into(),
                })?
            }
        }
    }
}

impl Iterator for EpochIter {
    type Item = Result<Batch, DataError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.next >= self.count {
            return None;
        }
        let result = self.receive();
        self.next += 1;
        self.failed = result.is_err();
        Some(result)
    }
}

impl Drop for EpochIter {
    fn drop(&mut self) {
        if let Source::Threads { queues, handles } = &mut self.source {
            queues.clear(); // closing the queues makes blocked workers return
            for h in handles.drain(..) {
                let _ = h.join();
            }
        }
    }
}
