//! check (to be filled in).
