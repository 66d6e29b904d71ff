// Whole-sequence RNN / GRU / LSTM kernels for the engine's native path: the per-step recurrent
// product through cblas_sgemm (OpenBLAS), the gate non-linearities (and, backward, their
// derivatives) fused in one pass over each step, and the weight gradients of all T steps as one
// batched product. Layouts are the TypeScript cells': time-major, element (t, b, j) at
// (t·B + b)·width + j, gate blocks [u | f | o | c̃] (LSTM) and [u | r | c̃] (GRU), H wide each.

#include <napi.h>
#include <cblas.h>
#if defined(__GNUC__) && defined(__x86_64__)
#include <immintrin.h>
#endif

#include <cstdint>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

extern "C" {
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
char* openblas_get_config(void);
}

namespace {

// e^x in float: x = n·ln2 + r with |r| ≤ ln2/2, e^r by its degree-6 Taylor polynomial (relative
// error < 2e-7), 2^n written into the exponent bits. Branch-free, so the gate loops vectorise.
inline float expf_fast(float x) {
  x = x > 87.f ? 87.f : (x < -87.f ? -87.f : x);
  const float shifter = 12582912.f;  // 1.5·2^23: adding it rounds to the nearest integer
  const float n = (x * 1.44269504f + shifter) - shifter;
  const float r = (x - n * 0.693359375f) + n * 2.12194440e-4f;
  const float p = 1.f + r * (1.f + r * (0.5f + r * (1.f / 6 + r * (1.f / 24 + r * (1.f / 120 + r * (1.f / 720))))));
  const int32_t bits = (static_cast<int32_t>(n) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}

// The element-wise loops are compiled twice, for AVX2+FMA and for the baseline, and the loader
// picks one for the CPU at hand (GCC function multi-versioning), so one binary runs everywhere.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define RNNLAB_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=haswell", "default")))
#else
#define RNNLAB_CLONES
#endif

// σ(x) = 1 / (1 + e^−x)
inline float sigmoidf(float x) { return 1.f / (1.f + expf_fast(-x)); }
// tanh(x) = 1 − 2 / (e^{2x} + 1)
inline float tanhf_fast(float x) { return 1.f - 2.f / (expf_fast(2.f * x) + 1.f); }

// One row of LSTM gates in place, [z_u | z_f | z_o | z_c̃] → [Γu | Γf | Γo | c̃], with
// c⟨t⟩ = Γu⊙(m⊙c̃) + Γf⊙c⟨t−1⟩ and a⟨t⟩ = Γo⊙tanh(c⟨t⟩); m is the recurrent-dropout mask of c̃
// (all ones without it).
RNNLAB_CLONES void lstmGatesRow(int H, float* __restrict u, float* __restrict f, float* __restrict o, float* __restrict ct,
                                const float* __restrict m, const float* __restrict cPrev, float* __restrict cOut,
                                float* __restrict tcOut, float* __restrict aOut) {
  for (int j = 0; j < H; j++) {
    const float gammaU = sigmoidf(u[j]);
    const float gammaF = sigmoidf(f[j]);
    const float gammaO = sigmoidf(o[j]);
    const float cTilde = tanhf_fast(ct[j]);
    const float cNew = gammaU * (m[j] * cTilde) + gammaF * cPrev[j];
    const float tcn = tanhf_fast(cNew);
    u[j] = gammaU;
    f[j] = gammaF;
    o[j] = gammaO;
    ct[j] = cTilde;
    cOut[j] = cNew;
    tcOut[j] = tcn;
    aOut[j] = gammaO * tcn;
  }
}

// One row of the LSTM backward step: ∂z of the four blocks from ∂a⟨t⟩ (from above plus the
// recurrent path) and ∂c⟨t⟩ through c⟨t+1⟩, which it replaces by ∂c⟨t−1⟩.
RNNLAB_CLONES void lstmBackRow(int H, const float* __restrict dAt, const float* __restrict dar, const float* __restrict gu,
                               const float* __restrict gf, const float* __restrict go, const float* __restrict gc,
                               const float* __restrict m, const float* __restrict tct, const float* __restrict cPrev,
                               float* __restrict dcn,
                               float* __restrict dzu, float* __restrict dzf, float* __restrict dzo, float* __restrict dzc) {
  for (int j = 0; j < H; j++) {
    const float da = dAt[j] + dar[j];
    const float gammaU = gu[j], gammaF = gf[j], gammaO = go[j], cTilde = gc[j], tc = tct[j];
    const float dc = dcn[j] + da * gammaO * (1.f - tc * tc);
    dzu[j] = dc * m[j] * cTilde * gammaU * (1.f - gammaU);
    dzf[j] = dc * cPrev[j] * gammaF * (1.f - gammaF);
    dzo[j] = da * tc * gammaO * (1.f - gammaO);
    dzc[j] = dc * gammaU * m[j] * (1.f - cTilde * cTilde);
    dcn[j] = dc * gammaF;
  }
}

// GRU gates Γu, Γr in place, and Γr⊙c⟨t−1⟩.
RNNLAB_CLONES void gruGatesRow(int H, float* __restrict u, float* __restrict r, const float* __restrict cPrev, float* __restrict rc) {
  for (int j = 0; j < H; j++) {
    const float gammaU = sigmoidf(u[j]);
    const float gammaR = sigmoidf(r[j]);
    u[j] = gammaU;
    r[j] = gammaR;
    rc[j] = gammaR * cPrev[j];
  }
}

// GRU candidate c̃ in place and c⟨t⟩ = Γu⊙(m⊙c̃) + (1 − Γu)⊙c⟨t−1⟩ (m: the recurrent-dropout mask, or ones).
RNNLAB_CLONES void gruStateRow(int H, const float* __restrict u, float* __restrict ct, const float* __restrict m, const float* __restrict cPrev,
                               float* __restrict cOut) {
  for (int j = 0; j < H; j++) {
    const float cTilde = tanhf_fast(ct[j]);
    ct[j] = cTilde;
    cOut[j] = u[j] * (m[j] * cTilde) + (1.f - u[j]) * cPrev[j];
  }
}

// GRU backward, first half of a step for one stream: ∂c⟨t⟩ (from above plus the recurrent path)
// into dc, and the ∂z of Γu and c̃.
RNNLAB_CLONES void gruBackStateRow(int H, const float* __restrict dAt, const float* __restrict dcr, const float* __restrict gu,
                                   const float* __restrict gc, const float* __restrict m, const float* __restrict cPrev,
                                   float* __restrict dc, float* __restrict dzu, float* __restrict dzc) {
  for (int j = 0; j < H; j++) {
    const float d = dAt[j] + dcr[j];
    const float gammaU = gu[j], cTilde = gc[j];
    dc[j] = d;
    dzc[j] = d * gammaU * m[j] * (1.f - cTilde * cTilde);
    dzu[j] = d * (m[j] * cTilde - cPrev[j]) * gammaU * (1.f - gammaU);
  }
}

// GRU backward, second half: from ∂(Γr⊙c⟨t−1⟩) = drc, the ∂z of Γr and the part of ∂c⟨t−1⟩ that
// does not go through the gates' recurrent product.
RNNLAB_CLONES void gruBackResetRow(int H, const float* __restrict gu, const float* __restrict gr, const float* __restrict drc,
                                   const float* __restrict cPrev, const float* __restrict dc, float* __restrict dzr,
                                   float* __restrict dPrev) {
  for (int j = 0; j < H; j++) {
    const float gammaU = gu[j], gammaR = gr[j];
    dzr[j] = drc[j] * cPrev[j] * gammaR * (1.f - gammaR);
    dPrev[j] = dc[j] * (1.f - gammaU) + drc[j] * gammaR;
  }
}

RNNLAB_CLONES void tanhInPlace(size_t n, float* __restrict x) {
  for (size_t i = 0; i < n; i++) x[i] = tanhf_fast(x[i]);
}

// The recurrent-dropout mask of c̃ (T·B·H) of a call, or, without one, a row of ones that every
// step and stream reads (multiplying by 1 is exact, so no mask computes what the notes say).
// W (rows×cols, row-major) transposed. The per-step products of backpropagation multiply by Wᵀ;
// OpenBLAS's small products run ~1.5× faster on a transposed copy made once per call than with
// its own transposed operand (8×192·192×192: 10.6 against 16.1 µs on this machine).
std::vector<float> transposed(const float* W, int rows, int cols) {
  std::vector<float> out(size_t(rows) * cols);
  for (int i = 0; i < rows; i++)
    for (int j = 0; j < cols; j++) out[size_t(j) * rows + i] = W[size_t(i) * cols + j];
  return out;
}

class CandidateMask {
 public:
  CandidateMask(const float* mask, int B, int H) : mask_(mask), ones_(mask ? 0 : size_t(H), 1.f), BH_(size_t(B) * H), H_(H) {}
  /** The mask row of step t, stream b. */
  const float* Row(int t, int b) const { return mask_ ? mask_ + size_t(t) * BH_ + size_t(b) * H_ : ones_.data(); }

 private:
  const float* mask_;
  std::vector<float> ones_;
  size_t BH_;
  int H_;
};

// C (M×N) = op(A)·B (+ C), op(A) = A (M×K) or Aᵀ (A K×M), in AVX-512 where the CPU has it, for
// every product that runs on one thread: above all the per-step recurrent products, whose M is a
// worker's share of the batch (8–16 rows) and whose B is a weight matrix. OpenBLAS 0.3.21 has no
// AVX-512 kernels for every CPU that has the instructions (on this machine, an AMD EPYC, it runs
// its AVX2 Haswell kernels; OPENBLAS_CORETYPE pins them), and for so few rows it spends a fifth of
// its time packing B, which is already in the order this kernel reads it: row k of B, 32 columns
// at a time, against a broadcast of op(A)'s column k, for up to 4 rows of C held in 8 registers.
// The tail of N runs masked, so any width works. Measured here, one thread: 8×192·192×384 at 141
// GFLOP/s against OpenBLAS's 66, and 512×192·192×576 at 146 against 110. Checked against the
// TypeScript reference like every native kernel; RNNLAB_SMALL_GEMM=0 sends every product to OpenBLAS.
#if defined(__GNUC__) && defined(__x86_64__)
#define RNNLAB_OWN_GEMM 1

template <int R, bool TA>
__attribute__((target("avx512f"), always_inline)) inline void gemmRowsAvx512(int N, int K, const float* A, int lda,
                                                                           const float* B, int ldb, bool accumulate,
                                                                           float* C, int ldc) {
  int j = 0;
  for (; j + 32 <= N; j += 32) {
    __m512 lo[R], hi[R];
#pragma GCC unroll 4
    for (int r = 0; r < R; r++) {
      lo[r] = accumulate ? _mm512_loadu_ps(C + size_t(r) * ldc + j) : _mm512_setzero_ps();
      hi[r] = accumulate ? _mm512_loadu_ps(C + size_t(r) * ldc + j + 16) : _mm512_setzero_ps();
    }
    const float* b = B + j;
    for (int k = 0; k < K; k++, b += ldb) {
      const __m512 b0 = _mm512_loadu_ps(b);
      const __m512 b1 = _mm512_loadu_ps(b + 16);
#pragma GCC unroll 4
      for (int r = 0; r < R; r++) {
        const __m512 a = _mm512_set1_ps(TA ? A[size_t(k) * lda + r] : A[size_t(r) * lda + k]);
        lo[r] = _mm512_fmadd_ps(a, b0, lo[r]);
        hi[r] = _mm512_fmadd_ps(a, b1, hi[r]);
      }
    }
#pragma GCC unroll 4
    for (int r = 0; r < R; r++) {
      _mm512_storeu_ps(C + size_t(r) * ldc + j, lo[r]);
      _mm512_storeu_ps(C + size_t(r) * ldc + j + 16, hi[r]);
    }
  }
  for (; j < N; j += 16) {
    const int left = N - j;
    const __mmask16 m = left >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << left) - 1);
    __m512 acc[R];
#pragma GCC unroll 4
    for (int r = 0; r < R; r++) acc[r] = accumulate ? _mm512_maskz_loadu_ps(m, C + size_t(r) * ldc + j) : _mm512_setzero_ps();
    const float* b = B + j;
    for (int k = 0; k < K; k++, b += ldb) {
      const __m512 b0 = _mm512_maskz_loadu_ps(m, b);
#pragma GCC unroll 4
      for (int r = 0; r < R; r++) acc[r] = _mm512_fmadd_ps(_mm512_set1_ps(TA ? A[size_t(k) * lda + r] : A[size_t(r) * lda + k]), b0, acc[r]);
    }
#pragma GCC unroll 4
    for (int r = 0; r < R; r++) _mm512_mask_storeu_ps(C + size_t(r) * ldc + j, m, acc[r]);
  }
}

template <bool TA>
__attribute__((target("avx512f"))) void gemmAvx512Of(int M, int N, int K, const float* A, int lda, const float* B, int ldb,
                                                     bool accumulate, float* C, int ldc) {
  // Row i of op(A) starts at A + i·lda (A as it is) or at column i, A + i (Aᵀ).
  const size_t step = TA ? 1 : size_t(lda);
  int i = 0;
  for (; i + 4 <= M; i += 4) gemmRowsAvx512<4, TA>(N, K, A + i * step, lda, B, ldb, accumulate, C + size_t(i) * ldc, ldc);
  switch (M - i) {
    case 3: gemmRowsAvx512<3, TA>(N, K, A + i * step, lda, B, ldb, accumulate, C + size_t(i) * ldc, ldc); break;
    case 2: gemmRowsAvx512<2, TA>(N, K, A + i * step, lda, B, ldb, accumulate, C + size_t(i) * ldc, ldc); break;
    case 1: gemmRowsAvx512<1, TA>(N, K, A + i * step, lda, B, ldb, accumulate, C + size_t(i) * ldc, ldc); break;
    default: break;
  }
}

void gemmAvx512(bool transA, int M, int N, int K, const float* A, int lda, const float* B, int ldb, bool accumulate, float* C, int ldc) {
  if (transA) gemmAvx512Of<true>(M, N, K, A, lda, B, ldb, accumulate, C, ldc);
  else gemmAvx512Of<false>(M, N, K, A, lda, B, ldb, accumulate, C, ldc);
}

// The CPU has AVX-512F and the OS saves its registers (libgcc checks both).
const bool g_hasAvx512 = [] {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") != 0;
}();
// On where the CPU has it, unless RNNLAB_SMALL_GEMM=0; ownGemm(false) turns it off (tests, bench).
bool g_ownGemm = [] {
  const char* off = std::getenv("RNNLAB_SMALL_GEMM");
  return g_hasAvx512 && !(off && std::strcmp(off, "0") == 0);
}();
#endif

// OpenBLAS threads: a fixed count after setThreads(n ≥ 1), else (0) by the product's size —
// one thread below 2^23 multiply-adds, where waking a second thread costs more than it saves
// (the per-step products of the default 1×128 B 16 model), every thread above.
int g_fixedThreads = 0;
int g_maxThreads = 0;

void sgemm(CBLAS_TRANSPOSE ta, CBLAS_TRANSPOSE tb, int M, int N, int K, const float* A, int lda, const float* B, int ldb, float beta,
           float* C, int ldc) {
  if (g_maxThreads == 0) g_maxThreads = openblas_get_num_threads();
  const int want = g_fixedThreads > 0 ? g_fixedThreads : (double(M) * N * K < double(1 << 23) ? 1 : g_maxThreads);
#ifdef RNNLAB_OWN_GEMM
  if (g_ownGemm && want == 1 && tb == CblasNoTrans && M >= 2 && (beta == 0.f || beta == 1.f)) {
    gemmAvx512(ta == CblasTrans, M, N, K, A, lda, B, ldb, beta == 1.f, C, ldc);
    return;
  }
#endif
  if (openblas_get_num_threads() != want) openblas_set_num_threads(want);
  if (M == 1) {
    // One row (batch 1: sampling, completions): a matrix-vector product. OpenBLAS 0.3.21's sgemm
    // takes its blocked path even then, several times slower than sgemv on the same data.
    // The row of op(A) is A itself (NoTrans) or A's first column, lda apart (Trans).
    const int incx = ta == CblasNoTrans ? 1 : lda;
    if (beta == 0.f) std::memset(C, 0, sizeof(float) * N);  // β = 0 overwrites, stale NaN included
    if (tb == CblasNoTrans) {
      cblas_sgemv(CblasRowMajor, CblasTrans, K, N, 1.f, B, ldb, A, incx, beta, C, 1);  // c = Bᵀ·a
    } else {
      cblas_sgemv(CblasRowMajor, CblasNoTrans, N, K, 1.f, B, ldb, A, incx, beta, C, 1);  // c = B·a
    }
    return;
  }
  cblas_sgemm(CblasRowMajor, ta, tb, M, N, K, 1.f, A, lda, B, ldb, beta, C, ldc);
}

class Args {
 public:
  explicit Args(const Napi::CallbackInfo& info) : info_(info) {}

  int Int(size_t i) {
    if (!ok_) return 0;
    if (!info_[i].IsNumber()) return Fail(i, "a number"), 0;
    const double v = info_[i].As<Napi::Number>().DoubleValue();
    if (!(v >= 0 && v <= 1e9) || v != static_cast<int>(v)) return Fail(i, "a whole number ≥ 0"), 0;
    return static_cast<int>(v);
  }

  bool Bool(size_t i) { return ok_ && info_[i].ToBoolean().Value(); }

  /** A Float32Array of at least `need` values. */
  float* F32(size_t i, size_t need) {
    if (!ok_) return nullptr;
    if (!info_[i].IsTypedArray() || info_[i].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
      return Fail(i, "a Float32Array"), nullptr;
    }
    auto a = info_[i].As<Napi::Float32Array>();
    if (a.ElementLength() < need) return Fail(i, "a longer Float32Array"), nullptr;
    return a.Data();
  }

  /** A Float64Array of at least `need` values, or null/undefined. */
  float* F32OrNull(size_t i, size_t need) {
    if (!ok_ || info_.Length() <= i || info_[i].IsNull() || info_[i].IsUndefined()) return nullptr;
    return F32(i, need);
  }

  double* F64OrNull(size_t i, size_t need) {
    if (!ok_ || info_[i].IsNull() || info_[i].IsUndefined()) return nullptr;
    if (!info_[i].IsTypedArray() || info_[i].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array) {
      return Fail(i, "a Float64Array or null"), nullptr;
    }
    auto a = info_[i].As<Napi::Float64Array>();
    if (a.ElementLength() < need) return Fail(i, "a longer Float64Array"), nullptr;
    return a.Data();
  }

  bool Ok() const { return ok_; }

 private:
  void Fail(size_t i, const char* what) {
    ok_ = false;
    Napi::TypeError::New(info_.Env(), "argument " + std::to_string(i) + " must be " + what).ThrowAsJavaScriptException();
  }
  const Napi::CallbackInfo& info_;
  bool ok_ = true;
};

using size = size_t;

// C[M×N] = op(A)·op(B) + beta·C, row-major and dense.
Napi::Value Gemm(const Napi::CallbackInfo& info) {
  Args g(info);
  const bool ta = g.Bool(0), tb = g.Bool(1);
  const int M = g.Int(2), N = g.Int(3), K = g.Int(4);
  const float* A = g.F32(5, size(M) * K);
  const float* B = g.F32(6, size(K) * N);
  float* C = g.F32(7, size(M) * N);
  if (!g.Ok()) return info.Env().Undefined();
  const float beta = info[8].IsNumber() ? info[8].As<Napi::Number>().FloatValue() : 0.f;
  if (M == 0 || N == 0) return info.Env().Undefined();
  if (K == 0) {
    for (size i = 0; i < size(M) * N; i++) C[i] *= beta;
    return info.Env().Undefined();
  }
  sgemm(ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, M, N, K, A, ta ? M : K, B, tb ? K : N, beta, C, N);
  return info.Env().Undefined();
}

// LSTM forward over T steps (notes): z = Wh·a⟨t−1⟩ + xProj⟨t⟩; Γu, Γf, Γo = σ(z_u, z_f, z_o),
// c̃ = tanh(z_c̃), c⟨t⟩ = Γu⊙c̃ + Γf⊙c⟨t−1⟩, a⟨t⟩ = Γo⊙tanh(c⟨t⟩).
// (T, B, H, xProj, Wh, a0, c0, acts out (may be xProj itself), c out, tanhC out, a out, candidate mask|null)
Napi::Value LstmForward(const Napi::CallbackInfo& info) {
  Args g(info);
  const int T = g.Int(0), B = g.Int(1), H = g.Int(2);
  const size H4 = 4 * size(H), BH = size(B) * H, n = size(T) * BH;
  const float* xProj = g.F32(3, n * 4);
  const float* Wh = g.F32(4, size(H) * H4);
  const float* a0 = g.F32(5, BH);
  const float* c0 = g.F32(6, BH);
  float* acts = g.F32(7, n * 4);
  float* c = g.F32(8, n);
  float* tanhC = g.F32(9, n);
  float* a = g.F32(10, n);
  const CandidateMask m(g.F32OrNull(11, n), B, H);
  if (!g.Ok() || n == 0) return info.Env().Undefined();
  const float* aPrev = a0;
  const float* cPrev = c0;
  for (int t = 0; t < T; t++) {
    float* z = acts + size(t) * B * H4;
    if (z != xProj + size(t) * B * H4) std::memcpy(z, xProj + size(t) * B * H4, sizeof(float) * B * H4);
    sgemm(CblasNoTrans, CblasNoTrans, B, int(H4), H, aPrev, H, Wh, int(H4), 1.f, z, int(H4));
    float* ct = c + size(t) * BH;
    float* tc = tanhC + size(t) * BH;
    float* at = a + size(t) * BH;
    for (int b = 0; b < B; b++) {
      float* zr = z + size(b) * H4;
      const size s = size(b) * H;
      lstmGatesRow(H, zr, zr + H, zr + 2 * H, zr + 3 * H, m.Row(t, b), cPrev + s, ct + s, tc + s, at + s);
    }
    aPrev = at;
    cPrev = ct;
  }
  return info.Env().Undefined();
}

// LSTM backpropagation through time. (T, B, H, acts, c, tanhC, a, a0, c0, dA, Wh, dZ out, dWh out, flow|null,
// dA0 out|null, dC0 out|null: ∂L/∂(initial state), for a decoder started from a bridge; the forward pass's candidate mask|null)
Napi::Value LstmBackward(const Napi::CallbackInfo& info) {
  Args g(info);
  const int T = g.Int(0), B = g.Int(1), H = g.Int(2);
  const size H4 = 4 * size(H), BH = size(B) * H, n = size(T) * BH;
  const float* acts = g.F32(3, n * 4);
  const float* c = g.F32(4, n);
  const float* tanhC = g.F32(5, n);
  const float* a = g.F32(6, n);
  const float* a0 = g.F32(7, BH);
  const float* c0 = g.F32(8, BH);
  const float* dA = g.F32(9, n);
  const float* Wh = g.F32(10, size(H) * H4);
  float* dZ = g.F32(11, n * 4);
  float* dWh = g.F32(12, size(H) * H4);
  double* flow = g.F64OrNull(13, size(T));
  float* dA0 = g.F32OrNull(14, BH);
  float* dC0 = g.F32OrNull(15, BH);
  const CandidateMask m(g.F32OrNull(16, n), B, H);
  if (!g.Ok()) return info.Env().Undefined();
  if (n == 0) {
    std::memset(dWh, 0, sizeof(float) * H * H4);
    return info.Env().Undefined();
  }
  std::vector<float> dARec(BH, 0.f), dCNext(BH, 0.f);
  const std::vector<float> WhT = transposed(Wh, H, int(H4));
  for (int t = T - 1; t >= 0; t--) {
    const size base = size(t) * BH;
    double sq = 0;
    for (int b = 0; b < B; b++) {
      const size s = size(b) * H;
      const float* gr = acts + (size(t) * B + b) * H4;
      float* dz = dZ + (size(t) * B + b) * H4;
      const float* cPrev = t > 0 ? c + base - BH + s : c0 + s;
      float* dcn = dCNext.data() + s;
      const float* dar = dARec.data() + s;
      const float* dAt = dA + base + s;
      const float* tct = tanhC + base + s;
      if (flow) {
        for (int j = 0; j < H; j++) {
          const double da = dAt[j] + dar[j];
          sq += da * da;
        }
      }
      lstmBackRow(H, dAt, dar, gr, gr + H, gr + 2 * H, gr + 3 * H, m.Row(t, b), tct, cPrev, dcn, dz, dz + H, dz + 2 * H, dz + 3 * H);
    }
    if (flow) flow[t] += sq;
    if (t > 0 || dA0) {
      sgemm(CblasNoTrans, CblasNoTrans, B, H, int(H4), dZ + size(t) * B * H4, int(H4), WhT.data(), H, 0.f, dARec.data(), H);
    }
  }
  if (dA0) std::memcpy(dA0, dARec.data(), sizeof(float) * BH);
  if (dC0) std::memcpy(dC0, dCNext.data(), sizeof(float) * BH);
  // ∂Wh = Σ_t a⟨t−1⟩ᵀ·dz⟨t⟩: a0 for the first step, then a⟨0…T−2⟩ against dz⟨1…T−1⟩ in one product.
  sgemm(CblasTrans, CblasNoTrans, H, int(H4), B, a0, H, dZ, int(H4), 0.f, dWh, int(H4));
  if (T > 1) {
    sgemm(CblasTrans, CblasNoTrans, H, int(H4), (T - 1) * B, a, H, dZ + size(B) * H4, int(H4), 1.f, dWh,
                int(H4));
  }
  return info.Env().Undefined();
}

// GRU forward (notes, resetAfter = false): Γu = σ(z_u), Γr = σ(z_r) with z_ur = Wh_ur·c⟨t−1⟩ + xProj,
// c̃ = tanh(Wh_c·(Γr⊙c⟨t−1⟩) + xProj_c̃), c⟨t⟩ = Γu⊙c̃ + (1 − Γu)⊙c⟨t−1⟩.
// (T, B, H, xProj, WhUr, WhC, c0, acts out, rc out, c out, candidate mask|null)
Napi::Value GruForward(const Napi::CallbackInfo& info) {
  Args g(info);
  const int T = g.Int(0), B = g.Int(1), H = g.Int(2);
  const size H3 = 3 * size(H), BH = size(B) * H, n = size(T) * BH;
  const float* xProj = g.F32(3, n * 3);
  const float* WhUr = g.F32(4, size(H) * 2 * H);
  const float* WhC = g.F32(5, size(H) * H);
  const float* c0 = g.F32(6, BH);
  float* acts = g.F32(7, n * 3);
  float* rc = g.F32(8, n);
  float* c = g.F32(9, n);
  const CandidateMask m(g.F32OrNull(10, n), B, H);
  if (!g.Ok() || n == 0) return info.Env().Undefined();
  const float* cPrev = c0;
  for (int t = 0; t < T; t++) {
    float* z = acts + size(t) * B * H3;
    if (z != xProj + size(t) * B * H3) std::memcpy(z, xProj + size(t) * B * H3, sizeof(float) * B * H3);
    sgemm(CblasNoTrans, CblasNoTrans, B, 2 * H, H, cPrev, H, WhUr, 2 * H, 1.f, z, int(H3));
    float* rct = rc + size(t) * BH;
    for (int b = 0; b < B; b++) {
      float* zr = z + size(b) * H3;
      const size s = size(b) * H;
      gruGatesRow(H, zr, zr + H, cPrev + s, rct + s);
    }
    sgemm(CblasNoTrans, CblasNoTrans, B, H, H, rct, H, WhC, H, 1.f, z + 2 * H, int(H3));
    float* ct = c + size(t) * BH;
    for (int b = 0; b < B; b++) {
      float* zr = z + size(b) * H3;
      const size s = size(b) * H;
      gruStateRow(H, zr, zr + 2 * H, m.Row(t, b), cPrev + s, ct + s);
    }
    cPrev = ct;
  }
  return info.Env().Undefined();
}

// GRU backpropagation through time. (T, B, H, acts, rc, c, c0, dA, WhUr, WhC, dZ out, dWhUr out, dWhC out, flow|null,
// dC0 out|null: ∂L/∂c⟨0⟩, the forward pass's candidate mask|null)
Napi::Value GruBackward(const Napi::CallbackInfo& info) {
  Args g(info);
  const int T = g.Int(0), B = g.Int(1), H = g.Int(2);
  const size H3 = 3 * size(H), BH = size(B) * H, n = size(T) * BH;
  const float* acts = g.F32(3, n * 3);
  const float* rc = g.F32(4, n);
  const float* c = g.F32(5, n);
  const float* c0 = g.F32(6, BH);
  const float* dA = g.F32(7, n);
  const float* WhUr = g.F32(8, size(H) * 2 * H);
  const float* WhC = g.F32(9, size(H) * H);
  float* dZ = g.F32(10, n * 3);
  float* dWhUr = g.F32(11, size(H) * 2 * H);
  float* dWhC = g.F32(12, size(H) * H);
  double* flow = g.F64OrNull(13, size(T));
  float* dC0 = g.F32OrNull(14, BH);
  const CandidateMask m(g.F32OrNull(15, n), B, H);
  if (!g.Ok()) return info.Env().Undefined();
  if (n == 0) {
    std::memset(dWhUr, 0, sizeof(float) * H * 2 * H);
    std::memset(dWhC, 0, sizeof(float) * H * H);
    return info.Env().Undefined();
  }
  std::vector<float> dCRec(BH, 0.f), dc(BH), dRc(BH), dPrev(BH);
  const std::vector<float> WhUrT = transposed(WhUr, H, 2 * H), WhCT = transposed(WhC, H, H);
  for (int t = T - 1; t >= 0; t--) {
    const size base = size(t) * BH;
    double sq = 0;
    for (int b = 0; b < B; b++) {
      const size s = size(b) * H;
      const float* gr = acts + (size(t) * B + b) * H3;
      float* dz = dZ + (size(t) * B + b) * H3;
      const float* cPrev = t > 0 ? c + base - BH + s : c0 + s;
      const float* dAt = dA + base + s;
      const float* dcr = dCRec.data() + s;
      float* dct = dc.data() + s;
      const float* mr = m.Row(t, b);
      if (flow) {
        for (int j = 0; j < H; j++) {
          const double d = dAt[j] + dcr[j];
          sq += d * d;
        }
      }
      gruBackStateRow(H, dAt, dcr, gr, gr + 2 * H, mr, cPrev, dct, dz, dz + 2 * H);
    }
    if (flow) flow[t] += sq;
    float* dzt = dZ + size(t) * B * H3;
    // ∂L/∂(Γr⊙c⟨t−1⟩) through c̃
    sgemm(CblasNoTrans, CblasNoTrans, B, H, H, dzt + 2 * H, int(H3), WhCT.data(), H, 0.f, dRc.data(), H);
    for (int b = 0; b < B; b++) {
      const size s = size(b) * H;
      const float* gr = acts + (size(t) * B + b) * H3;
      float* dz = dzt + size(b) * H3;
      const float* cPrev = t > 0 ? c + base - BH + s : c0 + s;
      const float* drc = dRc.data() + s;
      const float* dct = dc.data() + s;
      float* dp = dPrev.data() + s;
      gruBackResetRow(H, gr, gr + H, drc, cPrev, dct, dz + H, dp);
    }
    if (t > 0 || dC0) {
      sgemm(CblasNoTrans, CblasNoTrans, B, H, 2 * H, dzt, int(H3), WhUrT.data(), H, 1.f, dPrev.data(), H);
    }
    dCRec.swap(dPrev);
  }
  if (dC0) std::memcpy(dC0, dCRec.data(), sizeof(float) * BH);
  // ∂Wh_ur = Σ_t c⟨t−1⟩ᵀ·dz_ur⟨t⟩ and ∂Wh_c = Σ_t (Γr⊙c⟨t−1⟩)ᵀ·dz_c̃⟨t⟩, all steps in one product each.
  sgemm(CblasTrans, CblasNoTrans, H, 2 * H, B, c0, H, dZ, int(H3), 0.f, dWhUr, 2 * H);
  if (T > 1) {
    sgemm(CblasTrans, CblasNoTrans, H, 2 * H, (T - 1) * B, c, H, dZ + size(B) * H3, int(H3), 1.f, dWhUr,
                2 * H);
  }
  sgemm(CblasTrans, CblasNoTrans, H, H, T * B, rc, H, dZ + 2 * H, int(H3), 0.f, dWhC, H);
  return info.Env().Undefined();
}

// RNN forward: a⟨t⟩ = tanh(Wh·a⟨t−1⟩ + xProj⟨t⟩). (T, B, H, xProj, Wh, a0, a out)
Napi::Value RnnForward(const Napi::CallbackInfo& info) {
  Args g(info);
  const int T = g.Int(0), B = g.Int(1), H = g.Int(2);
  const size BH = size(B) * H, n = size(T) * BH;
  const float* xProj = g.F32(3, n);
  const float* Wh = g.F32(4, size(H) * H);
  const float* a0 = g.F32(5, BH);
  float* a = g.F32(6, n);
  if (!g.Ok() || n == 0) return info.Env().Undefined();
  if (a != xProj) std::memcpy(a, xProj, sizeof(float) * n);
  const float* aPrev = a0;
  for (int t = 0; t < T; t++) {
    float* at = a + size(t) * BH;
    sgemm(CblasNoTrans, CblasNoTrans, B, H, H, aPrev, H, Wh, H, 1.f, at, H);
    tanhInPlace(BH, at);
    aPrev = at;
  }
  return info.Env().Undefined();
}

// RNN backpropagation through time. (T, B, H, a, a0, dA, Wh, dZ out, dWh out, flow|null, dA0 out|null: ∂L/∂a⟨0⟩)
Napi::Value RnnBackward(const Napi::CallbackInfo& info) {
  Args g(info);
  const int T = g.Int(0), B = g.Int(1), H = g.Int(2);
  const size BH = size(B) * H, n = size(T) * BH;
  const float* a = g.F32(3, n);
  const float* a0 = g.F32(4, BH);
  const float* dA = g.F32(5, n);
  const float* Wh = g.F32(6, size(H) * H);
  float* dZ = g.F32(7, n);
  float* dWh = g.F32(8, size(H) * H);
  double* flow = g.F64OrNull(9, size(T));
  float* dA0 = g.F32OrNull(10, BH);
  if (!g.Ok()) return info.Env().Undefined();
  if (n == 0) {
    std::memset(dWh, 0, sizeof(float) * H * H);
    return info.Env().Undefined();
  }
  std::vector<float> dARec(BH, 0.f);
  const std::vector<float> WhT = transposed(Wh, H, H);
  for (int t = T - 1; t >= 0; t--) {
    const size base = size(t) * BH;
    if (flow) {
      double sq = 0;
      for (size i = 0; i < BH; i++) {
        const double da = dA[base + i] + dARec[i];
        sq += da * da;
      }
      flow[t] += sq;
    }
    for (size i = 0; i < BH; i++) {
      const float at = a[base + i];
      dZ[base + i] = (dA[base + i] + dARec[i]) * (1.f - at * at);
    }
    if (t > 0 || dA0) sgemm(CblasNoTrans, CblasNoTrans, B, H, H, dZ + base, H, WhT.data(), H, 0.f, dARec.data(), H);
  }
  if (dA0) std::memcpy(dA0, dARec.data(), sizeof(float) * BH);
  sgemm(CblasTrans, CblasNoTrans, H, H, B, a0, H, dZ, H, 0.f, dWh, H);
  if (T > 1) sgemm(CblasTrans, CblasNoTrans, H, H, (T - 1) * B, a, H, dZ + BH, H, 1.f, dWh, H);
  return info.Env().Undefined();
}

// out[r] = (x[r]·W or W[ids[r]]) + b for every row r: the input projection (one-hot input as a
// row lookup) and the output layer. (rows, inWidth, width, x|null, ids|null, W, b, out)
Napi::Value Affine(const Napi::CallbackInfo& info) {
  Args g(info);
  const int rows = g.Int(0), inWidth = g.Int(1), width = g.Int(2);
  const bool lookup = info[3].IsNull();
  const float* x = lookup ? nullptr : g.F32(3, size(rows) * inWidth);
  const float* W = g.F32(5, size(inWidth) * width);
  const float* b = g.F32(6, size(width));
  float* out = g.F32(7, size(rows) * width);
  if (!g.Ok()) return info.Env().Undefined();
  if (lookup) {
    if (!info[4].IsTypedArray() || info[4].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array ||
        info[4].As<Napi::Int32Array>().ElementLength() < size(rows)) {
      Napi::TypeError::New(info.Env(), "argument 4 must be an Int32Array of row ids").ThrowAsJavaScriptException();
      return info.Env().Undefined();
    }
    const int32_t* ids = info[4].As<Napi::Int32Array>().Data();
    for (int r = 0; r < rows; r++) {
      if (ids[r] < 0 || ids[r] >= inWidth) {
        Napi::RangeError::New(info.Env(), "row id outside the table").ThrowAsJavaScriptException();
        return info.Env().Undefined();
      }
      const float* w = W + size(ids[r]) * width;
      float* o = out + size(r) * width;
      for (int j = 0; j < width; j++) o[j] = w[j] + b[j];
    }
    return info.Env().Undefined();
  }
  for (int r = 0; r < rows; r++) std::memcpy(out + size(r) * width, b, sizeof(float) * width);
  if (rows > 0 && width > 0 && inWidth > 0) {
    sgemm(CblasNoTrans, CblasNoTrans, rows, width, inWidth, x, inWidth, W, width, 1.f, out, width);
  }
  return info.Env().Undefined();
}

// out[j] = Σ_r x[r][j]: bias gradients. (rows, cols, x, out)
Napi::Value ColumnSums(const Napi::CallbackInfo& info) {
  Args g(info);
  const int rows = g.Int(0), cols = g.Int(1);
  const float* x = g.F32(2, size(rows) * cols);
  float* out = g.F32(3, size(cols));
  if (!g.Ok()) return info.Env().Undefined();
  std::memset(out, 0, sizeof(float) * cols);
  for (int r = 0; r < rows; r++) {
    const float* xr = x + size(r) * cols;
    for (int j = 0; j < cols; j++) out[j] += xr[j];
  }
  return info.Env().Undefined();
}

// out[ids[r]] += x[r] for every row: the gradient of a row lookup. (rows, width, ids, x, out, outRows)
Napi::Value ScatterAddRows(const Napi::CallbackInfo& info) {
  Args g(info);
  const int rows = g.Int(0), width = g.Int(1), outRows = g.Int(5);
  const float* x = g.F32(3, size(rows) * width);
  float* out = g.F32(4, size(outRows) * width);
  if (!g.Ok()) return info.Env().Undefined();
  if (!info[2].IsTypedArray() || info[2].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array ||
      info[2].As<Napi::Int32Array>().ElementLength() < size(rows)) {
    Napi::TypeError::New(info.Env(), "argument 2 must be an Int32Array of row ids").ThrowAsJavaScriptException();
    return info.Env().Undefined();
  }
  const int32_t* ids = info[2].As<Napi::Int32Array>().Data();
  for (int r = 0; r < rows; r++) {
    if (ids[r] < 0 || ids[r] >= outRows) {
      Napi::RangeError::New(info.Env(), "row id outside the table").ThrowAsJavaScriptException();
      return info.Env().Undefined();
    }
    float* o = out + size(ids[r]) * width;
    const float* xr = x + size(r) * width;
    for (int j = 0; j < width; j++) o[j] += xr[j];
  }
  return info.Env().Undefined();
}

// Softmax cross-entropy of each row of logits against its target (−1: not counted), the mean
// loss's gradient ∂L/∂logits = (softmax − onehot(y)) / count written into dLogits (zero rows for
// skipped targets), in one pass per row. Returns Σ −log ŷ⟨y⟩ over counted rows (the mean is the
// caller's division). (rows, V, logits, targets, dLogits|null)
Napi::Value SoftmaxCrossEntropy(const Napi::CallbackInfo& info) {
  Args g(info);
  const int rows = g.Int(0), V = g.Int(1);
  const float* logits = g.F32(2, size(rows) * V);
  if (!g.Ok()) return info.Env().Undefined();
  if (!info[3].IsTypedArray() || info[3].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array ||
      info[3].As<Napi::Int32Array>().ElementLength() < size(rows)) {
    Napi::TypeError::New(info.Env(), "argument 3 must be an Int32Array of targets").ThrowAsJavaScriptException();
    return info.Env().Undefined();
  }
  const int32_t* targets = info[3].As<Napi::Int32Array>().Data();
  float* dLogits = info[4].IsNull() || info[4].IsUndefined() ? nullptr : g.F32(4, size(rows) * V);
  if (!g.Ok()) return info.Env().Undefined();
  int count = 0;
  for (int r = 0; r < rows; r++) {
    if (targets[r] >= V) {
      Napi::RangeError::New(info.Env(), "target outside the vocabulary").ThrowAsJavaScriptException();
      return info.Env().Undefined();
    }
    if (targets[r] >= 0) count++;
  }
  std::vector<float> p(V);
  double total = 0;
  for (int r = 0; r < rows; r++) {
    const int y = targets[r];
    const float* z = logits + size(r) * V;
    float* d = dLogits ? dLogits + size(r) * V : nullptr;
    if (y < 0) {
      if (d) std::memset(d, 0, sizeof(float) * V);
      continue;
    }
    float max = z[0];
    for (int v = 1; v < V; v++) max = z[v] > max ? z[v] : max;
    double sum = 0;
    for (int v = 0; v < V; v++) {
      p[v] = expf_fast(z[v] - max);
      sum += p[v];
    }
    // −log ŷ⟨y⟩ = log Σ e^(z − max) − (z_y − max)
    total += std::log(sum) - (double(z[y]) - max);
    if (d) {
      const double inv = 1 / (sum * count);
      for (int v = 0; v < V; v++) d[v] = float(p[v] * inv);
      d[y] = float(double(d[y]) - 1.0 / count);
    }
  }
  return Napi::Number::New(info.Env(), total);
}

// Adam (Kingma & Ba): m = β1·m + (1 − β1)·g, v = β2·v + (1 − β2)·g², w −= α·m / (√v + ε), with α
// the bias-corrected step size. In double, in the TypeScript reference's order and rounding, so
// both paths give the same bits (no FMA: this function is not in the AVX2 clones).
// (n, w, g, m, v, alpha, beta1, beta2, eps)
Napi::Value Adam(const Napi::CallbackInfo& info) {
  Args g(info);
  const int n = g.Int(0);
  float* w = g.F32(1, size(n));
  const float* gr = g.F32(2, size(n));
  float* m = g.F32(3, size(n));
  float* v = g.F32(4, size(n));
  if (!g.Ok()) return info.Env().Undefined();
  const double alpha = info[5].As<Napi::Number>().DoubleValue();
  const double beta1 = info[6].As<Napi::Number>().DoubleValue();
  const double beta2 = info[7].As<Napi::Number>().DoubleValue();
  const double eps = info[8].As<Napi::Number>().DoubleValue();
  const double c1 = 1 - beta1, c2 = 1 - beta2;
  for (int i = 0; i < n; i++) {
    const double gi = gr[i];
    m[i] = float(beta1 * double(m[i]) + c1 * gi);
    v[i] = float(beta2 * double(v[i]) + c2 * gi * gi);
    w[i] = float(double(w[i]) - (alpha * double(m[i])) / (std::sqrt(double(v[i])) + eps));
  }
  return info.Env().Undefined();
}

// xoshiro128** (the engine's Rng, math.ts), state in place.
inline uint32_t rotl32(uint32_t x, int k) { return (x << k) | (x >> (32 - k)); }
inline uint32_t xoshiroNext(uint32_t* s) {
  const uint32_t result = rotl32(s[1] * 5, 7) * 9;
  const uint32_t t = s[1] << 9;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl32(s[3], 11);
  return result;
}

// Inverted dropout with the engine's Rng: each value of a T×Bfull×W time-major batch draws
// u ∈ [0, 1) in order, mask = 1/keep when u < keep else 0, y = x·mask. Only streams b0…b1−1 are
// kept (x, y and mask hold just those, T×(b1−b0)×W): a data-parallel worker draws what one
// engine over the whole batch would. (T, Bfull, b0, b1, W, keep, x, y, mask, rngState Uint32Array(4))
Napi::Value Dropout(const Napi::CallbackInfo& info) {
  Args g(info);
  const int T = g.Int(0), Bfull = g.Int(1), b0 = g.Int(2), b1 = g.Int(3), W = g.Int(4);
  if (!g.Ok()) return info.Env().Undefined();
  if (!(b0 <= b1 && b1 <= Bfull)) {
    Napi::RangeError::New(info.Env(), "streams outside the batch").ThrowAsJavaScriptException();
    return info.Env().Undefined();
  }
  const size n = size(T) * (b1 - b0) * W;
  const double keep = info[5].As<Napi::Number>().DoubleValue();
  const float* x = g.F32(6, n);
  float* y = g.F32(7, n);
  float* mask = g.F32(8, n);
  if (!g.Ok()) return info.Env().Undefined();
  if (!info[9].IsTypedArray() || info[9].As<Napi::TypedArray>().TypedArrayType() != napi_uint32_array ||
      info[9].As<Napi::Uint32Array>().ElementLength() != 4) {
    Napi::TypeError::New(info.Env(), "argument 9 must be the Rng's Uint32Array(4) state").ThrowAsJavaScriptException();
    return info.Env().Undefined();
  }
  uint32_t* s = info[9].As<Napi::Uint32Array>().Data();
  const float scale = float(1 / keep);
  const size Bs = size(b1 - b0);
  for (int t = 0; t < T; t++) {
    for (int b = 0; b < Bfull; b++) {
      if (b < b0 || b >= b1) {
        for (int j = 0; j < W; j++) xoshiroNext(s);
        continue;
      }
      const size o = (size(t) * Bs + (b - b0)) * W;
      for (int j = 0; j < W; j++) {
        const float mk = double(xoshiroNext(s)) / 4294967296.0 < keep ? scale : 0.f;
        mask[o + j] = mk;
        y[o + j] = x[o + j] * mk;
      }
    }
  }
  return info.Env().Undefined();
}

// setThreads(n): n ≥ 1 fixes OpenBLAS's thread count, 0 returns to the size rule; returns n.
Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  Args g(info);
  const int n = g.Int(0);
  if (!g.Ok()) return info.Env().Undefined();
  if (g_maxThreads == 0) g_maxThreads = openblas_get_num_threads();
  g_fixedThreads = n;
  return Napi::Number::New(info.Env(), n);
}

// ownGemm(): whether one-thread products run the addon's AVX-512 kernel; ownGemm(on) sets it
// (on has no effect without AVX-512) and returns the new state.
Napi::Value OwnGemm(const Napi::CallbackInfo& info) {
#ifdef RNNLAB_OWN_GEMM
  if (info.Length() > 0 && info[0].IsBoolean()) g_ownGemm = g_hasAvx512 && info[0].As<Napi::Boolean>().Value();
  return Napi::Boolean::New(info.Env(), g_ownGemm);
#else
  return Napi::Boolean::New(info.Env(), false);
#endif
}

Napi::Value BlasConfig(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), openblas_get_config());
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  // The cells take a recurrent-dropout mask of c̃ (their last argument); an older build lacks this.
  exports.Set("candidateDropout", Napi::Boolean::New(env, true));
  exports.Set("gemm", Napi::Function::New(env, Gemm));
  exports.Set("lstmForward", Napi::Function::New(env, LstmForward));
  exports.Set("lstmBackward", Napi::Function::New(env, LstmBackward));
  exports.Set("gruForward", Napi::Function::New(env, GruForward));
  exports.Set("gruBackward", Napi::Function::New(env, GruBackward));
  exports.Set("rnnForward", Napi::Function::New(env, RnnForward));
  exports.Set("rnnBackward", Napi::Function::New(env, RnnBackward));
  exports.Set("affine", Napi::Function::New(env, Affine));
  exports.Set("columnSums", Napi::Function::New(env, ColumnSums));
  exports.Set("scatterAddRows", Napi::Function::New(env, ScatterAddRows));
  exports.Set("softmaxCrossEntropy", Napi::Function::New(env, SoftmaxCrossEntropy));
  exports.Set("adam", Napi::Function::New(env, Adam));
  exports.Set("dropout", Napi::Function::New(env, Dropout));
  exports.Set("setThreads", Napi::Function::New(env, SetThreads));
  exports.Set("blasConfig", Napi::Function::New(env, BlasConfig));
  exports.Set("ownGemm", Napi::Function::New(env, OwnGemm));
  return exports;
}

}  // namespace

NODE_API_MODULE(rnnlab_native, Init)
