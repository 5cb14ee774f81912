/* certhound/util.h — hex, base64 and time helpers shared by every layer. */
#ifndef CERTHOUND_UTIL_H
#define CERTHOUND_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <certhound/err.h>

/* A borrowed view of bytes owned by someone else. */
typedef struct ch_bytes {
	const uint8_t *data;
	size_t len;
} ch_bytes;

/* ch_hex_encode writes 2*n lowercase hex digits and a NUL into out (size >= 2*n+1). */
void ch_hex_encode(char *out, const uint8_t *in, size_t n);

/* ch_hex_decode decodes hex (either case) of even length into out (capacity out_cap);
 * returns the number of bytes written, or -1 on a bad digit, odd length or overflow. */
long ch_hex_decode(uint8_t *out, size_t out_cap, const char *in, size_t in_len);

/* ch_base64_decode decodes standard base64, skipping ASCII whitespace. Returns the decoded
 * length, or -1 on a bad character, bad padding or if out_cap is too small.
 * out_cap >= 3*(in_len/4)+3 is always enough. */
long ch_base64_decode(uint8_t *out, size_t out_cap, const char *in, size_t in_len);

/* ch_base64_encode writes standard padded base64 plus a NUL (out size >= 4*((n+2)/3)+1);
 * returns the length written. */
size_t ch_base64_encode(char *out, const uint8_t *in, size_t n);

/* ch_time_from_civil returns seconds since 1970-01-01T00:00:00Z for a proleptic Gregorian
 * date-time (any year 0..9999; negative results for dates before 1970). */
int64_t ch_time_from_civil(int year, int month, int day, int hour, int min, int sec);

/* ch_time_to_civil is the inverse of ch_time_from_civil. */
void ch_time_to_civil(int64_t t, int *year, int *month, int *day, int *hour, int *min, int *sec);

/* ch_time_format writes RFC 3339 UTC ("2024-05-01T12:00:00Z") into out (size >= 21); years
 * outside 0..9999 are clamped. */
void ch_time_format(char out[21], int64_t t);

/* ch_time_parse reads "YYYY-MM-DD", "YYYY-MM-DDTHH:MM:SSZ" (also with a space, or +00:00).
 * Returns true on success. */
bool ch_time_parse(int64_t *out, const char *s);

/* ch_time_now returns the current time in seconds since the epoch. */
int64_t ch_time_now(void);

/* ch_monotonic_ns returns a monotonic clock reading in nanoseconds. */
uint64_t ch_monotonic_ns(void);

#endif
