// Max and average pooling on the GPU, forward and backward: square window, stride,
// explicit padding; average pooling with count_include_pad = false. The same arithmetic as
// pool.rs (the CPU kernels), one thread per element produced; the backward kernels gather
// per input element, so no two threads write one place.

// Number of in-image taps of the window of output o along an axis of n positions.
__device__ __forceinline__ int nas_pool_span(int o, NasPool p, int n) {
    int lo = o * p.stride - p.pad;
    int hi = lo + p.k;
    lo = lo < 0 ? 0 : lo;
    hi = hi > n ? n : hi;
    return hi > lo ? hi - lo : 0;
}

// The divisor of output (oy, ox) of an average pool: its in-image taps (count_include_pad =
// false), at least 1 so that a window wholly in the padding gives 0, not NaN.
__device__ __forceinline__ int nas_pool_count(int oy, int ox, NasPool p) {
    int count = nas_pool_span(oy, p, p.h) * nas_pool_span(ox, p, p.w);
    return count > 0 ? count : 1;
}

// Position (iy * w + ix) of the first maximum of output (oy, ox)'s window in row-major tap
// order, or -1 when the window holds no value above -inf. A NaN wins once and then stays,
// as in the CPU kernel's argmax (and PyTorch's).
template <typename T>
__device__ int nas_pool_argmax(const T* xp, int oy, int ox, NasPool p) {
    T best = NasReal<T>::neg_inf();
    int at = -1;
    for (int ky = 0; ky < p.k; ++ky) {
        int iy = oy * p.stride + ky - p.pad;
        if (iy < 0 || iy >= p.h) continue;
        for (int kx = 0; kx < p.k; ++kx) {
            int ix = ox * p.stride + kx - p.pad;
            if (ix < 0 || ix >= p.w) continue;
            T v = xp[iy * p.w + ix];
            if (!(v <= best) && !(best != best)) {
                best = v;
                at = iy * p.w + ix;
            }
        }
    }
    return at;
}

// y[o] = max over the in-image taps of o's window (NaN propagates). One thread per output.
template <typename T>
__device__ void max_pool_fwd(const T* x, T* y, NasPool p) {
    long long i = nas_thread();
    if (i >= (long long)p.planes * p.ho * p.wo) return;
    int ox = (int)(i % p.wo);
    int oy = (int)(i / p.wo % p.ho);
    const T* xp = x + i / ((long long)p.ho * p.wo) * p.h * p.w;
    T best = NasReal<T>::neg_inf();
    for (int ky = 0; ky < p.k; ++ky) {
        int iy = oy * p.stride + ky - p.pad;
        if (iy < 0 || iy >= p.h) continue;
        for (int kx = 0; kx < p.k; ++kx) {
            int ix = ox * p.stride + kx - p.pad;
            if (ix < 0 || ix >= p.w) continue;
            T v = xp[iy * p.w + ix];
            best = (v > best || v != v) ? v : best;
        }
    }
    y[i] = best;
}
#define NAS_POOL_FWD_SIG(T) const T* x, T* y, NasPool p
NAS_KERNEL(max_pool_fwd, NAS_POOL_FWD_SIG, (x, y, p))

// dx[i] = sum of dy[o] over the windows o whose first maximum is i. One thread per input
// element; it recomputes the argmax of each window containing it (k^2 windows of k^2
// taps at stride 1) rather than reading stored indices.
template <typename T>
__device__ void max_pool_grad(const T* x, const T* dy, T* dx, NasPool p) {
    long long i = nas_thread();
    if (i >= (long long)p.planes * p.h * p.w) return;
    int ix = (int)(i % p.w);
    int iy = (int)(i / p.w % p.h);
    long long plane = i / ((long long)p.h * p.w);
    const T* xp = x + plane * p.h * p.w;
    const T* gp = dy + plane * p.ho * p.wo;
    T acc = T(0);
    for (int ky = 0; ky < p.k; ++ky) {
        int oy = nas_tap_output(iy, ky, p.stride, p.pad, 1, p.ho);
        if (oy < 0) continue;
        for (int kx = 0; kx < p.k; ++kx) {
            int ox = nas_tap_output(ix, kx, p.stride, p.pad, 1, p.wo);
            if (ox < 0) continue;
            if (nas_pool_argmax(xp, oy, ox, p) == iy * p.w + ix) acc += gp[oy * p.wo + ox];
        }
    }
    dx[i] = acc;
}
#define NAS_MAX_POOL_GRAD_SIG(T) const T* x, const T* dy, T* dx, NasPool p
NAS_KERNEL(max_pool_grad, NAS_MAX_POOL_GRAD_SIG, (x, dy, dx, p))

// y[o] = (sum of the in-image taps of o's window) / (their number). One thread per output.
template <typename T>
__device__ void avg_pool_fwd(const T* x, T* y, NasPool p) {
    long long i = nas_thread();
    if (i >= (long long)p.planes * p.ho * p.wo) return;
    int ox = (int)(i % p.wo);
    int oy = (int)(i / p.wo % p.ho);
    const T* xp = x + i / ((long long)p.ho * p.wo) * p.h * p.w;
    T acc = T(0);
    for (int ky = 0; ky < p.k; ++ky) {
        int iy = oy * p.stride + ky - p.pad;
        if (iy < 0 || iy >= p.h) continue;
        for (int kx = 0; kx < p.k; ++kx) {
            int ix = ox * p.stride + kx - p.pad;
            if (ix < 0 || ix >= p.w) continue;
            acc += xp[iy * p.w + ix];
        }
    }
    y[i] = acc / T(nas_pool_count(oy, ox, p));
}
NAS_KERNEL(avg_pool_fwd, NAS_POOL_FWD_SIG, (x, y, p))

// dx[i] = sum of dy[o] / count(o) over the windows o containing i. One thread per input
// element.
template <typename T>
__device__ void avg_pool_grad(const T* dy, T* dx, NasPool p) {
    long long i = nas_thread();
    if (i >= (long long)p.planes * p.h * p.w) return;
    int ix = (int)(i % p.w);
    int iy = (int)(i / p.w % p.h);
    const T* gp = dy + i / ((long long)p.h * p.w) * p.ho * p.wo;
    T acc = T(0);
    for (int ky = 0; ky < p.k; ++ky) {
        int oy = nas_tap_output(iy, ky, p.stride, p.pad, 1, p.ho);
        if (oy < 0) continue;
        for (int kx = 0; kx < p.k; ++kx) {
            int ox = nas_tap_output(ix, kx, p.stride, p.pad, 1, p.wo);
            if (ox < 0) continue;
            acc += gp[oy * p.wo + ox] / T(nas_pool_count(oy, ox, p));
        }
    }
    dx[i] = acc;
}
#define NAS_AVG_POOL_GRAD_SIG(T) const T* dy, T* dx, NasPool p
NAS_KERNEL(avg_pool_grad, NAS_AVG_POOL_GRAD_SIG, (dy, dx, p))
