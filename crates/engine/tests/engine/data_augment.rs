//! Augmentation semantics and determinism, on hand-made images with independently computed
//! expectations.

use nas_engine::data::augment::{AugmentError, Augmenter, Image};
use nas_engine::data::{color, geometry};
use nas_ir::{AugStep, CropSampling, HueSpace, JitterOrder};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

fn ramp(channels: usize, side: usize) -> Image {
    let n = channels * side * side;
    Image {
        channels,
        height: side,
        width: side,
        data: (0..n).map(|i| ((i * 37) % 101) as f32 / 100.0).collect(),
    }
}

fn rng(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}

fn aug(steps: Vec<AugStep>) -> Augmenter {
    Augmenter::from_steps(2, steps).unwrap()
}

fn sswp_views(size: usize) -> Augmenter {
    aug(vec![
        AugStep::RandomResizedCrop {
            size,
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
            mean: vec![0.49, 0.48, 0.45],
            std: vec![0.25, 0.24, 0.26],
        },
    ])
}

#[test]
fn same_rng_state_same_views_and_views_differ() {
    let a = sswp_views(32);
    let img = ramp(3, 32);
    let v1 = a.apply_views(&img, &mut rng(5)).unwrap();
    let v2 = a.apply_views(&img, &mut rng(5)).unwrap();
    assert_eq!(v1, v2);
    assert_ne!(
        v1[0], v1[1],
        "two views of one image must be independent draws"
    );
    assert_ne!(v1, a.apply_views(&img, &mut rng(6)).unwrap());
    assert_eq!((v1[0].channels, v1[0].height, v1[0].width), (3, 32, 32));
}

#[test]
fn flip_with_p_one_mirrors_every_row() {
    let img = ramp(3, 5);
    let out = aug(vec![AugStep::HorizontalFlip { p: 1.0 }])
        .apply(&img, &mut rng(0))
        .unwrap();
    for c in 0..3 {
        for y in 0..5 {
            for x in 0..5 {
                assert_eq!(
                    out.data[(c * 5 + y) * 5 + x],
                    img.data[(c * 5 + y) * 5 + 4 - x]
                );
            }
        }
    }
    let never = aug(vec![AugStep::HorizontalFlip { p: 0.0 }])
        .apply(&img, &mut rng(0))
        .unwrap();
    assert_eq!(never, img);
}

#[test]
fn normalize_then_cutout_zeroes_a_clipped_square() {
    let img = Image {
        channels: 1,
        height: 10,
        width: 10,
        data: vec![1.0; 100],
    };
    let a = aug(vec![
        AugStep::Normalize {
            mean: vec![0.5],
            std: vec![0.25],
        },
        AugStep::Cutout { size: 4, p: 1.0 },
    ]);
    for seed in 0..20 {
        let out = a.apply(&img, &mut rng(seed)).unwrap();
        let zeros: Vec<usize> = (0..100).filter(|&i| out.data[i] == 0.0).collect();
        assert!(out.data.iter().all(|&v| v == 0.0 || v == 2.0)); // (1 - 0.5) / 0.25
                                                                 // a square of side <= 4, clipped at the border, never empty (centre inside the image)
        let ys: Vec<usize> = zeros.iter().map(|i| i / 10).collect();
        let xs: Vec<usize> = zeros.iter().map(|i| i % 10).collect();
        let (h, w) = (
            ys.iter().max().unwrap() - ys.iter().min().unwrap() + 1,
            xs.iter().max().unwrap() - xs.iter().min().unwrap() + 1,
        );
        assert!(
            !zeros.is_empty() && h <= 4 && w <= 4 && zeros.len() == h * w,
            "seed {seed}: {zeros:?}"
        );
    }
}

#[test]
fn random_crop_with_padding_shifts_and_pads_zeros() {
    let img = Image {
        channels: 1,
        height: 6,
        width: 6,
        data: vec![1.0; 36],
    };
    let a = aug(vec![AugStep::RandomCrop {
        size: 6,
        padding: 2,
    }]);
    let mut saw_shift = false;
    for seed in 0..30 {
        let out = a.apply(&img, &mut rng(seed)).unwrap();
        let ones = out.data.iter().filter(|&&v| v == 1.0).count();
        let zeros = out.data.iter().filter(|&&v| v == 0.0).count();
        assert_eq!(ones + zeros, 36);
        // the visible part is a (6 - |dy|) x (6 - |dx|) rectangle with |dy|, |dx| <= 2
        assert!(ones >= 16, "{ones}");
        saw_shift |= zeros > 0;
    }
    assert!(saw_shift);
}

#[test]
fn grayscale_is_itu_601_luma_and_one_channel_is_untouched() {
    let img = Image {
        channels: 3,
        height: 1,
        width: 2,
        data: vec![1.0, 0.2, 0.0, 0.4, 0.0, 0.6],
    };
    let out = aug(vec![AugStep::Grayscale { p: 1.0 }])
        .apply(&img, &mut rng(0))
        .unwrap();
    let l0 = 0.299 * 1.0 + 0.587 * 0.0 + 0.114 * 0.0;
    let l1 = 0.299 * 0.2 + 0.587 * 0.4 + 0.114 * 0.6;
    for c in 0..3 {
        assert!((out.data[2 * c] - l0).abs() < 1e-6 && (out.data[2 * c + 1] - l1).abs() < 1e-6);
    }
    let grey = ramp(1, 4);
    let jitter = aug(vec![
        AugStep::Grayscale { p: 1.0 },
        AugStep::ColorJitter {
            brightness: 0.0,
            contrast: 0.0,
            saturation: 0.9,
            hue: 0.4,
            p: 1.0,
            order: Default::default(),
            hue_space: Default::default(),
        },
    ]);
    assert_eq!(jitter.apply(&grey, &mut rng(3)).unwrap(), grey);
}

#[test]
fn brightness_and_contrast_blend_as_torchvision() {
    let mut img = Image {
        channels: 1,
        height: 1,
        width: 4,
        data: vec![0.0, 0.25, 0.5, 1.0],
    };
    color::brightness(&mut img, 1.5);
    assert_eq!(img.data, vec![0.0, 0.375, 0.75, 1.0]); // clamped at 1
    let mut img = Image {
        channels: 1,
        height: 1,
        width: 4,
        data: vec![0.0, 0.25, 0.5, 1.0],
    };
    color::contrast(&mut img, 0.5); // mean 0.4375: 0.5 x + 0.21875
    let want = [0.21875, 0.34375, 0.46875, 0.71875];
    for (g, w) in img.data.iter().zip(want) {
        assert!((g - w).abs() < 1e-6);
    }
}

#[test]
fn jitter_factors_lie_in_their_ranges() {
    for seed in 0..50 {
        let spec = color::JitterSpec {
            brightness: 0.8,
            contrast: 0.4,
            saturation: 0.0,
            hue: 0.2,
            order: JitterOrder::Shuffled,
            hue_space: HueSpace::Hsv,
        };
        let j = color::Jitter::draw(&spec, &mut rng(seed));
        let b = j.brightness.unwrap();
        let c = j.contrast.unwrap();
        assert!((0.2..=1.8).contains(&b) && (0.6..=1.4).contains(&c));
        assert!(j.saturation.is_none());
        assert!((-0.2..=0.2).contains(&j.hue.unwrap()));
        let mut order = j.order;
        order.sort();
        assert_eq!(order, [0, 1, 2, 3]);
    }
}

#[test]
fn blur_keeps_constants_and_matches_a_direct_convolution() {
    let flat = Image {
        channels: 3,
        height: 5,
        width: 5,
        data: vec![0.3; 75],
    };
    let out = aug(vec![AugStep::GaussianBlur {
        kernel: 5,
        sigma: (0.5, 3.0),
        p: 1.0,
    }])
    .apply(&flat, &mut rng(1))
    .unwrap();
    assert!(out.data.iter().all(|v| (v - 0.3).abs() < 1e-6));

    // direct 2-D convolution with reflect padding, computed here independently
    let img = ramp(1, 4);
    let sigma = 1.3;
    let mut got = img.clone();
    geometry::gaussian_blur(&mut got, 3, sigma);
    let k1: Vec<f64> = (-1..=1)
        .map(|x| (-(x as f64).powi(2) / (2.0 * sigma * sigma)).exp())
        .collect();
    let s: f64 = k1.iter().sum();
    let refl = |i: i64| -> usize {
        if i < 0 {
            (-i) as usize
        } else if i > 3 {
            (6 - i) as usize
        } else {
            i as usize
        }
    };
    for y in 0..4i64 {
        for x in 0..4i64 {
            let mut acc = 0.0;
            for dy in -1..=1i64 {
                for dx in -1..=1i64 {
                    let w = k1[(dy + 1) as usize] * k1[(dx + 1) as usize] / (s * s);
                    acc += w * img.data[refl(y + dy) * 4 + refl(x + dx)] as f64;
                }
            }
            assert!((got.data[(y * 4 + x) as usize] as f64 - acc).abs() < 1e-5);
        }
    }
}

#[test]
fn solarize_inverts_above_the_threshold() {
    let img = Image {
        channels: 1,
        height: 1,
        width: 4,
        data: vec![0.1, 0.5, 0.7, 1.0],
    };
    let out = aug(vec![AugStep::Solarize {
        threshold: 0.5,
        p: 1.0,
    }])
    .apply(&img, &mut rng(0))
    .unwrap();
    let want = [0.1, 0.5, 1.0 - 0.7, 0.0];
    for (g, w) in out.data.iter().zip(want) {
        assert!((g - w).abs() < 1e-6);
    }
}

#[test]
fn resized_crop_params_follow_torchvision_bounds() {
    for seed in 0..200 {
        let r = geometry::rrc_params(32, 32, (0.08, 1.0), (0.75, 4.0 / 3.0), &mut rng(seed));
        assert!(r.height >= 1 && r.top + r.height <= 32 && r.left + r.width <= 32);
        let area = (r.height * r.width) as f64 / 1024.0;
        // rounding of each side can move the area a little outside `scale`
        assert!(area > 0.05 && area <= 1.0, "{r:?}");
    }
    // an impossible scale/ratio falls back to the centre crop clamped to the ratio
    let r = geometry::rrc_params(10, 40, (1.0, 1.0), (1.0, 2.0), &mut rng(0));
    assert_eq!((r.height, r.width, r.top, r.left), (10, 20, 0, 10));
}

#[test]
fn full_crop_resize_is_the_identity() {
    let img = ramp(3, 7);
    let rect = geometry::Rect {
        top: 0,
        left: 0,
        height: 7,
        width: 7,
    };
    assert_eq!(geometry::resized_crop(&img, rect, 7, 7), img);
    // downscaling by 2 with PIL's triangle filter averages 2x2 blocks with weights 1/4, 3/4...
    let flat = Image {
        channels: 1,
        height: 4,
        width: 4,
        data: vec![0.5; 16],
    };
    let rect = geometry::Rect {
        top: 0,
        left: 0,
        height: 4,
        width: 4,
    };
    let out = geometry::resized_crop(&flat, rect, 2, 2);
    assert!(out.data.iter().all(|v| (v - 0.5).abs() < 1e-6));
}

#[test]
fn bad_parameters_and_shapes_are_errors() {
    let even = Augmenter::from_steps(
        1,
        vec![AugStep::GaussianBlur {
            kernel: 4,
            sigma: (1.0, 2.0),
            p: 0.5,
        }],
    );
    assert!(matches!(
        even,
        Err(AugmentError::InvalidParameter { step: 0, .. })
    ));
    let p = Augmenter::from_steps(1, vec![AugStep::HorizontalFlip { p: 1.5 }]);
    assert!(p.is_err());
    assert!(Augmenter::from_steps(0, vec![]).is_err());
    let norm = aug(vec![AugStep::Normalize {
        mean: vec![0.5; 3],
        std: vec![0.2; 3],
    }]);
    assert!(matches!(
        norm.output_shape(1, 8),
        Err(AugmentError::ShapeMismatch { .. })
    ));
    assert!(norm.apply(&ramp(1, 8), &mut rng(0)).is_err());
    let crop = aug(vec![AugStep::RandomCrop {
        size: 40,
        padding: 2,
    }]);
    assert!(crop.output_shape(3, 32).is_err());
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn step() -> impl Strategy<Value = AugStep> {
        prop_oneof![
            (1usize..12, 0.05f64..1.0, 0.5f64..2.0, any::<bool>()).prop_map(
                |(size, lo, r, affine)| {
                    AugStep::RandomResizedCrop {
                        size,
                        scale: (lo, 1.0),
                        ratio: (r.min(1.0 / r), r.max(1.0 / r)),
                        sampling: if affine {
                            CropSampling::Affine
                        } else {
                            CropSampling::Torchvision
                        },
                    }
                }
            ),
            (1usize..10, 0usize..4)
                .prop_map(|(size, padding)| AugStep::RandomCrop { size, padding }),
            (0.0f64..=1.0).prop_map(|p| AugStep::HorizontalFlip { p }),
            (
                0.0f64..1.0,
                0.0f64..1.0,
                0.0f64..1.0,
                0.0f64..0.5,
                0.0f64..=1.0,
                any::<(bool, bool)>()
            )
                .prop_map(|(b, c, s, h, p, (fixed, yiq))| {
                    AugStep::ColorJitter {
                        brightness: b,
                        contrast: c,
                        saturation: s,
                        hue: h,
                        p,
                        order: if fixed {
                            JitterOrder::Fixed
                        } else {
                            JitterOrder::Shuffled
                        },
                        hue_space: if yiq { HueSpace::Yiq } else { HueSpace::Hsv },
                    }
                }),
            (0.0f64..=1.0).prop_map(|p| AugStep::Grayscale { p }),
            (0usize..4, 0.1f64..3.0, 0.0f64..=1.0).prop_map(|(k, s, p)| AugStep::GaussianBlur {
                kernel: 2 * k + 1,
                sigma: (s, s * 1.5),
                p
            }),
            (0.0f64..=1.0, 0.0f64..=1.0)
                .prop_map(|(threshold, p)| AugStep::Solarize { threshold, p }),
            (0usize..10, 0.0f64..=1.0).prop_map(|(size, p)| AugStep::Cutout { size, p }),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        /// Any valid pipeline either rejects the image shape up front or yields views of the
        /// announced shape with finite values in [0, 1] (no normalisation here), never a panic.
        #[test]
        fn pipelines_keep_shape_range_and_determinism(
            steps in proptest::collection::vec(step(), 0..6),
            channels in prop_oneof![Just(1usize), Just(3usize)],
            side in 1usize..10,
            seed in any::<u64>(),
        ) {
            let a = Augmenter::from_steps(2, steps).unwrap();
            let img = ramp(channels, side);
            match a.output_shape(channels, side) {
                Err(_) => prop_assert!(a.apply(&img, &mut rng(seed)).is_err()),
                Ok((c, h, w)) => {
                    let views = a.apply_views(&img, &mut rng(seed)).unwrap();
                    prop_assert_eq!(&views, &a.apply_views(&img, &mut rng(seed)).unwrap());
                    for v in &views {
                        prop_assert_eq!((v.channels, v.height, v.width), (c, h, w));
                        prop_assert_eq!(v.data.len(), c * h * w);
                        prop_assert!(v.data.iter().all(|x| x.is_finite() && (-1e-5..=1.0 + 1e-5).contains(x)));
                    }
                }
            }
        }
    }
}
