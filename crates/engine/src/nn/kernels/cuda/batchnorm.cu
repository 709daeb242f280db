// Training-mode batch norm on the GPU over x [n, c, m] (m = h * w): per-channel statistics,
// normalisation with the affine transform, and the backward (gradient sums, input
// gradient). The same arithmetic as batchnorm.rs (the CPU kernels).
//
// The two reductions (statistics, gradient sums) run one thread per channel looping over
// all n * m elements of it: simple, and checked on the CPU in CI, but only c threads wide.
// A block reduction per channel (a shared-memory tree, or warp shuffles) would be much
// faster; it belongs with the GPU check, where it can be compared with this one.

// st[0][ch] = mean, st[1][ch] = biased variance of channel ch, in two passes (a large mean
// does not cancel the variance). One thread per channel.
template <typename T>
__device__ void bn_stats(const T* x, T* st, NasBn p) {
    long long ch = nas_thread();
    if (ch >= p.c) return;
    T count = T((long long)p.n * p.m);
    T sum = T(0);
    for (int n = 0; n < p.n; ++n) {
        const T* xp = x + ((long long)n * p.c + ch) * p.m;
        for (int j = 0; j < p.m; ++j) sum += xp[j];
    }
    T mean = sum / count;
    T sq = T(0);
    for (int n = 0; n < p.n; ++n) {
        const T* xp = x + ((long long)n * p.c + ch) * p.m;
        for (int j = 0; j < p.m; ++j) {
            T d = xp[j] - mean;
            sq += d * d;
        }
    }
    st[ch] = mean;
    st[p.c + ch] = sq / count;
}
#define NAS_BN_STATS_SIG(T) const T* x, T* st, NasBn p
NAS_KERNEL(bn_stats, NAS_BN_STATS_SIG, (x, st, p))

// y = x * scale + shift, scale = gamma / sqrt(var + eps), shift = beta - mean * scale, with
// st = [mean; var] and af = [gamma; beta], each [2, c]. One thread per element.
template <typename T>
__device__ void bn_norm(const T* x, const T* st, const T* af, T* y, NasBn p) {
    long long i = nas_thread();
    if (i >= (long long)p.n * p.c * p.m) return;
    int ch = (int)(i / p.m % p.c);
    T scale = af[ch] / NasReal<T>::root(st[p.c + ch] + T(p.eps));
    T shift = af[p.c + ch] - st[ch] * scale;
    y[i] = x[i] * scale + shift;
}
#define NAS_BN_NORM_SIG(T) const T* x, const T* st, const T* af, T* y, NasBn p
NAS_KERNEL(bn_norm, NAS_BN_NORM_SIG, (x, st, af, y, p))

// out[0][ch] = dgamma = sum(dy * (x - mean)) / sqrt(var + eps), out[1][ch] = dbeta =
// sum(dy), with st = [mean; var]. One thread per channel.
template <typename T>
__device__ void bn_grad_sums(const T* x, const T* st, const T* dy, T* out, NasBn p) {
    long long ch = nas_thread();
    if (ch >= p.c) return;
    T mean = st[ch];
    T sxh = T(0), sdy = T(0);
    for (int n = 0; n < p.n; ++n) {
        long long base = ((long long)n * p.c + ch) * p.m;
        for (int j = 0; j < p.m; ++j) {
            sxh += dy[base + j] * (x[base + j] - mean);
            sdy += dy[base + j];
        }
    }
    out[ch] = sxh / NasReal<T>::root(st[p.c + ch] + T(p.eps));
    out[p.c + ch] = sdy;
}
#define NAS_BN_GRAD_SUMS_SIG(T) const T* x, const T* st, const T* dy, T* out, NasBn p
NAS_KERNEL(bn_grad_sums, NAS_BN_GRAD_SUMS_SIG, (x, st, dy, out, p))

// dx = a * (dy - sum(dy)/M - xhat * sum(dy*xhat)/M) with a = gamma / sqrt(var + eps) and
// M = n * m, expanded to dx = a*dy + b*x + k; pr [5, c] holds mean, var, gamma,
// sum(dy*xhat), sum(dy). One thread per element.
template <typename T>
__device__ void bn_grad_input(const T* x, const T* dy, const T* pr, T* dx, NasBn p) {
    long long i = nas_thread();
    if (i >= (long long)p.n * p.c * p.m) return;
    int ch = (int)(i / p.m % p.c);
    T count = T((long long)p.n * p.m);
    T inv = T(1) / NasReal<T>::root(pr[p.c + ch] + T(p.eps));
    T a = pr[2 * p.c + ch] * inv;
    T b = -(a * inv * pr[3 * p.c + ch] / count);
    T k = -(a * pr[4 * p.c + ch] / count) - b * pr[ch];
    dx[i] = a * dy[i] + b * x[i] + k;
}
#define NAS_BN_GRAD_INPUT_SIG(T) const T* x, const T* dy, const T* pr, T* dx, NasBn p
NAS_KERNEL(bn_grad_input, NAS_BN_GRAD_INPUT_SIG, (x, dy, pr, dx, p))
