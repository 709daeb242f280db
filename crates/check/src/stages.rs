//! Pipeline checks: stage kinds and fields, the stage graph (unknown references, cycles,
//! missing producers, execution order) and per-kind rules (phases, batch sizes, options
//! that do nothing in context).

use std::collections::HashMap;
use std::rc::Rc;

use super::builtins::{self, Kind, PHASE};
use super::checked::*;
use super::done::Done;
use super::error::CheckError;
use super::eval::{Eval, Fail, R};
use super::records::Given;
use super::value::*;
use nas_syntax::diagnostics::{suggest, Diag};
use nas_syntax::source::Span;

fn rec_of(v: &Val) -> Option<Rc<Rec>> {
    match &v.v {
        V::Rec(r) => Some(r.clone()),
        _ => None,
    }
}

pub fn get_int(r: &Rec, f: &str) -> Option<i64> {
    r.get(f).and_then(|v| v.v.as_int())
}

pub fn get_f64(r: &Rec, f: &str) -> Option<f64> {
    r.get(f).and_then(|v| v.v.as_f64())
}

pub fn get_rec(r: &Rec, f: &str) -> Option<Rc<Rec>> {
    r.get(f).and_then(rec_of)
}

pub fn get_str<'r>(r: &'r Rec, f: &str) -> Option<&'r str> {
    r.get(f).and_then(|v| v.v.as_str())
}

impl<'a> Eval<'a> {
    /// Check an evaluated pipeline and put its stages in execution order. A pipeline that
    /// failed in parts is checked as far as the rest allows (every stage's fields, then
    /// the graph and rules of the stages that do not depend on a failed one), and `Err`.
    pub fn finish_pipeline(&mut self, pv: &PipeVal) -> R<CheckedPipeline> {
        let mut failed = pv.failed;
        let data = match pv.binding("data") {
            Some(v) => self
                .conform(
                    v.clone(),
                    builtins::Ty::Rec(Kind::Dataset),
                    builtins::Range::Any,
                    "data",
                )
                .ok(),
            None if pv.base_failed || pv.broken.iter().any(|b| b == "data") => None,
            None => {
                self.err_help(
                    CheckError::MissingField {
                        name: pv.name.clone(),
                        field: "data".into(),
                    },
                    pv.span,
                    "this pipeline has no dataset",
                    "add `data = data.digits()` (after `import std.data`)",
                );
                None
            }
        };
        let data_span = data.as_ref().map(|d| d.span);
        let data = data.as_ref().and_then(rec_of);
        failed |= data.is_none();
        let seed = match pv.binding("seed") {
            Some(v) => match self.conform(
                v.clone(),
                builtins::Ty::Int,
                builtins::Range::Min(0),
                "seed",
            ) {
                Ok(v) => v.v.as_int().unwrap_or(0) as u64,
                Err(_) => {
                    failed = true;
                    0
                }
            },
            None => 0,
        };
        let mut stages = Vec::new();
        let mut absent = std::collections::HashSet::new();
        for s in &pv.stages {
            match self.stage_fields(pv, s) {
                Ok(cs) if !s.failed => stages.push(cs),
                _ => {
                    absent.insert(s.name.name.clone());
                    failed = true;
                }
            }
        }
        // without its base, a pipeline's stage references and rules cannot be judged
        if pv.base_failed {
            return Err(Fail);
        }
        let stages = self.order(pv, stages, &absent)?;
        let (Some(data), Some(data_span)) = (data, data_span) else {
            return Err(Fail);
        };
        let mut done = Done::with_capacity(stages.len());
        for mut s in stages {
            if s.after.iter().any(|a| absent.contains(a)) {
                // it needs a stage that failed: its own rules would only echo that
                absent.insert(s.name.clone());
                continue;
            }
            match self.stage_semantics(&mut s, &done, &data, pv) {
                Ok(()) => done.push(s),
                Err(_) => {
                    absent.insert(s.name.clone());
                    failed = true;
                }
            }
        }
        if failed {
            return Err(Fail);
        }
        Ok(CheckedPipeline {
            name: pv.name.clone(),
            seed,
            data,
            data_span,
            stages: done.into_vec(),
            span: pv.span,
            call: pv.call,
        })
    }

    /// Kind, fields (explicit, inherited from pipeline bindings, defaults) and phases.
    fn stage_fields(&mut self, pv: &PipeVal, s: &StageVal) -> R<CheckedStage> {
        let Some(schema) = builtins::stage_kind(&s.kind.name) else {
            let help = suggest(&s.kind.name, builtins::STAGES.iter().map(|k| k.name));
            return Err(self.err_help(
                CheckError::UnknownStageKind {
                    kind: s.kind.name.clone(),
                },
                s.kind.span,
                "not a stage kind",
                help,
            ));
        };
        let mut given: Vec<Given> = s
            .fields
            .iter()
            .map(|(n, v)| (Some(n.clone()), v.clone()))
            .collect();
        let mut broken = s.broken.clone();
        for inherit in ["space", "views", "augment"] {
            if schema.field(inherit).is_some() && !s.fields.iter().any(|(n, _)| n.name == inherit) {
                let unknown = pv.base_failed || pv.broken.iter().any(|b| b == inherit);
                if pv.binding(inherit).is_none() && unknown {
                    broken.push(inherit.to_string());
                }
                if let Some(v) = pv.binding(inherit) {
                    given.push((
                        Some(Named {
                            name: inherit.into(),
                            span: v.span,
                        }),
                        v.clone(),
                    ));
                }
            }
        }
        let rec = self.assemble_partial(schema, given, s.kind.span, false, &broken);
        let phases = self.stage_phases(schema.name, s);
        let (rec, phases) = (rec?, phases?);
        Ok(CheckedStage {
            name: s.name.name.clone(),
            kind: schema.name,
            after: s.after.iter().map(|a| a.name.clone()).collect(),
            rec,
            phases,
            net: None,
            derive_from: None,
            table_hash: None,
            span: s.name.span,
        })
    }

    /// The phases of a stage, checked against the phase schema (search stages only).
    fn stage_phases(&mut self, kind: &str, s: &StageVal) -> R<Vec<CheckedPhase>> {
        let mut failed = false;
        if let Some(first) = s.phases.first().filter(|_| kind != "ssl_search") {
            let e = CheckError::UnknownField {
                name: kind.into(),
                field: "phase".into(),
            };
            self.err(e, first.span, "only search stages have phases");
            failed = true;
        }
        let mut phases = Vec::with_capacity(s.phases.len());
        for p in &s.phases {
            let given = p
                .fields
                .iter()
                .map(|(n, v)| (Some(n.clone()), v.clone()))
                .collect();
            match self.assemble_partial(&PHASE, given, p.name.span, false, &p.broken) {
                Ok(rec) if !p.failed => {
                    let name = p.name.name.clone();
                    phases.push(CheckedPhase {
                        name,
                        rec,
                        when: p.when.clone(),
                        epochs: 0,
                        span: p.name.span,
                    });
                }
                _ => failed = true,
            }
        }
        if failed {
            Err(Fail)
        } else {
            Ok(phases)
        }
    }

    /// Resolve references between stages and order them (declaration order among ready ones).
    /// Stages named in `absent` failed: references to them are not reported again.
    fn order(
        &mut self,
        pv: &PipeVal,
        mut stages: Vec<CheckedStage>,
        absent: &std::collections::HashSet<String>,
    ) -> R<Vec<CheckedStage>> {
        let index: HashMap<String, usize> = stages
            .iter()
            .enumerate()
            .map(|(i, s)| (s.name.clone(), i))
            .collect();
        self.stage_refs(pv, &mut stages, &index, absent)?;
        match topological(&stages, &index) {
            Ok(order) => {
                let mut slots: Vec<Option<CheckedStage>> = stages.into_iter().map(Some).collect();
                Ok(order.into_iter().filter_map(|i| slots[i].take()).collect())
            }
            Err(indeg) => Err(self.report_cycle(&stages, &index, &indeg)),
        }
    }

    /// Check every stage reference (`after`, `from`, `init = from(...)`) and record the
    /// implicit ones as dependencies.
    fn stage_refs(
        &mut self,
        pv: &PipeVal,
        stages: &mut [CheckedStage],
        index: &HashMap<String, usize>,
        absent: &std::collections::HashSet<String>,
    ) -> R<()> {
        let mut failed = false;
        let names: Vec<String> = pv.stages.iter().map(|s| s.name.name.clone()).collect();
        for s in stages.iter_mut() {
            let Some(src) = pv.stages.iter().find(|v| v.name.name == s.name) else {
                continue;
            };
            let mut refs: Vec<(String, Span)> =
                src.after.iter().map(|a| (a.name.clone(), a.span)).collect();
            if let Some(f) = s.rec.get("from").filter(|v| !v.v.is_none()) {
                refs.push((f.v.as_str().unwrap_or("").to_string(), f.span));
            }
            let init = s
                .rec
                .get("init")
                .and_then(rec_of)
                .filter(|r| r.schema.name == "from");
            if let Some(st) = init.as_ref().and_then(|i| i.get("stage")) {
                refs.push((st.v.as_str().unwrap_or("").to_string(), st.span));
            }
            for (r, span) in refs {
                if absent.contains(&r) {
                    if !s.after.contains(&r) {
                        s.after.push(r);
                    }
                } else if !index.contains_key(&r) {
                    let help = suggest(&r, names.iter().map(String::as_str));
                    self.err_help(
                        CheckError::UnknownStage { name: r.clone() },
                        span,
                        "no stage of this name",
                        help,
                    );
                    failed = true;
                } else if !s.after.contains(&r) {
                    s.after.push(r);
                }
            }
        }
        if failed {
            Err(Fail)
        } else {
            Ok(())
        }
    }

    fn report_cycle(
        &mut self,
        stages: &[CheckedStage],
        index: &HashMap<String, usize>,
        indeg: &[usize],
    ) -> Fail {
        // Walk `after` edges among unfinished stages until a stage repeats.
        let Some(start) = (0..stages.len()).find(|i| indeg[*i] > 0) else {
            return Fail;
        };
        let mut path = vec![start];
        let mut cur = start;
        for _ in 0..=stages.len() {
            let next = stages[cur]
                .after
                .iter()
                .filter_map(|a| index.get(a).copied())
                .find(|j| indeg[*j] > 0);
            let Some(next) = next else { break };
            if let Some(pos) = path.iter().position(|p| *p == next) {
                let cyc: Vec<String> = path[pos..]
                    .iter()
                    .chain(std::iter::once(&next))
                    .map(|i| format!("`{}`", stages[*i].name))
                    .collect();
                let first = stages[path[pos]].span;
                return self.report(
                    Diag::error(
                        CheckError::StageCycle {
                            chain: cyc.join(" runs after "),
                        },
                        first,
                        "this stage waits for itself",
                    )
                    .with_help("remove one of the `after` references in the cycle"),
                );
            }
            path.push(next);
            cur = next;
        }
        Fail
    }

    /// The stage that feeds `s` among `done`: `from` if given, else the nearest earlier
    /// stage of kind `kind` in its `after` list, else the only such stage before it.
    pub fn producer<'d>(
        &self,
        s: &CheckedStage,
        done: &'d Done,
        kind: &str,
    ) -> Option<&'d CheckedStage> {
        let of_kind = |name: &str| done.named(name).filter(|d| d.kind == kind);
        if let Some(f) = get_str(&s.rec, "from") {
            return of_kind(f);
        }
        if let Some(d) = s.after.iter().rev().find_map(|a| of_kind(a)) {
            return Some(d);
        }
        done.only_of_kind(kind)
    }
}

/// Kahn's algorithm, declaration order among ready stages; on a cycle, the remaining
/// in-degrees (non-zero for the stages on or behind the cycle).
fn topological(
    stages: &[CheckedStage],
    index: &HashMap<String, usize>,
) -> Result<Vec<usize>, Vec<usize>> {
    let n = stages.len();
    let mut indeg = vec![0usize; n];
    let mut users: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, s) in stages.iter().enumerate() {
        for j in s.after.iter().filter_map(|a| index.get(a)) {
            indeg[i] += 1;
            users[*j].push(i);
        }
    }
    let mut ready: std::collections::BTreeSet<usize> = (0..n).filter(|i| indeg[*i] == 0).collect();
    let mut order = Vec::with_capacity(n);
    while let Some(i) = ready.pop_first() {
        order.push(i);
        for &u in &users[i] {
            indeg[u] -= 1;
            if indeg[u] == 0 {
                ready.insert(u);
            }
        }
    }
    if order.len() < n {
        Err(indeg)
    } else {
        Ok(order)
    }
}
