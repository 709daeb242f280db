//! The stages of a pipeline checked so far, in execution order, indexed by name and by kind,
//! so that finding the stage that feeds another (its producer) is a lookup, not a scan of
//! every earlier stage: a chain of 120,000 stages was quadratic.

use std::collections::HashMap;
use std::ops::Deref;

use crate::checked::CheckedStage;

#[derive(Debug, Default)]
pub struct Done {
    stages: Vec<CheckedStage>,
    by_name: HashMap<String, usize>,
    by_kind: HashMap<&'static str, Vec<usize>>,
}

impl Done {
    pub fn with_capacity(n: usize) -> Self {
        Done {
            stages: Vec::with_capacity(n),
            ..Done::default()
        }
    }

    pub fn push(&mut self, s: CheckedStage) {
        let i = self.stages.len();
        self.by_name.insert(s.name.clone(), i);
        self.by_kind.entry(s.kind).or_default().push(i);
        self.stages.push(s);
    }

    /// The checked stage called `name` (stage names are unique in a pipeline).
    pub fn named(&self, name: &str) -> Option<&CheckedStage> {
        self.by_name.get(name).map(|&i| &self.stages[i])
    }

    /// The only checked stage of `kind`, if there is exactly one.
    pub fn only_of_kind(&self, kind: &str) -> Option<&CheckedStage> {
        match self.by_kind.get(kind).map(Vec::as_slice) {
            Some([i]) => Some(&self.stages[*i]),
            _ => None,
        }
    }

    pub fn into_vec(self) -> Vec<CheckedStage> {
        self.stages
    }
}

impl Deref for Done {
    type Target = [CheckedStage];

    fn deref(&self) -> &[CheckedStage] {
        &self.stages
    }
}
