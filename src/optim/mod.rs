//! optim (to be filled in).
