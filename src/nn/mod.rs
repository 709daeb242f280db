//! nn (to be filled in).
