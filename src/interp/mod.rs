//! interp (to be filled in).
