//! Lowering: a checked pipeline to the IR. Pure: no I/O, no diagnostics of its own.
//!
//! Contract: the input has passed every check, so a failure here is an internal error
//! (`LowerError::Internal`). Defaults that depend on context are filled here: search
//! heads (`mlp` sizes from the network width), derive `edges_per_node`, supervised seeds.

use crate::checked::*;
use crate::value::{Rec, Val, V};
use nas_ir::*;
use nas_syntax::ast::BinOp;
use nas_syntax::source::SourceMap;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LowerError {
    #[error("internal error while lowering: {reason} (please report)")]
    Internal { reason: String },
}

type L<T> = Result<T, LowerError>;

/// The IR form of a source span: the file as shown to users, byte offsets, and the 1-based
/// line and column of its start (so a runtime error can point at the `.nas` line).
pub fn ir_span(sources: &SourceMap, span: nas_syntax::source::Span) -> Span {
    let (line, col) = sources.line_col(span.src, span.start);
    Span {
        file: sources.name(span.src).to_string(),
        start: span.start,
        end: span.end,
        line,
        col,
    }
}

fn internal(reason: impl Into<String>) -> LowerError {
    LowerError::Internal {
        reason: reason.into(),
    }
}

struct Lower<'s> {
    sources: &'s SourceMap,
}

/// Lower one checked pipeline.
pub fn lower(p: &CheckedPipeline, sources: &SourceMap) -> Result<Program, LowerError> {
    let lw = Lower { sources };
    let data = lw.data(&p.data)?;
    let mut stages = Vec::with_capacity(p.stages.len());
    for s in &p.stages {
        stages.push(lw.stage(s, &data, p.seed)?);
    }
    Ok(Program {
        format_version: FORMAT_VERSION,
        pipeline: Pipeline {
            name: p.name.clone(),
            seed: p.seed,
            data,
            stages,
            span: ir_span(sources, p.span),
        },
    })
}

fn get<'r>(r: &'r Rec, f: &str) -> L<&'r Val> {
    r.get(f)
        .ok_or_else(|| internal(format!("`{}` has no field `{f}`", r.schema.name)))
}
fn int(r: &Rec, f: &str) -> L<usize> {
    get(r, f)?
        .v
        .as_int()
        .map(|i| i.max(0) as usize)
        .ok_or_else(|| internal(format!("`{f}` is not an integer")))
}
fn opt_int(r: &Rec, f: &str) -> L<Option<usize>> {
    Ok(get(r, f)?.v.as_int().map(|i| i.max(0) as usize))
}
fn num(r: &Rec, f: &str) -> L<f64> {
    get(r, f)?
        .v
        .as_f64()
        .ok_or_else(|| internal(format!("`{f}` is not a number")))
}
fn sym<'r>(r: &'r Rec, f: &str) -> L<&'r str> {
    get(r, f)?
        .v
        .as_str()
        .ok_or_else(|| internal(format!("`{f}` is not a symbol")))
}
fn opt_num(r: &Rec, f: &str) -> L<Option<f64>> {
    Ok(get(r, f)?.v.as_f64())
}
fn boolean(r: &Rec, f: &str) -> L<bool> {
    match get(r, f)?.v {
        V::Bool(b) => Ok(b),
        _ => Err(internal(format!("`{f}` is not a boolean"))),
    }
}
fn opt_bool(r: &Rec, f: &str) -> L<Option<bool>> {
    Ok(match get(r, f)?.v {
        V::Bool(b) => Some(b),
        _ => None,
    })
}
fn string(r: &Rec, f: &str) -> L<String> {
    get(r, f)?
        .v
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| internal(format!("`{f}` is not a string")))
}
fn rec<'r>(r: &'r Rec, f: &str) -> L<&'r Rec> {
    match &get(r, f)?.v {
        V::Rec(x) => Ok(x),
        _ => Err(internal(format!("`{f}` is not a record"))),
    }
}
fn list<'r>(r: &'r Rec, f: &str) -> L<&'r [Val]> {
    match &get(r, f)?.v {
        V::List(xs) => Ok(xs),
        _ => Err(internal(format!("`{f}` is not a list"))),
    }
}
fn floats(r: &Rec, f: &str) -> L<Vec<f64>> {
    list(r, f)?
        .iter()
        .map(|v| v.v.as_f64().ok_or_else(|| internal("not a number")))
        .collect()
}
fn strings(r: &Rec, f: &str) -> L<Vec<String>> {
    list(r, f)?
        .iter()
        .map(|v| {
            v.v.as_str()
                .map(str::to_string)
                .ok_or_else(|| internal("not a string"))
        })
        .collect()
}
fn pair(r: &Rec, f: &str) -> L<(f64, f64)> {
    match &get(r, f)?.v {
        V::Tuple(xs) if xs.len() == 2 => Ok((
            xs[0].v.as_f64().unwrap_or(0.0),
            xs[1].v.as_f64().unwrap_or(0.0),
        )),
        _ => Err(internal(format!("`{f}` is not a pair"))),
    }
}

impl Lower<'_> {
    fn span(&self, s: nas_syntax::source::Span) -> Span {
        ir_span(self.sources, s)
    }

    fn data(&self, d: &Rec) -> L<DatasetSpec> {
        let src = rec(d, "source")?;
        let source = match src.schema.name {
            "cifar10_files" => DataSource::Cifar10 {
                dir: string(src, "dir")?,
                train: strings(src, "train")?,
                test: strings(src, "test")?,
            },
            "cifar100_files" => DataSource::Cifar100 {
                dir: string(src, "dir")?,
                train: strings(src, "train")?,
                test: strings(src, "test")?,
            },
            "folder_files" => DataSource::ImageFolder {
                dir: string(src, "dir")?,
                test: get(src, "test")?.v.as_str().map(str::to_string),
            },
            "digits_files" => DataSource::Digits,
            other => return Err(internal(format!("unknown data source `{other}`"))),
        };
        Ok(DatasetSpec {
            source,
            image_size: int(d, "size")?,
            channels: int(d, "channels")?,
            classes: opt_int(d, "classes")?,
            mean: floats(d, "mean")?,
            std: floats(d, "std")?,
            limit: opt_int(d, "limit")?,
            test_limit: opt_int(d, "test_limit")?,
            span: self.span(d.span),
        })
    }

    fn stage(&self, s: &CheckedStage, data: &DatasetSpec, seed: u64) -> L<Stage> {
        let r = &s.rec;
        let span = self.span(s.span);
        let net = || -> L<NetworkSpec> {
            self.network(
                s.net
                    .as_ref()
                    .ok_or_else(|| internal("stage without network"))?,
                data,
            )
        };
        let kind = match s.kind {
            "ssl_search" => StageKind::SslSearch(self.search(s, net()?)?),
            "derive" => {
                let search = s
                    .derive_from
                    .clone()
                    .ok_or_else(|| internal("derive without search"))?;
                StageKind::Derive(DeriveSpec {
                    search,
                    edges_per_node: opt_int(r, "edges_per_node")?.unwrap_or(2),
                    max_skip: opt_int(r, "max_skip")?,
                    max_pool: opt_int(r, "max_pool")?,
                    span: span.clone(),
                })
            }
            "finetune" | "linear_eval" | "train" => {
                let spec = self.supervised(s, net()?, seed)?;
                match s.kind {
                    "finetune" => StageKind::Finetune(spec),
                    "linear_eval" => StageKind::LinearEval(spec),
                    _ => StageKind::Train(spec),
                }
            }
            "knn" => StageKind::Knn(KnnSpec {
                network: net()?,
                init: self.init(rec(r, "init")?)?,
                k: int(r, "k")?,
                temperature: num(r, "temperature")?,
                labels: num(r, "labels")?,
                span: span.clone(),
            }),
            "ssl_train" => StageKind::SslTrain(SslTrainSpec {
                network: net()?,
                init: self.init(rec(r, "init")?)?,
                views: self.augment(rec(r, "views")?)?,
                objective: self.objective(rec(r, "objective")?)?,
                epochs: int(r, "epochs")?,
                steps_per_epoch: opt_int(r, "steps_per_epoch")?,
                batch: int(r, "batch")?,
                optim: self.optim(rec(r, "optim")?)?,
                span: span.clone(),
            }),
            "nb201_lookup" => StageKind::Nb201Lookup(self.lookup(s)?),
            other => return Err(internal(format!("unknown stage kind `{other}`"))),
        };
        let mut after = s.after.clone();
        if let StageKind::Nb201Lookup(LookupSpec {
            cell: LookupCell::Derived { stage },
            ..
        }) = &kind
        {
            if !after.contains(stage) {
                after.push(stage.clone());
            }
        }
        Ok(Stage {
            name: s.name.clone(),
            after,
            kind,
            span,
        })
    }

    fn lookup(&self, s: &CheckedStage) -> L<LookupSpec> {
        let r = &s.rec;
        let cell = match &get(r, "genotype")?.v {
            V::Rec(g) => LookupCell::Fixed {
                arch: string(g, "arch")?,
            },
            _ => LookupCell::Derived {
                stage: s
                    .derive_from
                    .clone()
                    .ok_or_else(|| internal("look-up without a derive stage"))?,
            },
        };
        Ok(LookupSpec {
            table: string(r, "table")?,
            table_hash: s
                .table_hash
                .clone()
                .ok_or_else(|| internal("look-up without a checked table"))?,
            cell,
            span: self.span(s.span),
        })
    }

    fn supervised(&self, s: &CheckedStage, network: NetworkSpec, seed: u64) -> L<SupervisedSpec> {
        let r = &s.rec;
        let seeds = match &get(r, "seeds")?.v {
            V::List(xs) => xs
                .iter()
                .filter_map(|x| x.v.as_int())
                .map(|i| i.max(0) as u64)
                .collect(),
            _ => vec![seed],
        };
        Ok(SupervisedSpec {
            network,
            init: self.init(rec(r, "init")?)?,
            labels: num(r, "labels")?,
            val_fraction: num(r, "val_fraction")?,
            epochs: int(r, "epochs")?,
            steps_per_epoch: opt_int(r, "steps_per_epoch")?,
            batch: int(r, "batch")?,
            optim: self.optim(rec(r, "optim")?)?,
            augment: self.augment(rec(r, "augment")?)?,
            frozen_features: s.kind == "linear_eval",
            drop_path: num(r, "drop_path")?,
            seeds,
            span: self.span(s.span),
        })
    }

    fn search(&self, s: &CheckedStage, network: NetworkSpec) -> L<SearchSpec> {
        let r = &s.rec;
        let sampler = rec(r, "sampler")?;
        let two_path = sampler.schema.name == "two_path";
        let mut phases = Vec::new();
        for p in &s.phases {
            phases.push(self.phase(p, two_path)?);
        }
        let epochs = match opt_int(r, "epochs")? {
            Some(e) if s.phases.is_empty() => {
                phases.push(PhaseSpec {
                    name: "search".into(),
                    until: Transition::Epochs { epochs: e },
                    arch_updates: true,
                    drop: two_path,
                    freeze: None,
                    select: None,
                    span: self.span(s.span),
                });
                e
            }
            _ => s.phases.iter().map(|p| p.epochs).sum(),
        };
        let arch = rec(r, "arch")?;
        Ok(SearchSpec {
            network,
            views: self.augment(rec(r, "views")?)?,
            objective: self.objective(rec(r, "objective")?)?,
            sampler: match sampler.schema.name {
                "two_path" => SamplerSpec::TwoPath {
                    skip_drop: num(sampler, "skip_drop")?,
                    pool_drop: num(sampler, "pool_drop")?,
                },
                _ => SamplerSpec::Darts,
            },
            batch: int(r, "batch")?,
            split: num(r, "split")?,
            weights: self.optim(rec(r, "weights")?)?,
            arch: self.optim(arch)?,
            arch_every: int(arch, "every")?,
            phases,
            epochs,
            steps_per_epoch: opt_int(r, "steps_per_epoch")?,
            span: self.span(s.span),
        })
    }

    fn phase(&self, p: &CheckedPhase, two_path: bool) -> L<PhaseSpec> {
        let arch_updates = get(&p.rec, "arch")?.v.as_str() != Some("frozen");
        let until = match &p.when {
            None => Transition::Epochs { epochs: p.epochs },
            Some(w) => Transition::When {
                condition: self.condition(w)?,
                max_epochs: p.epochs,
            },
        };
        let freeze = match &get(&p.rec, "freeze")?.v {
            V::Rec(f) => Some(if get(f, "order")?.v.as_str() == Some("backward") {
                FreezeOrder::Backward
            } else {
                FreezeOrder::Forward
            }),
            _ => None,
        };
        let select = match &get(&p.rec, "select")?.v {
            V::Rec(s) => Some(SelectSpec {
                batches: int(s, "batches")?,
            }),
            _ => None,
        };
        Ok(PhaseSpec {
            name: p.name.clone(),
            until,
            arch_updates,
            drop: two_path && opt_bool(&p.rec, "drop")?.unwrap_or(arch_updates),
            freeze,
            select,
            span: self.span(p.span),
        })
    }

    fn condition(&self, w: &Val) -> L<Condition> {
        match &w.v {
            V::Cmp { metric, op, value } => {
                let cmp = match op {
                    BinOp::Lt => Cmp::Lt,
                    BinOp::Le => Cmp::Le,
                    BinOp::Gt => Cmp::Gt,
                    _ => Cmp::Ge,
                };
                Ok(Condition::Metric {
                    metric: metric.clone(),
                    cmp,
                    value: *value,
                })
            }
            V::Rec(r) if r.schema.name == "arch_stable" => Ok(Condition::ArchStable {
                epochs: int(r, "epochs")?,
            }),
            _ => Err(internal("not a condition")),
        }
    }

    fn init(&self, r: &Rec) -> L<InitSpec> {
        Ok(match r.schema.name {
            "preserved" => InitSpec::Preserved,
            "from" => InitSpec::Stage {
                stage: string(r, "stage")?,
            },
            _ => InitSpec::Random,
        })
    }

    fn objective(&self, r: &Rec) -> L<ObjectiveSpec> {
        Ok(match r.schema.name {
            "simclr" => ObjectiveSpec::Simclr {
                temperature: num(r, "temperature")?,
            },
            _ => ObjectiveSpec::CrossEntropy {
                label_smoothing: num(r, "label_smoothing")?,
            },
        })
    }

    fn optim(&self, r: &Rec) -> L<OptimSpec> {
        let kind = match r.schema.name {
            "sgd" => OptimKind::Sgd {
                momentum: num(r, "momentum")?,
                nesterov: boolean(r, "nesterov")?,
            },
            _ => {
                let (beta1, beta2) = pair(r, "betas")?;
                OptimKind::Adam {
                    beta1,
                    beta2,
                    eps: num(r, "eps")?,
                }
            }
        };
        let sched = rec(r, "schedule")?;
        let per = if get(sched, "per")?.v.as_str() == Some("step") {
            SchedulePer::Step
        } else {
            SchedulePer::Epoch
        };
        let skind = match sched.schema.name {
            "cosine" => ScheduleKind::Cosine {
                min_lr: num(sched, "min_lr")?,
            },
            _ => ScheduleKind::Constant,
        };
        Ok(OptimSpec {
            kind,
            lr: num(r, "lr")?,
            weight_decay: num(r, "weight_decay")?,
            clip_norm: opt_num(r, "clip_norm")?,
            schedule: ScheduleSpec {
                kind: skind,
                per,
                warmup_epochs: num(r, "warmup")?,
            },
            span: self.span(r.span),
        })
    }

    fn augment(&self, r: &Rec) -> L<AugmentSpec> {
        let mut steps = Vec::new();
        for st in list(r, "steps")? {
            let V::Rec(s) = &st.v else {
                return Err(internal("augmentation step is not a record"));
            };
            steps.push(self.step(s)?);
        }
        Ok(AugmentSpec {
            views: int(r, "views")?,
            steps,
            span: self.span(r.span),
        })
    }

    fn step(&self, s: &Rec) -> L<AugStep> {
        Ok(match s.schema.name {
            "random_resized_crop" => AugStep::RandomResizedCrop {
                size: int(s, "size")?,
                scale: pair(s, "scale")?,
                ratio: pair(s, "ratio")?,
                sampling: match sym(s, "sampling")? {
                    "affine" => CropSampling::Affine,
                    _ => CropSampling::Torchvision,
                },
            },
            "random_crop" => AugStep::RandomCrop {
                size: int(s, "size")?,
                padding: int(s, "padding")?,
            },
            "flip" => AugStep::HorizontalFlip { p: num(s, "p")? },
            "color_jitter" => AugStep::ColorJitter {
                brightness: num(s, "brightness")?,
                contrast: num(s, "contrast")?,
                saturation: num(s, "saturation")?,
                hue: num(s, "hue")?,
                p: num(s, "p")?,
                order: match sym(s, "order")? {
                    "fixed" => JitterOrder::Fixed,
                    _ => JitterOrder::Shuffled,
                },
                hue_space: match sym(s, "hue_space")? {
                    "yiq" => HueSpace::Yiq,
                    _ => HueSpace::Hsv,
                },
            },
            "grayscale" => AugStep::Grayscale { p: num(s, "p")? },
            "blur" => AugStep::GaussianBlur {
                kernel: int(s, "kernel")?,
                sigma: pair(s, "sigma")?,
                p: num(s, "p")?,
            },
            "solarize" => AugStep::Solarize {
                threshold: num(s, "threshold")?,
                p: num(s, "p")?,
            },
            "normalize" => AugStep::Normalize {
                mean: floats(s, "mean")?,
                std: floats(s, "std")?,
            },
            "cutout" => AugStep::Cutout {
                size: int(s, "size")?,
                p: num(s, "p")?,
            },
            other => return Err(internal(format!("unknown augmentation `{other}`"))),
        })
    }
}

mod net;
