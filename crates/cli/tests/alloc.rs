//! The counting allocator of `nas bench`: live and peak bytes follow the allocations of the
//! process that installs it. A test binary of its own: the counter is process-wide, and
//! other tests running beside it would move it (this test alone installs the allocator).

use nas_cli::bench::alloc::{installed, live_bytes, peak_bytes, reset_peak, Counting};

#[global_allocator]
static ALLOC: Counting = Counting;

#[test]
fn live_and_peak_bytes_follow_allocations_and_frees() {
    let _warm = String::from("allocates on the heap");
    assert!(installed());
    // Other test threads may allocate meanwhile, so compare with slack, not exactly.
    let before = live_bytes();
    reset_peak();
    let big: Vec<u8> = vec![1; 64 << 20];
    let during = live_bytes();
    assert!(
        during >= before + (64 << 20) - (1 << 20),
        "{before} -> {during}"
    );
    drop(big);
    let after = live_bytes();
    assert!(after + (63 << 20) <= during, "{during} -> {after}");
    assert!(peak_bytes() >= before + (64 << 20) - (1 << 20));
    // realloc moves the count with the block
    let mut v: Vec<u8> = Vec::with_capacity(1 << 20);
    let small = live_bytes();
    v.reserve_exact(32 << 20);
    assert!(live_bytes() >= small + (31 << 20));
    drop(v);
}
