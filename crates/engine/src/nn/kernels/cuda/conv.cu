// The data movement of the dense convolution on the GPU, around cuBLAS's products
// (batched.rs): im2col spreads the input under every window into columns, col2im gathers
// the columns' gradient back onto the input. The arithmetic of dense.rs (the CPU kernels),
// written one thread per element produced. The parameter block is NasDw with c = the input
// channels and relu = 0: the same window geometry as the depthwise kernels.

// cols[n][(c*k + ky)*k + kx][oy*wo + ox] = x[n, c, oy*s + ky*d - p, ox*s + kx*d - p], zero in
// the padding: cols is [n, c*k*k, ho*wo]. One thread per column element.
template <typename T>
__device__ void im2col(const T* x, T* cols, NasDw p) {
    long long i = nas_thread();
    long long hwo = (long long)p.ho * p.wo;
    if (i >= (long long)p.n * p.c * p.k * p.k * hwo) return;
    int ox = (int)(i % p.wo);
    int oy = (int)(i / p.wo % p.ho);
    long long row = i / hwo;
    int kx = (int)(row % p.k);
    int ky = (int)(row / p.k % p.k);
    long long plane = row / ((long long)p.k * p.k);
    int iy = oy * p.stride + ky * p.dil - p.pad;
    int ix = ox * p.stride + kx * p.dil - p.pad;
    T v = T(0);
    if (iy >= 0 && iy < p.h && ix >= 0 && ix < p.w) v = x[plane * p.h * p.w + iy * p.w + ix];
    cols[i] = v;
}
#define NAS_IM2COL_SIG(T) const T* x, T* cols, NasDw p
NAS_KERNEL(im2col, NAS_IM2COL_SIG, (x, cols, p))

// dx[n,c,iy,ix] = sum of dcols[n][(c*k + ky)*k + kx][oy*wo + ox] over the taps (ky,kx) and
// outputs (oy,ox) that read (iy,ix). One thread per input element, gathering instead of
// scattering, so no two threads write one place.
template <typename T>
__device__ void col2im(const T* dcols, T* dx, NasDw p) {
    long long i = nas_thread();
    if (i >= (long long)p.n * p.c * p.h * p.w) return;
    int ix = (int)(i % p.w);
    int iy = (int)(i / p.w % p.h);
    long long plane = i / ((long long)p.h * p.w);
    long long hwo = (long long)p.ho * p.wo;
    const T* base = dcols + plane * p.k * p.k * hwo;
    T acc = T(0);
    for (int ky = 0; ky < p.k; ++ky) {
        int oy = nas_tap_output(iy, ky, p.stride, p.pad, p.dil, p.ho);
        if (oy < 0) continue;
        for (int kx = 0; kx < p.k; ++kx) {
            int ox = nas_tap_output(ix, kx, p.stride, p.pad, p.dil, p.wo);
            if (ox < 0) continue;
            acc += base[(ky * p.k + kx) * hwo + oy * p.wo + ox];
        }
    }
    dx[i] = acc;
}
#define NAS_COL2IM_SIG(T) const T* dcols, T* dx, NasDw p
NAS_KERNEL(col2im, NAS_COL2IM_SIG, (dcols, dx, p))
