/* report: pivot results as a ranked table, JSON (CONTRACT.md "Pivot output"), NDJSON, CSV, and
 * an indicator list for `certhound corroborate`. */
#include "internal.h"

#include <certhound/pivot.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define PIVOT_OUT_MAX (256u << 20)

static void json_score(ch_json *j, double v)
{
	char tmp[32];
	int n = snprintf(tmp, sizeof tmp, "%.3f", v < 0 ? 0 : v > 1 ? 1 : v);

	ch_json_raw(j, tmp, (size_t)n);
}

static void json_time_or_null(ch_json *j, int64_t t)
{
	if (t)
		ch_json_time(j, t);
	else
		ch_json_null(j);
}

static void json_lead(ch_json *j, const ch_pivot_lead *l)
{
	ch_json_obj_begin(j);
	ch_json_key(j, "kind");
	ch_json_cstr(j, ch_pivot_kind_name(l->kind));
	ch_json_key(j, "value");
	ch_json_cstr(j, l->value);
	ch_json_key(j, "score");
	json_score(j, l->score);
	ch_json_key(j, "depth");
	ch_json_uint(j, l->depth);
	ch_json_key(j, "via");
	ch_json_arr_begin(j);
	for (size_t i = 0; i < l->num_via; i++) {
		const ch_pivot_via *v = &l->via[i];
		ch_json_obj_begin(j);
		ch_json_key(j, "from");
		ch_json_cstr(j, v->from);
		ch_json_key(j, "attribute");
		ch_json_cstr(j, v->attribute);
		ch_json_key(j, "value");
		ch_json_cstr(j, v->value);
		ch_json_key(j, "shared_by");
		ch_json_uint(j, v->shared_by);
		ch_json_key(j, "weight");
		json_score(j, v->weight);
		ch_json_obj_end(j);
	}
	ch_json_arr_end(j);
	ch_json_key(j, "first_seen");
	json_time_or_null(j, l->first_seen);
	ch_json_key(j, "last_seen");
	json_time_or_null(j, l->last_seen);
	ch_json_key(j, "certs");
	ch_json_arr_begin(j);
	for (size_t i = 0; i < l->num_certs; i++)
		ch_json_cstr(j, l->certs[i]);
	ch_json_arr_end(j);
	if (l->kind == CH_PIVOT_CERT) {
		ch_json_key(j, "name");
		ch_json_cstr(j, l->cert_name);
		ch_json_key(j, "issuer");
		ch_json_cstr(j, l->issuer);
		ch_json_key(j, "not_before");
		ch_json_time(j, l->not_before);
		ch_json_key(j, "not_after");
		ch_json_time(j, l->not_after);
	}
	ch_json_key(j, "corroborate");
	ch_json_cstr(j, l->corroborate);
	ch_json_obj_end(j);
}

ch_err ch_report_pivot_json(ch_buf *out, const ch_pivot_result *r, bool pretty)
{
	ch_json j;

	ch_json_init(&j, out, pretty);
	ch_json_obj_begin(&j);
	ch_json_key(&j, "seeds");
	ch_json_arr_begin(&j);
	for (size_t i = 0; i < r->num_seeds; i++) {
		const ch_pivot_seed *s = &r->seeds[i];
		ch_json_obj_begin(&j);
		ch_json_key(&j, "seed");
		ch_json_cstr(&j, s->text);
		ch_json_key(&j, "kind");
		ch_json_cstr(&j, s->kind);
		ch_json_key(&j, "value");
		ch_json_cstr(&j, s->value);
		ch_json_key(&j, "certs");
		ch_json_uint(&j, s->certs);
		if (s->error) {
			ch_json_key(&j, "error");
			ch_json_cstr(&j, s->error);
		}
		ch_json_obj_end(&j);
	}
	ch_json_arr_end(&j);
	ch_json_key(&j, "leads");
	ch_json_arr_begin(&j);
	for (size_t i = 0; i < r->num_leads; i++)
		json_lead(&j, &r->leads[i]);
	ch_json_arr_end(&j);
	ch_json_key(&j, "suppressed");
	ch_json_arr_begin(&j);
	for (size_t i = 0; i < r->num_suppressed; i++) {
		const ch_pivot_suppressed *s = &r->suppressed[i];
		ch_json_obj_begin(&j);
		ch_json_key(&j, "attribute");
		ch_json_cstr(&j, s->attribute);
		ch_json_key(&j, "value");
		ch_json_cstr(&j, s->value);
		ch_json_key(&j, "reason");
		ch_json_cstr(&j, s->reason);
		ch_json_key(&j, "shared_by");
		ch_json_uint(&j, s->shared_by);
		ch_json_key(&j, "detail");
		ch_json_cstr(&j, s->detail);
		ch_json_key(&j, "from");
		ch_json_cstr(&j, s->from);
		ch_json_obj_end(&j);
	}
	ch_json_arr_end(&j);
	ch_json_key(&j, "bounds_hit");
	ch_json_arr_begin(&j);
	for (size_t i = 0; i < r->num_bounds_hit; i++) {
		ch_json_obj_begin(&j);
		ch_json_key(&j, "bound");
		ch_json_cstr(&j, r->bounds_hit[i].bound);
		ch_json_key(&j, "detail");
		ch_json_cstr(&j, r->bounds_hit[i].detail);
		ch_json_obj_end(&j);
	}
	ch_json_arr_end(&j);
	ch_json_key(&j, "stats");
	ch_json_obj_begin(&j);
	ch_json_key(&j, "certs_visited");
	ch_json_uint(&j, r->certs_visited);
	ch_json_key(&j, "values_followed");
	ch_json_uint(&j, r->values_followed);
	ch_json_key(&j, "elapsed_ms");
	ch_json_uint(&j, (uint64_t)(r->elapsed_ms + 0.5));
	ch_json_obj_end(&j);
	ch_json_obj_end(&j);
	return ch_json_finish(&j);
}

/* ---- table ---------------------------------------------------------------------------------- */

static ch_err safe(ch_buf *b, const char *s)
{
	return ch_report_text_safe(b, s ? s : "", s ? strlen(s) : 0, NULL);
}

/* short_value shows long hex (fingerprints, keys) as their first 16 digits and an ellipsis. */
static ch_err short_value(ch_buf *b, const char *s, size_t keep)
{
	size_t n = s ? strlen(s) : 0, h = 0;

	while (h < n && ((s[h] >= '0' && s[h] <= '9') || (s[h] >= 'a' && s[h] <= 'f')))
		h++;
	if (h == n && n > keep + 4) {
		ch_err err = ch_buf_append(b, s, keep);
		return err ? err : ch_buf_puts(b, "\xe2\x80\xa6");
	}
	return safe(b, s);
}

/* columns counts the characters (not bytes) of UTF-8 text, for padding. */
static size_t columns(const char *s, size_t n)
{
	size_t c = 0;

	for (size_t i = 0; i < n; i++)
		c += ((unsigned char)s[i] & 0xc0) != 0x80;
	return c;
}

/* cert_label appends " NAME" after a shortened fingerprint, cut to `room` columns. */
static ch_err cert_label(ch_buf *b, const char *name, size_t room)
{
	size_t n = strlen(name);
	ch_err err = CH_OK;

	if (room < 6)
		return CH_OK;
	CH_TRY(ch_buf_putc(b, ' '));
	if (n + 1 <= room || n > 255)
		CH_TRY(n > 255 ? ch_buf_puts(b, "\xe2\x80\xa6") : safe(b, name));
	else {
		char cut[256];
		size_t k = room - 2;
		while (k && ((unsigned char)name[k] & 0xc0) == 0x80)
			k--; /* do not split a UTF-8 sequence */
		snprintf(cut, sizeof cut, "%.*s", (int)k, name);
		CH_TRY(safe(b, cut));
		CH_TRY(ch_buf_puts(b, "\xe2\x80\xa6"));
	}
out:
	return err;
}

static ch_err date(ch_buf *b, int64_t t)
{
	char tmp[21];

	if (!t)
		return ch_buf_puts(b, "-         ");
	ch_time_format(tmp, t);
	return ch_buf_append(b, tmp, 10);
}

static ch_err why(ch_buf *b, const ch_pivot_lead *l)
{
	const ch_pivot_via *v = l->num_via ? &l->via[0] : NULL;
	ch_err err = CH_OK;

	if (!v)
		return CH_OK;
	if (l->kind != CH_PIVOT_CERT) {
		CH_TRY(ch_buf_puts(b, !strcmp(v->attribute, "sighting") ? "seen with certificate " :
				   "on certificate "));
		CH_TRY(short_value(b, v->from, 16));
	} else {
		CH_TRY(ch_buf_puts(b, l->depth == 0 ? "carries " : "shares "));
		CH_TRY(safe(b, v->attribute));
		CH_TRY(ch_buf_puts(b, " "));
		CH_TRY(short_value(b, v->value, 16));
		CH_TRY(ch_buf_printf(b, " (%llu certificate%s) %s ", (unsigned long long)v->shared_by,
				     v->shared_by == 1 ? "" : "s", l->depth == 0 ? "from seed" : "with"));
		CH_TRY(short_value(b, v->from, 16));
	}
	if (l->num_via > 1)
		CH_TRY(ch_buf_printf(b, "; +%zu more path%s", l->num_via - 1, l->num_via == 2 ? "" : "s"));
out:
	return err;
}

static ch_err table(ch_buf *b, const ch_pivot_result *r, bool show_suppressed)
{
	ch_err err = CH_OK;

	CH_TRY(ch_buf_puts(b, "seeds\n"));
	for (size_t i = 0; i < r->num_seeds; i++) {
		const ch_pivot_seed *s = &r->seeds[i];
		CH_TRY(ch_buf_puts(b, "  "));
		CH_TRY(safe(b, s->text));
		CH_TRY(ch_buf_puts(b, "  ("));
		CH_TRY(safe(b, s->kind));
		CH_TRY(ch_buf_printf(b, ", %llu certificate%s)", (unsigned long long)s->certs,
				     s->certs == 1 ? "" : "s"));
		if (s->error) {
			CH_TRY(ch_buf_puts(b, ": "));
			CH_TRY(safe(b, s->error));
		}
		CH_TRY(ch_buf_puts(b, "\n"));
	}
	CH_TRY(ch_buf_printf(b, "\nleads (%zu)\n", r->num_leads));
	if (r->num_leads)
		CH_TRY(ch_buf_printf(b, "%-5s  %-5s  %-6s  %-40s  %-10s  %-10s  %s\n", "score", "depth",
				     "kind", "lead", "first_seen", "last_seen", "why"));
	for (size_t i = 0; i < r->num_leads; i++) {
		const ch_pivot_lead *l = &r->leads[i];
		size_t start;
		CH_TRY(ch_buf_printf(b, "%.3f  %-5u  %-6s  ", l->score, l->depth, ch_pivot_kind_name(l->kind)));
		start = b->len;
		CH_TRY(short_value(b, l->value, 16));
		if (l->kind == CH_PIVOT_CERT && l->cert_name)
			CH_TRY(cert_label(b, l->cert_name, 40 - columns(b->data + start, b->len - start)));
		for (size_t w = columns(b->data + start, b->len - start); w < 40; w++)
			CH_TRY(ch_buf_putc(b, ' '));
		CH_TRY(ch_buf_puts(b, "  "));
		CH_TRY(date(b, l->first_seen));
		CH_TRY(ch_buf_puts(b, "  "));
		CH_TRY(date(b, l->last_seen));
		CH_TRY(ch_buf_puts(b, "  "));
		CH_TRY(why(b, l));
		CH_TRY(ch_buf_puts(b, "\n"));
	}
	if (!show_suppressed && r->num_suppressed) {
		CH_TRY(ch_buf_printf(b, "\n%zu value%s not followed as noise (--show-suppressed lists them)\n",
				     r->num_suppressed, r->num_suppressed == 1 ? "" : "s"));
	} else if (r->num_suppressed) {
		CH_TRY(ch_buf_printf(b, "\nsuppressed (%zu)\n", r->num_suppressed));
		for (size_t i = 0; i < r->num_suppressed; i++) {
			const ch_pivot_suppressed *s = &r->suppressed[i];
			CH_TRY(ch_buf_puts(b, "  "));
			CH_TRY(safe(b, s->reason));
			CH_TRY(ch_buf_puts(b, "  "));
			CH_TRY(safe(b, s->attribute));
			CH_TRY(ch_buf_puts(b, " "));
			CH_TRY(short_value(b, s->value, 16));
			CH_TRY(ch_buf_printf(b, "  (shared by %llu)  ", (unsigned long long)s->shared_by));
			CH_TRY(safe(b, s->detail));
			CH_TRY(ch_buf_puts(b, "\n"));
		}
	}
	if (r->num_bounds_hit) {
		CH_TRY(ch_buf_puts(b, "\nbounds hit\n"));
		for (size_t i = 0; i < r->num_bounds_hit; i++) {
			CH_TRY(ch_buf_puts(b, "  "));
			CH_TRY(safe(b, r->bounds_hit[i].bound));
			CH_TRY(ch_buf_puts(b, ": "));
			CH_TRY(safe(b, r->bounds_hit[i].detail));
			CH_TRY(ch_buf_puts(b, "\n"));
		}
	}
out:
	return err;
}

/* ---- csv ------------------------------------------------------------------------------------ */

static ch_err csv_field(ch_buf *b, const char *s, bool last)
{
	ch_err err = ch_report_csv_field(b, s ? s : "", s ? strlen(s) : 0);

	return err ? err : ch_buf_puts(b, last ? "\r\n" : ",");
}

static ch_err csv(ch_buf *b, const ch_pivot_result *r)
{
	char tmp[64], t1[21], t2[21];
	ch_err err = CH_OK;

	CH_TRY(ch_buf_puts(b, "kind,value,score,depth,attribute,via_value,from,shared_by,first_seen,"
			   "last_seen,certs,corroborate\r\n"));
	for (size_t i = 0; i < r->num_leads; i++) {
		const ch_pivot_lead *l = &r->leads[i];
		const ch_pivot_via *v = l->num_via ? &l->via[0] : NULL;
		CH_TRY(csv_field(b, ch_pivot_kind_name(l->kind), false));
		CH_TRY(csv_field(b, l->value, false));
		snprintf(tmp, sizeof tmp, "%.3f", l->score);
		CH_TRY(csv_field(b, tmp, false));
		snprintf(tmp, sizeof tmp, "%u", l->depth);
		CH_TRY(csv_field(b, tmp, false));
		CH_TRY(csv_field(b, v ? v->attribute : "", false));
		CH_TRY(csv_field(b, v ? v->value : "", false));
		CH_TRY(csv_field(b, v ? v->from : "", false));
		snprintf(tmp, sizeof tmp, "%llu", v ? (unsigned long long)v->shared_by : 0ull);
		CH_TRY(csv_field(b, tmp, false));
		t1[0] = t2[0] = '\0';
		if (l->first_seen)
			ch_time_format(t1, l->first_seen);
		if (l->last_seen)
			ch_time_format(t2, l->last_seen);
		CH_TRY(csv_field(b, t1, false));
		CH_TRY(csv_field(b, t2, false));
		snprintf(tmp, sizeof tmp, "%zu", l->num_certs);
		CH_TRY(csv_field(b, tmp, false));
		CH_TRY(csv_field(b, l->corroborate, true));
	}
out:
	return err;
}

ch_err ch_report_pivot(FILE *f, ch_report_format format, const ch_pivot_result *r, unsigned flags)
{
	ch_buf b;
	ch_err err = CH_OK;

	ch_buf_init(&b, PIVOT_OUT_MAX);
	switch (format) {
	case CH_REPORT_JSON:
	case CH_REPORT_NDJSON:
		CH_TRY(ch_report_pivot_json(&b, r, format == CH_REPORT_JSON));
		CH_TRY(ch_buf_putc(&b, '\n'));
		break;
	case CH_REPORT_CSV:
		CH_TRY(csv(&b, r));
		break;
	case CH_REPORT_TABLE:
	default:
		CH_TRY(table(&b, r, (flags & CH_REPORT_PIVOT_SUPPRESSED) != 0));
		break;
	}
	if (b.len && fwrite(b.data, 1, b.len, f) != b.len)
		CH_TRY(ch_error_set(CH_ERR_IO, "writing the pivot report: %s", strerror(errno)));
	if (fflush(f) != 0)
		err = ch_error_set(CH_ERR_IO, "writing the pivot report: %s", strerror(errno));
out:
	ch_buf_free(&b);
	return err;
}

ch_err ch_report_pivot_indicators(FILE *f, const ch_pivot_result *r)
{
	ch_err err = CH_OK;

	fputs("# certhound pivot leads: one indicator per line (domain, host name, IP or SHA-256),\n"
	      "# strongest first; feed to `certhound corroborate --indicators FILE`\n", f);
	for (size_t i = 0; i < r->num_leads; i++) {
		const char *s = r->leads[i].corroborate;
		if (!s || strpbrk(s, "\r\n"))
			continue;
		fprintf(f, "%s\n", s);
	}
	if (fflush(f) != 0 || ferror(f))
		err = ch_error_set(CH_ERR_IO, "writing indicators: %s", strerror(errno));
	return err;
}
