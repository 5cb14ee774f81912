/* Shared body of the detect fuzz targets: the input is read as `format` twice, from memory and
 * through a FILE* (fmemopen), and both readers must yield the same items. Every process event
 * must have non-NULL, valid UTF-8 strings and a line inside the input; every bad record a reason.
 * The items then go through the shipped rules and a detector, whose alerts must be well formed. */
#ifndef CH_DETECT_FUZZ_H
#define CH_DETECT_FUZZ_H

#include <certhound/detect.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/internal.h"

static void fz_str(const char *s)
{
	if (!s || !ch_detect__utf8_valid(s, strlen(s)))
		abort();
}

static void fz_check(const ch_procev_item *it, uint64_t max_line)
{
	if (it->line < 1 || it->line > max_line)
		abort();
	switch (it->kind) {
	case CH_PROCEV_PROCESS:
		fz_str(it->proc.host);
		fz_str(it->proc.user);
		fz_str(it->proc.image);
		fz_str(it->proc.name);
		fz_str(it->proc.command_line);
		fz_str(it->proc.parent_image);
		fz_str(it->proc.parent_command_line);
		if (!*it->proc.image && !*it->proc.name && !*it->proc.command_line)
			abort();
		break;
	case CH_PROCEV_NETWORK:
		fz_str(it->net.host);
		fz_str(it->net.name);
		break;
	case CH_PROCEV_BAD:
		if (!it->reason || !*it->reason)
			abort();
		break;
	default:
		abort();
	}
}

static bool fz_same(const ch_procev_item *a, const ch_procev_item *b)
{
	if (a->kind != b->kind || a->line != b->line)
		return false;
	if (a->kind == CH_PROCEV_PROCESS)
		return a->proc.time_ms == b->proc.time_ms && !strcmp(a->proc.host, b->proc.host) &&
		       !strcmp(a->proc.command_line, b->proc.command_line) &&
		       !strcmp(a->proc.image, b->proc.image) && !strcmp(a->proc.user, b->proc.user);
	if (a->kind == CH_PROCEV_NETWORK)
		return !strcmp(a->net.name, b->net.name) && !strcmp(a->net.host, b->net.host);
	return !strcmp(a->reason, b->reason);
}

static int fz_run(const uint8_t *data, size_t size, ch_procev_format format)
{
	static ch_detect_rules *rules;
	ch_procev_reader *a = NULL, *b = NULL;
	ch_detect *det = NULL;
	FILE *f = size ? fmemopen((void *)data, size, "rb") : NULL;
	ch_procev_item x, y;
	ch_err ea, eb;
	uint64_t max_line = 1;
	const ch_detect_alert *alerts;
	size_t num;

	for (size_t i = 0; i < size; i++)
		max_line += data[i] == '\n';
	if (!rules && ch_detect_rules_load(&rules, ch_detect_rules_default_path()) != CH_OK)
		abort();
	if (ch_procev_open_mem(&a, data, size, "fuzz", format) != CH_OK ||
	    ch_detect_new(&det, rules, NULL, 3600) != CH_OK)
		abort();
	if (f && ch_procev_open_stream(&b, f, "fuzz", format) != CH_OK)
		abort();
	for (;;) {
		ea = ch_procev_next(a, &x);
		if (ea != CH_OK)
			break;
		fz_check(&x, max_line);
		if (x.kind == CH_PROCEV_PROCESS && ch_detect_add_process(det, &x.proc) != CH_OK)
			abort();
		if (x.kind == CH_PROCEV_NETWORK && ch_detect_add_network(det, &x.net) != CH_OK)
			abort();
		if (b) {
			eb = ch_procev_next(b, &y);
			if (eb != CH_OK || !fz_same(&x, &y))
				abort();
		}
	}
	if (ea != CH_ERR_EOF)
		abort();
	if (b && ch_procev_next(b, &y) != CH_ERR_EOF)
		abort();
	if (ch_detect_finish(det, &alerts, &num) != CH_OK)
		abort();
	for (size_t i = 0; i < num; i++)
		if (alerts[i].count < 1 || !alerts[i].category || alerts[i].last_seen_ms < alerts[i].first_seen_ms)
			abort();
	ch_detect_free(det);
	ch_procev_free(a);
	ch_procev_free(b);
	if (f)
		fclose(f);
	return 0;
}

#endif
