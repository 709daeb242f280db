//! `nb201_lookup` stages: which cell they read (a derive stage's, on the NAS-Bench-201
//! space, or a fixed `nb201.arch(...)`), and their table, read and validated before the run
//! (a missing or malformed table, or a fixed cell the table lacks, is reported now, not after
//! an hour of search).
//!
//! Contract: on success the stage's `derive_from` names the derive stage (none for a fixed
//! cell) and `table_hash` holds the table's hash, so a changed table changes the stage.

use std::path::Path;

use nas_syntax::diagnostics::Diag;
use nas_tables::nb201::{Table, TableError};

use super::checked::CheckedStage;
use super::done::Done;
use super::error::CheckError;
use super::eval::{Eval, Fail, R};
use super::semantics::field_span;
use super::stages::{get_rec, get_str};
use super::value::V;

impl Eval<'_> {
    pub fn lookup_stage(&mut self, s: &mut CheckedStage, done: &Done) -> R<()> {
        let fixed = self.fixed_cell(s)?;
        if fixed.is_none() {
            s.derive_from = Some(self.nb201_derive(s, done)?);
        }
        let path = get_str(&s.rec, "table").ok_or(Fail)?.to_string();
        let table = Table::read(Path::new(&path)).map_err(|e| {
            let (problem, label) = match e {
                TableError::Unreadable { reason, .. } => (
                    CheckError::TableUnreadable {
                        path: path.clone(),
                        reason,
                    },
                    "this file",
                ),
                TableError::Malformed { line, reason, .. } => (
                    CheckError::TableMalformed {
                        path: path.clone(),
                        line,
                        reason,
                    },
                    "this table",
                ),
            };
            self.err(problem, field_span(s, "table"), label)
        })?;
        if let Some(arch) = fixed {
            if table.get(&arch).is_none() {
                return Err(self.err_help(
                    CheckError::CellNotInTable {
                        arch,
                        path: path.clone(),
                    },
                    field_span(s, "genotype"),
                    "not a row of the table",
                    format!("the table lists {} cells", table.len()),
                ));
            }
        }
        s.table_hash = Some(table.hash);
        Ok(())
    }

    /// The fixed cell's NB201 string, when the stage gives `genotype`.
    fn fixed_cell(&mut self, s: &CheckedStage) -> R<Option<String>> {
        let Some(g) = get_rec(&s.rec, "genotype") else {
            return Ok(None);
        };
        match g.get("arch").map(|a| &a.v) {
            Some(V::Str(arch)) if g.schema.name == "nb201_arch" => Ok(Some(arch.clone())),
            _ => Err(self.err_help(
                CheckError::NotNb201 {
                    stage: s.name.clone(),
                    found: "its genotype is a DARTS genotype".into(),
                },
                field_span(s, "genotype"),
                "not a NAS-Bench-201 cell",
                "give the cell in NAS-Bench-201's string form: `nb201.arch(\"|op~0|+...\")`",
            )),
        }
    }

    /// The derive stage the look-up reads; its search must be on the NB201 space.
    fn nb201_derive(&mut self, s: &CheckedStage, done: &Done) -> R<String> {
        let Some(derive) = self.producer(s, done, "derive") else {
            return Err(self.err_help(
                CheckError::NoProducer {
                    stage: s.name.clone(),
                    needs: "a derived cell (a `derive` stage)".into(),
                },
                s.span,
                "no cell to look up",
                "add `after <derive stage>`, or give `genotype = nb201.arch(\"...\")`",
            ));
        };
        let space = derive
            .derive_from
            .as_deref()
            .and_then(|name| done.named(name))
            .and_then(|search| search.net.as_ref())
            .map(|net| net.space.clone())
            .ok_or(Fail)?;
        if space.schema.name != "nb201_net" {
            let problem = CheckError::NotNb201 {
                stage: s.name.clone(),
                found: format!(
                    "`{}` derives a cell of a `{}` space",
                    derive.name, space.schema.name
                ),
            };
            return Err(self.report(
                Diag::error(problem, s.span, "this look-up")
                    .with_note(space.span, "the searched space is defined here")
                    .with_help("NAS-Bench-201 tables list cells of `nb201.network(...)` only"),
            ));
        }
        Ok(derive.name.clone())
    }
}
