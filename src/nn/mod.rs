//! Networks on candle: ops built from IR primitives, cells, supernets, derivation, weight preservation.

pub mod kernels;
