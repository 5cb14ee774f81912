/* Fixture servers on 127.0.0.1: a free port to start one on, and waiting until it listens. */
#ifndef CH_NET_FIXTURE_H
#define CH_NET_FIXTURE_H

#include <stdbool.h>

/* ch_test_free_port returns a TCP port of 127.0.0.1 that was free a moment ago (the kernel's
 * pick for a socket bound to port 0, then closed). */
int ch_test_free_port(void);

/* ch_test_port_up tells whether something accepts TCP connections on 127.0.0.1:port. */
bool ch_test_port_up(int port);

/* ch_test_wait_port waits up to 5 seconds (every 50 ms) for 127.0.0.1:port to accept
 * connections; false when it never did. */
bool ch_test_wait_port(int port);

#endif
