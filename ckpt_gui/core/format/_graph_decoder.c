/* TrackableObjectGraph bytes -> the columns object_graph_wire.GraphColumns holds, in C.
 *
 * Optional: without it (no compiler at install time) object_graph_wire decodes in
 * Python, with the same results. Built against the limited API (abi3): one wheel for
 * every Python from 3.11 on.
 *
 * The bytes are untrusted. Every varint, length and offset is checked against the end
 * of the message holding it before it is used (the readers: wire.h); nothing is allocated from a size read
 * from the bytes (the arrays grow as fields are found, each taking at least two bytes).
 * The decoder accepts a subset of what the exact Python decoder (decode_exactly)
 * accepts: on anything it is not sure of (any error, a skipped field running past its
 * message, a string field holding a number...) decode() returns None and the Python
 * decoders run, which report errors with their own words. When it accepts, its
 * columns are the ones decode_exactly makes (tests/test_c_decoders.py checks
 * this on real graphs and on mutated ones).
 *
 * decode(blob, between=None, every=8192) -> None or (node_count, parents, child_ids, child_names,
 *     attribute_nodes, attribute_names, full_fields, keys, slot_variables, node_paths,
 *     paths_by_key)
 * full_fields are bytes (decoded when asked for, as from the bulk decoder);
 * node_paths is each node's object path ("a/b/c", None when unreached) when the graph
 * is a tree whose nodes come after their parents and has no slot variables (see
 * object_graph._tree_object_paths), else None; paths_by_key is what that function
 * returns (key -> (path,)) as two lists sorted by key, when it is the usual listing
 * (see paths_by_key()), else None: align() then gives each index key's paths in one
 * pass, without a dict of 200,000 keys.
 *
 * The scan runs without the interpreter lock (the app decodes on a worker thread).
 */
#define Py_LIMITED_API 0x030B0000
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"

typedef struct {
    Py_ssize_t off;
    Py_ssize_t len;
} span_t;

typedef struct {
    Py_ssize_t parent;
    uint64_t id;
    span_t name;
} ref_t;

typedef struct {
    Py_ssize_t node;
    span_t name, full, key;
} attr_t;

typedef struct {
    Py_ssize_t owner;
    uint64_t original;
    span_t name;
    uint64_t slot;
} slot_t;

typedef struct {
    void *items;
    Py_ssize_t count, capacity, size;
} vec_t;

typedef struct {
    const uint8_t *key;
    Py_ssize_t len, row;
} sorted_t;

typedef struct {
    const uint8_t *b;
    Py_ssize_t node_count;
    vec_t refs, attrs, slots;
    int tree;           /* see is_ordered_tree */
    sorted_t *order;    /* the attributes by key, for paths_by_key (or NULL) */
    PyObject *between;  /* called every `every` objects made (borrowed; NULL: the lock let go) */
    Py_ssize_t every;
} scan_t;

static void *vec_push(vec_t *v) {
    if (v->count == v->capacity) {
        Py_ssize_t capacity = v->capacity ? 2 * v->capacity : 256;
        void *items = realloc(v->items, (size_t)capacity * (size_t)v->size);
        if (items == NULL) return NULL;
        v->items = items;
        v->capacity = capacity;
    }
    return (char *)v->items + (size_t)(v->count++) * (size_t)v->size;
}

/* Past the field whose tag starts at *pos (any wire type but groups), by `end`. */
static int skip_field(const uint8_t *b, Py_ssize_t end, Py_ssize_t *pos) {
    uint64_t tag, value;
    Py_ssize_t length;
    if (read_varint(b, end, pos, &tag)) return DOUBT;
    switch (tag & 7) {
    case 0:
        return read_varint(b, end, pos, &value);
    case 1:
        return take(end, pos, 8);
    case 5:
        return take(end, pos, 4);
    case 2:
        if (read_length(b, end, pos, &length)) return DOUBT;
        *pos += length;
        return OK;
    default:
        return DOUBT;
    }
}

enum { ABSENT = 0, NUMBER = 1, STRING = 2 };

typedef struct {
    int kind[4]; /* fields 1 to 3 (0 unused) */
    uint64_t number[4];
    span_t string[4];
} small_t;

/* Fields 1..3 of a flat message of varints and strings (the last of each wins, as in
 * the Python decoder's dict); the others skipped. */
static int small_message(const uint8_t *b, Py_ssize_t pos, Py_ssize_t end, small_t *m) {
    memset(m, 0, sizeof(*m));
    while (pos < end) {
        uint8_t tag = b[pos];
        int field = tag >> 3, wire = tag & 7;
        if (tag >= 0x80 || (wire != 0 && wire != 2)) {
            if (skip_field(b, end, &pos)) return DOUBT;
            continue;
        }
        pos++;
        uint64_t value;
        if (read_varint(b, end, &pos, &value)) return DOUBT;
        if (wire == 2) {
            Py_ssize_t start = pos;
            if (take(end, &pos, value)) return DOUBT;
            if (field >= 1 && field <= 3) {
                m->kind[field] = STRING;
                m->string[field].off = start;
                m->string[field].len = pos - start;
            }
        } else if (field >= 1 && field <= 3) {
            m->kind[field] = NUMBER;
            m->number[field] = value;
        }
    }
    return OK;
}

static int string_of(const small_t *m, int field, span_t *out) {
    if (m->kind[field] == NUMBER) return DOUBT;
    if (m->kind[field] == ABSENT) {
        out->off = 0;
        out->len = 0;
    } else {
        *out = m->string[field];
    }
    return OK;
}

static int number_of(const small_t *m, int field, uint64_t *out) {
    if (m->kind[field] == STRING) return DOUBT;
    *out = m->kind[field] == NUMBER ? m->number[field] : 0;
    return OK;
}

/* One TrackableObject: children (1), attributes (2), slot variables (3). */
static int scan_node(scan_t *s, Py_ssize_t pos, Py_ssize_t node_end) {
    const uint8_t *b = s->b;
    Py_ssize_t node = s->node_count;
    small_t m;
    while (pos < node_end) {
        uint8_t tag = b[pos];
        if (tag != 0x0A && tag != 0x12 && tag != 0x1A) {
            if (skip_field(b, node_end, &pos)) return DOUBT;
            continue;
        }
        pos++;
        Py_ssize_t length;
        if (read_length(b, node_end, &pos, &length)) return DOUBT;
        Py_ssize_t start = pos;
        pos += length;
        if (small_message(b, start, pos, &m)) return DOUBT;
        if (tag == 0x0A) {
            ref_t *r = vec_push(&s->refs);
            if (r == NULL) return NO_MEMORY;
            r->parent = node;
            if (string_of(&m, 2, &r->name) || number_of(&m, 1, &r->id)) return DOUBT;
        } else if (tag == 0x12) {
            attr_t *a = vec_push(&s->attrs);
            if (a == NULL) return NO_MEMORY;
            a->node = node;
            if (string_of(&m, 1, &a->name) || string_of(&m, 2, &a->full) || string_of(&m, 3, &a->key))
                return DOUBT;
        } else {
            slot_t *v = vec_push(&s->slots);
            if (v == NULL) return NO_MEMORY;
            v->owner = node;
            if (number_of(&m, 1, &v->original) || string_of(&m, 2, &v->name) || number_of(&m, 3, &v->slot))
                return DOUBT;
        }
    }
    s->node_count++;
    return OK;
}

/* TrackableObjectGraph { repeated TrackableObject nodes = 1; }, other fields skipped. */
static int scan_graph(scan_t *s, Py_ssize_t end) {
    const uint8_t *b = s->b;
    Py_ssize_t pos = 0;
    while (pos < end) {
        if (b[pos] != 0x0A) {
            if (skip_field(b, end, &pos)) return DOUBT;
            continue;
        }
        pos++;
        Py_ssize_t length;
        if (read_length(b, end, &pos, &length)) return DOUBT;
        Py_ssize_t start = pos;
        pos += length;
        int status = scan_node(s, start, pos);
        if (status) return status;
    }
    return OK;
}

/* -- the Python objects ---------------------------------------------------------- */

static PyObject *text(const uint8_t *b, span_t span) {
    return PyUnicode_DecodeUTF8((const char *)b + span.off, span.len, "surrogateescape");
}

/* Every 8192 objects (`every`), let another thread take the interpreter lock if it waits for it
 * (the app's GUI thread, while a worker decodes): making the objects of 200,000
 * variables is a few tenths of a second, too long a hold in one go. With a `between`
 * callable (lock_slices.let_go), call it there instead: the app's worker then waits
 * while the GUI thread is at work (app/gui_first.py), rather than taking the lock back
 * between two of the GUI thread's calls into Python. An exception it raises ends the
 * decoding (goto `failed`). The lists being filled are not yet seen by any other code. */
#define YIELD_GIL(i, failed)                                  \
    do {                                                      \
        if ((i) % s->every == s->every - 1) {                 \
            if (s->between != NULL) {                         \
                PyObject *done_ = PyObject_CallNoArgs(s->between); \
                if (done_ == NULL) goto failed;               \
                Py_DECREF(done_);                             \
            } else {                                          \
                Py_BEGIN_ALLOW_THREADS Py_END_ALLOW_THREADS   \
            }                                                 \
        }                                                     \
    } while (0)

/* A list of `count` new references made by make(i); NULL (an exception set) on failure. */
#define BUILD_LIST(list, count, expression)                         \
    do {                                                            \
        list = PyList_New(count);                                   \
        if (list == NULL) goto fail;                                \
        for (Py_ssize_t i = 0; i < (count); i++) {                  \
            PyObject *item = (expression);                          \
            if (item == NULL || PyList_SetItem(list, i, item) < 0) \
                goto fail;                                          \
            YIELD_GIL(i, fail);                                     \
        }                                                           \
    } while (0)

/* An int for a node id, the previous one again when it repeats (a node's references). */
static PyObject *node_int(Py_ssize_t node, Py_ssize_t *last, PyObject **last_int) {
    if (*last_int == NULL || node != *last) {
        Py_XDECREF(*last_int);
        *last_int = PyLong_FromSsize_t(node);
        if (*last_int == NULL) return NULL;
        *last = node;
    }
    Py_INCREF(*last_int);
    return *last_int;
}

/* An attribute name, the previous one again when its bytes repeat (VARIABLE_VALUE). */
static PyObject *attribute_name(const uint8_t *b, span_t span, span_t *last, PyObject **last_text) {
    if (*last_text == NULL || span.len != last->len || memcmp(b + span.off, b + last->off, (size_t)span.len)) {
        Py_XDECREF(*last_text);
        *last_text = text(b, span);
        if (*last_text == NULL) return NULL;
        *last = span;
    }
    Py_INCREF(*last_text);
    return *last_text;
}

static PyObject *slot_tuple(const uint8_t *b, const slot_t *v) {
    PyObject *owner = PyLong_FromSsize_t(v->owner);
    PyObject *original = PyLong_FromUnsignedLongLong(v->original);
    PyObject *name = text(b, v->name);
    PyObject *slot = PyLong_FromUnsignedLongLong(v->slot);
    PyObject *row = NULL;
    if (owner && original && name && slot) row = PyTuple_Pack(4, owner, original, name, slot);
    Py_XDECREF(owner);
    Py_XDECREF(original);
    Py_XDECREF(name);
    Py_XDECREF(slot);
    return row;
}

/* Whether the references make a tree whose nodes come after their parents, every node
 * reached once at most (never the root), every node holding references reached or the
 * root: object_graph._is_ordered_tree, with the references in node order. */
static int is_ordered_tree(const scan_t *s, uint8_t *seen) {
    const ref_t *refs = s->refs.items;
    Py_ssize_t held = -1; /* the last parent checked */
    for (Py_ssize_t i = 0; i < s->refs.count; i++) {
        const ref_t *r = &refs[i];
        if (r->parent != held) {
            if (r->parent != 0 && !seen[r->parent]) return 0;
            held = r->parent;
        }
        if (r->id <= (uint64_t)r->parent || r->id >= (uint64_t)s->node_count || seen[r->id]) return 0;
        seen[r->id] = 1;
    }
    return 1;
}

static int key_order(const void *a, const void *b) {
    const sorted_t *x = a, *y = b;
    Py_ssize_t n = x->len < y->len ? x->len : y->len;
    int order = memcmp(x->key, y->key, (size_t)n);
    if (order) return order;
    if (x->len != y->len) return x->len < y->len ? -1 : 1;
    return x->row < y->row ? -1 : x->row > y->row; /* stable: node order among equal keys */
}

static int is_variable_value(const uint8_t *b, span_t name) {
    return name.len == 14 && memcmp(b + name.off, "VARIABLE_VALUE", 14) == 0;
}

/* What needs no Python object, done without the interpreter lock after the scan:
 * whether the graph is an ordered tree, and the usual listing's attributes sorted by
 * key (every attribute a VARIABLE_VALUE, every key ASCII, so that byte order is str
 * order: see paths_by_key). */
static int prepare(scan_t *s) {
    const attr_t *attrs = s->attrs.items;
    Py_ssize_t n = s->attrs.count;
    if (s->slots.count || s->node_count == 0) return OK;
    uint8_t *seen = calloc((size_t)s->node_count, 1);
    if (seen == NULL) return NO_MEMORY;
    s->tree = is_ordered_tree(s, seen);
    free(seen);
    if (!s->tree || n == 0) return OK;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (!is_variable_value(s->b, attrs[i].name)) return OK;
        const uint8_t *key = s->b + attrs[i].key.off;
        for (Py_ssize_t j = 0; j < attrs[i].key.len; j++)
            if (key[j] >= 0x80) return OK;
    }
    s->order = malloc((size_t)n * sizeof(sorted_t));
    if (s->order == NULL) return NO_MEMORY;
    for (Py_ssize_t i = 0; i < n; i++) {
        s->order[i].key = s->b + attrs[i].key.off;
        s->order[i].len = attrs[i].key.len;
        s->order[i].row = i;
    }
    qsort(s->order, (size_t)n, sizeof(sorted_t), key_order);
    return OK;
}

/* Each node's path: its parent's, "/", its name (the root's: "", its children's: their
 * name; None for a node no reference reaches). */
static PyObject *node_paths(const scan_t *s, PyObject *names) {
    if (!s->tree) Py_RETURN_NONE;
    PyObject *paths = PyList_New(s->node_count);
    PyObject *slash = PyUnicode_FromStringAndSize("/", 1);
    if (paths == NULL || slash == NULL) goto fail;
    for (Py_ssize_t i = 0; i < s->node_count; i++) {
        Py_INCREF(Py_None);
        PyList_SetItem(paths, i, Py_None);
    }
    PyObject *root = PyUnicode_FromStringAndSize("", 0);
    if (root == NULL || PyList_SetItem(paths, 0, root) < 0) goto fail;
    const ref_t *refs = s->refs.items;
    for (Py_ssize_t i = 0; i < s->refs.count; i++) {
        PyObject *name = PyList_GetItem(names, i); /* borrowed */
        PyObject *path;
        if (name == NULL) goto fail;
        if (refs[i].parent == 0) {
            Py_INCREF(name);
            path = name;
        } else {
            PyObject *parent = PyList_GetItem(paths, refs[i].parent); /* reached before: see above */
            PyObject *head = parent ? PyUnicode_Concat(parent, slash) : NULL;
            path = head ? PyUnicode_Concat(head, name) : NULL;
            Py_XDECREF(head);
        }
        if (path == NULL || PyList_SetItem(paths, (Py_ssize_t)refs[i].id, path) < 0) goto fail;
        YIELD_GIL(i, fail);
    }
    Py_DECREF(slash);
    return paths;
fail:
    Py_XDECREF(paths);
    Py_XDECREF(slash);
    return NULL;
}

/* The usual listing's answer sorted by key: (keys, (path,) of each), as
 * object_graph._tree_object_paths's dict holds it (the last attribute of a key wins),
 * when every attribute is a VARIABLE_VALUE whose node has a path and every key is
 * ASCII (so that byte order is str order); else None. */
static PyObject *paths_by_key(const scan_t *s, PyObject *keys, PyObject *paths) {
    const attr_t *attrs = s->attrs.items;
    const sorted_t *order = s->order;
    Py_ssize_t n = s->attrs.count;
    if (order == NULL || paths == Py_None) Py_RETURN_NONE;
    PyObject *sorted_keys = PyList_New(0), *sorted_paths = PyList_New(0), *result = NULL;
    if (sorted_keys == NULL || sorted_paths == NULL) goto done;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (i + 1 < n && order[i + 1].len == order[i].len && !memcmp(order[i + 1].key, order[i].key, (size_t)order[i].len))
            continue; /* the same key again later: the last one wins */
        PyObject *path = PyList_GetItem(paths, attrs[order[i].row].node); /* borrowed */
        if (path == NULL) goto done;
        if (path == Py_None) {
            Py_INCREF(Py_None);
            result = Py_None;
            goto done;
        }
        PyObject *one = PyTuple_Pack(1, path);
        int failed = one == NULL || PyList_Append(sorted_keys, PyList_GetItem(keys, order[i].row)) < 0 ||
                     PyList_Append(sorted_paths, one) < 0;
        Py_XDECREF(one);
        if (failed) goto done;
        YIELD_GIL(i, done);
    }
    result = PyTuple_Pack(2, sorted_keys, sorted_paths);
done:
    Py_XDECREF(sorted_keys);
    Py_XDECREF(sorted_paths);
    return result;
}

static PyObject *columns(const scan_t *s) {
    const uint8_t *b = s->b;
    const ref_t *refs = s->refs.items;
    const attr_t *attrs = s->attrs.items;
    const slot_t *slots = s->slots.items;
    PyObject *parents = NULL, *ids = NULL, *names = NULL, *attribute_nodes = NULL, *attribute_names = NULL;
    PyObject *full_fields = NULL, *keys = NULL, *slot_rows = NULL, *paths = NULL, *by_key = NULL, *last_int = NULL;
    PyObject *last_text = NULL;
    Py_ssize_t last = -1;
    span_t last_span = {0, 0};

    BUILD_LIST(parents, s->refs.count, node_int(refs[i].parent, &last, &last_int));
    BUILD_LIST(ids, s->refs.count, PyLong_FromUnsignedLongLong(refs[i].id));
    BUILD_LIST(names, s->refs.count, text(b, refs[i].name));
    BUILD_LIST(attribute_nodes, s->attrs.count, node_int(attrs[i].node, &last, &last_int));
    BUILD_LIST(attribute_names, s->attrs.count, attribute_name(b, attrs[i].name, &last_span, &last_text));
    BUILD_LIST(full_fields, s->attrs.count,
               PyBytes_FromStringAndSize((const char *)b + attrs[i].full.off, attrs[i].full.len));
    BUILD_LIST(keys, s->attrs.count, text(b, attrs[i].key));
    BUILD_LIST(slot_rows, s->slots.count, slot_tuple(b, &slots[i]));
    paths = node_paths(s, names);
    if (paths == NULL) goto fail;
    by_key = paths_by_key(s, keys, paths);
    if (by_key == NULL) goto fail;
    Py_XDECREF(last_int);
    Py_XDECREF(last_text);
    return Py_BuildValue("(nNNNNNNNNNN)", s->node_count, parents, ids, names, attribute_nodes, attribute_names,
                         full_fields, keys, slot_rows, paths, by_key);
fail:
    Py_XDECREF(parents);
    Py_XDECREF(ids);
    Py_XDECREF(names);
    Py_XDECREF(attribute_nodes);
    Py_XDECREF(attribute_names);
    Py_XDECREF(full_fields);
    Py_XDECREF(keys);
    Py_XDECREF(slot_rows);
    Py_XDECREF(paths);
    Py_XDECREF(by_key);
    Py_XDECREF(last_int);
    Py_XDECREF(last_text);
    return NULL;
}

/* align(keys, sorted_keys, values): the value of each of `keys` (None for a key not in
 * sorted_keys), both lists ascending (str order), merged in one pass; None when either
 * does not ascend. */
static PyObject *align(PyObject *module, PyObject *args) {
    (void)module;
    PyObject *keys, *sorted_keys, *values;
    if (!PyArg_ParseTuple(args, "O!O!O!:align", &PyList_Type, &keys, &PyList_Type, &sorted_keys, &PyList_Type, &values))
        return NULL;
    Py_ssize_t n = PyList_Size(keys), m = PyList_Size(sorted_keys);
    if (n < 0 || m < 0) return NULL;
    if (PyList_Size(values) != m) {
        PyErr_SetString(PyExc_ValueError, "align() takes as many values as sorted keys");
        return NULL;
    }
    PyObject *out = PyList_New(n);
    if (out == NULL) return NULL;
    Py_ssize_t j = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *key = PyList_GetItem(keys, i), *value = Py_None;
        if (!PyUnicode_Check(key)) goto declined;
        if (i > 0) {
            int order = PyUnicode_Compare(PyList_GetItem(keys, i - 1), key);
            if (order == -1 && PyErr_Occurred()) goto fail;
            if (order >= 0) goto declined;
        }
        while (j < m) {
            PyObject *other = PyList_GetItem(sorted_keys, j);
            if (!PyUnicode_Check(other)) goto declined;
            int order = PyUnicode_Compare(other, key);
            if (order == -1 && PyErr_Occurred()) goto fail;
            if (j > 0) {
                int ascending = PyUnicode_Compare(PyList_GetItem(sorted_keys, j - 1), other);
                if (ascending == -1 && PyErr_Occurred()) goto fail;
                if (ascending >= 0) goto declined;
            }
            if (order > 0) break;
            j++;
            if (order == 0) {
                value = PyList_GetItem(values, j - 1);
                break;
            }
        }
        Py_INCREF(value);
        PyList_SetItem(out, i, value);
    }
    return out;
declined:
    Py_DECREF(out);
    Py_RETURN_NONE;
fail:
    Py_DECREF(out);
    return NULL;
}

static PyObject *decode(PyObject *module, PyObject *args) {
    (void)module;
    PyObject *blob, *between = Py_None;
    Py_ssize_t every = 8192;
    if (!PyArg_ParseTuple(args, "O|On:decode", &blob, &between, &every)) return NULL;
    if (every < 1) {
        PyErr_SetString(PyExc_ValueError, "decode()'s every must be at least 1");
        return NULL;
    }
    if (!PyBytes_Check(blob)) {
        PyErr_SetString(PyExc_TypeError, "decode() takes bytes");
        return NULL;
    }
    if (between != Py_None && !PyCallable_Check(between)) {
        PyErr_SetString(PyExc_TypeError, "decode()'s between must be callable or None");
        return NULL;
    }
    /* bytes are immutable and `blob` is held by the caller: safe to read unlocked */
    const uint8_t *b = (const uint8_t *)PyBytes_AsString(blob);
    Py_ssize_t size = PyBytes_Size(blob);
    if (b == NULL || size < 0) return NULL;
    scan_t s;
    memset(&s, 0, sizeof(s));
    s.b = b;
    s.between = between == Py_None ? NULL : between; /* held by the caller's arguments */
    s.every = every;
    s.refs.size = sizeof(ref_t);
    s.attrs.size = sizeof(attr_t);
    s.slots.size = sizeof(slot_t);
    int status;
    Py_BEGIN_ALLOW_THREADS
    status = scan_graph(&s, size);
    if (status == OK) status = prepare(&s);
    Py_END_ALLOW_THREADS
    PyObject *result;
    if (status == NO_MEMORY) {
        result = PyErr_NoMemory();
    } else if (status != OK) {
        Py_INCREF(Py_None);
        result = Py_None;
    } else {
        result = columns(&s);
    }
    free(s.order);
    free(s.refs.items);
    free(s.attrs.items);
    free(s.slots.items);
    return result;
}

static PyMethodDef methods[] = {
    {"decode", decode, METH_VARARGS,
     "decode(blob, between=None, every=8192) -> None, or the object graph's columns (see the module's source)."},
    {"align", align, METH_VARARGS,
     "align(keys, sorted_keys, values) -> the value of each key (None if absent), or None (see the source)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "_graph_decoder", "TrackableObjectGraph bytes -> columns, in C.", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__graph_decoder(void) {
    return PyModule_Create(&module_def);
}
