//! Zero-padded, stride-phase-split copies of one image plane, so that every tap of a
//! depthwise convolution reads (or, for the input gradient, writes) one contiguous run of
//! exactly `wo` values, with no bounds logic and no strided access in the hot loops.
//!
//! Contract: padded column `c` (input column `c - pad`) of padded row `r` lives at
//! `(c % stride) * hp * wq + r * wq + c / stride`; the tap at column offset `off` for
//! outputs `0..wo` therefore starts at [`Padded::start`] and is contiguous. Padding cells
//! are zero and never written by [`Padded::fill`].

use super::common::Real;

/// Geometry of the padded, phase-split plane of one call.
#[derive(Clone, Debug)]
pub(crate) struct Padded {
    stride: usize,
    pad: usize,
    h: usize,
    w: usize,
    /// Padded height.
    hp: usize,
    /// Columns per stride phase.
    wq: usize,
    /// Offset of input column x inside a padded row (phase block + column in the phase).
    col: Vec<usize>,
}

impl Padded {
    pub fn new(h: usize, w: usize, stride: usize, pad: usize) -> Self {
        let (hp, wp) = (h + 2 * pad, w + 2 * pad);
        let wq = wp.div_ceil(stride);
        let col = (0..w)
            .map(|x| {
                let c = x + pad;
                (c % stride) * hp * wq + c / stride
            })
            .collect();
        Self {
            stride,
            pad,
            h,
            w,
            hp,
            wq,
            col,
        }
    }

    /// Columns per stride phase (the row pitch of the padded plane).
    pub fn wq(&self) -> usize {
        self.wq
    }

    /// Number of elements of a padded plane buffer.
    pub fn len(&self) -> usize {
        self.stride * self.hp * self.wq
    }

    /// Start of the run of a tap with column offset `off` (= kx * dilation) in padded row `r`.
    #[inline(always)]
    pub fn start(&self, r: usize, off: usize) -> usize {
        (off % self.stride) * self.hp * self.wq + r * self.wq + off / self.stride
    }

    /// Copies plane `xp` [h, w] into the interior of `buf`.
    #[inline(always)]
    pub fn fill<T: Real>(&self, buf: &mut [T], xp: &[T]) {
        for (y, row) in xp.chunks_exact(self.w).enumerate() {
            let base = (y + self.pad) * self.wq;
            if self.stride == 1 {
                buf[base + self.pad..base + self.pad + self.w].copy_from_slice(row);
            } else {
                for (&c, &v) in self.col.iter().zip(row) {
                    buf[base + c] = v;
                }
            }
        }
    }

    /// Copies `max(xp, 0)` into the interior of `buf` (a ReLU fused in front of the op).
    #[inline(always)]
    pub fn fill_relu<T: Real>(&self, buf: &mut [T], xp: &[T]) {
        let relu = |v: T| if v < T::ZERO { T::ZERO } else { v };
        for (y, row) in xp.chunks_exact(self.w).enumerate() {
            let base = (y + self.pad) * self.wq;
            if self.stride == 1 {
                let dst = &mut buf[base + self.pad..base + self.pad + self.w];
                for (d, &v) in dst.iter_mut().zip(row) {
                    *d = relu(v);
                }
            } else {
                for (&c, &v) in self.col.iter().zip(row) {
                    buf[base + c] = relu(v);
                }
            }
        }
    }

    /// Copies the interior of `buf` into plane `dx` [h, w] (the inverse of `fill`).
    #[inline(always)]
    pub fn extract<T: Real>(&self, dx: &mut [T], buf: &[T]) {
        for (y, row) in dx.chunks_exact_mut(self.w).enumerate() {
            let base = (y + self.pad) * self.wq;
            if self.stride == 1 {
                row.copy_from_slice(&buf[base + self.pad..base + self.pad + self.w]);
            } else {
                for (&c, v) in self.col.iter().zip(row) {
                    *v = buf[base + c];
                }
            }
        }
        debug_assert_eq!(dx.len(), self.h * self.w);
    }
}

/// The per-call tap geometry of a window op over padded planes.
pub(crate) struct Taps {
    pub k: usize,
    pub dil: usize,
    pub stride: usize,
    pub ho: usize,
    pub wo: usize,
    pub pad: Padded,
}

impl Taps {
    /// `k` x `k` taps with dilation, stride and padding from `(h, w)` input planes to
    /// `(ho, wo)` output planes.
    pub fn new(
        k: usize,
        dil: usize,
        stride: usize,
        pad: usize,
        input: (usize, usize),
        output: (usize, usize),
    ) -> Self {
        let ((h, w), (ho, wo)) = (input, output);
        Self {
            k,
            dil,
            stride,
            ho,
            wo,
            pad: Padded::new(h, w, stride, pad),
        }
    }

    /// Distance between output rows in the "flat" layout, where output (oy, ox) sits at
    /// `oy * pitch + ox`: then every tap reads one run of [`Taps::flat_len`] values for the
    /// whole plane (the `pitch - wo` columns between rows are scratch).
    pub fn pitch(&self) -> usize {
        self.stride * self.pad.wq()
    }

    pub fn flat_len(&self) -> usize {
        (self.ho - 1) * self.pitch() + self.wo
    }

    /// Whether the flat layout is worth it: fewer, longer loops in exchange for computing
    /// the scratch columns too. Measured on the DARTS sizes, even 2x extra work (stride 2:
    /// pitch ~ 2 wo) is faster than short per-row loops; beyond 3x use per-row runs.
    pub fn flat(&self) -> bool {
        self.pitch() <= 3 * self.wo
    }

    /// Calls `f(tap index, start of its whole-plane run)` in the flat layout.
    #[inline(always)]
    pub fn for_flat_taps(&self, f: impl FnMut(usize, usize)) {
        self.for_taps(0, f)
    }

    /// Calls `f(tap index ky*k + kx, start of its run in the padded plane)` for output row
    /// `oy`, in row-major tap order.
    #[inline(always)]
    pub fn for_taps(&self, oy: usize, mut f: impl FnMut(usize, usize)) {
        for ky in 0..self.k {
            let r = oy * self.stride + ky * self.dil;
            for kx in 0..self.k {
                f(ky * self.k + kx, self.pad.start(r, kx * self.dil));
            }
        }
    }
}

/// `out += wv * src` over equal lengths (vectorises: no bounds checks, unit stride).
#[inline(always)]
pub(crate) fn axpy<T: Real>(out: &mut [T], src: &[T], wv: T) {
    for (o, &v) in out.iter_mut().zip(src) {
        *o += wv * v;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// fill then extract is the identity, and taps land on the right input columns.
    #[test]
    fn fill_extract_round_trip_and_tap_positions() {
        for stride in [1, 2, 3] {
            let (h, w, pad) = (3, 5, 2);
            let p = Padded::new(h, w, stride, pad);
            let xp: Vec<f64> = (0..h * w).map(|i| i as f64 + 1.0).collect();
            let mut buf = vec![0.0; p.len()];
            p.fill(&mut buf, &xp);
            let mut back = vec![0.0; h * w];
            p.extract(&mut back, &buf);
            assert_eq!(back, xp);
            // Padded column c of padded row r holds input (r - pad, c - pad) or 0.
            for r in 0..h + 2 * pad {
                for c in 0..w + 2 * pad {
                    let want = match (r.checked_sub(pad), c.checked_sub(pad)) {
                        (Some(y), Some(x)) if y < h && x < w => xp[y * w + x],
                        _ => 0.0,
                    };
                    // Output j of a tap with offset off reads padded column j*stride + off.
                    let (j, off) = (c / stride, c % stride);
                    assert_eq!(buf[p.start(r, off) + j], want, "s{stride} r{r} c{c}");
                }
            }
        }
    }
}
