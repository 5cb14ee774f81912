/* certhound ct follow: keep several CT logs synced at once, and the multi-log runner that
 * `ct sync --all-usable` shares. One thread per log, each with its own store handle and ingest
 * pipeline (SQLite serialises the writers; every chunk commits with its checkpoint); at most
 * `jobs` logs sync at the same time. SIGINT / SIGTERM set a flag that every sync checks between
 * chunks, so a stop commits what was verified and exits cleanly. */
#include "ct_common.h"

#include <certhound/ingest.h>
#include <certhound/store.h>

#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { ST_WAIT = 0, ST_SYNC, ST_IDLE, ST_DONE, ST_FAILED };

typedef struct flog {
	ch_cli_ct_log *log;
	pthread_t th;
	bool started;
	/* status, under run.mu */
	int state;
	uint64_t next, tree_size, entries;
	uint64_t base;                   /* entries before the current sync call */
	int rc;                          /* exit code of this log */
	char msg[1024];
	char evidence[CH_CT_EVIDENCE_MAX];
} flog;

typedef struct run {
	ch_cli *cli;
	const ch_cli_ct_run *o;
	flog *logs;
	size_t n;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	unsigned active;                 /* logs syncing now */
	bool tty;                        /* stderr carries a progress line without a newline */
} run;

static atomic_int g_stop;

static void on_signal(int sig)
{
	(void)sig;
	atomic_store(&g_stop, 1);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct targ {
	run *r;
	flog *f;
} targ;

static void on_progress(void *arg, const ch_ct_sync_progress *p)
{
	targ *t = arg;

	pthread_mutex_lock(&t->r->mu);
	t->f->next = p->next;
	t->f->tree_size = p->tree_size;
	t->f->entries = t->f->base + p->entries;
	pthread_mutex_unlock(&t->r->mu);
}

/* slot_take waits for a free job slot; false when stopping. */
static bool slot_take(run *r)
{
	bool ok;

	pthread_mutex_lock(&r->mu);
	while (r->active >= r->o->jobs && !atomic_load(&g_stop)) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 100000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&r->cv, &r->mu, &ts);
	}
	ok = !atomic_load(&g_stop);
	if (ok)
		r->active++;
	pthread_mutex_unlock(&r->mu);
	return ok;
}

static void slot_give(run *r)
{
	pthread_mutex_lock(&r->mu);
	r->active--;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
}

static void set_state(run *r, flog *f, int state, int rc, const char *msg, const char *ev)
{
	pthread_mutex_lock(&r->mu);
	f->state = state;
	if (rc)
		f->rc = rc;
	if (msg)
		snprintf(f->msg, sizeof f->msg, "%s", msg);
	if (ev)
		snprintf(f->evidence, sizeof f->evidence, "%s", ev);
	pthread_mutex_unlock(&r->mu);
}

/* note_retry says on stderr, once per distinct message, that a log failed in a way a later poll
 * may mend (the network, a tree head that does not parse), and when it syncs again. */
static void note_retry(run *r, flog *f, const char *msg)
{
	bool changed;

	pthread_mutex_lock(&r->mu);
	changed = strcmp(f->msg, msg) != 0;
	pthread_mutex_unlock(&r->mu);
	if (!changed)
		return;
	if (*msg)
		fprintf(stderr, "%scerthound: ct: %s: %s; trying again at the next poll\n",
			r->tty ? "\n" : "", f->log->name, msg);
	else
		fprintf(stderr, "%scerthound: ct: %s: synced again\n", r->tty ? "\n" : "",
			f->log->name);
}

static void *log_thread(void *arg)
{
	targ *t = arg;
	run *r = t->r;
	flog *f = t->f;
	ch_store *store = NULL;
	ch_ingest *ig = NULL;
	ch_ct_sync_log log;
	ch_ct_sync_opts o = r->o->sync;
	ch_ct_sync_result res;

	ch_cli_ct_sync_log(&log, f->log);
	o.progress = on_progress;
	o.progress_arg = t;
	o.stop = &g_stop;
	if (ch_store_open(&store, ch_cli_db_path(r->cli), CH_STORE_CREATE) != CH_OK ||
	    ch_ingest_new(&ig, store, NULL) != CH_OK) {
		set_state(r, f, ST_FAILED, CH_EXIT_ENV, ch_error_last(), NULL);
		goto out;
	}
	while (!atomic_load(&g_stop)) {
		ch_err err;
		double until;

		if (!slot_take(r))
			break;
		set_state(r, f, ST_SYNC, 0, NULL, NULL);
		pthread_mutex_lock(&r->mu);
		f->base = f->entries;
		pthread_mutex_unlock(&r->mu);
		err = ch_ct_sync(&res, store, ig, &log, &o);
		slot_give(r);
		pthread_mutex_lock(&r->mu);
		f->next = res.next;
		f->entries = f->base + res.entries;
		f->tree_size = res.sth.tree_size > f->tree_size ? res.sth.tree_size : f->tree_size;
		pthread_mutex_unlock(&r->mu);
		if (err) {
			char msg[1024];
			snprintf(msg, sizeof msg, "%s", ch_error_last());
			/* Commit what was verified before the failure (and its checkpoint). */
			if (err != CH_ERR_STORE && err != CH_ERR_NOMEM && ch_ingest_flush(ig) != CH_OK) {
				set_state(r, f, ST_FAILED, CH_EXIT_ENV, ch_error_last(), NULL);
				break;
			}
			if (err == CH_ERR_INTEGRITY || r->o->once || err == CH_ERR_STORE ||
			    err == CH_ERR_NOMEM || err == CH_ERR_INVALID) {
				set_state(r, f, ST_FAILED, ch_cli_ct_exit_for(err), msg,
					  err == CH_ERR_INTEGRITY ? res.evidence : NULL);
				break;
			}
			/* A network failure: try again at the next poll. */
			note_retry(r, f, msg);
			set_state(r, f, ST_IDLE, 0, msg, NULL);
		} else {
			note_retry(r, f, "");
			set_state(r, f, r->o->once && !res.stopped ? ST_DONE : ST_IDLE, 0, "", NULL);
		}
		if (r->o->once)
			break;
		for (until = now_s() + r->o->poll_seconds; now_s() < until && !atomic_load(&g_stop);) {
			struct timespec ts = {0, 100000000L};
			nanosleep(&ts, NULL);
		}
	}
out:
	pthread_mutex_lock(&r->mu);
	if (f->state != ST_FAILED)
		f->state = ST_DONE;
	pthread_mutex_unlock(&r->mu);
	ch_ingest_free(ig);
	ch_store_close(store);
	free(t);
	return NULL;
}

/* print_status writes one progress line: logs syncing, entries stored, rate, backlog. */
static void print_status(run *r, double elapsed, uint64_t *last_total, double *last_t, bool tty)
{
	uint64_t total = 0, backlog = 0, worst = 0;
	unsigned syncing = 0, failed = 0, done = 0;
	const char *worst_name = "";
	double t = now_s(), rate;
	char line[512];

	pthread_mutex_lock(&r->mu);
	for (size_t i = 0; i < r->n; i++) {
		flog *f = &r->logs[i];
		uint64_t b = f->tree_size > f->next ? f->tree_size - f->next : 0;
		total += f->entries;
		backlog += b;
		if (b > worst) {
			worst = b;
			worst_name = f->log->name;
		}
		syncing += f->state == ST_SYNC;
		failed += f->state == ST_FAILED;
		done += f->state == ST_DONE;
	}
	pthread_mutex_unlock(&r->mu);
	rate = t > *last_t ? (double)(total - *last_total) / (t - *last_t) : 0;
	*last_total = total;
	*last_t = t;
	snprintf(line, sizeof line, "ct: %zu logs, %u syncing, %u failed | %" PRIu64 " entries, %.0f/s"
		 " | backlog %" PRIu64 "%s%.40s%s | %.0fs", r->n, syncing, failed, total, rate,
		 backlog, worst ? " (most: " : "", worst ? worst_name : "", worst ? ")" : "",
		 elapsed);
	(void)done;
	if (tty)
		fprintf(stderr, "\r%-150.150s", line);
	else
		fprintf(stderr, "certhound: %s\n", line);
	fflush(stderr);
}

int ch_cli_ct_run_logs(ch_cli *cli, ch_cli_ct_log *logs, size_t n, const ch_cli_ct_run *o)
{
	struct sigaction sa, old_int, old_term;
	run r = {.cli = cli, .o = o, .n = n};
	bool tty = isatty(2) && o->progress == 1;
	r.tty = tty;
	double t0 = now_s(), last_t = t0, next_print = t0 + 1;
	uint64_t last_total = 0, total = 0;
	int rc = CH_EXIT_OK;

	atomic_store(&g_stop, 0);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	pthread_mutex_init(&r.mu, NULL);
	pthread_cond_init(&r.cv, NULL);
	if (!(r.logs = calloc(n ? n : 1, sizeof *r.logs))) {
		rc = ch_cli_fail(CH_EXIT_ENV, "ct: out of memory");
		goto out;
	}
	/* Create (or migrate) the store once, before the threads open their own handles. */
	{
		ch_store *s = NULL;
		if (ch_store_open(&s, ch_cli_db_path(cli), CH_STORE_CREATE) != CH_OK) {
			rc = ch_cli_fail(CH_EXIT_ENV, "%s: %s", ch_cli_db_path(cli), ch_error_last());
			goto out;
		}
		ch_store_close(s);
	}
	for (size_t i = 0; i < n; i++) {
		targ *t = malloc(sizeof *t);
		r.logs[i].log = &logs[i];
		if (!t) {
			atomic_store(&g_stop, 1);
			break;
		}
		t->r = &r;
		t->f = &r.logs[i];
		if (pthread_create(&r.logs[i].th, NULL, log_thread, t) != 0) {
			free(t);
			r.logs[i].state = ST_FAILED;
			r.logs[i].rc = CH_EXIT_ENV;
			snprintf(r.logs[i].msg, sizeof r.logs[i].msg, "cannot start a thread");
			continue;
		}
		r.logs[i].started = true;
	}
	/* Wait for every log (once) or a signal (follow), printing progress. */
	for (;;) {
		bool all_done = true;
		struct timespec ts = {0, 100000000L};

		pthread_mutex_lock(&r.mu);
		for (size_t i = 0; i < n; i++)
			if (r.logs[i].state != ST_DONE && r.logs[i].state != ST_FAILED)
				all_done = false;
		pthread_mutex_unlock(&r.mu);
		if (all_done)
			break;
		nanosleep(&ts, NULL);
		if (o->progress && now_s() >= next_print) {
			print_status(&r, now_s() - t0, &last_total, &last_t, tty);
			next_print += o->progress == 1 ? 1 : 10;
		}
	}
	for (size_t i = 0; i < n; i++)
		if (r.logs[i].started)
			pthread_join(r.logs[i].th, NULL);
	if (tty)
		fputc('\n', stderr);
	for (size_t i = 0; i < n; i++) {
		flog *f = &r.logs[i];
		total += f->entries;
		printf("log %s: %" PRIu64 "/%" PRIu64 " entries stored, %" PRIu64 " this run%s%s\n",
		       f->log->name, f->next, f->tree_size, f->entries,
		       f->state == ST_FAILED ? ", FAILED: " : f->msg[0] ? ", last error: " : "",
		       f->msg);
		if (f->evidence[0])
			fprintf(stderr, "certhound: ct: %s: evidence: %s\n", f->log->name, f->evidence);
		if (f->rc == CH_EXIT_INTEGRITY || (f->rc && rc != CH_EXIT_INTEGRITY))
			rc = f->rc;
	}
	printf("%zu logs, %" PRIu64 " entries in %.1f s%s\n", n, total, now_s() - t0,
	       atomic_load(&g_stop) ? " (stopped)" : "");
out:
	free(r.logs);
	pthread_mutex_destroy(&r.mu);
	pthread_cond_destroy(&r.cv);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	return rc;
}

static void follow_usage(FILE *f)
{
	fputs("usage: certhound [--db PATH] ct follow [options] LOG...|--all-usable\n"
	      "\n"
	      "Keep CT logs synced: every log is synced to its current signed tree head (verified\n"
	      "as by ct sync), then polled again, until SIGINT or SIGTERM, which stop cleanly with\n"
	      "every verified entry committed with its checkpoint.\n"
	      "\n"
	      "  --log-list FILE|URL  CT log list v3 (default $CERTHOUND_LOG_LIST)\n"
	      "  --all-usable         every usable (or qualified) log of the list\n"
	      "  --key FILE           one log not in a list: its key (with --tiled, --origin)\n"
	      "  --poll S             seconds between passes of a log (default 60)\n"
	      "  --jobs N             logs syncing at the same time (default 8)\n"
	      "  --once               one pass, then exit (what ct sync --all-usable does)\n"
	      "  --start-at-end       a log never synced before starts at its current tree head\n"
	      "                       (no history; tiled and RFC 6962 logs, as for ct sync)\n"
	      "  --chunk N, --batch N, --retries N, --timeout S, --max-rps N, --parallel N\n"
	      "                    as for ct sync\n"
	      "                    (--max-rps applies to each log)\n"
	      "  --progress | --quiet a progress line (default on a terminal) or none\n"
	      "\n"
	      "Exit status: 0 ok, 2 usage, 3 bad key or log list, 4 a log failed verification\n"
	      "(its evidence is printed; the other logs go on), 5 network or store failure.\n",
	      f);
}

/* ch_cli_ct_follow_main parses follow's options (shared with ct sync --all-usable). */
int ch_cli_ct_follow_main(ch_cli *cli, int argc, char **argv, bool once_default, const char *cmd)
{
	const char *list_path = getenv("CERTHOUND_LOG_LIST"), *key_path = NULL, *origin = NULL;
	ch_cli_ct_run o = {.once = once_default, .poll_seconds = 60, .jobs = 8,
			   .progress = isatty(2) ? 1 : 0};
	ch_ct_log_list *list = NULL;
	ch_cli_ct_log *logs = NULL;
	const char **names = calloc((size_t)argc + 1, sizeof *names);
	size_t num_names = 0, n = 0;
	bool all = false, tiled = false;
	int rc = CH_EXIT_OK;

	o.sync.retries = 4;
	if (!names)
		return ch_cli_fail(CH_EXIT_ENV, "%s: out of memory", cmd);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			follow_usage(stdout);
			goto out;
		} else if (!strcmp(a, "--all-usable"))
			all = true;
		else if (!strcmp(a, "--once"))
			o.once = true;
		else if (!strcmp(a, "--tiled"))
			tiled = true;
		else if (!strcmp(a, "--progress"))
			o.progress = isatty(2) ? 1 : 2;
		else if (!strcmp(a, "--quiet"))
			o.progress = 0;
		else if (!strcmp(a, "--start-at-end"))
			o.sync.start_at_end = true;
		else if (v && !strcmp(a, "--log-list"))
			list_path = argv[++i];
		else if (v && !strcmp(a, "--key"))
			key_path = argv[++i];
		else if (v && !strcmp(a, "--origin"))
			origin = argv[++i];
		else if (v && !strcmp(a, "--poll"))
			o.poll_seconds = strtod(argv[++i], NULL);
		else if (v && !strcmp(a, "--jobs"))
			o.jobs = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (v && !strcmp(a, "--chunk"))
			o.sync.chunk = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (v && !strcmp(a, "--batch"))
			o.sync.batch = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (v && !strcmp(a, "--retries"))
			o.sync.retries = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (v && !strcmp(a, "--max-rps"))
			o.sync.max_rps = strtod(argv[++i], NULL);
		else if (v && !strcmp(a, "--parallel"))
			o.sync.parallel = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (v && !strcmp(a, "--timeout"))
			o.sync.stall_seconds = strtol(argv[++i], NULL, 10);
		else if (a[0] != '-')
			names[num_names++] = a;
		else {
			follow_usage(stderr);
			rc = ch_cli_fail(CH_EXIT_USAGE, "%s: unexpected '%s'", cmd, a);
			goto out;
		}
	}
	if (o.jobs == 0 || o.poll_seconds < 0) {
		rc = ch_cli_fail(CH_EXIT_USAGE, "%s: --jobs must be >= 1 and --poll >= 0", cmd);
		goto out;
	}
	if (!all && !num_names) {
		follow_usage(stderr);
		rc = ch_cli_fail(CH_EXIT_USAGE, "%s: which logs? (LOG... or --all-usable)", cmd);
		goto out;
	}
	if (key_path) {
		if (all || num_names != 1) {
			rc = ch_cli_fail(CH_EXIT_USAGE, "%s: --key names one log: give its URL", cmd);
			goto out;
		}
		if (!(logs = calloc(2, sizeof *logs))) { /* + the empty slot cleanup walks */
			rc = ch_cli_fail(CH_EXIT_ENV, "%s: out of memory", cmd);
			goto out;
		}
		if ((rc = ch_cli_ct_from_key(&logs[0], names[0], key_path, tiled, origin, cmd)))
			goto out;
		n = 1;
	} else {
		if (!list_path || !*list_path) {
			rc = ch_cli_fail(CH_EXIT_USAGE, "%s: no log list (give --log-list FILE|URL or "
					 "set CERTHOUND_LOG_LIST)", cmd);
			goto out;
		}
		if (ch_ct_log_list_open(&list, list_path) != CH_OK) {
			rc = ch_cli_fail(CH_EXIT_BAD_INPUT, "%s: %s", cmd, ch_error_last());
			goto out;
		}
		if (!(logs = calloc(list->num_logs + num_names + 1, sizeof *logs))) {
			rc = ch_cli_fail(CH_EXIT_ENV, "%s: out of memory", cmd);
			goto out;
		}
		for (size_t i = 0; all && i < list->num_logs; i++)
			if (ch_cli_ct_usable(&list->logs[i]) &&
			    (rc = ch_cli_ct_from_list(&logs[n++], &list->logs[i], cmd)))
				goto out;
		for (size_t i = 0; i < num_names; i++) {
			const ch_ct_log_info *g = ch_ct_log_list_find(list, names[i]);
			if (!g) {
				rc = ch_cli_fail(CH_EXIT_USAGE, "%s: no log \"%s\" in %s", cmd, names[i],
						 list_path);
				goto out;
			}
			if ((rc = ch_cli_ct_from_list(&logs[n++], g, cmd)))
				goto out;
		}
		if (n == 0) {
			rc = ch_cli_fail(CH_EXIT_NOTHING, "%s: no usable log in %s", cmd, list_path);
			goto out;
		}
	}
	rc = ch_cli_ct_run_logs(cli, logs, n, &o);
out:
	for (size_t i = 0; logs && i < n + 1; i++)
		ch_cli_ct_log_clear(&logs[i]);
	free(logs);
	free(names);
	ch_ct_log_list_free(list);
	return rc;
}

int ch_cmd_ct_follow(ch_cli *cli, int argc, char **argv)
{
	return ch_cli_ct_follow_main(cli, argc, argv, false, "ct follow");
}
