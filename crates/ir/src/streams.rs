//! The random streams of a run: one table, every stream named, every seed derived from the
//! pipeline seed (or from a seed the pipeline lists) in one way.
//!
//! candle's CPU backend cannot be seeded, so every random decision of a run comes from a
//! ChaCha8 generator seeded here. Two uses never share a stream: before this table the three
//! data picks of a stage (the `limit` subset, the labelled subset, the validation split) were
//! all seeded with the raw pipeline seed and so shuffled each class the same way.
//!
//! | stream | root seed | drives | used in |
//! |---|---|---|---|
//! | `data.limit` | pipeline | the class-balanced `limit` subset of the training images | every stage that loads data |
//! | `data.labels` | pipeline | which training images keep their labels (`labels = 10%`) | finetune, train, linear_eval, knn |
//! | `data.val` | pipeline | the validation split of the labelled images | finetune, train, linear_eval |
//! | `search.split` | pipeline | the weight / architecture halves of the search data | ssl_search, ssl_train |
//! | `search.init` | pipeline | the supernet's initial weights | ssl_search, ssl_train, and every stage that rebuilds the supernet |
//! | `search.weight_data` | pipeline | order and views of the weight-step batches | ssl_search, ssl_train |
//! | `search.arch_data` | pipeline | order and views of the architecture-step batches | ssl_search |
//! | `search.sample` | pipeline | path sampling and drop-path of the search steps | ssl_search, ssl_train |
//! | `derive.init` | pipeline | tensors of the derived network that the supernet lacks | derive |
//! | `derive.check` | pipeline | the fixed batch on which derive compares supernet and derived network | derive |
//! | `train.init` | stage seed (knn: pipeline) | the initial weights of an evaluation stage's network, before any `init` weights are loaded | finetune, train, linear_eval, knn |
//! | `train.steps` | stage seed | dropout and drop-path of the training steps | finetune, train, linear_eval |
//! | `train.data` | stage seed | order and views of the training batches | finetune, train, linear_eval |
//! | `eval.data` | stage seed (knn: pipeline) | the evaluation loaders' stream (they do not shuffle or augment) | finetune, train, linear_eval, knn |
//! | `loader.order` | a loader's stream | the shuffle of each epoch | every loader |
//! | `loader.augment` | a loader's stream | the views of each image (one ChaCha stream per image) | every loader |
//!
//! The stage seed is one of the `seeds` of a supervised stage (`seeds = [0, 1, 2]`; `knn`
//! has none and uses the pipeline seed); a loader's stream is the `*.data` stream it was
//! built with.
//!
//! Contract: `seed(root, stream)` is a pure function of its arguments, fixed by the stream's
//! name (renaming a stream changes every result that uses it, so names are never reused).
//! The mixing is SplitMix64 (Steele et al. 2014), whose output for neighbouring inputs is
//! uncorrelated, so seeds 0, 1, 2 give unrelated streams.

use crate::fnv::fnv1a;

/// A named random stream (see the table above).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stream {
    DataLimit,
    DataLabels,
    DataVal,
    SearchSplit,
    SearchInit,
    SearchWeightData,
    SearchArchData,
    SearchSample,
    DeriveInit,
    DeriveCheck,
    TrainInit,
    TrainSteps,
    TrainData,
    EvalData,
    LoaderOrder,
    LoaderAugment,
}

impl Stream {
    /// Every stream, in the table's order.
    pub const ALL: [Stream; 16] = [
        Stream::DataLimit,
        Stream::DataLabels,
        Stream::DataVal,
        Stream::SearchSplit,
        Stream::SearchInit,
        Stream::SearchWeightData,
        Stream::SearchArchData,
        Stream::SearchSample,
        Stream::DeriveInit,
        Stream::DeriveCheck,
        Stream::TrainInit,
        Stream::TrainSteps,
        Stream::TrainData,
        Stream::EvalData,
        Stream::LoaderOrder,
        Stream::LoaderAugment,
    ];

    /// The stream's name in the table; it fixes the stream's seeds.
    pub const fn name(self) -> &'static str {
        match self {
            Stream::DataLimit => "data.limit",
            Stream::DataLabels => "data.labels",
            Stream::DataVal => "data.val",
            Stream::SearchSplit => "search.split",
            Stream::SearchInit => "search.init",
            Stream::SearchWeightData => "search.weight_data",
            Stream::SearchArchData => "search.arch_data",
            Stream::SearchSample => "search.sample",
            Stream::DeriveInit => "derive.init",
            Stream::DeriveCheck => "derive.check",
            Stream::TrainInit => "train.init",
            Stream::TrainSteps => "train.steps",
            Stream::TrainData => "train.data",
            Stream::EvalData => "eval.data",
            Stream::LoaderOrder => "loader.order",
            Stream::LoaderAugment => "loader.augment",
        }
    }
}

/// The seed of `stream` under `root` (the pipeline seed, a stage seed, or a loader's stream
/// seed: see the table).
pub fn seed(root: u64, stream: Stream) -> u64 {
    splitmix64(root ^ splitmix64(fnv1a(stream.name().as_bytes())))
}

/// SplitMix64's output function: a bijection of u64 with good avalanche.
fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn names_are_unique_and_every_stream_is_listed() {
        let names: HashSet<_> = Stream::ALL.iter().map(|s| s.name()).collect();
        assert_eq!(names.len(), Stream::ALL.len());
        let doc = include_str!("streams.rs");
        for s in Stream::ALL {
            assert!(
                doc.contains(&format!("| `{}` |", s.name())),
                "{} is missing from the table",
                s.name()
            );
        }
    }

    #[test]
    fn streams_and_roots_give_distinct_seeds() {
        let mut seen = HashSet::new();
        for root in 0..64u64 {
            for s in Stream::ALL {
                assert!(
                    seen.insert(seed(root, s)),
                    "collision at {root} {}",
                    s.name()
                );
            }
        }
    }

    #[test]
    fn seeds_are_fixed_by_name() {
        // Published values pin the two functions: a change here changes every result.
        assert_eq!(splitmix64(0), 0xe220_a839_7b1d_cdaf);
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }
}
