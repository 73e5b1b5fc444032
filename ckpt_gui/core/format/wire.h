/* The protobuf wire readers both C decoders share (_graph_decoder.c, _index_decoder.c):
 * bounds-checked varints and length-delimited payloads over untrusted bytes.
 *
 * Each reader checks what it reads against `end` (the end of the message holding it)
 * before using it and returns DOUBT when it does not fit: the decoder then returns None
 * and the Python decoders run. Include after Python.h (for Py_ssize_t).
 */
#ifndef CKPT_GUI_WIRE_H
#define CKPT_GUI_WIRE_H

#include <stdint.h>

enum { OK = 0, DOUBT = -1, NO_MEMORY = -2 };

/* A base-128 varint of at most 10 bytes whose value fits 64 bits, before `end`. */
static inline int read_varint(const uint8_t *b, Py_ssize_t end, Py_ssize_t *pos, uint64_t *out) {
    uint64_t value = 0;
    Py_ssize_t p = *pos;
    for (int i = 0; i < 10; i++) {
        if (p >= end) return DOUBT;
        uint8_t c = b[p++];
        if (i == 9 && c > 1) return DOUBT; /* over 64 bits, or an 11th byte */
        value |= (uint64_t)(c & 0x7F) << (7 * i);
        if (c < 0x80) {
            *pos = p;
            *out = value;
            return OK;
        }
    }
    return DOUBT;
}

/* Past a payload of `length` bytes at *pos, ending by `end`. */
static inline int take(Py_ssize_t end, Py_ssize_t *pos, uint64_t length) {
    if (length > (uint64_t)(end - *pos)) return DOUBT;
    *pos += (Py_ssize_t)length;
    return OK;
}

/* A length prefix (varint) at *pos whose payload ends by `end`: *pos is left at the
 * payload's first byte, its length in *length. */
static inline int read_length(const uint8_t *b, Py_ssize_t end, Py_ssize_t *pos, Py_ssize_t *length) {
    uint64_t value;
    if (read_varint(b, end, pos, &value) || value > (uint64_t)(end - *pos)) return DOUBT;
    *length = (Py_ssize_t)value;
    return OK;
}

#endif /* CKPT_GUI_WIRE_H */
