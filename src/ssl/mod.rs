//! ssl (to be filled in).
