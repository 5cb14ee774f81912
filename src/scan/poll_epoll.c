/* scan poller, epoll backend (Redis ae_epoll.c style: the only file that knows about epoll).
 * Level-triggered; each registered fd carries one user pointer. */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

struct ch_scan__poll {
	int epfd;
	struct epoll_event *raw;
	ch_scan__event *ready;
	size_t max_events;
};

/* ch_scan__poll_new makes a poller returning at most max_events events per wait. */
ch_err ch_scan__poll_new(ch_scan__poll **out, size_t max_events)
{
	ch_scan__poll *p = calloc(1, sizeof *p);

	*out = NULL;
	if (!p)
		return ch_error_set(CH_ERR_NOMEM, "out of memory");
	p->max_events = max_events ? max_events : 1024;
	p->raw = calloc(p->max_events, sizeof *p->raw);
	p->ready = calloc(p->max_events, sizeof *p->ready);
	p->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (!p->raw || !p->ready || p->epfd < 0) {
		ch_err e = p->epfd < 0 ? ch_error_set(CH_ERR_NET, "epoll_create1: %s", strerror(errno))
				       : ch_error_set(CH_ERR_NOMEM, "out of memory");
		ch_scan__poll_free(p);
		return e;
	}
	*out = p;
	return CH_OK;
}

/* ch_scan__poll_free closes the epoll descriptor (not the registered ones); NULL is a no-op. */
void ch_scan__poll_free(ch_scan__poll *p)
{
	if (!p)
		return;
	if (p->epfd >= 0)
		close(p->epfd);
	free(p->raw);
	free(p->ready);
	free(p);
}

static uint32_t to_epoll(unsigned ev)
{
	return ((ev & CH_SCAN__EV_READ) ? EPOLLIN : 0u) | ((ev & CH_SCAN__EV_WRITE) ? EPOLLOUT : 0u) |
	       ((ev & CH_SCAN__EV_EDGE) ? EPOLLET : 0u);
}

/* ch_scan__poll_set registers fd (added = false) or changes its interest (added = true). */
ch_err ch_scan__poll_set(ch_scan__poll *p, int fd, unsigned events, void *data, bool added)
{
	struct epoll_event e;

	memset(&e, 0, sizeof e);
	e.events = to_epoll(events);
	e.data.ptr = data;
	if (epoll_ctl(p->epfd, added ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &e) != 0)
		return ch_error_set(CH_ERR_NET, "epoll_ctl: %s", strerror(errno));
	return CH_OK;
}

/* ch_scan__poll_del forgets fd (closing an fd also does, but only once every dup is closed). */
void ch_scan__poll_del(ch_scan__poll *p, int fd)
{
	struct epoll_event e;

	memset(&e, 0, sizeof e);
	(void)epoll_ctl(p->epfd, EPOLL_CTL_DEL, fd, &e);
}

/* ch_scan__poll_wait waits for events; EINTR is not an error (zero events). */
ch_err ch_scan__poll_wait(ch_scan__poll *p, ch_scan__event **out, size_t *out_n, int timeout_ms)
{
	int n = epoll_wait(p->epfd, p->raw, (int)p->max_events, timeout_ms);

	*out = p->ready;
	*out_n = 0;
	if (n < 0) {
		if (errno == EINTR)
			return CH_OK;
		return ch_error_set(CH_ERR_NET, "epoll_wait: %s", strerror(errno));
	}
	for (int i = 0; i < n; i++) {
		uint32_t e = p->raw[i].events;
		p->ready[i].data = p->raw[i].data.ptr;
		p->ready[i].events = ((e & EPOLLIN) ? CH_SCAN__EV_READ : 0u) |
				     ((e & EPOLLOUT) ? CH_SCAN__EV_WRITE : 0u) |
				     ((e & (EPOLLERR | EPOLLHUP)) ? CH_SCAN__EV_ERROR : 0u);
	}
	*out_n = (size_t)n;
	return CH_OK;
}
