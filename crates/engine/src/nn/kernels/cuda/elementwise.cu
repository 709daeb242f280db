// ReLU, its gradient, and the strided pick of a factorized reduce (with its gradient) on
// the GPU: the same arithmetic as relu.rs (the CPU kernels), one thread per element.

// y = max(x, 0); a NaN stays NaN.
template <typename T>
__device__ void relu_fwd(const T* x, T* y, NasLen p) {
    long long i = nas_thread();
    if (i >= p.len) return;
    y[i] = nas_relu_if(x[i], 1);
}
#define NAS_RELU_FWD_SIG(T) const T* x, T* y, NasLen p
NAS_KERNEL(relu_fwd, NAS_RELU_FWD_SIG, (x, y, p))

// dx = dy where the output y is positive, else 0 (PyTorch's rule: no gradient at 0).
template <typename T>
__device__ void relu_grad(const T* dy, const T* y, T* dx, NasLen p) {
    long long i = nas_thread();
    if (i >= p.len) return;
    dx[i] = y[i] > T(0) ? dy[i] : T(0);
}
#define NAS_RELU_GRAD_SIG(T) const T* dy, const T* y, T* dx, NasLen p
NAS_KERNEL(relu_grad, NAS_RELU_GRAD_SIG, (dy, y, dx, p))

// y[.., oy, ox] = relu?(x[.., off + oy*s, off + ox*s]), zero past the edge. One thread per
// output.
template <typename T>
__device__ void pick_fwd(const T* x, T* y, NasPick p) {
    long long i = nas_thread();
    if (i >= (long long)p.planes * p.ho * p.wo) return;
    int ix = p.offset + (int)(i % p.wo) * p.stride;
    int iy = p.offset + (int)(i / p.wo % p.ho) * p.stride;
    long long plane = i / ((long long)p.ho * p.wo);
    y[i] = (iy < p.h && ix < p.w) ? nas_relu_if(x[(plane * p.h + iy) * p.w + ix], p.relu) : T(0);
}
#define NAS_PICK_FWD_SIG(T) const T* x, T* y, NasPick p
NAS_KERNEL(pick_fwd, NAS_PICK_FWD_SIG, (x, y, p))

// dx[.., iy, ix] = dy[.., oy, ox] where (iy, ix) = (off + oy*s, off + ox*s), else 0; also 0
// where x <= 0 (or NaN) after a fused ReLU. One thread per input element.
template <typename T>
__device__ void pick_grad(const T* dy, const T* x, T* dx, NasPick p) {
    long long i = nas_thread();
    if (i >= (long long)p.planes * p.h * p.w) return;
    int ox = nas_tap_output((int)(i % p.w), 0, p.stride, -p.offset, 1, p.wo);
    int oy = nas_tap_output((int)(i / p.w % p.h), 0, p.stride, -p.offset, 1, p.ho);
    long long plane = i / ((long long)p.h * p.w);
    bool masked = p.relu && !(x[i] > T(0));
    dx[i] = (ox < 0 || oy < 0 || masked) ? T(0) : dy[(plane * p.ho + oy) * p.wo + ox];
}
#define NAS_PICK_GRAD_SIG(T) const T* dy, const T* x, T* dx, NasPick p
NAS_KERNEL(pick_grad, NAS_PICK_GRAD_SIG, (dy, x, dx, p))
