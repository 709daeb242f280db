//! Loader + augmentation throughput for the SSWP two-view pipeline on CIFAR-10 at batch 96.
//! A measurement, not a check: ignored by default; run it once with
//! `cargo test --test data_throughput -- --ignored --nocapture` (with the shared CIFAR copy
//! at `../shared/data/cifar10` beside the repository, or `NAS_CIFAR_DIR`).

use std::sync::Arc;
use std::time::Instant;

use candle_core::Device;
use nas_engine::data::{self, Augmenter, Loader, LoaderConfig, Part};
use nas_ir::{AugStep, DataSource, DatasetSpec, Span};

fn sswp_views() -> Augmenter {
    Augmenter::from_steps(
        2,
        vec![
            AugStep::RandomResizedCrop {
                size: 32,
                scale: (0.08, 1.0),
                ratio: (0.75, 4.0 / 3.0),
                sampling: Default::default(),
            },
            AugStep::HorizontalFlip { p: 0.5 },
            AugStep::ColorJitter {
                brightness: 0.8,
                contrast: 0.8,
                saturation: 0.8,
                hue: 0.2,
                p: 0.3,
                order: Default::default(),
                hue_space: Default::default(),
            },
            AugStep::Grayscale { p: 0.2 },
            AugStep::GaussianBlur {
                kernel: 3,
                sigma: (1.0, 2.0),
                p: 0.2,
            },
            AugStep::Normalize {
                mean: vec![0.49139968, 0.48215827, 0.44653124],
                std: vec![0.24703233, 0.24348505, 0.26158768],
            },
        ],
    )
    .unwrap()
}

#[test]
#[ignore = "measurement; run explicitly"]
fn sswp_views_on_cifar_batch_96() {
    let dir = std::env::var("NAS_CIFAR_DIR").unwrap_or_else(|_| {
        let shared = crate::support::at_root().join("../shared/data/cifar10");
        shared.display().to_string()
    });
    let spec = DatasetSpec {
        source: DataSource::Cifar10 {
            dir,
            train: vec!["data_batch_1.bin".into()],
            test: vec![],
        },
        image_size: 32,
        channels: 3,
        classes: Some(10),
        mean: vec![],
        std: vec![],
        limit: None,
        test_limit: None,
        span: Span::default(),
    };
    let ds = Arc::new(data::load(&spec, Part::Train).unwrap());
    let aug = Arc::new(sswp_views());
    let workers: Vec<usize> = std::env::var("NAS_WORKERS")
        .map(|s| s.split(',').map(|w| w.parse().unwrap()).collect())
        .unwrap_or_else(|_| vec![0, 1, 2, 4]);
    let batches = 40;
    for w in workers {
        let config = LoaderConfig {
            batch: 96,
            seed: 2,
            drop_last: true,
            shuffle: true,
            workers: w,
            prefetch: 2,
        };
        let loader = Loader::new(
            ds.clone(),
            (0..ds.len()).collect(),
            aug.clone(),
            config,
            Device::Cpu,
        )
        .unwrap();
        let start = Instant::now();
        let mut images = 0;
        for b in loader.epoch(0, 0).take(batches) {
            images += b.unwrap().indices.len();
        }
        let secs = start.elapsed().as_secs_f64();
        println!(
            "workers {w}: {images} images (2 views each) in {secs:.3} s = {:.0} images/s",
            images as f64 / secs
        );
    }
}
