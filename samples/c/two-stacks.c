// SPDX-License-Identifier: GPL-2.0
/*
 * The msocket seed example: one process uses two network stacks at once.
 *
 *   two-stacks /dev/net/lan /dev/net/vpn [port]
 *
 * In each stack it listens on 127.0.0.1:port (the same port: they are
 * different stacks), connects to it through msocket(), and prints the reply,
 * which names the stack the server lives in. Build: cc two-stacks.c -lmsocket
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <msocket.h>

static int tcp_on(const char *stack, int port, int listening)
{
	struct sockaddr_in addr = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	int one = 1;
	int fd = msocket(stack, AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		fprintf(stderr, "msocket(%s): %s\n", stack, strerror(errno));
		exit(1);
	}
	if (listening) {
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) || listen(fd, 4)) {
			fprintf(stderr, "listen in %s: %s\n", stack, strerror(errno));
			exit(1);
		}
	} else if (connect(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		fprintf(stderr, "connect in %s: %s\n", stack, strerror(errno));
		exit(1);
	}
	return fd;
}

static void stack_id(const char *stack, char *buf, size_t size)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/netns", stack);
	f = fopen(path, "r");
	if (!f || !fgets(buf, size, f))
		snprintf(buf, size, "?");
	buf[strcspn(buf, "\n")] = '\0';
	if (f)
		fclose(f);
}

int main(int argc, char **argv)
{
	int port = argc > 3 ? atoi(argv[3]) : 8080;
	int listener[2], client[2], i;

	if (argc < 3) {
		fprintf(stderr, "usage: %s STACK1 STACK2 [PORT]\n", argv[0]);
		return 2;
	}
	for (i = 0; i < 2; i++)
		listener[i] = tcp_on(argv[1 + i], port, 1);
	for (i = 0; i < 2; i++)
		client[i] = tcp_on(argv[1 + i], port, 0);
	for (i = 0; i < 2; i++) {
		char id[64], reply[256];
		int conn = accept(listener[i], NULL, NULL);
		ssize_t n;

		stack_id(argv[1 + i], id, sizeof(id));
		n = snprintf(reply, sizeof(reply), "server in %s (%s)", argv[1 + i], id);
		if (conn < 0 || write(conn, reply, n) != n)
			return 1;
		close(conn);
		n = read(client[i], reply, sizeof(reply) - 1);
		if (n < 0)
			return 1;
		reply[n] = '\0';
		printf("127.0.0.1:%d via %-14s -> \"%s\"\n", port, argv[1 + i], reply);
		close(client[i]);
		close(listener[i]);
	}
	return 0;
}
