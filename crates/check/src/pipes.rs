//! Evaluating pipelines: bindings, stage declarations with their fields and phases, and
//! extensions of another pipeline that add stages or override fields
//! (`pipeline q = lib.p() { search.batch = 32 }`).

use std::collections::HashMap;

use super::error::CheckError;
use super::eval::{Env, Eval, Fail, R};
use super::value::*;
use crate::resolve::ModId;
use nas_syntax::ast::*;
use nas_syntax::diagnostics::{suggest, Diag};
use nas_syntax::source::Span;

/// Where a call of a recipe is shown: its name (`sswp.recipe`), not the whole call with its
/// arguments, which may span many lines.
pub(crate) fn callee(e: &Expr) -> Span {
    match &e.kind {
        ExprKind::Call(f, _) => f.span,
        _ => e.span,
    }
}

fn named(i: &Ident) -> Named {
    Named {
        name: i.name.clone(),
        span: i.span,
    }
}

impl<'a> Eval<'a> {
    /// Evaluate a pipeline definition with its parameters bound.
    pub fn pipeline(
        &mut self,
        module: ModId,
        p: &PipelineDef,
        params: Vec<(String, Val)>,
    ) -> R<PipeVal> {
        let mut env = Env {
            module,
            locals: params,
            metrics: false,
            lenient: false,
        };
        let mut pv = PipeVal {
            name: p.name.name.clone(),
            bindings: Vec::new(),
            stages: Vec::new(),
            span: p.name.span,
            call: p.base.as_ref().map(callee),
            broken: Vec::new(),
            failed: false,
            base_failed: false,
        };
        let mut base_stages = 0;
        if let Some(b) = &p.base {
            match self.eval(b, &env) {
                Ok(Val {
                    v: V::Pipeline(base),
                    ..
                }) => {
                    pv.bindings = base.bindings.clone();
                    pv.stages = base.stages.clone();
                    pv.broken = base.broken.clone();
                    pv.failed = base.failed;
                    pv.base_failed = base.base_failed;
                    base_stages = pv.stages.len();
                    for (n, v, _) in &base.bindings {
                        env.locals.push((n.clone(), v.clone()));
                    }
                }
                Ok(bv) => {
                    self.mismatch("a pipeline", &bv.v, bv.span);
                    pv.base_failed = true;
                }
                Err(_) => pv.base_failed = true,
            }
            // The base's settings and stages are unknown: check the rest of the body
            // without reporting names and stages that the base would have given.
            if pv.base_failed {
                pv.failed = true;
                env.lenient = true;
            }
        }
        let base_names: Vec<String> = pv.bindings.iter().map(|(n, _, _)| n.clone()).collect();
        // stage name -> position, so that adding a stage does not scan every earlier one
        let mut positions: HashMap<String, usize> = pv
            .stages
            .iter()
            .enumerate()
            .map(|(i, s)| (s.name.name.clone(), i))
            .collect();
        for item in &p.items {
            let ok = match item {
                PipeItem::Assign(a) if a.path.len() == 1 => {
                    self.warn_self_assignment(a, base_names.as_slice());
                    let name = a.path[0].name.clone();
                    match self.eval(&a.value, &env) {
                        Ok(v) => {
                            env.locals.push((name.clone(), v.clone()));
                            pv.bindings.push((name, v, a.path[0].span));
                            true
                        }
                        Err(_) => {
                            pv.broken.push(name);
                            false
                        }
                    }
                }
                PipeItem::Assign(a) if pv.base_failed => self.eval(&a.value, &env).is_ok(),
                PipeItem::Assign(a) => self.override_field(&mut pv, a, &env).is_ok(),
                PipeItem::Stage(s) => {
                    let sv = self.stage(s, &env);
                    let ok = !sv.failed;
                    self.add_stage(&mut pv, &mut positions, sv, base_stages)
                        .is_ok()
                        && ok
                }
            };
            pv.failed |= !ok;
        }
        Ok(pv)
    }

    /// `x = x` in an extension names the inherited `x` (settings of the base shadow the
    /// file's top-level names), so it changes nothing; a user who wrote it almost surely
    /// meant a top-level `x`.
    fn warn_self_assignment(&mut self, a: &Assign, base_names: &[String]) {
        let name = &a.path[0].name;
        if matches!(&a.value.kind, ExprKind::Name(n) if n == name) && base_names.contains(name) {
            self.report(
                Diag::warning(
                    CheckError::SelfAssignment { name: name.clone() },
                    a.value.span,
                    "this is the inherited setting",
                )
                .with_help(format!(
                    "the base pipeline's settings shadow top-level names here; to use a top-level \
                     value, give it another name (`let my_{name} = ...`, then `{name} = my_{name}`)"
                )),
            );
        }
    }

    fn add_stage(
        &mut self,
        pv: &mut PipeVal,
        positions: &mut HashMap<String, usize>,
        sv: StageVal,
        base_stages: usize,
    ) -> R<()> {
        if let Some(&i) = positions.get(&sv.name.name) {
            if i < base_stages {
                // An extension may replace a stage of the pipeline it extends.
                pv.stages[i] = sv;
                return Ok(());
            }
            let first = pv.stages[i].name.span;
            return Err(self.report(
                Diag::error(
                    CheckError::DuplicateStage {
                        name: sv.name.name.clone(),
                    },
                    sv.name.span,
                    "defined again here",
                )
                .with_note(first, "first defined here")
                .with_help("give every stage its own name"),
            ));
        }
        positions.insert(sv.name.name.clone(), pv.stages.len());
        pv.stages.push(sv);
        Ok(())
    }

    /// `stage.field = v` or `stage.phase.field = v`. A value that fails leaves the field
    /// absent (and the stage failed) rather than keeping the base's value.
    fn override_field(&mut self, pv: &mut PipeVal, a: &Assign, env: &Env) -> R<()> {
        let v = self.eval(&a.value, env);
        let Some(stage_name) = a.path.first() else {
            return Err(Fail);
        };
        let Some(stage) = pv
            .stages
            .iter_mut()
            .find(|s| s.name.name == stage_name.name)
        else {
            let help = suggest(
                &stage_name.name,
                pv.stages.iter().map(|s| s.name.name.as_str()),
            );
            return Err(self.err_help(
                CheckError::UnknownStage {
                    name: stage_name.name.clone(),
                },
                stage_name.span,
                "no stage of this name",
                help,
            ));
        };
        let field = a.path.last().map(named).ok_or(Fail)?;
        let (fields, broken, failed) = match a.path.len() {
            2 => (&mut stage.fields, &mut stage.broken, &mut stage.failed),
            3 => {
                let ph = &a.path[1];
                let Some(phase) = stage.phases.iter_mut().find(|p| p.name.name == ph.name) else {
                    let help = suggest(&ph.name, stage.phases.iter().map(|p| p.name.name.as_str()));
                    return Err(self.err_help(
                        CheckError::UnknownField {
                            name: stage_name.name.clone(),
                            field: ph.name.clone(),
                        },
                        ph.span,
                        "no phase of this name",
                        help,
                    ));
                };
                stage.failed |= v.is_err();
                (&mut phase.fields, &mut phase.broken, &mut phase.failed)
            }
            _ => {
                let sp = a.path[3].span;
                return Err(self.err(
                    CheckError::UnknownField {
                        name: a.path[2].name.clone(),
                        field: a.path[3].name.clone(),
                    },
                    sp,
                    "nothing to override here",
                ));
            }
        };
        fields.retain(|(n, _)| n.name != field.name);
        match v {
            Ok(v) => {
                fields.push((field, v));
                Ok(())
            }
            Err(_) => {
                broken.push(field.name);
                *failed = true;
                Err(Fail)
            }
        }
    }

    /// Evaluate a stage declaration's fields and phases (not yet checked against its kind).
    /// A field that fails is left out and named in `broken`; the stage is marked failed.
    fn stage(&mut self, s: &StageDecl, env: &Env) -> StageVal {
        let mut sv = StageVal {
            name: named(&s.name),
            kind: named(&s.kind),
            fields: Vec::new(),
            phases: Vec::new(),
            after: s.after.iter().map(named).collect(),
            span: s.span,
            broken: Vec::new(),
            failed: false,
        };
        let mut failed = false;
        for a in &s.args {
            match &a.name {
                Some(n) => match self.eval(&a.value, env) {
                    Ok(v) => failed |= self.push_field(&mut sv.fields, named(n), v).is_err(),
                    Err(_) => {
                        sv.broken.push(n.name.clone());
                        failed = true;
                    }
                },
                None => {
                    self.err_help(
                        CheckError::TooManyArguments {
                            name: s.kind.name.clone(),
                            max: 0,
                        },
                        a.value.span,
                        "unnamed",
                        "stage settings are named: `finetune(epochs = 10)`",
                    );
                    failed = true;
                }
            }
        }
        if let Some(b) = &s.block {
            for it in &b.items {
                match it {
                    BlockItem::Assign(a) => {
                        failed |= self
                            .block_assign(&mut sv.fields, &mut sv.broken, a, env)
                            .is_err()
                    }
                    BlockItem::Phase { name, block, span } => {
                        let p = self.phase(name, block, *span, env);
                        failed |= p.failed;
                        if let Some(first) = sv.phases.iter().find(|q| q.name.name == name.name) {
                            let fs = first.name.span;
                            self.report(
                                Diag::error(
                                    CheckError::DuplicateField {
                                        field: format!("phase {}", name.name),
                                    },
                                    name.span,
                                    "defined again here",
                                )
                                .with_note(fs, "first defined here"),
                            );
                            failed = true;
                        }
                        sv.phases.push(p);
                    }
                    BlockItem::When { cond, .. } => {
                        self.err_help(CheckError::MisplacedWhen, cond.span, "not inside a phase", "put it in a phase: `phase search { max_epochs = 50, when loss < 0.5 }`");
                        failed = true;
                    }
                }
            }
        }
        sv.failed = failed;
        sv
    }

    /// `field = value` in a block; a value that fails is named in `broken`.
    fn block_assign(
        &mut self,
        fields: &mut Vec<(Named, Val)>,
        broken: &mut Vec<String>,
        a: &Assign,
        env: &Env,
    ) -> R<()> {
        match a.path.as_slice() {
            [field] => match self.eval(&a.value, env) {
                Ok(v) => self.push_field(fields, named(field), v),
                Err(_) => {
                    broken.push(field.name.clone());
                    Err(Fail)
                }
            },
            [first, second, ..] => {
                // the value may hold mistakes of its own
                let _ = self.eval(&a.value, env);
                Err(self.err_help(
                    CheckError::UnknownField {
                        name: first.name.clone(),
                        field: second.name.clone(),
                    },
                    second.span,
                    "dotted fields only override stages of a pipeline",
                    "write the field directly: `batch = 32`",
                ))
            }
            [] => Err(Fail),
        }
    }

    fn push_field(&mut self, fields: &mut Vec<(Named, Val)>, n: Named, v: Val) -> R<()> {
        if let Some((first, _)) = fields.iter().find(|(f, _)| f.name == n.name) {
            let fs = first.span;
            return Err(self.report(
                Diag::error(
                    CheckError::DuplicateField {
                        field: n.name.clone(),
                    },
                    n.span,
                    "given again here",
                )
                .with_note(fs, "first given here")
                .with_help("remove one of them"),
            ));
        }
        fields.push((n, v));
        Ok(())
    }

    fn phase(&mut self, name: &Ident, block: &Block, span: Span, env: &Env) -> PhaseVal {
        let mut pv = PhaseVal {
            name: named(name),
            fields: Vec::new(),
            when: None,
            span,
            broken: Vec::new(),
            failed: false,
        };
        let mut failed = false;
        for it in &block.items {
            match it {
                BlockItem::Assign(a) => {
                    failed |= self
                        .block_assign(&mut pv.fields, &mut pv.broken, a, env)
                        .is_err()
                }
                BlockItem::When { cond, span } => {
                    let menv = Env {
                        metrics: true,
                        ..env.clone()
                    };
                    match self.eval(cond, &menv) {
                        Ok(v) => {
                            if pv.when.is_some() {
                                self.err(
                                    CheckError::DuplicateField {
                                        field: "when".into(),
                                    },
                                    *span,
                                    "a second condition",
                                );
                                failed = true;
                            }
                            pv.when = Some(v);
                        }
                        Err(_) => {
                            pv.broken.push("when".into());
                            failed = true;
                        }
                    }
                }
                BlockItem::Phase { span, .. } => {
                    self.err(
                        CheckError::UnknownField {
                            name: name.name.clone(),
                            field: "phase".into(),
                        },
                        *span,
                        "phases do not nest",
                    );
                    failed = true;
                }
            }
        }
        pv.failed = failed;
        pv
    }
}
