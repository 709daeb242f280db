//! The loader: seeded order, identical batches for any worker count, exact resume,
//! drop_last, labels that match indices.

use std::sync::Arc;

use candle_core::Device;
use nas_engine::data::{self, Augmenter, Batch, Loader, LoaderConfig, Part};
use nas_ir::{AugStep, DataSource, DatasetSpec, Span};

fn digits() -> Arc<data::Dataset> {
    let spec = DatasetSpec {
        source: DataSource::Digits,
        image_size: 8,
        channels: 1,
        classes: Some(10),
        mean: vec![0.3],
        std: vec![0.4],
        limit: None,
        test_limit: None,
        span: Span::default(),
    };
    Arc::new(data::load(&spec, Part::Train).unwrap())
}

fn views() -> Arc<Augmenter> {
    Arc::new(
        Augmenter::from_steps(
            2,
            vec![
                AugStep::RandomResizedCrop {
                    size: 8,
                    scale: (0.2, 1.0),
                    ratio: (0.75, 4.0 / 3.0),
                    sampling: Default::default(),
                },
                AugStep::HorizontalFlip { p: 0.5 },
                AugStep::ColorJitter {
                    brightness: 0.4,
                    contrast: 0.4,
                    saturation: 0.4,
                    hue: 0.1,
                    p: 0.8,
                    order: Default::default(),
                    hue_space: Default::default(),
                },
                AugStep::GaussianBlur {
                    kernel: 3,
                    sigma: (0.1, 2.0),
                    p: 0.5,
                },
                AugStep::Normalize {
                    mean: vec![0.3],
                    std: vec![0.4],
                },
                AugStep::Cutout { size: 3, p: 0.5 },
            ],
        )
        .unwrap(),
    )
}

fn loader(indices: Vec<usize>, batch: usize, workers: usize, drop_last: bool) -> Loader {
    let config = LoaderConfig {
        batch,
        seed: 42,
        drop_last,
        shuffle: true,
        workers,
        prefetch: 2,
    };
    Loader::new(digits(), indices, views(), config, Device::Cpu).unwrap()
}

/// Views, labels and indices of a batch, flattened, for exact comparison.
type Flat = (Vec<Vec<f32>>, Vec<u32>, Vec<usize>);

fn flat(b: &Batch) -> Flat {
    let views = b
        .views
        .iter()
        .map(|v| v.flatten_all().unwrap().to_vec1::<f32>().unwrap())
        .collect();
    let labels = b.labels.as_ref().unwrap().to_vec1::<u32>().unwrap();
    (views, labels, b.indices.clone())
}

fn epoch(l: &Loader, e: u64, start: usize) -> Vec<Flat> {
    l.epoch(e, start).map(|b| flat(&b.unwrap())).collect()
}

#[test]
fn batches_are_identical_for_any_worker_count() {
    let idx: Vec<usize> = (0..300).collect();
    let reference = epoch(&loader(idx.clone(), 32, 0, false), 3, 0);
    assert_eq!(reference.len(), 10); // 9 full batches of 32 and one of 12
    assert_eq!(reference[9].2.len(), 12);
    for workers in [1, 2, 3, 5] {
        assert_eq!(
            epoch(&loader(idx.clone(), 32, workers, false), 3, 0),
            reference,
            "{workers} workers"
        );
    }
}

#[test]
fn resume_gives_the_remaining_batches_of_the_epoch() {
    let l = loader((0..200).collect(), 16, 2, false);
    let full = epoch(&l, 1, 0);
    let resumed = epoch(&l, 1, 5);
    assert_eq!(resumed.len(), full.len() - 5);
    assert_eq!(&full[5..], &resumed[..]);
    assert!(epoch(&l, 1, 100).is_empty());
}

fn steps(l: &Loader, e: u64, start: usize, n: usize) -> Vec<Flat> {
    l.steps(e, start, n).map(|b| flat(&b.unwrap())).collect()
}

#[test]
fn an_epoch_of_more_steps_than_one_pass_continues_into_fresh_passes() {
    // 100 images, batch 16, drop_last: 6 full batches per pass; ask for 15 steps.
    let l = loader((0..100).collect(), 16, 2, true);
    let all = steps(&l, 2, 0, 15);
    assert_eq!(all.len(), 15, "every requested step is a batch");
    assert!(all.iter().all(|b| b.2.len() == 16));
    // the first pass is exactly the plain epoch
    assert_eq!(&all[..6], &epoch(&l, 2, 0)[..]);
    // later passes are reshuffled: another order of the images
    let pass = |k: usize| -> Vec<usize> {
        all[6 * k..6 * k + 6]
            .iter()
            .flat_map(|b| b.2.clone())
            .collect()
    };
    assert_ne!(pass(0), pass(1));
    // resuming at any step gives the rest of the same sequence
    for start in [0, 5, 6, 7, 14, 15] {
        assert_eq!(
            steps(&l, 2, start, 15),
            all[start..].to_vec(),
            "start {start}"
        );
    }
    // fewer steps than a pass is a prefix of the epoch
    assert_eq!(steps(&l, 2, 0, 4), all[..4].to_vec());
}

#[test]
fn each_epoch_is_a_permutation_with_matching_labels() {
    let ds = digits();
    let idx: Vec<usize> = (100..400).collect();
    let l = loader(idx.clone(), 64, 2, false);
    let e0 = epoch(&l, 0, 0);
    let e1 = epoch(&l, 1, 0);
    let order0: Vec<usize> = e0.iter().flat_map(|b| b.2.clone()).collect();
    let order1: Vec<usize> = e1.iter().flat_map(|b| b.2.clone()).collect();
    let mut sorted = order0.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, idx);
    assert_ne!(order0, order1, "epochs must reshuffle");
    assert_eq!(order0, l.epoch_order(0));
    for b in &e0 {
        let want: Vec<u32> = b.2.iter().map(|&i| ds.label(i).unwrap()).collect();
        assert_eq!(b.1, want);
        assert_eq!(b.0.len(), 2);
        assert_ne!(b.0[0], b.0[1]);
    }
}

#[test]
fn drop_last_and_shapes() {
    let l = loader((0..100).collect(), 32, 1, true);
    assert_eq!(l.batches_per_epoch(), 3);
    let batches: Vec<Batch> = l.epoch(0, 0).map(|b| b.unwrap()).collect();
    assert_eq!(batches.len(), 3);
    for (k, b) in batches.iter().enumerate() {
        assert_eq!(b.batch_index, k);
        assert_eq!(b.views[0].dims(), &[32, 1, 8, 8]);
        assert_eq!(b.labels.as_ref().unwrap().dims(), &[32]);
    }
}

#[test]
fn dropping_an_epoch_early_stops_the_workers() {
    let l = loader((0..1500).collect(), 8, 3, false);
    let mut it = l.epoch(0, 0);
    assert!(it.next().unwrap().is_ok());
    drop(it); // must return (workers blocked on full queues are released)
    let first_again = epoch(&l, 0, 0).remove(0);
    assert_eq!(first_again, flat(&l.epoch(0, 0).next().unwrap().unwrap()));
}

#[test]
fn bad_indices_are_rejected() {
    let config = LoaderConfig::new(4, 0);
    let err = Loader::new(digits(), vec![0, 5000], views(), config, Device::Cpu).unwrap_err();
    assert!(err.to_string().contains("5000"));
}
