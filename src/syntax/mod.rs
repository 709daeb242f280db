//! syntax (to be filled in).
