/* Validity times: UTCTime (RFC 5280 4.1.2.5.1: YYMMDDHHMMSSZ, 50..99 -> 19xx) and
 * GeneralizedTime (4.1.2.5.2: YYYYMMDDHHMMSSZ). Forms outside RFC 5280 that OpenSSL also
 * reads (no seconds, fractions, +hhmm offsets) are accepted and flagged bad_time. */
#include "internal.h"

static bool num(const uint8_t *s, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

static int days_in_month(int y, int m)
{
	static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : d[m - 1];
}

/* parse_tail reads [SS][.fff](Z|+hhmm|-hhmm) after the minutes; returns the UTC offset in
 * seconds to subtract, or false if malformed. */
static bool parse_tail(ch_parse *p, const uint8_t *s, size_t n, bool generalized, int *sec,
		       int *offset)
{
	size_t i = 0;
	int hh, mm;

	*sec = 0;
	*offset = 0;
	if (n - i >= 2 && s[i] >= '0' && s[i] <= '9') {
		if (!num(s + i, 2, sec))
			return false;
		i += 2;
	} else {
		p->cert->anomalies |= CH_ANOM_BAD_TIME;
	}
	if (generalized && i < n && (s[i] == '.' || s[i] == ',')) {
		p->cert->anomalies |= CH_ANOM_BAD_TIME;
		i++;
		if (i >= n || s[i] < '0' || s[i] > '9')
			return false;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	}
	if (i + 1 == n && s[i] == 'Z')
		return true;
	if (i + 5 == n && (s[i] == '+' || s[i] == '-') && num(s + i + 1, 2, &hh) &&
	    num(s + i + 3, 2, &mm) && hh < 24 && mm < 60) {
		p->cert->anomalies |= CH_ANOM_BAD_TIME;
		*offset = (s[i] == '+' ? 1 : -1) * (hh * 3600 + mm * 60);
		return true;
	}
	return false;
}

ch_err ch_x509__parse_time(ch_parse *p, int64_t *out, ch_der *c)
{
	ch_der t;
	unsigned tag;
	int y, mo, d, h, mi, s, off;
	size_t i;

	if (!ch_der_get_any(c, &t, &tag, NULL) ||
	    (tag != CH_DER_UTC_TIME && tag != CH_DER_GENERALIZED_TIME))
		return ch_x509__fail(p, c->data, "validity: expected UTCTime or GeneralizedTime");
	if (tag == CH_DER_UTC_TIME) {
		if (t.len < 11 || !num(t.data, 2, &y))
			goto bad;
		y += y < 50 ? 2000 : 1900;
		i = 2;
	} else {
		if (t.len < 13 || !num(t.data, 4, &y))
			goto bad;
		i = 4;
	}
	if (!num(t.data + i, 2, &mo) || !num(t.data + i + 2, 2, &d) ||
	    !num(t.data + i + 4, 2, &h) || !num(t.data + i + 6, 2, &mi))
		goto bad;
	if (!parse_tail(p, t.data + i + 8, t.len - i - 8, tag == CH_DER_GENERALIZED_TIME, &s, &off))
		goto bad;
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || s > 60)
		goto bad;
	*out = ch_time_from_civil(y, mo, d, h, mi, s > 59 ? 59 : s) - off;
	return CH_OK;
bad:
	return ch_x509__fail(p, t.data, "validity: malformed time");
}
