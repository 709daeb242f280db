//! data (to be filled in).
