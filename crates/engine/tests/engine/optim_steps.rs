//! Optimisers against hand-computed PyTorch-semantics steps, the skip-if-no-gradient rule,
//! gradient clipping, exact state save/load, and learning-rate schedules.

use std::collections::HashSet;

use candle_core::backprop::GradStore;
use candle_core::{Device, Tensor, Var};
use nas_engine::optim::{
    clip_grad_norm, learning_rate, Adam, AdamConfig, Optimizer, Sgd, SgdConfig,
};
use nas_ir::{ScheduleKind, SchedulePer, ScheduleSpec};

fn var(values: &[f64]) -> Var {
    Var::from_tensor(&Tensor::new(values, &Device::Cpu).unwrap()).unwrap()
}

fn values(v: &Var) -> Vec<f64> {
    v.as_tensor().to_vec1::<f64>().unwrap()
}

/// Gradients of `sum(c_i * p_i)` for the listed (param, c) pairs: exactly `c`.
fn grads_of(pairs: &[(&Var, &[f64])]) -> GradStore {
    let mut loss = Tensor::new(0f64, &Device::Cpu).unwrap();
    for (v, c) in pairs {
        let c = Tensor::new(*c, &Device::Cpu).unwrap();
        loss = (loss + (v.as_tensor() * c).unwrap().sum_all().unwrap()).unwrap();
    }
    loss.backward().unwrap()
}

fn close(a: &[f64], b: &[f64]) {
    for (x, y) in a.iter().zip(b) {
        assert!((x - y).abs() < 1e-12, "{a:?} vs {b:?}");
    }
}

#[test]
fn sgd_momentum_and_decay_follow_pytorch() {
    let (lr, m, wd) = (0.1, 0.9, 0.01);
    let w = var(&[1.0, -2.0]);
    let mut opt = Sgd::new(
        vec![("w".into(), w.clone())],
        SgdConfig {
            lr,
            momentum: m,
            weight_decay: wd,
            nesterov: false,
        },
    )
    .unwrap();
    let gs = [[0.5, 1.0], [-1.0, 0.25], [2.0, 2.0]];
    let mut p = [1.0, -2.0];
    let mut buf: Option<[f64; 2]> = None;
    for g in gs {
        opt.step(&grads_of(&[(&w, &g)])).unwrap();
        let d: Vec<f64> = (0..2).map(|i| g[i] + wd * p[i]).collect();
        let b = match buf {
            None => [d[0], d[1]],
            Some(b) => [m * b[0] + d[0], m * b[1] + d[1]],
        };
        p = [p[0] - lr * b[0], p[1] - lr * b[1]];
        buf = Some(b);
        close(&values(&w), &p);
    }
}

#[test]
fn sgd_nesterov_and_plain() {
    let w = var(&[1.0]);
    let mut opt = Sgd::new(
        vec![("w".into(), w.clone())],
        SgdConfig {
            lr: 0.5,
            momentum: 0.5,
            weight_decay: 0.0,
            nesterov: true,
        },
    )
    .unwrap();
    opt.step(&grads_of(&[(&w, &[2.0])])).unwrap(); // buf 2, d = 2 + 0.5 * 2 = 3
    close(&values(&w), &[1.0 - 0.5 * 3.0]);
    opt.step(&grads_of(&[(&w, &[1.0])])).unwrap(); // buf 0.5*2+1 = 2, d = 1 + 1 = 2
    close(&values(&w), &[-0.5 - 0.5 * 2.0]);
    let v = var(&[3.0]);
    let mut plain = Sgd::new(
        vec![("v".into(), v.clone())],
        SgdConfig {
            lr: 0.1,
            momentum: 0.0,
            weight_decay: 0.5,
            nesterov: false,
        },
    )
    .unwrap();
    plain.step(&grads_of(&[(&v, &[1.0])])).unwrap(); // 3 - 0.1 * (1 + 1.5)
    close(&values(&v), &[2.75]);
    assert!(plain.state().unwrap().is_empty());
}

#[test]
fn parameters_without_gradient_get_no_decay_and_no_momentum() {
    let a = var(&[1.0]);
    let b = var(&[1.0]);
    let params = vec![("a".to_string(), a.clone()), ("b".to_string(), b.clone())];
    let cfg = SgdConfig {
        lr: 0.1,
        momentum: 0.9,
        weight_decay: 0.1,
        nesterov: false,
    };
    let mut opt = Sgd::new(params, cfg).unwrap();
    opt.step(&grads_of(&[(&a, &[1.0]), (&b, &[1.0])])).unwrap();
    let (a1, b1) = (values(&a)[0], values(&b)[0]);
    // step 2: only `a` is in the graph; `b` keeps its value and its momentum buffer
    opt.step(&grads_of(&[(&a, &[1.0])])).unwrap();
    assert_eq!(values(&b)[0], b1);
    assert_ne!(values(&a)[0], a1);
    // step 3: `b` explicitly excluded although it has a gradient
    let excluded: HashSet<String> = ["b".to_string()].into();
    opt.step_except(&grads_of(&[(&a, &[1.0]), (&b, &[1.0])]), &excluded)
        .unwrap();
    assert_eq!(values(&b)[0], b1);
    // step 4: `b` steps again from its step-1 buffer (1 + 0.1 * 1 = 1.1), not a decayed one
    opt.step(&grads_of(&[(&b, &[1.0])])).unwrap();
    let g = 1.0 + 0.1 * b1;
    let buf = 0.9 * 1.1 + g;
    close(&values(&b), &[b1 - 0.1 * buf]);

    // Adam: the step count of a skipped parameter does not advance
    let c = var(&[0.0]);
    let d = var(&[0.0]);
    let mut adam = Adam::new(
        vec![("c".into(), c.clone()), ("d".into(), d.clone())],
        AdamConfig {
            lr: 0.1,
            ..Default::default()
        },
    )
    .unwrap();
    adam.step(&grads_of(&[(&c, &[1.0])])).unwrap();
    adam.step(&grads_of(&[(&c, &[1.0]), (&d, &[1.0])])).unwrap();
    // d's first step: bias-corrected m/sqrt(v) = 1, so it moves by lr (up to eps)
    assert!((values(&d)[0] + 0.1).abs() < 1e-6);
    let keys: Vec<String> = adam.state().unwrap().into_iter().map(|(k, _)| k).collect();
    assert_eq!(
        keys,
        [
            "c.exp_avg",
            "c.exp_avg_sq",
            "c.step",
            "d.exp_avg",
            "d.exp_avg_sq",
            "d.step"
        ]
    );
}

fn adam_reference(
    p0: f64,
    grads: &[f64],
    lr: f64,
    b1: f64,
    b2: f64,
    eps: f64,
    wd: f64,
) -> Vec<f64> {
    let (mut p, mut m, mut v) = (p0, 0.0, 0.0);
    let mut out = Vec::new();
    for (t, g) in grads.iter().enumerate() {
        let t = (t + 1) as i32;
        let g = g + wd * p;
        m = b1 * m + (1.0 - b1) * g;
        v = b2 * v + (1.0 - b2) * g * g;
        let mhat = m / (1.0 - b1.powi(t));
        let vhat = v / (1.0 - b2.powi(t));
        p -= lr * mhat / (vhat.sqrt() + eps);
        out.push(p);
    }
    out
}

#[test]
fn adam_matches_hand_computed_steps() {
    let grads = [0.3, -1.2, 0.05, 2.0];
    for (b1, b2, wd) in [(0.9, 0.999, 0.0), (0.0, 0.999, 0.0), (0.5, 0.99, 0.1)] {
        let w = var(&[0.7]);
        let cfg = AdamConfig {
            lr: 0.01,
            beta1: b1,
            beta2: b2,
            eps: 1e-8,
            weight_decay: wd,
        };
        let mut opt = Adam::new(vec![("w".into(), w.clone())], cfg).unwrap();
        let want = adam_reference(0.7, &grads, 0.01, b1, b2, 1e-8, wd);
        for (g, p) in grads.iter().zip(want) {
            opt.step(&grads_of(&[(&w, &[*g])])).unwrap();
            // PyTorch divides by sqrt(v)/sqrt(bc2) + eps, the textbook form by sqrt(vhat) + eps: identical
            assert!(
                (values(&w)[0] - p).abs() < 1e-12,
                "b1 {b1}: {} vs {p}",
                values(&w)[0]
            );
        }
    }
}

#[test]
fn clipping_scales_to_max_norm_only_when_above() {
    let a = var(&[0.0, 0.0]);
    let b = var(&[0.0]);
    let params = vec![("a".to_string(), a.clone()), ("b".to_string(), b.clone())];
    let mut grads = grads_of(&[(&a, &[3.0, 0.0]), (&b, &[4.0])]);
    let norm = clip_grad_norm(&params, &mut grads, 1.0).unwrap();
    assert!((norm - 5.0).abs() < 1e-12);
    let coef = 1.0 / (5.0 + 1e-6);
    let ga = grads.get(a.as_tensor()).unwrap().to_vec1::<f64>().unwrap();
    let gb = grads.get(b.as_tensor()).unwrap().to_vec1::<f64>().unwrap();
    close(&ga, &[3.0 * coef, 0.0]);
    close(&gb, &[4.0 * coef]);
    let mut small = grads_of(&[(&a, &[0.3, 0.4])]);
    let norm = clip_grad_norm(&params, &mut small, 1.0).unwrap(); // b has no gradient: not counted
    assert!((norm - 0.5).abs() < 1e-12);
    close(
        &small.get(a.as_tensor()).unwrap().to_vec1::<f64>().unwrap(),
        &[0.3, 0.4],
    );
}

/// Runs 6 steps straight, and 3 + save/load into a fresh optimiser + 3: bitwise equal.
#[test]
fn state_round_trip_resumes_bitwise() {
    let grads: Vec<[f64; 3]> = (0..6)
        .map(|k| {
            [
                0.1 * k as f64 - 0.2,
                (k as f64).sin(),
                1.0 / (1.0 + k as f64),
            ]
        })
        .collect();
    for kind in ["sgd", "adam"] {
        let make = |w: &Var| -> Box<dyn Optimizer> {
            let params = vec![("layer.weight".to_string(), w.clone())];
            match kind {
                "sgd" => Box::new(
                    Sgd::new(
                        params,
                        SgdConfig {
                            lr: 0.05,
                            momentum: 0.9,
                            weight_decay: 1e-3,
                            nesterov: false,
                        },
                    )
                    .unwrap(),
                ),
                _ => Box::new(
                    Adam::new(
                        params,
                        AdamConfig {
                            lr: 0.05,
                            beta1: 0.0,
                            ..Default::default()
                        },
                    )
                    .unwrap(),
                ),
            }
        };
        let w1 = var(&[0.5, -0.5, 2.0]);
        let mut o1 = make(&w1);
        for g in &grads {
            o1.step(&grads_of(&[(&w1, g)])).unwrap();
        }
        let w2 = var(&[0.5, -0.5, 2.0]);
        let mut o2 = make(&w2);
        for g in &grads[..3] {
            o2.step(&grads_of(&[(&w2, g)])).unwrap();
        }
        let saved = o2.state().unwrap();
        let path = std::env::temp_dir().join(format!(
            "nas-optim-{}-{kind}.safetensors",
            std::process::id()
        ));
        candle_core::safetensors::save(&saved.iter().cloned().collect(), &path).unwrap();
        let loaded: Vec<(String, Tensor)> = candle_core::safetensors::load(&path, &Device::Cpu)
            .unwrap()
            .into_iter()
            .collect();
        let w3 = var(&values(&w2));
        let mut o3 = make(&w3);
        o3.load_state(&loaded).unwrap();
        for g in &grads[3..] {
            o3.step(&grads_of(&[(&w3, g)])).unwrap();
        }
        assert_eq!(values(&w1), values(&w3), "{kind}");
        let mut bad = loaded.clone();
        bad.push((
            "other.exp_avg".into(),
            Tensor::new(&[1.0f64], &Device::Cpu).unwrap(),
        ));
        assert!(o3.load_state(&bad).is_err());
    }
}

fn sched(kind: ScheduleKind, per: SchedulePer, warmup: f64) -> ScheduleSpec {
    ScheduleSpec {
        kind,
        per,
        warmup_epochs: warmup,
    }
}

#[test]
fn cosine_endpoints_and_per_epoch_matches_cosine_annealing() {
    let s = sched(
        ScheduleKind::Cosine { min_lr: 0.001 },
        SchedulePer::Epoch,
        0.0,
    );
    assert_eq!(learning_rate(&s, 0.1, 0, 0, 10, 50), 0.1);
    for e in 0..50 {
        let want =
            0.001 + (0.1 - 0.001) * (1.0 + (std::f64::consts::PI * e as f64 / 50.0).cos()) / 2.0;
        assert!((learning_rate(&s, 0.1, e, 7, 10, 50) - want).abs() < 1e-15);
    }
    assert!((learning_rate(&s, 0.1, 50, 0, 10, 50) - 0.001).abs() < 1e-15);
    // per step: the rate changes within an epoch and approaches min_lr at the very end
    let s = sched(ScheduleKind::Cosine { min_lr: 0.0 }, SchedulePer::Step, 0.0);
    assert!(learning_rate(&s, 0.1, 0, 5, 10, 2) < learning_rate(&s, 0.1, 0, 4, 10, 2));
    assert!(learning_rate(&s, 0.1, 1, 9, 10, 2) < 0.1 * 0.01);
    assert_eq!(
        learning_rate(
            &sched(ScheduleKind::Constant, SchedulePer::Step, 0.0),
            0.3,
            4,
            2,
            5,
            9
        ),
        0.3
    );
}

#[test]
fn warmup_rises_linearly_then_hands_over() {
    let s = sched(ScheduleKind::Cosine { min_lr: 0.0 }, SchedulePer::Step, 2.0);
    let spe = 4; // warm-up is 8 steps: lr * 1/8, 2/8, ..., 8/8
    for k in 0..8 {
        let lr = learning_rate(&s, 0.8, k / spe, k % spe, spe, 10);
        assert!(
            (lr - 0.8 * (k + 1) as f64 / 8.0).abs() < 1e-15,
            "step {k}: {lr}"
        );
    }
    assert_eq!(learning_rate(&s, 0.8, 2, 0, spe, 10), 0.8); // cosine starts at the peak
    let e = sched(ScheduleKind::Constant, SchedulePer::Epoch, 3.0);
    let lrs: Vec<f64> = (0..5)
        .map(|ep| learning_rate(&e, 0.3, ep, 0, 100, 10))
        .collect();
    close(&lrs, &[0.1, 0.2, 0.3, 0.3, 0.3]);
}

#[test]
fn optim_from_spec_picks_kind_and_hyperparameters() {
    use nas_engine::optim::Optim;
    use nas_ir::{OptimKind, OptimSpec, Span};
    let spec = |kind| OptimSpec {
        kind,
        lr: 0.5,
        weight_decay: 0.1,
        clip_norm: None,
        schedule: sched(ScheduleKind::Constant, SchedulePer::Epoch, 0.0),
        span: Span::default(),
    };
    let w = var(&[2.0]);
    let mut sgd = Optim::from_spec(
        &spec(OptimKind::Sgd {
            momentum: 0.0,
            nesterov: false,
        }),
        vec![("w".into(), w.clone())],
    )
    .unwrap();
    sgd.step(&grads_of(&[(&w, &[1.0])])).unwrap();
    close(&values(&w), &[2.0 - 0.5 * (1.0 + 0.1 * 2.0)]);
    sgd.set_learning_rate(0.25);
    assert_eq!(sgd.learning_rate(), 0.25);
    let a = var(&[1.0]);
    let adam = Optim::from_spec(
        &spec(OptimKind::Adam {
            beta1: 0.0,
            beta2: 0.999,
            eps: 1e-8,
        }),
        vec![("a".into(), a.clone())],
    );
    assert!(matches!(adam, Ok(Optim::Adam(_))));
    let dup = Optim::from_spec(
        &spec(OptimKind::Sgd {
            momentum: 0.9,
            nesterov: false,
        }),
        vec![("a".into(), a.clone()), ("a".into(), w)],
    );
    assert!(dup.is_err());
    let bad = Optim::from_spec(
        &spec(OptimKind::Adam {
            beta1: 1.0,
            beta2: 0.999,
            eps: 1e-8,
        }),
        vec![("a".into(), a)],
    );
    assert!(bad.is_err());
}
