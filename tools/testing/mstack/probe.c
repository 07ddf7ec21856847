// SPDX-License-Identifier: GPL-2.0
/*
 * mstack_probe: a client that makes its sockets in every way a program can,
 * for the tests of mstack's supervisor (tools/vm/guest/supervisor.sh).
 * Built statically. Each mode connects to 127.0.0.1:PORT, where a server
 * writes a one-line banner naming its stack, and prints that line: a test
 * runs it on a stack with different servers on the same port in that stack
 * and in its own, so a socket created on the wrong stack shows.
 *
 *   mstack_probe connect PORT        socket() through libc
 *   mstack_probe syscall PORT        syscall(SYS_socket, ...), the family
 *                                    with junk in the upper 32 bits
 *   mstack_probe threads PORT N      N threads at once; prints each banner
 *                                    seen once, sorted
 *   mstack_probe forkexec PORT       fork + exec of "connect PORT", then
 *                                    connects itself too
 *   mstack_probe vforkexec PORT      the same with vfork (as posix_spawn)
 *   mstack_probe cloexec PORT        a SOCK_CLOEXEC socket and a connected
 *                                    plain one survive exec as they should:
 *                                    the exec'd probe reads the banner
 *                                    through the inherited one
 *   mstack_probe nonblock PORT       SOCK_NONBLOCK: O_NONBLOCK on the fd
 *   mstack_probe uring PORT          IORING_OP_SOCKET (no socket() call)
 *   mstack_probe socketpair          socketpair(AF_UNIX) works
 *
 * Exit status: 0 if the banner was read, 2 if a socket could not be made
 * (the error on stderr), 1 on any other failure.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/io_uring.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int port;

static int no_socket(const char *how)
{
	fprintf(stderr, "mstack_probe: %s: %s\n", how, strerror(errno));
	exit(2);
}

/* Connects fd to 127.0.0.1:port and returns the banner (static buffer). */
static const char *banner_of(int fd, char *buf, size_t len)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	ssize_t n;

	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin))) {
		fprintf(stderr, "mstack_probe: connect: %s\n", strerror(errno));
		exit(1);
	}
	n = read(fd, buf, len - 1);
	if (n <= 0) {
		fprintf(stderr, "mstack_probe: read: %s\n",
			n ? strerror(errno) : "EOF");
		exit(1);
	}
	buf[n] = 0;
	buf[strcspn(buf, "\r\n")] = 0;
	return buf;
}

static void print_banner(int fd)
{
	char buf[256];

	printf("%s\n", banner_of(fd, buf, sizeof(buf)));
	close(fd);
}

static int tcp_socket(int flags)
{
	int fd = socket(AF_INET, SOCK_STREAM | flags, 0);

	if (fd < 0)
		no_socket("socket");
	return fd;
}

#define MAX_THREADS 64
static char seen[MAX_THREADS][256];

static void *thread_main(void *arg)
{
	char *buf = arg;
	int fd = tcp_socket(0);

	banner_of(fd, buf, 256);
	close(fd);
	return NULL;
}

static int cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

static int threads(int n)
{
	pthread_t t[MAX_THREADS];
	int i;

	if (n < 1 || n > MAX_THREADS)
		n = 8;
	for (i = 0; i < n; i++)
		if (pthread_create(&t[i], NULL, thread_main, seen[i]))
			return 1;
	for (i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	qsort(seen, n, sizeof(seen[0]), cmp);
	for (i = 0; i < n; i++)
		if (i == 0 || strcmp(seen[i], seen[i - 1]))
			printf("%s\n", seen[i]);
	return 0;
}

static int forkexec(const char *portarg, bool use_vfork)
{
	int status;
	pid_t pid = use_vfork ? vfork() : fork();

	if (pid < 0)
		return 1;
	if (pid == 0) {
		execl("/proc/self/exe", "mstack_probe", "connect", portarg,
		      (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
		return 1;
	fflush(stdout);
	print_banner(tcp_socket(0));
	return WEXITSTATUS(status);
}

static int cloexec(const char *portarg)
{
	int closed = tcp_socket(SOCK_CLOEXEC);
	int kept = tcp_socket(0);
	char a[16], b[16];
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};

	if (!(fcntl(closed, F_GETFD) & FD_CLOEXEC) ||
	    (fcntl(kept, F_GETFD) & FD_CLOEXEC)) {
		fprintf(stderr, "mstack_probe: wrong FD_CLOEXEC\n");
		return 1;
	}
	if (connect(kept, (struct sockaddr *)&sin, sizeof(sin)))
		return 1;
	snprintf(a, sizeof(a), "%d", closed);
	snprintf(b, sizeof(b), "%d", kept);
	execl("/proc/self/exe", "mstack_probe", "after-exec", a, b, portarg,
	      (char *)NULL);
	return 1;
}

/* After exec: fd a must be gone, fd b readable. */
static int after_exec(int a, int b)
{
	char buf[256];
	ssize_t n;

	if (fcntl(a, F_GETFD) != -1 || errno != EBADF) {
		fprintf(stderr, "mstack_probe: SOCK_CLOEXEC fd %d survived exec\n", a);
		return 1;
	}
	n = read(b, buf, sizeof(buf) - 1);
	if (n <= 0)
		return 1;
	buf[n] = 0;
	buf[strcspn(buf, "\r\n")] = 0;
	printf("%s\n", buf);
	return 0;
}

static int nonblock(void)
{
	int fd = tcp_socket(SOCK_NONBLOCK);

	if (!(fcntl(fd, F_GETFL) & O_NONBLOCK)) {
		fprintf(stderr, "mstack_probe: no O_NONBLOCK\n");
		return 1;
	}
	/* Blocking again for the banner. */
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	print_banner(fd);
	return 0;
}

/* One IORING_OP_SOCKET through a raw ring; returns the new socket. */
static int uring_socket(void)
{
	struct io_uring_params p = { 0 };
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqe;
	unsigned int *sq_tail, *sq_array, *cq_head, *cq_tail, *sq_mask;
	void *sq, *cq;
	int ring, res;

	ring = syscall(__NR_io_uring_setup, 4, &p);
	if (ring < 0)
		no_socket("io_uring_setup");
	sq = mmap(NULL, p.sq_off.array + p.sq_entries * sizeof(unsigned int),
		  PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring,
		  IORING_OFF_SQ_RING);
	cq = mmap(NULL, p.cq_off.cqes + p.cq_entries * sizeof(*cqe),
		  PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring,
		  IORING_OFF_CQ_RING);
	sqes = mmap(NULL, p.sq_entries * sizeof(*sqes), PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_POPULATE, ring, IORING_OFF_SQES);
	if (sq == MAP_FAILED || cq == MAP_FAILED || sqes == MAP_FAILED)
		no_socket("mmap ring");
	sq_tail = (unsigned int *)((char *)sq + p.sq_off.tail);
	sq_mask = (unsigned int *)((char *)sq + p.sq_off.ring_mask);
	sq_array = (unsigned int *)((char *)sq + p.sq_off.array);
	cq_head = (unsigned int *)((char *)cq + p.cq_off.head);
	cq_tail = (unsigned int *)((char *)cq + p.cq_off.tail);

	memset(&sqes[0], 0, sizeof(sqes[0]));
	sqes[0].opcode = IORING_OP_SOCKET;
	sqes[0].fd = AF_INET;
	sqes[0].off = SOCK_STREAM;
	sqes[0].len = 0;
	sq_array[*sq_tail & *sq_mask] = 0;
	__atomic_store_n(sq_tail, *sq_tail + 1, __ATOMIC_RELEASE);
	if (syscall(__NR_io_uring_enter, ring, 1, 1, IORING_ENTER_GETEVENTS,
		    NULL, 0) < 0)
		no_socket("io_uring_enter");
	if (__atomic_load_n(cq_tail, __ATOMIC_ACQUIRE) == *cq_head) {
		fprintf(stderr, "mstack_probe: no completion\n");
		exit(1);
	}
	cqe = (struct io_uring_cqe *)((char *)cq + p.cq_off.cqes) +
	      (*cq_head & (p.cq_entries - 1));
	res = cqe->res;
	if (res < 0) {
		errno = -res;
		no_socket("IORING_OP_SOCKET");
	}
	return res;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(mode, "socketpair")) {
		int sv[2];

		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
			no_socket("socketpair");
		printf("socketpair ok\n");
		return 0;
	}
	if (!strcmp(mode, "after-exec") && argc == 5) {
		port = atoi(argv[4]);
		return after_exec(atoi(argv[2]), atoi(argv[3]));
	}
	if (argc < 3) {
		fprintf(stderr, "usage: mstack_probe connect|syscall|threads|forkexec|vforkexec|cloexec|nonblock|uring PORT [N]\n");
		return 1;
	}
	port = atoi(argv[2]);
	if (!strcmp(mode, "connect")) {
		print_banner(tcp_socket(0));
	} else if (!strcmp(mode, "syscall")) {
		long fd = syscall(SYS_socket, 0x100000000L | AF_INET,
				  (long)SOCK_STREAM, 0L);

		if (fd < 0)
			no_socket("syscall(SYS_socket)");
		print_banner((int)fd);
	} else if (!strcmp(mode, "threads")) {
		return threads(argc > 3 ? atoi(argv[3]) : 8);
	} else if (!strcmp(mode, "forkexec")) {
		return forkexec(argv[2], false);
	} else if (!strcmp(mode, "vforkexec")) {
		return forkexec(argv[2], true);
	} else if (!strcmp(mode, "cloexec")) {
		return cloexec(argv[2]);
	} else if (!strcmp(mode, "nonblock")) {
		return nonblock();
	} else if (!strcmp(mode, "uring")) {
		print_banner(uring_socket());
	} else {
		fprintf(stderr, "mstack_probe: unknown mode %s\n", mode);
		return 1;
	}
	return 0;
}
