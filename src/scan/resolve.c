/* scan resolver pool: a few threads calling getaddrinfo so that the event loop never blocks on
 * DNS. The loop submits (name, cookie); answers come back through a ring guarded by a mutex, and
 * an eventfd in the loop's poller says when there are some. Both rings are bounded
 * (CH_SCAN__RESOLVE_QUEUE); the loop keeps fewer lookups than that outstanding. */
#include "internal.h"

#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define CH_SCAN__RESOLVE_QUEUE 1024
#define MAX_THREADS 64

typedef struct req {
	char name[256];
	uint64_t cookie;
} req;

struct ch_scan__resolver {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	req reqs[CH_SCAN__RESOLVE_QUEUE];
	size_t req_head, req_n;
	ch_scan__answer *ans;           /* CH_SCAN__RESOLVE_QUEUE answers */
	size_t ans_head, ans_n;
	bool stopping;
	int efd;
	int family;
	bool all_addrs;
	pthread_t threads[MAX_THREADS];
	unsigned num_threads;
};

/* lookup resolves one name into *a. */
static void lookup(const ch_scan__resolver *r, const char *name, ch_scan__answer *a)
{
	struct addrinfo hints, *res = NULL;
	bool have4 = false, have6 = false;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = r->family == 4 ? AF_INET : r->family == 6 ? AF_INET6 : AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	a->num_addrs = 0;
	a->gai_error = getaddrinfo(name, NULL, &hints, &res);
	if (a->gai_error == EAI_SYSTEM && errno == 0)
		a->gai_error = EAI_FAIL;
	for (struct addrinfo *p = res; p && a->num_addrs < CH_SCAN_MAX_ADDRS; p = p->ai_next) {
		ch_scan__addr x = {0};
		bool dup = false;
		if (p->ai_family == AF_INET) {
			if (!r->all_addrs && have4)
				continue;
			x.family = AF_INET;
			memcpy(x.b, &((struct sockaddr_in *)p->ai_addr)->sin_addr, 4);
			have4 = true;
		} else if (p->ai_family == AF_INET6) {
			if (!r->all_addrs && have6)
				continue;
			x.family = AF_INET6;
			memcpy(x.b, &((struct sockaddr_in6 *)p->ai_addr)->sin6_addr, 16);
			have6 = true;
		} else {
			continue;
		}
		for (size_t i = 0; i < a->num_addrs; i++)
			dup |= !memcmp(&a->addrs[i], &x, sizeof x);
		if (!dup)
			a->addrs[a->num_addrs++] = x;
	}
	if (res)
		freeaddrinfo(res);
	if (!a->gai_error && !a->num_addrs)
		a->gai_error = EAI_NODATA;
}

static void *worker(void *arg)
{
	ch_scan__resolver *r = arg;
	ch_scan__answer a;
	req q;
	uint64_t one = 1;

	for (;;) {
		pthread_mutex_lock(&r->mu);
		while (!r->stopping && !r->req_n)
			pthread_cond_wait(&r->cv, &r->mu);
		if (r->stopping) {
			pthread_mutex_unlock(&r->mu);
			return NULL;
		}
		q = r->reqs[r->req_head];
		r->req_head = (r->req_head + 1) % CH_SCAN__RESOLVE_QUEUE;
		r->req_n--;
		pthread_mutex_unlock(&r->mu);

		memset(&a, 0, sizeof a);
		a.cookie = q.cookie;
		lookup(r, q.name, &a);

		pthread_mutex_lock(&r->mu);
		/* the loop never has more than CH_SCAN__RESOLVE_QUEUE outstanding, so there is room */
		r->ans[(r->ans_head + r->ans_n) % CH_SCAN__RESOLVE_QUEUE] = a;
		r->ans_n++;
		pthread_mutex_unlock(&r->mu);
		if (write(r->efd, &one, sizeof one) < 0) {
			/* the counter cannot overflow in practice; the loop also polls on a timer */
		}
	}
}

/* ch_scan__resolver_new starts the pool (threads clamped to 1..64). */
ch_err ch_scan__resolver_new(ch_scan__resolver **out, int *out_fd, unsigned threads, int family,
			     bool all_addrs)
{
	ch_scan__resolver *r = calloc(1, sizeof *r);
	ch_err err = CH_OK;

	*out = NULL;
	if (!r)
		return ch_error_set(CH_ERR_NOMEM, "out of memory");
	r->ans = calloc(CH_SCAN__RESOLVE_QUEUE, sizeof *r->ans);
	r->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	r->family = family;
	r->all_addrs = all_addrs;
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->cv, NULL);
	if (!r->ans || r->efd < 0) {
		err = ch_error_set(CH_ERR_NOMEM, "resolver: %s", r->ans ? strerror(errno) :
				   "out of memory");
		goto out;
	}
	threads = threads < 1 ? 1 : threads > MAX_THREADS ? MAX_THREADS : threads;
	for (unsigned i = 0; i < threads; i++) {
		if (pthread_create(&r->threads[i], NULL, worker, r) != 0) {
			err = ch_error_set(CH_ERR_NOMEM, "resolver: cannot start a thread");
			goto out;
		}
		r->num_threads++;
	}
	*out = r;
	*out_fd = r->efd;
out:
	if (err != CH_OK)
		ch_scan__resolver_free(r);
	return err;
}

/* ch_scan__resolver_free stops and joins the threads; NULL is a no-op. */
void ch_scan__resolver_free(ch_scan__resolver *r)
{
	if (!r)
		return;
	pthread_mutex_lock(&r->mu);
	r->stopping = true;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
	for (unsigned i = 0; i < r->num_threads; i++)
		pthread_join(r->threads[i], NULL);
	if (r->efd >= 0)
		close(r->efd);
	pthread_mutex_destroy(&r->mu);
	pthread_cond_destroy(&r->cv);
	free(r->ans);
	free(r);
}

/* ch_scan__resolver_submit queues a lookup; CH_ERR_LIMIT when the queue is full. */
ch_err ch_scan__resolver_submit(ch_scan__resolver *r, const char *name, uint64_t cookie)
{
	ch_err err = CH_OK;

	pthread_mutex_lock(&r->mu);
	if (r->req_n == CH_SCAN__RESOLVE_QUEUE) {
		err = ch_error_set(CH_ERR_LIMIT, "resolver queue full");
	} else {
		req *q = &r->reqs[(r->req_head + r->req_n) % CH_SCAN__RESOLVE_QUEUE];
		snprintf(q->name, sizeof q->name, "%s", name);
		q->cookie = cookie;
		r->req_n++;
		pthread_cond_signal(&r->cv);
	}
	pthread_mutex_unlock(&r->mu);
	return err;
}

/* ch_scan__resolver_take drains the eventfd and moves up to cap answers into out. */
size_t ch_scan__resolver_take(ch_scan__resolver *r, ch_scan__answer *out, size_t cap)
{
	uint64_t v;
	size_t n = 0;

	if (read(r->efd, &v, sizeof v) < 0) {
		/* EAGAIN: nothing signalled since the last drain; the ring is checked anyway */
	}
	pthread_mutex_lock(&r->mu);
	while (n < cap && r->ans_n) {
		out[n++] = r->ans[r->ans_head];
		r->ans_head = (r->ans_head + 1) % CH_SCAN__RESOLVE_QUEUE;
		r->ans_n--;
	}
	pthread_mutex_unlock(&r->mu);
	return n;
}
