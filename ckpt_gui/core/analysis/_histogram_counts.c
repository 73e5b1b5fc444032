/* Histogram counts of one chunk of float values over given edges, in one pass, in C.
 *
 * Optional: without it (no compiler at install time) histogram.count_chunk counts with
 * numpy (FineBins, or by sorting), with the same results. Built against the limited API
 * (abi3): one wheel for every Python from 3.11 on.
 *
 * count(values, edges, counts) -> None, or (low, high, zeros)
 *   values: a C-contiguous buffer of float32 or float64 (native byte order);
 *   edges: the histogram's edges, float32 or float64, at least two;
 *   counts: a writable C-contiguous int64 buffer of len(edges) - 1, added to.
 * It returns the values' min, max (as floats) and how many are zero (-0.0 counts),
 * having added each value's bin to counts. It returns None, counts untouched, when the
 * values are not for it: any NaN or Inf, any value outside [edges[0], edges[-1]], no
 * values, or edges that are not finite and non-decreasing. The caller then counts the
 * chunk the general way, which also tells those values apart.
 *
 * The bins are np.histogram's for the same edges, exactly: bin k holds
 * edges[k] <= x < edges[k + 1], the last bin also x == edges[-1]; with repeated edges
 * (equal neighbours: empty bins), x goes to the last bin k whose edges[k] <= x, as
 * np.histogram's searchsorted gives. Every comparison is in double, where float32
 * values and edges are exact, as numpy compares float32 values with float64 edges.
 *
 * Two ways to a value's bin, both exact:
 * - exact_bin: an estimate from ((double)x - edges[0]) * scale, then a comparison of x
 *   with the estimated bin's edges, else a binary search over the edges. The estimate
 *   only decides how fast the answer is found, never what it is: the result depends on
 *   the edges alone (rounding of the scale, subnormal or huge widths, adjacent floats
 *   and repeated edges cannot misplace a value).
 * - for values and edges of the same type, float32 four and float64 two at a time (SSE2,
 *   on x86-64 only): the bin is trunc(t) for t = (x - edges[0]) * scale in that type,
 *   unless t's fraction is within a margin of an integer, where exact_bin decides. The
 *   margin is proved per call: t is monotone in x (IEEE subtraction, multiplication by
 *   a positive number), so with m at least t(below(e_j)) - j and j - t(e_j) for every
 *   inner edge e_j (below(e): the value of that type just under e), a value whose t
 *   lies strictly between k + m and k + 1 - m is at or above every inner edge up to k
 *   (t(x) > t(below(e_j))) and below every later one (t(x) < t(e_j)): its bin is k.
 *   When no useful margin exists (a range of a few floats a bin, repeated edges, an
 *   overflowing width), every value takes exact_bin.
 *
 * The loop runs without the interpreter lock (chunks are counted on several threads,
 * and the app's GUI thread must not wait). Four partial histograms, one per value in
 * a group of four, so that runs of values in the same bin do not wait on each other's
 * increment.
 */
#define Py_LIMITED_API 0x030B0000
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

/* Several values at a time where SSE2 is part of the platform (x86-64) and float and
 * double arithmetic is done in their own precision (not x87's wider registers, which
 * would make the per-call margin proof and the per-value arithmetic differ). Elsewhere
 * every value takes exact_bin, with the same results. */
#if !defined(HISTOGRAM_COUNTS_SCALAR) /* a test builds it so, to check the other platforms' way */ \
    && (defined(__SSE2__) || defined(_M_X64)) && defined(FLT_EVAL_METHOD) && FLT_EVAL_METHOD == 0
#define HAVE_SSE2 1
#include <emmintrin.h>
#endif

#define WAYS 4 /* partial histograms */
#define BLOCK 1024 /* values checked and estimated before they are counted (in L1) */

typedef struct {
    double lower, upper; /* bin k: lower <= x < upper (-inf for the first, +inf for the last) */
} bounds_t;

typedef struct {
    const double *e; /* the edges, as doubles */
    const bounds_t *b;
    Py_ssize_t bins;
    double first, last; /* e[0], e[bins] */
    double half;        /* 1, or 0.5 when last - first overflows (the whole float64 range) */
    double offset;      /* first * half */
    double scale;       /* bins / (last - first) (halves: bins / (last/2 - first/2)) */
    double top;         /* (double)bins */
} grid_t;

typedef struct {
    double low, high;
    Py_ssize_t zeros;
} summary_t;

/* The last k in 0..bins-1 with e[k] <= x, for e[0] <= x <= e[bins]. */
static inline Py_ssize_t exact_bin(const grid_t *g, double x) {
    double t = (x * g->half - g->offset) * g->scale; /* NaN (0 * inf) and negatives: 0 */
    Py_ssize_t k = t > 0 ? (t < g->top ? (Py_ssize_t)t : g->bins - 1) : 0;
    if (g->b[k].lower <= x && x < g->b[k].upper) return k;
    /* Off the estimate (an edge's rounding, repeated edges, a scale that overflowed). */
    const double *e = g->e;
    Py_ssize_t lo = 0, hi = g->bins; /* the first k with e[k] > x is in lo..hi */
    while (lo < hi) {
        Py_ssize_t mid = lo + (hi - lo) / 2;
        if (e[mid] <= x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo - 1; /* lo >= 1: e[0] <= x */
}

/* count_f32 / count_f64, one value at a time from start: 0 after counting values
 * start..n-1 into sub (WAYS rows of bins + 1) and folding them into s, -1 at the first
 * value that is not for this kernel (sub then partly filled: discarded). */
#define DEFINE_COUNT(NAME, T)                                                                           \
    static int NAME(const T *v, Py_ssize_t start, Py_ssize_t n, const grid_t *g, int64_t *sub,          \
                    summary_t *s) {                                                                     \
        double low = s->low, high = s->high;                                                            \
        Py_ssize_t zeros = 0;                                                                           \
        const double first = g->first, last = g->last;                                                  \
        const Py_ssize_t stride = g->bins + 1;                                                          \
        for (Py_ssize_t i = start; i < n; i++) {                                                        \
            double x = (double)v[i];                                                                    \
            if (!(x >= first && x <= last)) return -1; /* NaN too */                                    \
            low = x < low ? x : low;                                                                    \
            high = x > high ? x : high;                                                                 \
            zeros += x == 0.0;                                                                          \
            sub[(i % WAYS) * stride + exact_bin(g, x)]++;                                               \
        }                                                                                               \
        s->low = low;                                                                                   \
        s->high = high;                                                                                 \
        s->zeros += zeros;                                                                              \
        return 0;                                                                                       \
    }

DEFINE_COUNT(count_f32, float)
DEFINE_COUNT(count_f64, double)

#ifdef HAVE_SSE2
/* The fast way's arithmetic, in the values' own type: fine_f32 for float32 values and
 * edges, fine_f64 for float64 ones. */
#define DEFINE_FINE(FINE, T, NEXT_BELOW)                                                                \
    typedef struct {                                                                                    \
        T first, last, scale;                                                                           \
        T near_low, near_high; /* fast when near_low < frac(t) < near_high */                          \
    } FINE;                                                                                             \
                                                                                                        \
    static inline T FINE##_t(const FINE *p, T x) {                                                      \
        return (x - p->first) * p->scale;                                                               \
    }                                                                                                   \
                                                                                                        \
    /* The margin proof (see the top of the file) for these edges (as doubles, exact);                 \
     * 0 when there is no useful margin: then every value takes exact_bin. */                          \
    static int FINE##_plan(const double *ef, Py_ssize_t bins, FINE *p) {                                \
        if (bins >= (1 << 22)) return 0; /* t and its integer part exact in float32 */                  \
        p->first = (T)ef[0];                                                                            \
        p->last = (T)ef[bins];                                                                          \
        p->scale = (T)bins / (p->last - p->first);                                                      \
        if (!(isfinite(p->scale) && p->scale > 0)) return 0;                                            \
        T top = FINE##_t(p, p->last);                                                                   \
        if (!(top < (T)(bins + 1))) return 0; /* trunc(t) <= bins for every value (NaN: no) */         \
        double m = 0.0;                                                                                 \
        for (Py_ssize_t j = 1; j < bins; j++) {                                                         \
            T edge = (T)ef[j];                                                                          \
            double at = (double)FINE##_t(p, edge), below = (double)FINE##_t(p, NEXT_BELOW(edge));       \
            double worst = below - (double)j > (double)j - at ? below - (double)j : (double)j - at;     \
            m = worst > m ? worst : m;                                                                  \
        }                                                                                               \
        if (!(m < 0.25)) return 0;                                                                      \
        /* near_low >= m and near_high <= 1 - m, exactly */                                             \
        T low = (T)m, high = (T)(1.0 - m);                                                              \
        if ((double)low < m) low = (T)nextafter((double)low, INFINITY);                                 \
        while (sum_above_one((double)high, m)) high = (T)nextafter((double)high, 0.0);                  \
        p->near_low = low;                                                                              \
        p->near_high = high;                                                                            \
        return 1;                                                                                       \
    }

/* a + b > 1, exactly (TwoSum: the rounding error of a + b is itself a double). */
static int sum_above_one(double a, double b) {
    double sum = a + b, b_part = sum - a, error = (a - (sum - b_part)) + (b - b_part);
    return sum > 1.0 || (sum == 1.0 && error > 0.0);
}

static inline float below_f32(float x) {
    return nextafterf(x, -INFINITY);
}
static inline double below_f64(double x) {
    return nextafter(x, -INFINITY);
}
DEFINE_FINE(fine_f32, float, below_f32)
DEFINE_FINE(fine_f64, double, below_f64)

/* Counts a block whose values are all inside the edges: idx[j] is value j's bin unless
 * bit j % 4 of near[j / 4] is set (near an edge: exact_bin decides). */
#define DEFINE_TALLY(NAME, T)                                                                           \
    static void NAME(const T *block, Py_ssize_t count, const int32_t *idx, const int *near,            \
                     const grid_t *g, int64_t *sub) {                                                   \
        const Py_ssize_t stride = g->bins + 1;                                                          \
        for (Py_ssize_t j = 0; j < count; j += 4) {                                                     \
            if (near[j / 4] == 0) {                                                                     \
                sub[idx[j]]++;                                                                          \
                sub[stride + idx[j + 1]]++;                                                             \
                sub[2 * stride + idx[j + 2]]++;                                                         \
                sub[3 * stride + idx[j + 3]]++;                                                         \
            } else {                                                                                    \
                for (int w = 0; w < 4; w++) {                                                           \
                    Py_ssize_t k = near[j / 4] >> w & 1 ? exact_bin(g, (double)block[j + w]) : idx[j + w]; \
                    sub[w * stride + k]++;                                                              \
                }                                                                                       \
            }                                                                                           \
        }                                                                                               \
    }

DEFINE_TALLY(tally_f32, float)
DEFINE_TALLY(tally_f64, double)

/* count_f32 four at a time: the same contract as count_f32. */
static int count_f32_fine(const float *v, Py_ssize_t n, const grid_t *g, const fine_f32 *p, int64_t *sub,
                          summary_t *s) {
    int32_t idx[BLOCK];
    int near[BLOCK / 4];
    const __m128 first = _mm_set1_ps(p->first), last = _mm_set1_ps(p->last), scale = _mm_set1_ps(p->scale);
    const __m128 near_low = _mm_set1_ps(p->near_low), near_high = _mm_set1_ps(p->near_high);
    const __m128 zero = _mm_setzero_ps();
    __m128 low = _mm_set1_ps(v[0]), high = low;
    Py_ssize_t zeros = 0, whole = n - n % 4;
    for (Py_ssize_t i = 0; i < whole; i += BLOCK) {
        Py_ssize_t count = whole - i < BLOCK ? whole - i : BLOCK;
        const float *block = v + i;
        __m128 inside = _mm_castsi128_ps(_mm_set1_epi32(-1));
        __m128i zero_lanes = _mm_setzero_si128();
        for (Py_ssize_t j = 0; j < count; j += 4) {
            __m128 x = _mm_loadu_ps(block + j);
            /* false for NaN: NaN compares false */
            inside = _mm_and_ps(inside, _mm_and_ps(_mm_cmpge_ps(x, first), _mm_cmple_ps(x, last)));
            low = _mm_min_ps(low, x);
            high = _mm_max_ps(high, x);
            zero_lanes = _mm_sub_epi32(zero_lanes, _mm_castps_si128(_mm_cmpeq_ps(x, zero)));
            __m128 t = _mm_mul_ps(_mm_sub_ps(x, first), scale);
            __m128i k = _mm_cvttps_epi32(t);
            __m128 frac = _mm_sub_ps(t, _mm_cvtepi32_ps(k)); /* exact: 0 <= t < 2^23 */
            near[j / 4] = _mm_movemask_ps(_mm_or_ps(_mm_cmple_ps(frac, near_low), _mm_cmpge_ps(frac, near_high)));
            _mm_storeu_si128((__m128i *)(idx + j), k);
        }
        if (_mm_movemask_ps(inside) != 0xF) return -1; /* before any idx is used: they may be garbage */
        int32_t lanes[4];
        _mm_storeu_si128((__m128i *)lanes, zero_lanes);
        zeros += (Py_ssize_t)lanes[0] + lanes[1] + lanes[2] + lanes[3];
        tally_f32(block, count, idx, near, g, sub);
    }
    float lows[4], highs[4];
    _mm_storeu_ps(lows, low);
    _mm_storeu_ps(highs, high);
    s->low = s->high = lows[0];
    for (int w = 0; w < 4; w++) {
        s->low = lows[w] < s->low ? lows[w] : s->low;
        s->high = highs[w] > s->high ? highs[w] : s->high;
    }
    s->zeros = zeros;
    return count_f32(v, whole, n, g, sub, s); /* the last n % 4 values */
}

/* count_f64 two at a time (four per step): the same contract as count_f64. */
static int count_f64_fine(const double *v, Py_ssize_t n, const grid_t *g, const fine_f64 *p, int64_t *sub,
                          summary_t *s) {
    int32_t idx[BLOCK];
    int near[BLOCK / 4];
    const __m128d first = _mm_set1_pd(p->first), last = _mm_set1_pd(p->last), scale = _mm_set1_pd(p->scale);
    const __m128d near_low = _mm_set1_pd(p->near_low), near_high = _mm_set1_pd(p->near_high);
    const __m128d zero = _mm_setzero_pd();
    __m128d low = _mm_set1_pd(v[0]), high = low;
    Py_ssize_t zeros = 0, whole = n - n % 4;
    for (Py_ssize_t i = 0; i < whole; i += BLOCK) {
        Py_ssize_t count = whole - i < BLOCK ? whole - i : BLOCK;
        const double *block = v + i;
        __m128d inside = _mm_castsi128_pd(_mm_set1_epi32(-1));
        __m128i zero_lanes = _mm_setzero_si128();
        for (Py_ssize_t j = 0; j < count; j += 4) {
            int mask = 0;
            for (int half = 0; half < 2; half++) {
                __m128d x = _mm_loadu_pd(block + j + 2 * half);
                inside = _mm_and_pd(inside, _mm_and_pd(_mm_cmpge_pd(x, first), _mm_cmple_pd(x, last)));
                low = _mm_min_pd(low, x);
                high = _mm_max_pd(high, x);
                zero_lanes = _mm_sub_epi64(zero_lanes, _mm_castpd_si128(_mm_cmpeq_pd(x, zero)));
                __m128d t = _mm_mul_pd(_mm_sub_pd(x, first), scale);
                __m128i k = _mm_cvttpd_epi32(t);                  /* two int32 in the low half */
                __m128d frac = _mm_sub_pd(t, _mm_cvtepi32_pd(k)); /* exact: 0 <= t < 2^23 */
                mask |= _mm_movemask_pd(_mm_or_pd(_mm_cmple_pd(frac, near_low), _mm_cmpge_pd(frac, near_high)))
                        << (2 * half);
                _mm_storel_epi64((__m128i *)(idx + j + 2 * half), k);
            }
            near[j / 4] = mask;
        }
        if (_mm_movemask_pd(inside) != 0x3) return -1; /* before any idx is used: they may be garbage */
        int64_t lanes[2];
        _mm_storeu_si128((__m128i *)lanes, zero_lanes);
        zeros += (Py_ssize_t)(lanes[0] + lanes[1]);
        tally_f64(block, count, idx, near, g, sub);
    }
    double lows[2], highs[2];
    _mm_storeu_pd(lows, low);
    _mm_storeu_pd(highs, high);
    s->low = lows[0] < lows[1] ? lows[0] : lows[1];
    s->high = highs[0] > highs[1] ? highs[0] : highs[1];
    s->zeros = zeros;
    return count_f64(v, whole, n, g, sub, s); /* the last n % 4 values */
}
#endif

/* 'f' or 'd' for a native float32/float64 buffer, 'q' for a native int64 one, else 0. */
static char kind_of(const Py_buffer *b) {
    const char *f = b->format ? b->format : "B";
    if (*f == '@' || *f == '=') f++;
    if (f[0] == '\0' || f[1] != '\0') return 0;
    switch (f[0]) {
        case 'f': return b->itemsize == 4 ? 'f' : 0;
        case 'd': return b->itemsize == 8 ? 'd' : 0;
        case 'l':
        case 'q': return b->itemsize == 8 ? 'q' : 0;
        default: return 0;
    }
}

static PyObject *count(PyObject *self, PyObject *args) {
    PyObject *values_obj, *edges_obj, *counts_obj;
    if (!PyArg_ParseTuple(args, "OOO:count", &values_obj, &edges_obj, &counts_obj)) return NULL;
    Py_buffer vb, eb, cb;
    if (PyObject_GetBuffer(values_obj, &vb, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) return NULL;
    if (PyObject_GetBuffer(edges_obj, &eb, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) {
        PyBuffer_Release(&vb);
        return NULL;
    }
    if (PyObject_GetBuffer(counts_obj, &cb, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | PyBUF_WRITABLE) < 0) {
        PyBuffer_Release(&eb);
        PyBuffer_Release(&vb);
        return NULL;
    }
    PyObject *result = NULL;
    double *e = NULL;
    bounds_t *b = NULL;
    int64_t *sub = NULL;
    char vkind = kind_of(&vb), ekind = kind_of(&eb);
    Py_ssize_t n = vb.len / (vb.itemsize ? vb.itemsize : 1), ne = eb.len / (eb.itemsize ? eb.itemsize : 1);
    Py_ssize_t bins = ne - 1;
    if ((vkind != 'f' && vkind != 'd') || (ekind != 'f' && ekind != 'd') || kind_of(&cb) != 'q') {
        PyErr_SetString(PyExc_TypeError, "count() takes float32/float64 values and edges and int64 counts");
        goto done;
    }
    if (bins < 1 || cb.len / 8 != bins) {
        PyErr_SetString(PyExc_ValueError, "count() needs at least two edges and one count per bin");
        goto done;
    }
    e = PyMem_Malloc((size_t)ne * sizeof(double));
    b = PyMem_Malloc((size_t)bins * sizeof(bounds_t));
    sub = PyMem_Calloc((size_t)(bins + 1) * WAYS, sizeof(int64_t));
    if (e == NULL || b == NULL || sub == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    /* Values at an address not a multiple of their size (np.frombuffer at an odd offset)
     * are left to numpy; the few edges are copied whatever their address. */
    int usable = n > 0 && (uintptr_t)vb.buf % (uintptr_t)vb.itemsize == 0;
    for (Py_ssize_t k = 0; k < ne; k++) {
        if (ekind == 'f') {
            float edge;
            memcpy(&edge, (const char *)eb.buf + k * 4, 4);
            e[k] = edge;
        } else {
            memcpy(&e[k], (const char *)eb.buf + k * 8, 8);
        }
        /* NaN fails both; a decreasing pair fails the second */
        if (!isfinite(e[k]) || (k > 0 && !(e[k - 1] <= e[k]))) usable = 0;
    }
    if (!usable) {
        Py_INCREF(Py_None);
        result = Py_None;
        goto done;
    }
    for (Py_ssize_t k = 0; k < bins; k++) {
        b[k].lower = k == 0 ? -INFINITY : e[k];
        b[k].upper = k == bins - 1 ? INFINITY : e[k + 1];
    }
    grid_t g = {e, b, bins, e[0], e[bins], 1.0, e[0], 0.0, (double)bins};
    if (!isfinite(e[bins] - e[0])) {
        g.half = 0.5;
        g.offset = e[0] * 0.5;
    }
    g.scale = (double)bins / (e[bins] * g.half - g.offset); /* inf for a zero or tiny width: exact_bin copes */
    summary_t s = {0.0, 0.0, 0};
    int status;
    int64_t *out = (int64_t *)cb.buf;
    Py_BEGIN_ALLOW_THREADS
#ifdef HAVE_SSE2
    fine_f32 fine32;
    fine_f64 fine64;
    if (vkind == 'f' && ekind == 'f' && fine_f32_plan(e, bins, &fine32)) {
        status = count_f32_fine((const float *)vb.buf, n, &g, &fine32, sub, &s);
    } else if (vkind == 'd' && ekind == 'd' && fine_f64_plan(e, bins, &fine64)) {
        status = count_f64_fine((const double *)vb.buf, n, &g, &fine64, sub, &s);
    } else
#endif
    {
        s.low = s.high = vkind == 'f' ? (double)((const float *)vb.buf)[0] : ((const double *)vb.buf)[0];
        status = vkind == 'f' ? count_f32((const float *)vb.buf, 0, n, &g, sub, &s)
                              : count_f64((const double *)vb.buf, 0, n, &g, sub, &s);
    }
    if (status == 0) {
        for (Py_ssize_t w = 0; w < WAYS; w++) {
            for (Py_ssize_t k = 0; k < bins; k++) out[k] += sub[w * (bins + 1) + k];
            out[bins - 1] += sub[w * (bins + 1) + bins]; /* t at the top edge: the last bin includes it */
        }
    }
    Py_END_ALLOW_THREADS
    if (status != 0) {
        Py_INCREF(Py_None);
        result = Py_None;
    } else {
        result = Py_BuildValue("(ddn)", s.low, s.high, s.zeros);
    }
done:
    PyMem_Free(sub);
    PyMem_Free(b);
    PyMem_Free(e);
    PyBuffer_Release(&cb);
    PyBuffer_Release(&eb);
    PyBuffer_Release(&vb);
    return result;
}

static PyMethodDef methods[] = {
    {"count", count, METH_VARARGS,
     "count(values, edges, counts) -> None, or (low, high, zeros) after adding the values' "
     "histogram to counts (see the module's source)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "_histogram_counts", "Histogram counts of float values over given edges, in C.", -1,
    methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__histogram_counts(void) {
    return PyModule_Create(&module_def);
}
