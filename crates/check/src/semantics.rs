//! Per-kind stage rules: phases and their epochs, contrastive batch sizes, derive inputs,
//! where each stage's network comes from, and options that do nothing in context.

use std::rc::Rc;

use super::builtins::{self, Kind};
use super::checked::*;
use super::done::Done;
use super::error::CheckError;
use super::eval::{Eval, Fail, R};
use super::stages::{get_f64, get_int, get_rec, get_str};
use super::value::*;
use nas_syntax::diagnostics::Diag;

impl<'a> Eval<'a> {
    pub fn stage_semantics(
        &mut self,
        s: &mut CheckedStage,
        done: &Done,
        data: &Rc<Rec>,
        pv: &PipeVal,
    ) -> R<()> {
        let _ = pv;
        self.check_norms(s, data);
        match s.kind {
            "ssl_search" => self.search_stage(s, data),
            "derive" => self.derive_stage(s, done),
            "nb201_lookup" => self.lookup_stage(s, done),
            _ => self.fixed_net_stage(s, done, data),
        }
    }

    /// Every normalize step must have one value per image channel.
    fn check_norms(&mut self, s: &CheckedStage, data: &Rc<Rec>) {
        let channels = get_int(data, "channels").unwrap_or(0) as usize;
        for f in ["views", "augment"] {
            let Some(aug) = get_rec(&s.rec, f) else {
                continue;
            };
            let Some(Val {
                v: V::List(steps), ..
            }) = aug.get("steps")
            else {
                continue;
            };
            for st in steps {
                let V::Rec(r) = &st.v else { continue };
                if r.schema.name != "normalize" {
                    continue;
                }
                for stat in ["mean", "std"] {
                    if let Some(Val {
                        v: V::List(xs),
                        span,
                    }) = r.get(stat)
                    {
                        if xs.len() != channels {
                            self.report(
                                Diag::error(
                                    CheckError::NormArity {
                                        found: xs.len(),
                                        channels,
                                    },
                                    *span,
                                    format!("{} values", xs.len()),
                                )
                                .with_note(data.span, "the dataset is defined here")
                                .with_help(format!("give {channels} value(s), one per channel")),
                            );
                        }
                    }
                }
                if let Some(Val { v: V::List(xs), .. }) = r.get("std") {
                    for x in xs {
                        if x.v.as_f64().is_some_and(|v| v <= 0.0) {
                            self.err(
                                CheckError::OutOfRange {
                                    field: "std".into(),
                                    expected: "greater than 0".into(),
                                    found: super::eval::show(&x.v),
                                },
                                x.span,
                                "division by this",
                            );
                        }
                    }
                }
            }
        }
    }

    fn search_stage(&mut self, s: &mut CheckedStage, data: &Rc<Rec>) -> R<()> {
        let space = get_rec(&s.rec, "space").ok_or(Fail)?;
        if space.get("genotype").is_some_and(|g| !g.v.is_none()) {
            let sp = space.get("genotype").map(|g| g.span).unwrap_or(s.span);
            return Err(self.err_help(
                CheckError::TypeMismatch {
                    expected: "a search space".into(),
                    found: "a network with a fixed genotype".into(),
                },
                sp,
                "a search stage needs candidates, not a fixed architecture",
                "remove `genotype` from the space, or use a `train` stage",
            ));
        }
        self.check_space(&space)?;
        let sampler = get_rec(&s.rec, "sampler").ok_or(Fail)?;
        let two_path = sampler.schema.name == "two_path";
        let objective = get_rec(&s.rec, "objective").ok_or(Fail)?;
        if objective.schema.name == "simclr" {
            self.contrastive_batch(s);
        }
        if !two_path {
            for opt in ["skip_drop", "pool_drop"] {
                if let Some(v) = sampler.get(opt).filter(|v| !v.v.is_none()) {
                    self.report(
                        Diag::warning(
                            CheckError::UnusedOption { option: opt.into() },
                            v.span,
                            "ignored by the `darts` sampler",
                        )
                        .with_help(
                            "skip/pool drop resampling only exists with `sampler = two_path(...)`",
                        ),
                    );
                }
            }
        }
        if let Some(w) = get_rec(&s.rec, "weights") {
            if get_int(&w, "every").unwrap_or(1) != 1 {
                let sp = w.get("every").map(|v| v.span).unwrap_or(w.span);
                self.report(
                    Diag::warning(
                        CheckError::UnusedOption {
                            option: "every".into(),
                        },
                        sp,
                        "ignored on the weight optimiser",
                    )
                    .with_help("`every` sets how often the architecture optimiser (`arch`) steps"),
                );
            }
        }
        self.phases(s, two_path)?;
        let head = match objective.schema.name {
            "simclr" => HeadPlan::Mlp(mlp_dims(&objective)),
            _ => HeadPlan::Classifier(self.classes(data, s)?),
        };
        let per_cell = get_str(&space, "alpha") == Some("per_cell");
        let affine = space
            .get("affine")
            .and_then(|v| if let V::Bool(b) = v.v { Some(b) } else { None })
            .unwrap_or(false);
        s.net = Some(NetPlan {
            space,
            cell: CellPlan::Search { per_cell, two_path },
            head,
            affine,
            aux_weight: None,
        });
        Ok(())
    }

    fn phases(&mut self, s: &mut CheckedStage, two_path: bool) -> R<()> {
        let mut failed = false;
        for p in &mut s.phases {
            match self.check_phase(p, two_path) {
                Ok(len) => p.epochs = len,
                Err(_) => failed = true,
            }
        }
        if failed {
            return Err(Fail);
        }
        let sum: usize = s.phases.iter().map(|p| p.epochs).sum();
        match (get_int(&s.rec, "epochs"), s.phases.is_empty()) {
            (Some(e), false) if e as usize != sum => {
                let e = e as usize;
                let err = CheckError::PhaseEpochs {
                    stage: s.name.clone(),
                    sum,
                    epochs: e,
                };
                let help = format!("make the phases add up to {e}, or set `epochs = {sum}`");
                let stage_epochs = field_span(s, "epochs");
                // A phase whose length was set outside its declaration (an override such as
                // `search.freeze.epochs = 2` on a recipe) is where the sum was broken: the
                // error points there, with the stage's length as a note.
                let overridden = s.phases.iter().rev().find_map(|p| {
                    let v = p.rec.get("epochs")?;
                    (v.span.src != p.span.src).then_some((v.span, &p.name, p.epochs))
                });
                let d = match overridden {
                    Some((at, phase, len)) => Diag::error(
                        err,
                        at,
                        format!("`{phase}` set to {len} epochs here: the phases add up to {sum}"),
                    )
                    .with_note(stage_epochs, format!("the stage has {e} epochs")),
                    None => Diag::error(err, stage_epochs, format!("{e} epochs here")),
                };
                Err(self.report(d.with_help(help)))
            }
            (None, true) => {
                let err = CheckError::MissingField {
                    name: s.name.clone(),
                    field: "epochs".into(),
                };
                let help = "add `epochs = N`, or phases such as `phase search { epochs = N }`";
                Err(self.err_help(err, s.span, "how long does it search?", help))
            }
            _ => Ok(()),
        }
    }

    /// One phase: its length (the bound of a `when` phase), its condition, its options.
    fn check_phase(&mut self, p: &CheckedPhase, two_path: bool) -> R<usize> {
        let (epochs, max) = (get_int(&p.rec, "epochs"), get_int(&p.rec, "max_epochs"));
        let len = match (&p.when, epochs, max) {
            (None, Some(e), _) | (Some(_), None | Some(_), Some(e)) | (Some(_), Some(e), None) => e,
            (None, None, _) => {
                let help = "add `epochs = N`, or `when <condition>` with `max_epochs = N`";
                return Err(self.err_help(
                    CheckError::PhaseLength {
                        phase: p.name.clone(),
                    },
                    p.span,
                    "how many epochs?",
                    help,
                ));
            }
            (Some(_), None, None) => {
                let help =
                    "add `max_epochs = N` so the phase ends even if the condition never holds";
                return Err(self.err_help(
                    CheckError::PhaseLength {
                        phase: p.name.clone(),
                    },
                    p.span,
                    "a condition needs a bound",
                    help,
                ));
            }
        };
        if let Some(w) = &p.when {
            let is_condition = match &w.v {
                V::Rec(r) => r.kind() == Kind::Condition,
                V::Cmp { .. } => true,
                _ => false,
            };
            if !is_condition {
                return Err(self.mismatch(
                    "a condition (`loss < 0.5`, `arch_stable(epochs = 5)`)",
                    &w.v.clone(),
                    w.span,
                ));
            }
        }
        if let Some(sel) = p.rec.get("select").filter(|s| two_path && !s.v.is_none()) {
            return Err(self.err_help(
                CheckError::Incompatible {
                    what: "`select = perturbation(...)`".into(),
                    needs: "`sampler = darts`".into(),
                },
                sel.span,
                "measures every op of an edge at once",
                "perturbation selection removes one op from the all-path mixture of an edge; \
                 the two_path sampler runs two ops per edge. Use `sampler = darts`",
            ));
        }
        if let Some(d) = p
            .rec
            .get("drop")
            .filter(|d| !two_path && d.v == V::Bool(true))
        {
            let e = CheckError::UnusedOption {
                option: "drop".into(),
            };
            let help = "skip/pool drop resampling only exists with `sampler = two_path(...)`";
            self.report(
                Diag::warning(e, d.span, "no effect without a two_path sampler").with_help(help),
            );
        }
        Ok(len.max(0) as usize)
    }

    fn classes(&mut self, data: &Rc<Rec>, s: &CheckedStage) -> R<usize> {
        match get_int(data, "classes") {
            Some(c) => Ok(c as usize),
            None => Err(self.report(
                Diag::error(
                    CheckError::MissingField {
                        name: "dataset".into(),
                        field: "classes".into(),
                    },
                    s.span,
                    "this stage needs labels",
                )
                .with_note(data.span, "the dataset is defined here")
                .with_help("set `classes` on the dataset"),
            )),
        }
    }

    fn derive_stage(&mut self, s: &mut CheckedStage, done: &Done) -> R<()> {
        let Some(search) = self.producer(s, done, "ssl_search") else {
            return Err(self.err_help(
                CheckError::NoProducer {
                    stage: s.name.clone(),
                    needs: "a search stage (`ssl_search`)".into(),
                },
                s.span,
                "nothing to derive from",
                "add `after <search stage>`, or `from = \"<search stage>\"`",
            ));
        };
        s.derive_from = Some(search.name.clone());
        let space = search.net.as_ref().map(|n| n.space.clone()).ok_or(Fail)?;
        // NAS-Bench-201 keeps every edge of a node (node k has k + 1 inputs); DARTS keeps 2.
        let keep_all = get_int(&space, "nodes").unwrap_or(3);
        let default_keep = if space.schema.name == "nb201_net" {
            keep_all
        } else {
            2
        };
        if let Some(slot) = s
            .rec
            .fields
            .iter_mut()
            .find(|(n, _)| *n == "edges_per_node")
        {
            if slot.1.v.is_none() {
                slot.1.v = V::Int(default_keep);
            }
        }
        if space.schema.name == "darts_net" {
            if let Some(k) = get_int(&s.rec, "edges_per_node") {
                if k > 2 {
                    let sp = s
                        .rec
                        .get("edges_per_node")
                        .map(|v| v.span)
                        .unwrap_or(s.span);
                    return Err(self.err_help(
                        CheckError::KeptEdges { kept: k as usize, inputs: 2 },
                        sp,
                        "more than the first node has",
                        "the first node of a DARTS cell has 2 inputs (the two cell inputs); keep at most 2",
                    ));
                }
            }
        }
        Ok(())
    }

    /// finetune, linear_eval, train, knn, ssl_train: a fixed network.
    fn fixed_net_stage(&mut self, s: &mut CheckedStage, done: &Done, data: &Rc<Rec>) -> R<()> {
        let derive = self.producer(s, done, "derive");
        let (space, cell) = self.net_source(s, done, derive)?;
        let wants_preserved = get_rec(&s.rec, "init").is_some_and(|i| i.schema.name == "preserved");
        if wants_preserved && derive.is_none() {
            let sp = field_span(s, "init");
            let e = CheckError::NoProducer {
                stage: s.name.clone(),
                needs: "preserved weights (a `derive` stage)".into(),
            };
            return Err(self.err_help(
                e,
                sp,
                "no derive stage runs before this one",
                "add `after <derive stage>`, or use `init = random`",
            ));
        }
        self.check_space(&space)?;
        if let CellPlan::Genotype(g) = &cell {
            self.check_genotype(&space, g)?;
        }
        self.fill_supervised(s, derive.is_some(), data)?;
        let affine = matches!(s.rec.get("affine").map(|v| &v.v), Some(V::Bool(true)));
        let objective = get_rec(&s.rec, "objective");
        if objective
            .as_ref()
            .is_some_and(|o| o.schema.name == "simclr")
        {
            self.contrastive_batch(s);
        }
        let head = match s.kind {
            "ssl_train" => HeadPlan::Mlp(objective.map(|o| mlp_dims(&o)).unwrap_or_default()),
            "knn" => HeadPlan::Features,
            _ => HeadPlan::Classifier(self.classes(data, s)?),
        };
        let mut aux_weight = get_f64(&s.rec, "auxiliary");
        if aux_weight.is_some() && space.schema.name == "nb201_net" {
            let e = CheckError::UnusedOption {
                option: "auxiliary".into(),
            };
            self.report(Diag::warning(
                e,
                field_span(s, "auxiliary"),
                "NAS-Bench-201 networks have no auxiliary tower",
            ));
            aux_weight = None;
        }
        s.net = Some(NetPlan {
            space,
            cell,
            head,
            affine,
            aux_weight,
        });
        Ok(())
    }

    /// Where a fixed-network stage's network comes from: a given network with a genotype,
    /// the derived cell on a given skeleton, or the derived cell on the searched skeleton.
    fn net_source(
        &mut self,
        s: &CheckedStage,
        done: &Done,
        derive: Option<&CheckedStage>,
    ) -> R<(Rc<Rec>, CellPlan)> {
        let explicit = get_rec(&s.rec, "network");
        let genotype = explicit
            .as_ref()
            .and_then(|n| n.get("genotype").filter(|g| !g.v.is_none()).cloned());
        match (explicit, derive, genotype) {
            (Some(net), _, Some(g)) => Ok((net, CellPlan::Genotype(g))),
            (net, Some(d), _) => {
                let search = d
                    .derive_from
                    .as_deref()
                    .and_then(|name| done.named(name))
                    .ok_or(Fail)?;
                let searched = search.net.as_ref().ok_or(Fail)?.space.clone();
                match net {
                    Some(net) => {
                        self.same_skeleton(s, &searched, &net)?;
                        Ok((net, CellPlan::Derived(d.name.clone())))
                    }
                    None => Ok((searched, CellPlan::Derived(d.name.clone()))),
                }
            }
            (Some(_), None, None) => {
                let e = CheckError::GenotypeShape {
                    reason: "the network has no genotype".into(),
                };
                let help =
                    "give the network a genotype, or leave `network` out to train the derived one";
                Err(self.err_help(
                    e,
                    field_span(s, "network"),
                    "a fixed network needs `genotype = ...`",
                    help,
                ))
            }
            (None, None, _) => {
                let e = CheckError::NoProducer {
                    stage: s.name.clone(),
                    needs: "a derived network (a `derive` stage)".into(),
                };
                let help = "add a `derive` stage before it (`after derive`), or give `network = ...` with a genotype";
                Err(self.err_help(e, s.span, "no network to train", help))
            }
        }
    }

    /// The derived cell on another skeleton (DARTS: search small, train large) must come
    /// from the same family, and per-cell genotypes need the searched depth.
    fn same_skeleton(&mut self, s: &CheckedStage, searched: &Rec, net: &Rec) -> R<()> {
        let sp = field_span(s, "network");
        if searched.schema.name != net.schema.name {
            let e = CheckError::GenotypeShape {
                reason: "the network family differs from the searched one".into(),
            };
            return Err(self.err(e, sp, "another family"));
        }
        let per_cell = searched.get("alpha").and_then(|a| a.v.as_str()) == Some("per_cell");
        if per_cell && get_int(searched, "cells") != get_int(net, "cells") {
            let e = CheckError::GenotypeShape {
                reason: "a per-cell genotype fits only a network of the searched depth".into(),
            };
            return Err(self.err_help(
                e,
                sp,
                "different number of cells than the search",
                "search with `alpha = shared`, or keep the searched depth",
            ));
        }
        Ok(())
    }

    /// A contrastive loss needs at least two images per batch.
    fn contrastive_batch(&mut self, s: &CheckedStage) {
        let batch = get_int(&s.rec, "batch").unwrap_or(0);
        if batch < 2 {
            let help = "a contrastive loss needs negatives: use a batch of at least 2 (typically 32 to 512)";
            self.err_help(
                CheckError::BatchTooSmall { batch },
                field_span(s, "batch"),
                "needs at least 2 images",
                help,
            );
        }
    }

    /// Fill computed fields: init, affine, optimiser, augmentation, seeds.
    fn fill_supervised(&mut self, s: &mut CheckedStage, has_derive: bool, data: &Rc<Rec>) -> R<()> {
        let span = s.span;
        let ctor = |name: &str| builtins::constructor(name).ok_or(Fail);
        let set = |s: &mut CheckedStage, f: &'static str, v: V| {
            if let Some(slot) = s.rec.fields.iter_mut().find(|(n, _)| *n == f) {
                if slot.1.v.is_none() {
                    slot.1 = Val { v, span };
                }
            }
        };
        let init = if has_derive { "preserved" } else { "random" };
        let init_rec = self.assemble(ctor(init)?, Vec::new(), span, false)?;
        set(s, "init", V::Rec(Rc::new(init_rec)));
        set(
            s,
            "affine",
            V::Bool(s.kind != "linear_eval" && s.kind != "knn" && s.kind != "ssl_train"),
        );
        if s.rec.schema.field("optim").is_some() {
            let sgd = sgd_default(self, span)?;
            set(s, "optim", V::Rec(Rc::new(sgd)));
        }
        if s.rec.schema.field("augment").is_some() {
            let aug = supervised_augment(self, data, span)?;
            set(s, "augment", V::Rec(Rc::new(aug)));
        }
        Ok(())
    }
}

/// `mlp(a, b, c)` sizes; empty when the objective has no head (width then 128).
fn mlp_dims(objective: &Rec) -> Vec<usize> {
    match objective.get("head").map(|h| &h.v) {
        Some(V::Rec(h)) => h
            .extra
            .iter()
            .filter_map(|v| v.v.as_int())
            .map(|i| i.max(0) as usize)
            .collect(),
        _ => Vec::new(),
    }
}

fn given(name: &str, v: V, span: nas_syntax::source::Span) -> super::records::Given {
    (
        Some(Named {
            name: name.into(),
            span,
        }),
        Val { v, span },
    )
}

/// The default supervised optimiser: SGD lr 0.025, momentum 0.9, wd 3e-4, clip 5, cosine.
fn sgd_default(ev: &mut Eval, span: nas_syntax::source::Span) -> R<Rec> {
    let s = builtins::constructor("sgd").ok_or(Fail)?;
    let cos = ev.assemble(
        builtins::constructor("cosine").ok_or(Fail)?,
        Vec::new(),
        span,
        false,
    )?;
    let g = vec![
        given("lr", V::Float(0.025), span),
        given("weight_decay", V::Float(3e-4), span),
        given("clip_norm", V::Float(5.0), span),
        given("schedule", V::Rec(Rc::new(cos)), span),
    ];
    ev.assemble(s, g, span, false)
}

/// The default supervised augmentation: random crop with padding size/8, flip, normalise.
fn supervised_augment(ev: &mut Eval, data: &Rec, span: nas_syntax::source::Span) -> R<Rec> {
    let size = get_int(data, "size").unwrap_or(1);
    let step = |ev: &mut Eval, name: &str, g: Vec<super::records::Given>| -> R<Val> {
        let r = ev.assemble(builtins::constructor(name).ok_or(Fail)?, g, span, false)?;
        Ok(Val {
            v: V::Rec(Rc::new(r)),
            span,
        })
    };
    let crop = step(
        ev,
        "random_crop",
        vec![
            given("size", V::Int(size), span),
            given("padding", V::Int(size / 8), span),
        ],
    )?;
    let flip = step(ev, "flip", Vec::new())?;
    let mean = data.get("mean").cloned().ok_or(Fail)?;
    let std = data.get("std").cloned().ok_or(Fail)?;
    let norm = step(
        ev,
        "normalize",
        vec![
            (
                Some(Named {
                    name: "mean".into(),
                    span,
                }),
                mean,
            ),
            (
                Some(Named {
                    name: "std".into(),
                    span,
                }),
                std,
            ),
        ],
    )?;
    let steps = V::List(vec![crop, flip, norm]);
    ev.assemble(
        builtins::constructor("augmentation").ok_or(Fail)?,
        vec![given("steps", steps, span)],
        span,
        false,
    )
}

/// The span of a stage field's value, else of the stage.
pub(crate) fn field_span(s: &CheckedStage, field: &str) -> nas_syntax::source::Span {
    s.rec.get(field).map(|v| v.span).unwrap_or(s.span)
}
