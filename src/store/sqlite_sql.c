/* SQLite backend: compiling a ch_filter tree into SQL over the indexes.
 *
 * Every term becomes a SELECT of certificate ids that is answered from an index: values through
 * val(attr, text) and the edge table cv(value_id, cert_id); fingerprints and dates through the
 * cert table's indexes; sightings through sighting_source / sighting_ip. AND is INTERSECT (its
 * negated members EXCEPT), OR is UNION. Every term also carries "cert_id > ?1", the keyset
 * cursor, so that a page deep into a large answer only reads what lies after the cursor.
 * Only a conjunction made of negations alone (NOT x) has to start from every certificate. */
#include "sqlite.h"

#include <certhound/util.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ch_sq__query_init(ch_sq_query *qq)
{
	memset(qq, 0, sizeof *qq);
	ch_buf_init(&qq->sql, 1u << 20);
}

void ch_sq__query_free(ch_sq_query *qq)
{
	for (size_t i = 0; i < qq->num_params; i++)
		free(qq->params[i].text);
	free(qq->params);
	ch_buf_free(&qq->sql);
}

/* param adds a bound value and returns its number (?N); 0 on failure (error set). */
static int param(ch_sq_query *qq, const void *text, size_t len, bool blob, int64_t num,
		 bool is_text)
{
	ch_sq_param *p;

	if (qq->num_params == qq->cap_params) {
		size_t cap = qq->cap_params ? qq->cap_params * 2 : 16;
		if (cap > 4096) {
			ch_error_set(CH_ERR_LIMIT, "store: query too large");
			return 0;
		}
		p = realloc(qq->params, cap * sizeof *p);
		if (!p) {
			ch_error_set(CH_ERR_NOMEM, "out of memory compiling a query");
			return 0;
		}
		qq->params = p;
		qq->cap_params = cap;
	}
	p = &qq->params[qq->num_params];
	memset(p, 0, sizeof *p);
	p->num = num;
	p->is_text = is_text;
	p->is_blob = blob;
	if (is_text) {
		p->text = malloc(len + 1);
		if (!p->text) {
			ch_error_set(CH_ERR_NOMEM, "out of memory compiling a query");
			return 0;
		}
		memcpy(p->text, text, len);
		p->text[len] = '\0';
		p->len = len;
	}
	qq->num_params++;
	return (int)qq->num_params + 1; /* ?1 is the cursor */
}

static int ptext(ch_sq_query *qq, const char *s)
{
	return param(qq, s, strlen(s), false, 0, true);
}

static int pnum(ch_sq_query *qq, int64_t n)
{
	return param(qq, NULL, 0, false, n, false);
}

#define P(expr)                                                               \
	do {                                                                  \
		if (!(n_ = (expr))) {                                         \
			err = CH_ERR_NOMEM;                                   \
			goto out;                                             \
		}                                                             \
	} while (0)

/* nocase: attributes compared ASCII-case-insensitively (users type "issuer.o:digicert"); they
 * have the partial index val_nocase, whose WHERE lists exactly these attr numbers. */
static bool nocase(ch_store_attr a)
{
	return a == CH_SA_ISSUER_O || a == CH_SA_ISSUER_CN || a == CH_SA_SUBJECT_O ||
	       a == CH_SA_SUBJECT_OU || a == CH_SA_SUBJECT_CN || a == CH_SA_SIG;
}

/* value_eq_nocase: certificates carrying (attr, text) compared ASCII-case-insensitively. The
 * matching values (usually one spelling) are looked up now, so the edge lists are read in
 * certificate order and the first page costs one seek per value, not a sort of every match. */
static ch_err value_eq_nocase(ch_sq_query *qq, ch_store_attr attr, const char *text)
{
	sqlite3_stmt *st = NULL;
	char sql[160];
	int64_t ids[8];
	size_t n = 0;
	ch_err err = CH_OK;
	int rc;

	/* attr as a literal: the partial index val_nocase applies only then */
	snprintf(sql, sizeof sql, "SELECT id FROM val WHERE attr=%d AND text=?1 COLLATE NOCASE LIMIT 9",
		 (int)attr);
	if (sqlite3_prepare_v2(qq->q->db, sql, -1, &st, NULL) != SQLITE_OK)
		return ch_sq__fail(qq->q, "compiling a query");
	sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < 8)
		ids[n++] = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (rc == SQLITE_ROW) { /* many spellings: let SQLite join them */
		int n_;
		P(ptext(qq, text));
		return ch_buf_printf(&qq->sql,
				     "SELECT cv.cert_id AS id FROM val CROSS JOIN cv ON cv.value_id=val.id "
				     "WHERE val.attr=%d AND val.text=?%d COLLATE NOCASE AND cv.cert_id>?1",
				     (int)attr, n_);
	}
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return ch_sq__fail(qq->q, "compiling a query");
	if (n <= 1)
		return ch_buf_printf(&qq->sql, "SELECT cert_id AS id FROM cv WHERE value_id=%lld AND "
				     "cert_id>?1", n ? (long long)ids[0] : 0LL);
	CH_TRY(ch_buf_puts(&qq->sql, "SELECT cert_id AS id FROM cv WHERE value_id IN ("));
	for (size_t i = 0; i < n; i++)
		CH_TRY(ch_buf_printf(&qq->sql, "%s%lld", i ? "," : "", (long long)ids[i]));
	err = ch_buf_puts(&qq->sql, ") AND cert_id>?1");
out:
	return err;
}

/* value_eq: certificates carrying exactly (attr, text). */
static ch_err value_eq(ch_sq_query *qq, ch_store_attr attr, const char *text)
{
	int n_;
	ch_err err;

	if (nocase(attr))
		return value_eq_nocase(qq, attr, text);
	P(ptext(qq, text));
	err = ch_buf_printf(&qq->sql,
			    "SELECT cert_id AS id FROM cv WHERE value_id=(SELECT id FROM val WHERE "
			    "attr=%d AND text=?%d) AND cert_id>?1", (int)attr, n_);
out:
	return err;
}

/* value_range: certificates carrying a value of `attr` with lo <= text < hi. */
static ch_err value_range(ch_sq_query *qq, ch_store_attr attr, const char *lo, const char *hi)
{
	int a, b, n_;
	ch_err err;

	P(ptext(qq, lo));
	a = n_;
	P(ptext(qq, hi));
	b = n_;
	err = ch_buf_printf(&qq->sql,
			    "SELECT cv.cert_id AS id FROM val CROSS JOIN cv ON cv.value_id=val.id "
			    "WHERE val.attr=%d AND val.text>=?%d%s AND val.text<?%d%s AND cv.cert_id>?1",
			    (int)attr, a, nocase(attr) ? " COLLATE NOCASE" : "", b,
			    nocase(attr) ? " COLLATE NOCASE" : "");
out:
	return err;
}

/* value_contains: certificates carrying a value of `attr` containing text (ASCII case folded).
 * Walks the distinct values of that attribute (index range on attr), not the certificates. */
static ch_err value_contains(ch_sq_query *qq, ch_store_attr attr, const char *text)
{
	int n_;
	ch_err err;

	P(ptext(qq, text));
	err = ch_buf_printf(&qq->sql,
			    "SELECT cv.cert_id AS id FROM val CROSS JOIN cv ON cv.value_id=val.id "
			    "WHERE val.attr=%d AND instr(lower(val.text), lower(?%d))>0 "
			    "AND cv.cert_id>?1", (int)attr, n_);
out:
	return err;
}

/* upper_bound makes the smallest string greater than every string starting with s. */
static ch_err prefix_range(ch_sq_query *qq, ch_store_attr attr, const char *s)
{
	size_t n = strlen(s);
	char *hi = malloc(n + 2);
	ch_err err;

	if (!hi)
		return ch_error_set(CH_ERR_NOMEM, "out of memory compiling a query");
	memcpy(hi, s, n);
	for (size_t i = 0; nocase(attr) && i < n; i++) /* NOCASE compares lower-cased ASCII */
		hi[i] = (char)tolower((unsigned char)hi[i]);
	hi[n] = (char)0x7f; /* above every printable ASCII byte; UTF-8 continuations sort higher */
	hi[n + 1] = '\0';
	if (n && (unsigned char)hi[n - 1] < 0x7e) {
		hi[n - 1] = (char)(hi[n - 1] + 1);
		hi[n] = '\0';
	}
	err = value_range(qq, attr, s, hi);
	free(hi);
	return err;
}

static ch_err value_term(ch_sq_query *qq, ch_store_attr attr, ch_cmp cmp, const char *text)
{
	switch (cmp) {
	case CH_CMP_EQ: return value_eq(qq, attr, text);
	case CH_CMP_PREFIX: return prefix_range(qq, attr, text);
	case CH_CMP_CONTAINS: return value_contains(qq, attr, text);
	default: break;
	}
	return ch_error_set(CH_ERR_INVALID, "store: %s does not support that comparison",
			    ch_store_attr_name(attr));
}

/* is_registrable: name is its own registrable domain (public suffix + 1 label). Uses the same
 * public suffix list as ingest (Debian's publicsuffix data): a list that changed between ingest
 * and search could make the two disagree for the changed suffixes. */
static bool is_registrable(ch_sq_query *qq, const char *name)
{
	const char *rd;

	if (!qq->q->names && ch_names_new(&qq->q->names) != CH_OK) {
		ch_error_clear();
		return false;
	}
	rd = ch_names_registered_domain(qq->q->names, name);
	return rd && !strcmp(rd, name);
}

static ch_err name_term(ch_sq_query *qq, const char *name, bool under)
{
	size_t n = strlen(name);
	char *rev = malloc(n + 2), *lo = malloc(n + 3), *hi = malloc(n + 3);
	ch_err err = CH_OK;

	if (!rev || !lo || !hi) {
		err = ch_error_set(CH_ERR_NOMEM, "out of memory compiling a query");
		goto out;
	}
	if (under && is_registrable(qq, name)) {
		/* Every name equal to or under a registrable domain D has D as its registrable domain,
		 * and D's edge list is one ordered seek: the first page does not read every match. */
		err = value_eq(qq, CH_SA_DOMAIN, name);
		goto out;
	}
	ch_sq__reverse_labels(rev, name, n);
	CH_TRY(value_eq(qq, CH_SA_NAME, rev));
	if (under) {
		/* The domain itself, and "com.example." <= name < "com.example/" ('/' follows '.'). */
		snprintf(lo, n + 3, "%s.", rev);
		snprintf(hi, n + 3, "%s/", rev);
		CH_TRY(ch_buf_puts(&qq->sql, " UNION "));
		CH_TRY(value_range(qq, CH_SA_NAME, lo, hi));
	}
out:
	free(rev);
	free(lo);
	free(hi);
	return err;
}

/* digest_term: sha256/sha1 exact or by hex prefix, on the cert table's indexes. */
static ch_err digest_term(ch_sq_query *qq, const char *col, size_t dlen, const ch_filter *f)
{
	uint8_t lo[32], hi[32];
	char hex[65];
	size_t n = f->text ? strlen(f->text) : 0;
	int a, b, n_;
	ch_err err = CH_OK;

	if (n == 0 || n > 2 * dlen)
		return ch_error_set(CH_ERR_INVALID, "store: bad %s value", col);
	/* lo = prefix padded with 0s, hi = padded with fs: the BLOB range of the prefix. */
	for (int pass = 0; pass < 2; pass++) {
		memset(hex, pass ? 'f' : '0', 2 * dlen);
		memcpy(hex, f->text, n);
		if (ch_hex_decode(pass ? hi : lo, dlen, hex, 2 * dlen) != (long)dlen)
			return ch_error_set(CH_ERR_INVALID, "store: %s value is not hex", col);
	}
	P(param(qq, lo, dlen, true, 0, true));
	a = n_;
	if (f->cmp == CH_CMP_EQ && n == 2 * dlen)
		return ch_buf_printf(&qq->sql, "SELECT id FROM cert WHERE %s=?%d AND id>?1", col, a);
	P(param(qq, hi, dlen, true, 0, true));
	b = n_;
	err = ch_buf_printf(&qq->sql, "SELECT id FROM cert WHERE %s>=?%d AND %s<=?%d AND id>?1", col,
			    a, col, b);
out:
	return err;
}

static const char *sql_op(ch_cmp c)
{
	switch (c) {
	case CH_CMP_LT: return "<";
	case CH_CMP_LE: return "<=";
	case CH_CMP_GT: return ">";
	case CH_CMP_GE: return ">=";
	default: return "=";
	}
}

static ch_err time_term(ch_sq_query *qq, const ch_filter *f)
{
	int n_;
	ch_err err;

	P(pnum(qq, f->num));
	if (f->field == CH_FIELD_VALID_AT)
		err = ch_buf_printf(&qq->sql, "SELECT id FROM cert WHERE not_after>=?%d AND "
				    "not_before<=?%d AND id>?1", n_, n_);
	else
		err = ch_buf_printf(&qq->sql, "SELECT id FROM cert WHERE %s%s?%d AND id>?1",
				    f->field == CH_FIELD_NOT_AFTER ? "not_after" : "not_before",
				    sql_op(f->cmp), n_);
out:
	return err;
}

static ch_err seen_in_term(ch_sq_query *qq, const char *text)
{
	static const char *kinds[] = {"", "file", "ct", "scan", "telemetry"};
	int n_;
	ch_err err;

	for (int k = 1; k < 5; k++)
		if (!strcmp(text, kinds[k]))
			return ch_buf_printf(&qq->sql, "SELECT cert_id AS id FROM sighting WHERE "
					     "source_id IN (SELECT id FROM source WHERE kind=%d) "
					     "AND cert_id>?1", k);
	P(ptext(qq, text));
	err = ch_buf_printf(&qq->sql, "SELECT cert_id AS id FROM sighting WHERE source_id IN "
			    "(SELECT id FROM source WHERE name=?%d) AND cert_id>?1", n_);
out:
	return err;
}

static ch_err ip_term(ch_sq_query *qq, const char *ip)
{
	int n_;
	ch_err err = value_eq(qq, CH_SA_IP, ip);

	if (err)
		return err;
	P(ptext(qq, ip));
	err = ch_buf_printf(&qq->sql, " UNION SELECT cert_id AS id FROM sighting WHERE ip=?%d "
			    "AND cert_id>?1", n_);
out:
	return err;
}

static ch_err san_term(ch_sq_query *qq, const char *text)
{
	ch_err err = CH_OK;

	CH_TRY(name_term(qq, text, false));
	CH_TRY(ch_buf_puts(&qq->sql, " UNION "));
	CH_TRY(value_eq(qq, CH_SA_IP, text));
	CH_TRY(ch_buf_puts(&qq->sql, " UNION "));
	CH_TRY(value_eq(qq, CH_SA_EMAIL, text));
	CH_TRY(ch_buf_puts(&qq->sql, " UNION "));
	CH_TRY(value_eq(qq, CH_SA_URI, text));
out:
	return err;
}

static ch_err serial_term(ch_sq_query *qq, const char *hex)
{
	size_t n = strlen(hex);
	char *lo = malloc(n + 2), *hi = malloc(n + 2);
	ch_err err;

	if (!lo || !hi) {
		free(lo);
		free(hi);
		return ch_error_set(CH_ERR_NOMEM, "out of memory compiling a query");
	}
	/* Stored as "<hex>/<issuer id>": every issuer's certificate with this serial. */
	snprintf(lo, n + 2, "%s/", hex);
	snprintf(hi, n + 2, "%s0", hex);
	err = value_range(qq, CH_SA_SERIAL, lo, hi);
	free(lo);
	free(hi);
	return err;
}

static ch_err key_term(ch_sq_query *qq, const ch_filter *f)
{
	char lab[64];

	if (!f->num)
		return value_eq(qq, CH_SA_KEY, f->text);
	snprintf(lab, sizeof lab, "%s-%lld", f->text, (long long)f->num);
	return value_eq(qq, CH_SA_KEY, lab);
}

static ch_err compile(ch_sqlite *q, ch_sq_query *qq, const ch_filter *f, int depth);

/* every_cert writes the one member that reads every certificate (after the cursor): what a
 * negation starts from. */
static ch_err every_cert(ch_sq_query *qq)
{
	qq->full_scan = true;
	return ch_buf_puts(&qq->sql, "SELECT id FROM cert WHERE id>?1");
}

/* flag_term: a boolean field. true is the flag value's edge list; false is its complement. */
static ch_err flag_term(ch_sq_query *qq, const char *flag, int64_t want)
{
	ch_err err = CH_OK;

	if (!want) {
		CH_TRY(every_cert(qq));
		CH_TRY(ch_buf_puts(&qq->sql, " EXCEPT "));
	}
	err = value_eq(qq, CH_SA_FLAG, flag);
out:
	return err;
}

static ch_err term(ch_sq_query *qq, const ch_filter *f)
{
	const char *t = f->text;
	bool need_text = f->field != CH_FIELD_CA && f->field != CH_FIELD_SELF_SIGNED &&
			 f->field != CH_FIELD_PRECERT && f->field != CH_FIELD_VALID_AT &&
			 f->field != CH_FIELD_NOT_AFTER && f->field != CH_FIELD_NOT_BEFORE;

	if (need_text && (!t || !*t))
		return ch_error_set(CH_ERR_INVALID, "store: a search term has no value");
	switch (f->field) {
	case CH_FIELD_NAME: return name_term(qq, t, false);
	case CH_FIELD_NAME_UNDER: return name_term(qq, t, true);
	case CH_FIELD_DOMAIN: return value_term(qq, CH_SA_DOMAIN, f->cmp, t);
	case CH_FIELD_SAN: return san_term(qq, t);
	case CH_FIELD_CN:
	case CH_FIELD_SUBJECT_CN: return value_term(qq, CH_SA_SUBJECT_CN, f->cmp, t);
	case CH_FIELD_IP: return ip_term(qq, t);
	case CH_FIELD_EMAIL: return value_term(qq, CH_SA_EMAIL, f->cmp, t);
	case CH_FIELD_SHA256: return digest_term(qq, "sha256", 32, f);
	case CH_FIELD_SHA1: return digest_term(qq, "sha1", 20, f);
	case CH_FIELD_SERIAL: return serial_term(qq, t);
	case CH_FIELD_SPKI: return value_term(qq, CH_SA_SPKI, f->cmp, t);
	case CH_FIELD_TBS: return value_term(qq, CH_SA_TBS, f->cmp, t);
	case CH_FIELD_JA4X: return value_term(qq, CH_SA_JA4X, f->cmp, t);
	case CH_FIELD_ISSUER: return value_term(qq, CH_SA_ISSUER_DN, f->cmp, t);
	case CH_FIELD_SUBJECT: return value_term(qq, CH_SA_SUBJECT_DN, f->cmp, t);
	case CH_FIELD_ISSUER_O: return value_term(qq, CH_SA_ISSUER_O, f->cmp, t);
	case CH_FIELD_ISSUER_CN: return value_term(qq, CH_SA_ISSUER_CN, f->cmp, t);
	case CH_FIELD_SUBJECT_O: return value_term(qq, CH_SA_SUBJECT_O, f->cmp, t);
	case CH_FIELD_SUBJECT_OU: return value_term(qq, CH_SA_SUBJECT_OU, f->cmp, t);
	case CH_FIELD_KEY: return key_term(qq, f);
	case CH_FIELD_SIG: return value_term(qq, CH_SA_SIG, f->cmp, t);
	case CH_FIELD_CA: return flag_term(qq, "ca", f->num);
	case CH_FIELD_SELF_SIGNED: return flag_term(qq, "self-signed", f->num);
	case CH_FIELD_PRECERT: return flag_term(qq, "precert", f->num);
	case CH_FIELD_VALID_AT:
	case CH_FIELD_NOT_AFTER:
	case CH_FIELD_NOT_BEFORE: return time_term(qq, f);
	case CH_FIELD_SEEN_IN: return seen_in_term(qq, t);
	}
	return ch_error_set(CH_ERR_INVALID, "store: unsupported search field %d", (int)f->field);
}

/* wrapped compiles a subtree as one compound member: "SELECT id FROM (...)". */
static ch_err wrapped(ch_sqlite *q, ch_sq_query *qq, const ch_filter *f, int depth)
{
	ch_err err = CH_OK;

	CH_TRY(ch_buf_puts(&qq->sql, "SELECT id FROM ("));
	CH_TRY(compile(q, qq, f, depth + 1));
	err = ch_buf_putc(&qq->sql, ')');
out:
	return err;
}

/* SQLite refuses a compound SELECT of more than 500 members (SQLITE_MAX_COMPOUND_SELECT), and
 * the parser's 256-term limit counts what the user wrote: 256 bare addresses ORed are 768
 * lookups. A run of members longer than COMPOUND_MAX is written as nested groups instead. */
#define COMPOUND_MAX 250

/* members writes kids[0..n) joined by op (" UNION " or " INTERSECT ", both associative), each
 * as "SELECT id FROM (...)", in nested groups when n > COMPOUND_MAX. */
static ch_err members(ch_sqlite *q, ch_sq_query *qq, ch_filter *const *kids, size_t n,
		      const char *op, int depth)
{
	size_t per = 1;
	ch_err err = CH_OK;

	while (per * COMPOUND_MAX < n)
		per *= COMPOUND_MAX;
	for (size_t i = 0; i < n; i += per) {
		if (i)
			CH_TRY(ch_buf_puts(&qq->sql, op));
		if (per == 1) {
			CH_TRY(wrapped(q, qq, kids[i], depth));
			continue;
		}
		CH_TRY(ch_buf_puts(&qq->sql, "SELECT id FROM ("));
		CH_TRY(members(q, qq, kids + i, n - i < per ? n - i : per, op, depth + 1));
		CH_TRY(ch_buf_putc(&qq->sql, ')'));
	}
out:
	return err;
}

/* long_conjunction writes an AND of more than COMPOUND_MAX members as two: its positive members
 * intersected (or every certificate), EXCEPT the union of what its negations negate. */
static ch_err long_conjunction(ch_sqlite *q, ch_sq_query *qq, const ch_filter *f, int depth)
{
	ch_filter **pos = malloc(f->num_kids * sizeof *pos), **neg = malloc(f->num_kids * sizeof *neg);
	size_t np = 0, nn = 0;
	ch_err err = CH_OK;

	if (!pos || !neg) {
		err = ch_error_set(CH_ERR_NOMEM, "out of memory compiling a query");
		goto out;
	}
	for (size_t i = 0; i < f->num_kids; i++) {
		if (f->kids[i]->op != CH_FILTER_NOT)
			pos[np++] = f->kids[i];
		else if (f->kids[i]->num_kids == 1)
			neg[nn++] = f->kids[i]->kids[0];
	}
	CH_TRY(ch_buf_puts(&qq->sql, "SELECT id FROM ("));
	CH_TRY(np ? members(q, qq, pos, np, " INTERSECT ", depth + 1) : every_cert(qq));
	CH_TRY(ch_buf_putc(&qq->sql, ')'));
	if (nn) {
		CH_TRY(ch_buf_puts(&qq->sql, " EXCEPT SELECT id FROM ("));
		CH_TRY(members(q, qq, neg, nn, " UNION ", depth + 1));
		CH_TRY(ch_buf_putc(&qq->sql, ')'));
	}
out:
	free(pos);
	free(neg);
	return err;
}

static ch_err conjunction(ch_sqlite *q, ch_sq_query *qq, const ch_filter *f, int depth)
{
	size_t pos = 0;
	ch_err err = CH_OK;

	if (f->num_kids > COMPOUND_MAX)
		return long_conjunction(q, qq, f, depth);

	for (size_t i = 0; i < f->num_kids; i++) {
		if (f->kids[i]->op == CH_FILTER_NOT)
			continue;
		if (pos++)
			CH_TRY(ch_buf_puts(&qq->sql, " INTERSECT "));
		CH_TRY(wrapped(q, qq, f->kids[i], depth));
	}
	if (!pos)
		CH_TRY(every_cert(qq));
	for (size_t i = 0; i < f->num_kids; i++) {
		if (f->kids[i]->op != CH_FILTER_NOT || f->kids[i]->num_kids != 1)
			continue;
		CH_TRY(ch_buf_puts(&qq->sql, " EXCEPT "));
		CH_TRY(wrapped(q, qq, f->kids[i]->kids[0], depth));
	}
out:
	return err;
}

static ch_err compile(ch_sqlite *q, ch_sq_query *qq, const ch_filter *f, int depth)
{
	ch_err err = CH_OK;

	if (depth > 64)
		return ch_error_set(CH_ERR_LIMIT, "store: query nested too deeply");
	switch (f->op) {
	case CH_FILTER_TERM:
		return term(qq, f);
	case CH_FILTER_AND:
		if (!f->num_kids)
			return ch_error_set(CH_ERR_INVALID, "store: empty AND");
		return conjunction(q, qq, f, depth);
	case CH_FILTER_NOT: {
		ch_filter *kid = f->num_kids == 1 ? f->kids[0] : NULL;
		ch_filter one = {.op = CH_FILTER_AND, .kids = (ch_filter **)&f, .num_kids = 1};
		if (!kid)
			return ch_error_set(CH_ERR_INVALID, "store: NOT needs one operand");
		return conjunction(q, qq, &one, depth);
	}
	case CH_FILTER_OR:
		if (!f->num_kids)
			return ch_error_set(CH_ERR_INVALID, "store: empty OR");
		return members(q, qq, f->kids, f->num_kids, " UNION ", depth);
	}
	return err;
}

ch_err ch_sq__compile(ch_sqlite *q, ch_sq_query *qq, const ch_filter *f)
{
	qq->q = q;
	if (!f)
		return ch_buf_puts(&qq->sql, "SELECT id FROM cert WHERE id>?1");
	return compile(q, qq, f, 0);
}

ch_err ch_sq__compile_attr(ch_sqlite *q, ch_sq_query *qq, ch_store_attr attr, const char *value)
{
	const char *slash;
	char *serial = NULL, text[64];
	int64_t issuer_id = 0;
	ch_err err = CH_OK;

	qq->q = q;
	switch (attr) {
	case CH_SA_NAME:
		return name_term(qq, value, false);
	case CH_SA_SERIAL:
		return serial_term(qq, value);
	case CH_SA_SERIAL_ISSUER:
		slash = strchr(value, '/');
		if (!slash)
			return ch_error_set(CH_ERR_INVALID, "store: serial+issuer is \"SERIAL/ISSUER DN\"");
		CH_TRY(ch_sq__lookup_value(q, &issuer_id, CH_SA_ISSUER_DN, slash + 1));
		serial = malloc((size_t)(slash - value) + 32);
		if (!serial)
			return ch_error_set(CH_ERR_NOMEM, "out of memory");
		snprintf(text, sizeof text, "/%lld", (long long)issuer_id);
		memcpy(serial, value, (size_t)(slash - value));
		strcpy(serial + (slash - value), text);
		err = value_eq(qq, CH_SA_SERIAL, serial);
		break;
	default:
		if ((int)attr <= 0 || attr >= CH_SA_COUNT_)
			return ch_error_set(CH_ERR_INVALID, "store: unknown attribute %d", (int)attr);
		return value_eq(qq, attr, value);
	}
out:
	free(serial);
	return err;
}

ch_err ch_sq__bind(ch_sqlite *q, sqlite3_stmt *st, const ch_sq_query *qq, int64_t after)
{
	int rc = sqlite3_bind_int64(st, 1, after);

	for (size_t i = 0; rc == SQLITE_OK && i < qq->num_params; i++) {
		const ch_sq_param *p = &qq->params[i];
		int n = (int)i + 2;
		if (p->is_blob)
			rc = sqlite3_bind_blob(st, n, p->text, (int)p->len, SQLITE_STATIC);
		else if (p->is_text)
			rc = sqlite3_bind_text(st, n, p->text, (int)p->len, SQLITE_STATIC);
		else
			rc = sqlite3_bind_int64(st, n, p->num);
	}
	if (rc != SQLITE_OK)
		return ch_sq__fail(q, "binding a query");
	return CH_OK;
}
