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
        };
        let mut pv = PipeVal {
            name: p.name.name.clone(),
            bindings: Vec::new(),
            stages: Vec::new(),
            span: p.name.span,
        };
        let mut base_stages = 0;
        if let Some(b) = &p.base {
            let bv = self.eval(b, &env)?;
            let V::Pipeline(base) = &bv.v else {
                return Err(self.mismatch("a pipeline", &bv.v, bv.span));
            };
            pv.bindings = base.bindings.clone();
            pv.stages = base.stages.clone();
            base_stages = pv.stages.len();
            for (n, v, _) in &base.bindings {
                env.locals.push((n.clone(), v.clone()));
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
        let mut failed = false;
        for item in &p.items {
            let ok = match item {
                PipeItem::Assign(a) if a.path.len() == 1 => {
                    self.warn_self_assignment(a, base_names.as_slice());
                    match self.eval(&a.value, &env) {
                        Ok(v) => {
                            env.locals.push((a.path[0].name.clone(), v.clone()));
                            pv.bindings
                                .push((a.path[0].name.clone(), v, a.path[0].span));
                            true
                        }
                        Err(_) => false,
                    }
                }
                PipeItem::Assign(a) => self.override_field(&mut pv, a, &env).is_ok(),
                PipeItem::Stage(s) => match self.stage(s, &env) {
                    Ok(sv) => self
                        .add_stage(&mut pv, &mut positions, sv, base_stages)
                        .is_ok(),
                    Err(_) => false,
                },
            };
            failed |= !ok;
        }
        if failed {
            return Err(Fail);
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

    /// `stage.field = v` or `stage.phase.field = v`.
    fn override_field(&mut self, pv: &mut PipeVal, a: &Assign, env: &Env) -> R<()> {
        let v = self.eval(&a.value, env)?;
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
        let fields = match a.path.len() {
            2 => &mut stage.fields,
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
                &mut phase.fields
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
        fields.push((field, v));
        Ok(())
    }

    /// Evaluate a stage declaration's fields and phases (not yet checked against its kind).
    fn stage(&mut self, s: &StageDecl, env: &Env) -> R<StageVal> {
        let mut sv = StageVal {
            name: named(&s.name),
            kind: named(&s.kind),
            fields: Vec::new(),
            phases: Vec::new(),
            after: s.after.iter().map(named).collect(),
            span: s.span,
        };
        let mut failed = false;
        for a in &s.args {
            match &a.name {
                Some(n) => match self.eval(&a.value, env) {
                    Ok(v) => failed |= self.push_field(&mut sv.fields, named(n), v).is_err(),
                    Err(_) => failed = true,
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
                        failed |= self.block_assign(&mut sv.fields, a, env).is_err()
                    }
                    BlockItem::Phase { name, block, span } => match self
                        .phase(name, block, *span, env)
                    {
                        Ok(p) => {
                            if let Some(first) = sv.phases.iter().find(|q| q.name.name == name.name)
                            {
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
                        Err(_) => failed = true,
                    },
                    BlockItem::When { cond, .. } => {
                        self.err_help(CheckError::MisplacedWhen, cond.span, "not inside a phase", "put it in a phase: `phase search { max_epochs = 50, when loss < 0.5 }`");
                        failed = true;
                    }
                }
            }
        }
        if failed {
            return Err(Fail);
        }
        Ok(sv)
    }

    fn block_assign(&mut self, fields: &mut Vec<(Named, Val)>, a: &Assign, env: &Env) -> R<()> {
        match a.path.as_slice() {
            [field] => {
                let v = self.eval(&a.value, env)?;
                self.push_field(fields, named(field), v)
            }
            [first, second, ..] => Err(self.err_help(
                CheckError::UnknownField {
                    name: first.name.clone(),
                    field: second.name.clone(),
                },
                second.span,
                "dotted fields only override stages of a pipeline",
                "write the field directly: `batch = 32`",
            )),
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

    fn phase(&mut self, name: &Ident, block: &Block, span: Span, env: &Env) -> R<PhaseVal> {
        let mut pv = PhaseVal {
            name: named(name),
            fields: Vec::new(),
            when: None,
            span,
        };
        let mut failed = false;
        for it in &block.items {
            match it {
                BlockItem::Assign(a) => {
                    failed |= self.block_assign(&mut pv.fields, a, env).is_err()
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
                        Err(_) => failed = true,
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
        if failed {
            return Err(Fail);
        }
        Ok(pv)
    }
}
