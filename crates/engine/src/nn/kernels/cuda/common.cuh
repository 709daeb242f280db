// Shared by every kernel file: the parameter blocks, the thread index, the float helpers
// and the macro that instantiates a kernel template for f32 and f64.
//
// Contract: the files are self-contained CUDA C with no #include, because NVRTC compiles
// them as one string (common.cuh first, then the .cu files: gpu.rs concatenates them) and
// has no file system to search. emu.cpp includes the same files after cuda_emu.h, which
// redefines NAS_KERNEL to add a CPU launcher next to each kernel. Every kernel runs one
// thread per element it writes, with no shared memory, atomics or block synchronisation,
// so that a sequential loop over the grid (cuda_emu.h) computes exactly what the GPU does.
// The parameter blocks are mirrored field for field by #[repr(C)] structs in
// cuda_abi.rs; the static_asserts pin their sizes on both sides.

#ifndef NAS_KERNEL
// Defines the kernels nas_<name>_f32 and nas_<name>_f64, each running the device template
// <name><T>; SIG(T) is the parameter list written for element type T, ARGS the call's
// parenthesised argument list.
#define NAS_KERNEL(name, SIG, ARGS)                                       \
    extern "C" __global__ void nas_##name##_f32(SIG(float)) { name<float> ARGS; } \
    extern "C" __global__ void nas_##name##_f64(SIG(double)) { name<double> ARGS; }
#endif

// Depthwise convolution: input [n, c, h, w], weight [c, 1, k, k], output [n, c, ho, wo];
// relu != 0 applies a ReLU to the input first (fused).
struct NasDw {
    int n, c, h, w, ho, wo, k, stride, pad, dil, relu;
};
static_assert(sizeof(NasDw) == 11 * 4, "NasDw must match DwParams in cuda_abi.rs");

// Square pooling window over `planes` = n * c planes of h x w, giving ho x wo.
struct NasPool {
    int planes, h, w, ho, wo, k, stride, pad;
};
static_assert(sizeof(NasPool) == 8 * 4, "NasPool must match PoolParams in cuda_abi.rs");

// Batch norm over [n, c, m] (m = h * w).
struct NasBn {
    double eps;
    int n, c, m;
};
static_assert(sizeof(NasBn) == 24, "NasBn must match BnParams in cuda_abi.rs");

// Strided pick: output (oy, ox) reads input (offset + oy * stride, offset + ox * stride).
struct NasPick {
    int planes, h, w, ho, wo, offset, stride, relu;
};
static_assert(sizeof(NasPick) == 8 * 4, "NasPick must match PickParams in cuda_abi.rs");

// An elementwise op over `len` elements.
struct NasLen {
    long long len;
};
static_assert(sizeof(NasLen) == 8, "NasLen must match LenParams in cuda_abi.rs");

// The global index of this thread in a one-dimensional launch.
__device__ __forceinline__ long long nas_thread() {
    return (long long)blockIdx.x * blockDim.x + threadIdx.x;
}

// Square root and -infinity per element type (no math headers under NVRTC).
template <typename T> struct NasReal;
template <> struct NasReal<float> {
    __device__ static float root(float v) { return sqrtf(v); }
    __device__ static float neg_inf() { return -__int_as_float(0x7f800000); }
};
template <> struct NasReal<double> {
    __device__ static double root(double v) { return sqrt(v); }
    __device__ static double neg_inf() { return -__longlong_as_double(0x7ff0000000000000LL); }
};

// max(v, 0) when `relu`, else v; a NaN stays NaN (as the CPU kernels and PyTorch do).
template <typename T> __device__ __forceinline__ T nas_relu_if(T v, int relu) {
    return (relu && v < T(0)) ? T(0) : v;
}

// The output o along one axis whose tap t reaches input i (o * stride + t * dil - pad == i),
// or -1 when there is none inside 0..out.
__device__ __forceinline__ int nas_tap_output(int i, int t, int stride, int pad, int dil, int out) {
    int r = i + pad - t * dil;
    if (r < 0 || r % stride != 0) return -1;
    int o = r / stride;
    return o < out ? o : -1;
}
