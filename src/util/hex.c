/* Hex and base64 encoding. Table-driven, no allocation. */
#include <certhound/util.h>

#include <string.h>


/* hexpairs: the two lower-case hex digits of every byte value, in order. */
#define HEXROW(h) h "0" h "1" h "2" h "3" h "4" h "5" h "6" h "7" h "8" h "9" h "a" h "b" h "c" \
		  h "d" h "e" h "f"
static const char hexpairs[513] = HEXROW("0") HEXROW("1") HEXROW("2") HEXROW("3") HEXROW("4")
	HEXROW("5") HEXROW("6") HEXROW("7") HEXROW("8") HEXROW("9") HEXROW("a") HEXROW("b")
	HEXROW("c") HEXROW("d") HEXROW("e") HEXROW("f");

void ch_hex_encode(char *out, const uint8_t *in, size_t n)
{
	for (size_t i = 0; i < n; i++)
		memcpy(out + 2 * i, hexpairs + 2 * in[i], 2);
	out[2 * n] = '\0';
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

long ch_hex_decode(uint8_t *out, size_t out_cap, const char *in, size_t in_len)
{
	if (in_len % 2 || in_len / 2 > out_cap)
		return -1;
	for (size_t i = 0; i < in_len / 2; i++) {
		int hi = hexval(in[2 * i]), lo = hexval(in[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return (long)(in_len / 2);
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* b64tab: 0..63 for the alphabet, 64 for ASCII whitespace, 65 for '=', 255 for anything else. */
static const uint8_t b64tab[256] = {
	['A'] = 0, ['B'] = 1, ['C'] = 2, ['D'] = 3, ['E'] = 4, ['F'] = 5, ['G'] = 6, ['H'] = 7,
	['I'] = 8, ['J'] = 9, ['K'] = 10, ['L'] = 11, ['M'] = 12, ['N'] = 13, ['O'] = 14, ['P'] = 15,
	['Q'] = 16, ['R'] = 17, ['S'] = 18, ['T'] = 19, ['U'] = 20, ['V'] = 21, ['W'] = 22, ['X'] = 23,
	['Y'] = 24, ['Z'] = 25, ['a'] = 26, ['b'] = 27, ['c'] = 28, ['d'] = 29, ['e'] = 30, ['f'] = 31,
	['g'] = 32, ['h'] = 33, ['i'] = 34, ['j'] = 35, ['k'] = 36, ['l'] = 37, ['m'] = 38, ['n'] = 39,
	['o'] = 40, ['p'] = 41, ['q'] = 42, ['r'] = 43, ['s'] = 44, ['t'] = 45, ['u'] = 46, ['v'] = 47,
	['w'] = 48, ['x'] = 49, ['y'] = 50, ['z'] = 51, ['0'] = 52, ['1'] = 53, ['2'] = 54, ['3'] = 55,
	['4'] = 56, ['5'] = 57, ['6'] = 58, ['7'] = 59, ['8'] = 60, ['9'] = 61, ['+'] = 62, ['/'] = 63,
	[' '] = 64, ['\t'] = 64, ['\r'] = 64, ['\n'] = 64, ['\v'] = 64, ['\f'] = 64, ['='] = 65,
};

/* b64class maps a byte through b64tab; the table's zero default would read as 'A', so every
 * byte that is not 'A' and maps to 0 is invalid. */
static int b64class(unsigned char c)
{
	uint8_t v = b64tab[c];
	return (v == 0 && c != 'A') ? 255 : v;
}

long ch_base64_decode(uint8_t *out, size_t out_cap, const char *in, size_t in_len)
{
	uint32_t acc = 0;
	int nbits = 0, pad = 0;
	size_t o = 0;

	for (size_t i = 0; i < in_len; i++) {
		int v = b64class((unsigned char)in[i]);
		if (v < 64) {
			if (pad)
				return -1; /* data after padding */
			acc = (acc << 6) | (uint32_t)v;
			nbits += 6;
			if (nbits >= 8) {
				nbits -= 8;
				if (o >= out_cap)
					return -1;
				out[o++] = (uint8_t)(acc >> nbits);
			}
		} else if (v == 65) {
			pad++;
		} else if (v != 64) {
			return -1;
		}
	}
	if (pad > 2 || nbits >= 6)
		return -1;
	return (long)o;
}

size_t ch_base64_encode(char *out, const uint8_t *in, size_t n)
{
	size_t o = 0, i = 0;

	for (; i + 2 < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		out[o++] = b64[v >> 18];
		out[o++] = b64[(v >> 12) & 63];
		out[o++] = b64[(v >> 6) & 63];
		out[o++] = b64[v & 63];
	}
	if (i < n) {
		uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0);
		out[o++] = b64[v >> 18];
		out[o++] = b64[(v >> 12) & 63];
		out[o++] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
		out[o++] = '=';
	}
	out[o] = '\0';
	return o;
}
