/* monitor: notification transports — append to a file, run a hook command with the alert in
 * its environment, POST to a webhook, syslog. */
#include "internal.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define ENV_MAX 64

/* already_last tells whether the file at fd ends with exactly line (len bytes, '\n' included):
 * the alert was appended by a run that was killed before it could record the delivery, so
 * appending it again would repeat it. *torn is set when the file ends without a newline (a
 * write cut short), so the caller starts a fresh line. */
static bool already_last(int fd, const char *line, size_t len, bool *torn)
{
	struct stat st;
	char last, *tail;
	bool same = false;

	*torn = false;
	if (fstat(fd, &st) != 0 || st.st_size == 0 || pread(fd, &last, 1, st.st_size - 1) != 1)
		return false;
	*torn = last != '\n';
	if (*torn || (size_t)st.st_size < len || !(tail = malloc(len)))
		return false;
	same = pread(fd, tail, len, st.st_size - (off_t)len) == (ssize_t)len &&
	       memcmp(tail, line, len) == 0;
	free(tail);
	return same;
}

/* to_file appends the alert as one line. Delivery is recorded after the append, so a run killed
 * in between delivers the alert again on restart: the file sink recognises it as its own last
 * line and does not repeat it, which makes the file exactly-once. */
static ch_err to_file(const char *path, const char *json, size_t len)
{
	int fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	ch_err err = CH_OK;
	char *line = malloc(len + 2);
	bool torn = false;

	if (fd < 0 || !line) {
		err = fd < 0 ? ch_error_set(CH_ERR_IO, "%s: %s", path, strerror(errno))
			     : ch_error_set(CH_ERR_NOMEM, "out of memory");
	} else {
		memcpy(line + 1, json, len);
		line[0] = '\n';
		line[len + 1] = '\n';
		if (already_last(fd, line + 1, len + 1, &torn))
			goto out;
		/* one write: lines from concurrent monitors do not interleave */
		size_t n = len + 1 + torn;
		if (write(fd, torn ? line : line + 1, n) != (ssize_t)n || fsync(fd) != 0)
			err = ch_error_set(CH_ERR_IO, "%s: %s", path, strerror(errno));
	}
out:
	if (fd >= 0)
		close(fd);
	free(line);
	return err;
}

static char *env_kv(const char *k, const char *v)
{
	char *s = NULL;

	if (asprintf(&s, "%s=%s", k, v ? v : "") < 0)
		return NULL;
	return s;
}

/* hook_env builds CERTHOUND_ALERT_* from the alert JSON; returns the number of entries. */
static size_t hook_env(char **env, size_t cap, const char *json, size_t len)
{
	json_t *d = json_loadb(json, len, 0, NULL), *names;
	size_t n = 0, i;
	char joined[4096] = "";
	json_t *v;

	env[n++] = env_kv("CERTHOUND_ALERT_JSON", json);
	if (d) {
		static const char *const f[][2] = {{"CERTHOUND_ALERT_ID", "id"}, {"CERTHOUND_ALERT_RULE", "rule"},
						   {"CERTHOUND_ALERT_SHA256", "sha256"},
						   {"CERTHOUND_ALERT_ISSUER", "issuer"},
						   {"CERTHOUND_ALERT_SUBJECT", "subject"},
						   {"CERTHOUND_ALERT_DETAIL", "detail"}};
		for (size_t k = 0; k < sizeof f / sizeof *f && n < cap; k++)
			env[n++] = env_kv(f[k][0], json_string_value(json_object_get(d, f[k][1])));
		names = json_object_get(d, "names");
		json_array_foreach(names, i, v) {
			size_t l = strlen(joined);
			snprintf(joined + l, sizeof joined - l, "%s%s", l ? " " : "", json_string_value(v));
		}
		if (n < cap)
			env[n++] = env_kv("CERTHOUND_ALERT_NAMES", joined);
		if (n < cap)
			env[n++] = env_kv("CERTHOUND_ALERT_NAME", json_string_value(json_array_get(names, 0)));
		if (n < cap)
			env[n++] = env_kv("CERTHOUND_ALERT_WATCH", json_string_value(
				json_object_get(json_object_get(d, "watch"), "value")));
		json_decref(d);
	}
	return n;
}

static ch_err run_hook(const char *cmd, const char *json, size_t len, long timeout_ms)
{
	char *env[ENV_MAX + 1024], *argv[] = {"/bin/sh", "-c", (char *)cmd, NULL};
	size_t n = hook_env(env, 16, json, len), base = n;
	pid_t pid;
	int st = 0, rc;
	ch_err err = CH_OK;
	long waited = 0;

	for (char **e = environ; *e && n < sizeof env / sizeof *env - 1; e++)
		if (strncmp(*e, "CERTHOUND_ALERT_", 16))
			env[n++] = *e;
	env[n] = NULL;
	for (size_t i = 0; i < base; i++)
		if (!env[i])
			err = ch_error_set(CH_ERR_NOMEM, "out of memory");
	if (!err && (rc = posix_spawn(&pid, "/bin/sh", NULL, NULL, argv, env)) != 0)
		err = ch_error_set(CH_ERR_IO, "hook: cannot run /bin/sh: %s", strerror(rc));
	while (!err) {
		pid_t w = waitpid(pid, &st, WNOHANG);
		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			err = ch_error_set(CH_ERR_IO, "hook: %s", strerror(errno));
			break;
		}
		if (waited >= timeout_ms) {
			kill(pid, SIGKILL);
			waitpid(pid, &st, 0);
			err = ch_error_set(CH_ERR_IO, "hook: '%s' still running after %ld ms", cmd, timeout_ms);
			break;
		}
		nanosleep(&(struct timespec){0, 10 * 1000000L}, NULL);
		waited += 10;
	}
	if (!err && (!WIFEXITED(st) || WEXITSTATUS(st) != 0))
		err = ch_error_set(CH_ERR_IO, "hook: '%s' failed (status %d)", cmd,
				   WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	for (size_t i = 0; i < base; i++)
		free(env[i]);
	return err;
}

static size_t discard(void *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return size * n;
}

static ch_err post(const char *url, const char *json, size_t len, long timeout_ms)
{
	CURL *c = curl_easy_init();
	struct curl_slist *h = NULL;
	long code = 0;
	CURLcode rc;
	ch_err err = CH_OK;

	if (!c)
		return ch_error_set(CH_ERR_NOMEM, "webhook: cannot make a curl handle");
	h = curl_slist_append(h, "Content-Type: application/json");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, json);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)len);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "certhound-monitor");
	rc = curl_easy_perform(c);
	if (rc != CURLE_OK)
		err = ch_error_set(CH_ERR_NET, "webhook %s: %s", url, curl_easy_strerror(rc));
	else if (curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code) != CURLE_OK || code < 200 || code > 299)
		err = ch_error_set(CH_ERR_NET, "webhook %s: HTTP status %ld", url, code);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return err;
}

static void to_syslog(const char *json, size_t len)
{
	json_t *d = json_loadb(json, len, 0, NULL);

	openlog("certhound", LOG_PID, LOG_USER);
	syslog(LOG_WARNING, "monitor: %s %s (watch %s) certificate %s",
	       d ? json_string_value(json_object_get(d, "rule")) : "alert",
	       d ? json_string_value(json_array_get(json_object_get(d, "names"), 0)) : "",
	       d ? json_string_value(json_object_get(json_object_get(d, "watch"), "value")) : "",
	       d ? json_string_value(json_object_get(d, "sha256")) : "");
	closelog();
	json_decref(d);
}

ch_err ch_monitor_notify_send(const ch_monitor_notify *n, const char *json, size_t len)
{
	long t = n->timeout_ms > 0 ? n->timeout_ms : 10000;
	ch_err err = CH_OK;

	if (n->webhook)
		err = post(n->webhook, json, len, t);
	if (!err && n->hook)
		err = run_hook(n->hook, json, len, t);
	if (!err && n->file)
		err = to_file(n->file, json, len);
	if (!err && n->syslog)
		to_syslog(json, len);
	return err;
}
