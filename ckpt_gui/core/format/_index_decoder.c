/* One data block of a checkpoint's .index (a LevelDB table block of BundleEntryProto
 * values) -> the columns bundle_blocks.decode_common_entries adds, in C.
 *
 * Optional, like _graph_decoder.c: without it bundle_blocks decodes in Python, with
 * the same results. Built against the limited API (abi3).
 *
 * The bytes are untrusted. Every varint, length and offset is checked against the end
 * of what holds it before it is used (the readers: wire.h); the arrays grow as entries are found (each entry
 * takes at least 9 bytes), never from a size read from the bytes. The decoder accepts
 * only blocks of ordinary entries laid out as TensorFlow writes them:
 *
 *   shared, unshared and value lengths (varints: under 16384, 16384, 128), the key's
 *   unshared bytes (the key: valid UTF-8, not empty, not a slice key starting with a
 *   0 byte, each one greater than the one before), then the value, exactly
 *   08 <dtype 1..33> [12 <shape length> (12 <dim length> [08 <size under 2^63>])*]
 *   [18 <shard_id>] [20 <offset>] [28 <size>] 35 <crc32c, 4 bytes>
 *
 * and returns None on anything else (an error included): the Python decoders then
 * decode the block and report errors in their own words. What it accepts it decodes
 * as they do (tests/test_c_decoders.py and tools/fuzz_c_decoders.py check this).
 *
 * decode_block(block, start, limit, previous) -> None or
 *     (last_key, keys, dtype_enums, shapes, shard_ids, offsets, sizes, crcs)
 * over block[start:limit], `previous` the key before the block's first; dtype_enums
 * are bytes (one per entry), keys str, the rest lists of ints and int tuples.
 */
#define Py_LIMITED_API 0x030B0000
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"

enum { MAX_DIMS = 64 }; /* a shape of at most 127 bytes holds at most 63 dims */

typedef struct {
    Py_ssize_t key_off, key_len; /* where the key is in the key arena */
    Py_ssize_t shape_off, shape_len; /* the shape's dims, in the block */
    uint8_t dtype;
    uint64_t shard, offset, size;
    uint32_t crc;
} entry_t;

typedef struct {
    uint8_t *bytes;
    Py_ssize_t count, capacity;
} arena_t;

static int grow(void **items, Py_ssize_t *capacity, Py_ssize_t needed, size_t size) {
    if (needed <= *capacity) return OK;
    Py_ssize_t capacity2 = *capacity ? *capacity : 256;
    while (capacity2 < needed) capacity2 *= 2;
    void *grown = realloc(*items, (size_t)capacity2 * size);
    if (grown == NULL) return NO_MEMORY;
    *items = grown;
    *capacity = capacity2;
    return OK;
}

/* The dims of a TensorShapeProto made only of dims `12 <length> [08 <size>]`. */
static int check_shape(const uint8_t *b, Py_ssize_t pos, Py_ssize_t end) {
    int dims = 0;
    while (pos < end) {
        Py_ssize_t length;
        uint64_t size;
        if (b[pos] != 0x12) return DOUBT;
        pos++;
        if (read_length(b, end, &pos, &length)) return DOUBT;
        Py_ssize_t dim_end = pos + length;
        if (pos < dim_end) {
            if (b[pos] != 0x08) return DOUBT;
            pos++;
            if (read_varint(b, dim_end, &pos, &size) || pos != dim_end || size >> 63) return DOUBT;
        }
        if (++dims >= MAX_DIMS) return DOUBT;
    }
    return OK;
}

/* An optional varint field with a one-byte tag. */
static int optional_varint(const uint8_t *b, Py_ssize_t end, Py_ssize_t *pos, uint8_t tag, uint64_t *out) {
    *out = 0;
    if (*pos < end && b[*pos] == tag) {
        (*pos)++;
        return read_varint(b, end, pos, out);
    }
    return OK;
}

/* One BundleEntryProto as TensorFlow lays out an ordinary entry (see the top). */
static int scan_value(const uint8_t *b, Py_ssize_t pos, Py_ssize_t end, entry_t *e) {
    if (end - pos < 7 || b[pos] != 0x08 || b[pos + 1] < 1 || b[pos + 1] > 33) return DOUBT;
    e->dtype = b[pos + 1];
    pos += 2;
    e->shape_off = pos;
    e->shape_len = 0;
    if (b[pos] == 0x12) {
        Py_ssize_t length;
        pos++;
        if (read_length(b, end, &pos, &length) || check_shape(b, pos, pos + length)) return DOUBT;
        e->shape_off = pos;
        e->shape_len = length;
        pos += length;
    }
    if (optional_varint(b, end, &pos, 0x18, &e->shard) || optional_varint(b, end, &pos, 0x20, &e->offset) ||
        optional_varint(b, end, &pos, 0x28, &e->size))
        return DOUBT;
    if (end - pos != 5 || b[pos] != 0x35) return DOUBT;
    e->crc = (uint32_t)b[pos + 1] | (uint32_t)b[pos + 2] << 8 | (uint32_t)b[pos + 3] << 16 | (uint32_t)b[pos + 4] << 24;
    return OK;
}

static int less(const uint8_t *a, Py_ssize_t a_len, const uint8_t *b, Py_ssize_t b_len) {
    Py_ssize_t n = a_len < b_len ? a_len : b_len;
    int order = memcmp(a, b, (size_t)n);
    return order < 0 || (order == 0 && a_len < b_len);
}

/* The entries of block[start:limit]; each key is put whole into `keys`. */
static int scan_block(const uint8_t *b, Py_ssize_t start, Py_ssize_t limit, const uint8_t *previous,
                      Py_ssize_t previous_len, entry_t **entries, Py_ssize_t *count, arena_t *keys) {
    Py_ssize_t pos = start, capacity = 0;
    const uint8_t *last = previous; /* the previous key: `previous`, then in the arena */
    Py_ssize_t last_off = -1, last_len = previous_len;
    while (pos < limit) {
        uint64_t shared, unshared, value_length;
        if (read_varint(b, limit, &pos, &shared) || read_varint(b, limit, &pos, &unshared) ||
            read_varint(b, limit, &pos, &value_length))
            return DOUBT;
        /* A block's first entry shares nothing: its key is whole (TensorFlow's block
           iterator starts each block from an empty key and calls more corrupt). */
        if (shared >= 16384 || unshared >= 16384 || value_length >= 128 || shared > (uint64_t)last_len ||
            (*count == 0 && shared != 0))
            return DOUBT;
        if (unshared + value_length > (uint64_t)(limit - pos)) return DOUBT;
        Py_ssize_t key_len = (Py_ssize_t)(shared + unshared);
        if (key_len == 0) return DOUBT;
        if (grow((void **)&keys->bytes, &keys->capacity, keys->count + key_len, 1)) return NO_MEMORY;
        if (last_off >= 0) last = keys->bytes + last_off; /* the arena may have moved */
        uint8_t *key = keys->bytes + keys->count;
        memcpy(key, last, (size_t)shared);
        memcpy(key + shared, b + pos, (size_t)unshared);
        if (key[0] == 0 || !less(last, last_len, key, key_len)) return DOUBT; /* a slice key, or out of order */
        if (grow((void **)entries, &capacity, *count + 1, sizeof(entry_t))) return NO_MEMORY;
        entry_t *e = &(*entries)[*count];
        e->key_off = keys->count;
        e->key_len = key_len;
        pos += (Py_ssize_t)unshared;
        if (scan_value(b, pos, pos + (Py_ssize_t)value_length, e)) return DOUBT;
        pos += (Py_ssize_t)value_length;
        last_off = keys->count;
        last_len = key_len;
        keys->count += key_len;
        (*count)++;
    }
    return *count ? OK : DOUBT;
}

/* -- the Python objects ---------------------------------------------------------- */

static PyObject *shape_tuple(const uint8_t *b, const entry_t *e) {
    uint64_t dims[MAX_DIMS];
    Py_ssize_t n = 0, pos = e->shape_off, end = e->shape_off + e->shape_len;
    while (pos < end) { /* checked by check_shape */
        uint64_t length = 0, size = 0;
        pos++;
        read_varint(b, end, &pos, &length);
        Py_ssize_t dim_end = pos + (Py_ssize_t)length;
        if (pos < dim_end) {
            pos++;
            read_varint(b, dim_end, &pos, &size);
        }
        dims[n++] = size;
        pos = dim_end;
    }
    PyObject *shape = PyTuple_New(n);
    if (shape == NULL) return NULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *dim = PyLong_FromUnsignedLongLong(dims[i]);
        if (dim == NULL || PyTuple_SetItem(shape, i, dim) < 0) {
            Py_DECREF(shape);
            return NULL;
        }
    }
    return shape;
}

/* The shape's tuple, the previous entry's again when the bytes are the same. */
static PyObject *shape_of(const uint8_t *b, const entry_t *e, const entry_t **last, PyObject **last_shape) {
    if (*last_shape == NULL || (*last)->shape_len != e->shape_len ||
        memcmp(b + (*last)->shape_off, b + e->shape_off, (size_t)e->shape_len)) {
        Py_XDECREF(*last_shape);
        *last_shape = shape_tuple(b, e);
        if (*last_shape == NULL) return NULL;
        *last = e;
    }
    Py_INCREF(*last_shape);
    return *last_shape;
}

#define BUILD_LIST(list, count, expression)                         \
    do {                                                            \
        list = PyList_New(count);                                   \
        if (list == NULL) goto fail;                                \
        for (Py_ssize_t i = 0; i < (count); i++) {                  \
            PyObject *item = (expression);                          \
            if (item == NULL || PyList_SetItem(list, i, item) < 0) \
                goto fail;                                          \
        }                                                           \
    } while (0)

static PyObject *columns(const uint8_t *b, const entry_t *entries, Py_ssize_t count, const arena_t *keys) {
    PyObject *names = NULL, *dtypes = NULL, *shapes = NULL, *shards = NULL, *offsets = NULL, *sizes = NULL;
    PyObject *crcs = NULL, *last_key = NULL, *last_shape = NULL;
    const entry_t *last = NULL;
    names = PyList_New(count);
    if (names == NULL) goto fail;
    for (Py_ssize_t i = 0; i < count; i++) {
        const entry_t *e = &entries[i];
        PyObject *name = PyUnicode_DecodeUTF8((const char *)keys->bytes + e->key_off, e->key_len, NULL);
        if (name == NULL) {
            if (!PyErr_ExceptionMatches(PyExc_UnicodeDecodeError)) goto fail;
            PyErr_Clear(); /* not UTF-8: the Python decoder keeps such keys with surrogates */
            Py_DECREF(names);
            Py_RETURN_NONE;
        }
        PyList_SetItem(names, i, name);
    }
    dtypes = PyBytes_FromStringAndSize(NULL, count);
    if (dtypes == NULL) goto fail;
    char *dtype_bytes = PyBytes_AsString(dtypes);
    if (dtype_bytes == NULL) goto fail;
    for (Py_ssize_t i = 0; i < count; i++) dtype_bytes[i] = (char)entries[i].dtype;
    BUILD_LIST(shapes, count, shape_of(b, &entries[i], &last, &last_shape));
    BUILD_LIST(shards, count, PyLong_FromUnsignedLongLong(entries[i].shard));
    BUILD_LIST(offsets, count, PyLong_FromUnsignedLongLong(entries[i].offset));
    BUILD_LIST(sizes, count, PyLong_FromUnsignedLongLong(entries[i].size));
    BUILD_LIST(crcs, count, PyLong_FromUnsignedLong(entries[i].crc));
    const entry_t *end = &entries[count - 1];
    last_key = PyBytes_FromStringAndSize((const char *)keys->bytes + end->key_off, end->key_len);
    if (last_key == NULL) goto fail;
    Py_XDECREF(last_shape);
    return Py_BuildValue("(NNNNNNNN)", last_key, names, dtypes, shapes, shards, offsets, sizes, crcs);
fail:
    Py_XDECREF(names);
    Py_XDECREF(dtypes);
    Py_XDECREF(shapes);
    Py_XDECREF(shards);
    Py_XDECREF(offsets);
    Py_XDECREF(sizes);
    Py_XDECREF(crcs);
    Py_XDECREF(last_key);
    Py_XDECREF(last_shape);
    return NULL;
}

static PyObject *decode_block(PyObject *module, PyObject *args) {
    (void)module;
    PyObject *block, *previous;
    Py_ssize_t start, limit;
    if (!PyArg_ParseTuple(args, "O!nnO!:decode_block", &PyBytes_Type, &block, &start, &limit, &PyBytes_Type,
                          &previous))
        return NULL;
    const uint8_t *b = (const uint8_t *)PyBytes_AsString(block);
    const uint8_t *p = (const uint8_t *)PyBytes_AsString(previous);
    Py_ssize_t size = PyBytes_Size(block), previous_len = PyBytes_Size(previous);
    if (b == NULL || p == NULL || size < 0 || previous_len < 0) return NULL;
    if (start < 0 || limit > size || start >= limit) Py_RETURN_NONE;
    entry_t *entries = NULL;
    arena_t keys = {NULL, 0, 0};
    Py_ssize_t count = 0;
    int status;
    Py_BEGIN_ALLOW_THREADS
    status = scan_block(b, start, limit, p, previous_len, &entries, &count, &keys);
    Py_END_ALLOW_THREADS
    PyObject *result;
    if (status == NO_MEMORY) {
        result = PyErr_NoMemory();
    } else if (status != OK) {
        Py_INCREF(Py_None);
        result = Py_None;
    } else {
        result = columns(b, entries, count, &keys);
    }
    free(entries);
    free(keys.bytes);
    return result;
}

static PyMethodDef methods[] = {
    {"decode_block", decode_block, METH_VARARGS,
     "decode_block(block, start, limit, previous) -> None, or the block's columns (see the module's source)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "_index_decoder", "A checkpoint index's data block -> columns, in C.", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__index_decoder(void) {
    return PyModule_Create(&module_def);
}
