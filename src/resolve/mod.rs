//! resolve (to be filled in).
