/* HTTP GET for CT logs through one libcurl easy handle per client: connections are kept alive
 * between requests, gzip is accepted and decoded, bodies are bounded, and 429 / 5xx / stalls /
 * dropped connections are retried with exponential backoff. file:// URLs work too (local
 * tiled logs). */
#include "internal.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#define MULTI_MAX 16

struct ch_ct_http {
	CURL *curl;
	CURLM *multi;           /* for ch_ct__http_get_many; its connections are kept alive */
	CURL *easy[MULTI_MAX];
	ch_ct_http_opts opts;
	uint64_t requests;
	bool over_limit;
	double last;            /* monotonic time of the last request's start (politeness) */
};

ch_err ch_ct__http_new(ch_ct_http **out, const ch_ct_http_opts *opts)
{
	static const ch_ct_http_opts defaults = {.retries = 4, .stall_seconds = 30, .backoff_ms = 250};
	ch_ct_http *c = calloc(1, sizeof *c);

	*out = NULL;
	if (!c)
		return ch_error_set(CH_ERR_NOMEM, "out of memory");
	c->opts = opts ? *opts : defaults;
	if (!(c->curl = curl_easy_init())) {
		free(c);
		return ch_error_set(CH_ERR_NOMEM, "cannot initialise libcurl");
	}
	*out = c;
	return CH_OK;
}

void ch_ct__http_free(ch_ct_http *c)
{
	if (!c)
		return;
	curl_easy_cleanup(c->curl);
	for (size_t i = 0; i < MULTI_MAX; i++)
		if (c->easy[i]) {
			if (c->multi)
				curl_multi_remove_handle(c->multi, c->easy[i]);
			curl_easy_cleanup(c->easy[i]);
		}
	if (c->multi)
		curl_multi_cleanup(c->multi);
	free(c);
}

uint64_t ch_ct__http_requests(const ch_ct_http *c)
{
	return c->requests;
}

struct sink {
	ch_ct_http *c;
	ch_buf *out;
};

static size_t on_data(char *p, size_t size, size_t n, void *arg)
{
	struct sink *s = arg;

	if (ch_buf_append(s->out, p, size * n) != CH_OK) {
		s->c->over_limit = true;
		return 0;
	}
	return size * n;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

static double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* polite waits until a request may start under the log's requests-per-second limit. */
static void polite(ch_ct_http *c)
{
	double now = mono_now(), next;

	if (c->opts.max_rps > 0 && c->requests) {
		next = c->last + 1.0 / c->opts.max_rps;
		if (next > now) {
			sleep_ms((unsigned)((next - now) * 1000.0 + 0.999));
			now = mono_now();
		}
	}
	c->last = now;
}

ch_err ch_ct__http_get(ch_ct_http *c, const char *url, ch_buf *out)
{
	struct sink s = {c, out};
	unsigned delay = c->opts.backoff_ms;
	char why[CURL_ERROR_SIZE + 64] = "";
	long status = 0;

	for (unsigned attempt = 0; attempt <= c->opts.retries; attempt++) {
		char errbuf[CURL_ERROR_SIZE] = "";
		CURLcode rc;

		if (attempt > 0) {
			sleep_ms(delay);
			delay = delay * 2 > 10000 ? 10000 : delay * 2;
		}
		polite(c);
		ch_buf_reset(out);
		c->over_limit = false;
		c->requests++;
		curl_easy_reset(c->curl);
		curl_easy_setopt(c->curl, CURLOPT_URL, url);
		curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, on_data);
		curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, &s);
		curl_easy_setopt(c->curl, CURLOPT_ERRORBUFFER, errbuf);
		curl_easy_setopt(c->curl, CURLOPT_ACCEPT_ENCODING, "gzip, identity");
		curl_easy_setopt(c->curl, CURLOPT_USERAGENT, "certhound/0.1");
		curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT, 15L);
		curl_easy_setopt(c->curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
		curl_easy_setopt(c->curl, CURLOPT_LOW_SPEED_TIME, c->opts.stall_seconds);
		curl_easy_setopt(c->curl, CURLOPT_PROTOCOLS_STR, "http,https,file");
		rc = curl_easy_perform(c->curl);
		if (c->over_limit)
			return ch_error_set(CH_ERR_LIMIT, "GET %s: response exceeds %zu bytes", url,
					    out->max);
		if (rc != CURLE_OK) {
			if (rc == CURLE_FILE_COULDNT_READ_FILE)
				return ch_error_set(CH_ERR_NOTFOUND, "GET %s: no such file", url);
			snprintf(why, sizeof why, "%s", errbuf[0] ? errbuf : curl_easy_strerror(rc));
			continue;
		}
		curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
		if (status == 0 || (status >= 200 && status < 300))
			return CH_OK; /* file:// has no status */
		if (status == 404)
			return ch_error_set(CH_ERR_NOTFOUND, "GET %s: HTTP 404", url);
		snprintf(why, sizeof why, "HTTP %ld", status);
		if (status != 429 && status < 500)
			break;
		{
			/* the log says when to come back: honoured, up to a minute */
			curl_off_t after = 0;
			if (curl_easy_getinfo(c->curl, CURLINFO_RETRY_AFTER, &after) == CURLE_OK &&
			    after > 0 && (unsigned)(after > 60 ? 60 : after) * 1000u > delay)
				delay = (unsigned)(after > 60 ? 60 : after) * 1000u;
		}
	}
	return ch_error_set(CH_ERR_NET, "GET %s: %s (after %u attempts)", url, why,
			    c->opts.retries + 1);
}

/* ---- concurrent fetches ------------------------------------------------------------------- */

struct many_sink {
	ch_buf *out;
	bool over;
};

static size_t on_many(char *p, size_t size, size_t n, void *arg)
{
	struct many_sink *s = arg;

	if (ch_buf_append(s->out, p, size * n) != CH_OK) {
		s->over = true;
		return 0;
	}
	return size * n;
}

static void setup_easy(ch_ct_http *c, CURL *e, const char *url, struct many_sink *sink)
{
	curl_easy_reset(e);
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_many);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, sink);
	curl_easy_setopt(e, CURLOPT_PRIVATE, sink);
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "gzip, identity");
	curl_easy_setopt(e, CURLOPT_USERAGENT, "certhound/0.1");
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, 15L);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, c->opts.stall_seconds);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https,file");
}

/* done_one judges a finished transfer. */
static ch_err done_one(CURL *e, CURLcode rc, bool over)
{
	long status = 0;

	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
	if (rc == CURLE_OK && !over && (status == 0 || (status >= 200 && status < 300)))
		return CH_OK;
	return status == 404 || rc == CURLE_FILE_COULDNT_READ_FILE ? CH_ERR_NOTFOUND : CH_ERR_NET;
}

void ch_ct__http_get_many(ch_ct_http *c, const char *const *urls, ch_buf *outs, ch_err *errs,
			  size_t n, unsigned parallel)
{
	struct many_sink sinks[MULTI_MAX];
	size_t item[MULTI_MAX], next = 0, running = 0;
	bool busy[MULTI_MAX] = {false};

	for (size_t i = 0; i < n; i++)
		errs[i] = CH_ERR_NET;
	if (parallel > MULTI_MAX)
		parallel = MULTI_MAX;
	if (!c->multi && !(c->multi = curl_multi_init()))
		return;
	for (unsigned k = 0; k < parallel; k++)
		if (!c->easy[k] && !(c->easy[k] = curl_easy_init()))
			return;
	for (;;) {
		int still = 0, left = 0;
		CURLMsg *m;
		for (unsigned k = 0; k < parallel && next < n; k++) {
			if (busy[k])
				continue;
			ch_buf_reset(&outs[next]);
			sinks[k] = (struct many_sink){&outs[next], false};
			item[k] = next;
			setup_easy(c, c->easy[k], urls[next++], &sinks[k]);
			if (curl_multi_add_handle(c->multi, c->easy[k]) != CURLM_OK)
				continue;
			busy[k] = true;
			running++;
			c->requests++;
		}
		if (!running)
			break;
		bool freed = false;
		curl_multi_perform(c->multi, &still);
		while ((m = curl_multi_info_read(c->multi, &left)) != NULL) {
			if (m->msg != CURLMSG_DONE)
				continue;
			for (unsigned k = 0; k < parallel; k++) {
				if (!busy[k] || c->easy[k] != m->easy_handle)
					continue;
				errs[item[k]] = done_one(c->easy[k], m->data.result, sinks[k].over);
				curl_multi_remove_handle(c->multi, c->easy[k]);
				busy[k] = false;
				freed = true;
				running--;
			}
		}
		if (running && !(freed && next < n))
			curl_multi_poll(c->multi, NULL, 0, 1000, NULL);
	}
}
