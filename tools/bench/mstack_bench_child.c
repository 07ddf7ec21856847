// SPDX-License-Identifier: GPL-2.0
/*
 * mstack_bench_child: the program msocket_bench runs natively and under
 * mstack (setns, the supervisor, the preload) for its "unmodified programs"
 * rows. Dynamically linked and using libc's socket(), so that every mstack
 * mechanism applies to it; it times itself and prints one line per batch.
 *
 *   mstack_bench_child create BATCHES OPS [COOKIE]
 *       OPS x (socket(AF_INET, SOCK_STREAM) + close) per batch; prints the
 *       nanoseconds per op of each batch
 *   mstack_bench_child connect BATCHES OPS [COOKIE]
 *       OPS short loopback TCP connections per batch to a listener of its
 *       own: socket + connect + accept + close (RST, no TIME_WAIT); prints
 *       "NS_PER_CONNECTION NS_PER_CONNECTION_IN_SOCKET" per batch
 *
 * With COOKIE (hex), every socket's SO_NETNS_COOKIE must equal it (exit 3
 * otherwise): msocket_bench --quick checks each mechanism that way.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE		71
#endif

static uint64_t want_cookie;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int tcp(void)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	uint64_t c = 0;
	socklen_t len = sizeof(c);

	if (fd < 0) {
		fprintf(stderr, "mstack_bench_child: socket: %s\n", strerror(errno));
		exit(1);
	}
	if (want_cookie &&
	    (getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &c, &len) || c != want_cookie)) {
		fprintf(stderr, "mstack_bench_child: socket in netns %" PRIx64 ", not %" PRIx64 "\n",
			c, want_cookie);
		exit(3);
	}
	return fd;
}

static int create(int batches, int ops)
{
	uint64_t t0;
	int i, j;

	for (i = 0; i < batches; i++) {
		t0 = now_ns();
		for (j = 0; j < ops; j++)
			close(tcp());
		printf("%.1f\n", (double)(now_ns() - t0) / ops);
	}
	return 0;
}

static int connections(int batches, int ops)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	socklen_t salen = sizeof(sa);
	uint64_t t0, t1, in_socket;
	int l = tcp(), i, j, c, s;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(l, (void *)&sa, sizeof(sa)) || listen(l, 64) ||
	    getsockname(l, (void *)&sa, &salen)) {
		fprintf(stderr, "mstack_bench_child: listener: %s\n", strerror(errno));
		return 1;
	}
	for (i = 0; i < batches; i++) {
		in_socket = 0;
		t0 = now_ns();
		for (j = 0; j < ops; j++) {
			t1 = now_ns();
			c = tcp();
			in_socket += now_ns() - t1;
			s = connect(c, (void *)&sa, sizeof(sa)) ? -1 :
			    accept4(l, NULL, NULL, SOCK_CLOEXEC);
			if (s < 0) {
				fprintf(stderr, "mstack_bench_child: connect/accept: %s\n",
					strerror(errno));
				return 1;
			}
			/* reset, not TIME_WAIT: thousands of connections in a row */
			setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
			close(c);
			close(s);
		}
		printf("%.1f %.1f\n", (double)(now_ns() - t0) / ops,
		       (double)in_socket / ops);
	}
	return 0;
}

int main(int argc, char **argv)
{
	int batches, ops;

	if (argc < 4) {
		fprintf(stderr, "usage: mstack_bench_child create|connect BATCHES OPS [COOKIE]\n");
		return 2;
	}
	batches = atoi(argv[2]);
	ops = atoi(argv[3]);
	if (argc > 4)
		want_cookie = strtoull(argv[4], NULL, 16);
	if (batches < 1 || ops < 1)
		return 2;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(argv[1], "create"))
		return create(batches, ops);
	if (!strcmp(argv[1], "connect"))
		return connections(batches, ops);
	return 2;
}
