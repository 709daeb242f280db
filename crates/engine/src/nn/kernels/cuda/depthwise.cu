// Depthwise convolution on the GPU: forward, input gradient and weight gradient, any k,
// stride, dilation and padding, with or without a ReLU fused in front. The same arithmetic
// as depthwise.rs (the CPU kernels), written one thread per element it produces.

// y[n,c,oy,ox] = sum_{ky,kx} w[c,ky,kx] * relu?(x[n,c,oy*s+ky*d-p, ox*s+kx*d-p]); taps in
// the padding add nothing. One thread per output element.
template <typename T>
__device__ void dw_fwd(const T* x, const T* w, T* y, NasDw p) {
    long long i = nas_thread();
    if (i >= (long long)p.n * p.c * p.ho * p.wo) return;
    int ox = (int)(i % p.wo);
    int oy = (int)(i / p.wo % p.ho);
    long long plane = i / ((long long)p.ho * p.wo);
    const T* xp = x + plane * p.h * p.w;
    const T* wk = w + (plane % p.c) * p.k * p.k;
    T acc = T(0);
    for (int ky = 0; ky < p.k; ++ky) {
        int iy = oy * p.stride + ky * p.dil - p.pad;
        if (iy < 0 || iy >= p.h) continue;
        for (int kx = 0; kx < p.k; ++kx) {
            int ix = ox * p.stride + kx * p.dil - p.pad;
            if (ix < 0 || ix >= p.w) continue;
            acc += wk[ky * p.k + kx] * nas_relu_if(xp[iy * p.w + ix], p.relu);
        }
    }
    y[i] = acc;
}
#define NAS_DW_FWD_SIG(T) const T* x, const T* w, T* y, NasDw p
NAS_KERNEL(dw_fwd, NAS_DW_FWD_SIG, (x, w, y, p))

// dx[n,c,iy,ix] = sum of w[c,ky,kx] * dy[n,c,oy,ox] over the taps (ky,kx) and outputs
// (oy,ox) that read (iy,ix); zero where x <= 0 (or NaN) after a fused ReLU. One thread per
// input element, gathering instead of scattering, so no two threads write one place.
template <typename T>
__device__ void dw_grad_input(const T* dy, const T* w, const T* x, T* dx, NasDw p) {
    long long i = nas_thread();
    if (i >= (long long)p.n * p.c * p.h * p.w) return;
    if (p.relu && !(x[i] > T(0))) {
        dx[i] = T(0);
        return;
    }
    int ix = (int)(i % p.w);
    int iy = (int)(i / p.w % p.h);
    long long plane = i / ((long long)p.h * p.w);
    const T* gp = dy + plane * p.ho * p.wo;
    const T* wk = w + (plane % p.c) * p.k * p.k;
    T acc = T(0);
    for (int ky = 0; ky < p.k; ++ky) {
        int oy = nas_tap_output(iy, ky, p.stride, p.pad, p.dil, p.ho);
        if (oy < 0) continue;
        for (int kx = 0; kx < p.k; ++kx) {
            int ox = nas_tap_output(ix, kx, p.stride, p.pad, p.dil, p.wo);
            if (ox < 0) continue;
            acc += wk[ky * p.k + kx] * gp[oy * p.wo + ox];
        }
    }
    dx[i] = acc;
}
#define NAS_DW_GRAD_INPUT_SIG(T) const T* dy, const T* w, const T* x, T* dx, NasDw p
NAS_KERNEL(dw_grad_input, NAS_DW_GRAD_INPUT_SIG, (dy, w, x, dx, p))

// dw[c,ky,kx] = sum_{n,oy,ox} dy[n,c,oy,ox] * relu?(x[n,c,oy*s+ky*d-p, ox*s+kx*d-p]).
// One thread per weight, looping over the batch and the output plane: simple, and checked
// on the CPU in CI. A block reduction (threads over n*oy*ox, a shared-memory tree per
// weight) would be much faster on large planes; it belongs with the GPU check, where its
// result can be compared with this one.
template <typename T>
__device__ void dw_grad_weight(const T* x, const T* dy, T* dw, NasDw p) {
    long long i = nas_thread();
    if (i >= (long long)p.c * p.k * p.k) return;
    int kx = (int)(i % p.k);
    int ky = (int)(i / p.k % p.k);
    int ch = (int)(i / ((long long)p.k * p.k));
    T acc = T(0);
    for (int n = 0; n < p.n; ++n) {
        long long plane = (long long)n * p.c + ch;
        const T* xp = x + plane * p.h * p.w;
        const T* gp = dy + plane * p.ho * p.wo;
        for (int oy = 0; oy < p.ho; ++oy) {
            int iy = oy * p.stride + ky * p.dil - p.pad;
            if (iy < 0 || iy >= p.h) continue;
            for (int ox = 0; ox < p.wo; ++ox) {
                int ix = ox * p.stride + kx * p.dil - p.pad;
                if (ix < 0 || ix >= p.w) continue;
                acc += gp[oy * p.wo + ox] * nas_relu_if(xp[iy * p.w + ix], p.relu);
            }
        }
    }
    dw[i] = acc;
}
#define NAS_DW_GRAD_WEIGHT_SIG(T) const T* x, const T* dy, T* dw, NasDw p
NAS_KERNEL(dw_grad_weight, NAS_DW_GRAD_WEIGHT_SIG, (x, dy, dw, p))
