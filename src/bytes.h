/* bytes.h - bounds-checked reads of untrusted packet bytes.
 *
 * The decoders touch packet bytes only through these functions. Each takes
 * the buffer, the number of bytes captured in it, an offset and an output,
 * and returns false (leaving *out untouched) when the read would run past the
 * captured bytes. Offsets are checked without overflow: a read is in bounds
 * when off <= caplen and n <= caplen - off.
 *
 * Multi-byte fields are assembled byte by byte, so no alignment is assumed.
 * Network order (big-endian) is the norm; the little-endian reads exist for
 * link headers written in host order (BSD NULL's address family).
 *
 * Model: tcpdump's extract.h GET_* accessors, without the longjmp.
 */
#ifndef TS_BYTES_H
#define TS_BYTES_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* True when n bytes starting at off lie inside the first caplen bytes. */
static inline bool ts_bytes_have(uint32_t caplen, uint32_t off, uint32_t n)
{
    return off <= caplen && n <= caplen - off;
}

static inline bool ts_bytes_u8(const uint8_t *p, uint32_t caplen, uint32_t off, uint8_t *out)
{
    if (!ts_bytes_have(caplen, off, 1))
        return false;
    *out = p[off];
    return true;
}

static inline bool ts_bytes_be16(const uint8_t *p, uint32_t caplen, uint32_t off, uint16_t *out)
{
    if (!ts_bytes_have(caplen, off, 2))
        return false;
    *out = (uint16_t)((uint16_t)p[off] << 8 | (uint16_t)p[off + 1]);
    return true;
}

static inline bool ts_bytes_be32(const uint8_t *p, uint32_t caplen, uint32_t off, uint32_t *out)
{
    if (!ts_bytes_have(caplen, off, 4))
        return false;
    *out = (uint32_t)p[off] << 24 | (uint32_t)p[off + 1] << 16 |
           (uint32_t)p[off + 2] << 8 | (uint32_t)p[off + 3];
    return true;
}

static inline bool ts_bytes_le16(const uint8_t *p, uint32_t caplen, uint32_t off, uint16_t *out)
{
    if (!ts_bytes_have(caplen, off, 2))
        return false;
    *out = (uint16_t)((uint16_t)p[off + 1] << 8 | (uint16_t)p[off]);
    return true;
}

static inline bool ts_bytes_le32(const uint8_t *p, uint32_t caplen, uint32_t off, uint32_t *out)
{
    if (!ts_bytes_have(caplen, off, 4))
        return false;
    *out = (uint32_t)p[off + 3] << 24 | (uint32_t)p[off + 2] << 16 |
           (uint32_t)p[off + 1] << 8 | (uint32_t)p[off];
    return true;
}

/* Copy n bytes starting at off into dst (which holds at least n bytes). */
static inline bool ts_bytes_copy(const uint8_t *p, uint32_t caplen, uint32_t off, uint32_t n,
                                 uint8_t *dst)
{
    if (!ts_bytes_have(caplen, off, n))
        return false;
    memcpy(dst, p + off, n);
    return true;
}

#endif
