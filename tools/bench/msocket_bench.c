// SPDX-License-Identifier: GPL-2.0
/*
 * msocket_bench: what it costs to create a socket in another network stack.
 *
 * Per-operation latency (create + close of one TCP or UDP socket) of the ways
 * a process can get a socket of another network namespace:
 *
 *   1. socket() in the current netns (the floor, and the baseline)
 *   2. msocketat() on an open stack fd
 *   3. msocket(path): one ioctl of /dev/msocket
 *   4. msocket(path) as open + MSOCK_IOC_SOCKET + close
 *   5. setns(target); socket(); setns(back)
 *   6. an SCM_RIGHTS broker living in the target netns
 *   7. fork + setns + exec of a helper per socket (ip netns exec style)
 *
 * each as median and p99 with its ratio to (1) measured in the same run; the
 * variants are interleaved in rounds so that drift hits all of them alike.
 * Reference rows (socket() followed by a module entry that fails at a given
 * point, the one-call entry with a one-component path, and socket() followed
 * by faccessat2(path, W_OK): the VFS's own walk and write check of the same
 * path, the floor of any entry that resolves it) and a table of cost
 * components timed in a tight loop attribute the differences. Then: kernel
 * memory per mounted stack against the VFS floor of a mount with its own
 * superblock (as many ramfs mounts, measured the same way in the same run;
 * the module's share is the difference), msocketat() and msocket(path) with
 * 1 to 1000 stacks mounted, and loopback TCP throughput of sockets from
 * msocket() against sockets from socket() with a control pair. Targets are
 * printed with PASS/MISS and never change the exit status.
 *
 * --quick runs every variant a few times and prints TAP 13, asserting only
 * that each one works and returns a socket of the right family, type,
 * protocol and network namespace (SO_NETNS_COOKIE); never timings.
 *
 * Needs root and msocket.ko. Everything it sets up (a private mount
 * namespace with a tmpfs holding the stacks, two new network namespaces)
 * goes away with the process.
 * See Documentation/userspace-api/msocket-performance.rst.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/msocket.h>
#include <msocket.h>

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE		71
#endif
#ifndef SYS_faccessat2
#define SYS_faccessat2		439
#endif

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#define MAX_STACKS		1000
#define HELPER_FD		3
#define MAX_SLABS		512

/* The targets of the benchmark; ratios are against socket() in the same run. */
#define TARGET_AT		1.05	/* msocketat <= 1.05x socket() */
#define TARGET_PATH		1.25	/* msocket(path) <= 1.25x socket() */
#define TARGET_BROKER		6.0	/* >= 6x faster than the broker */
#define TARGET_DRIFT		5.0	/* <= 5 % drift from 1 to 1000 stacks */
#define TARGET_MEM		2048.0	/* <= 2 KiB of module memory per stack */
#define TARGET_TPUT		2.0	/* throughput equal within +-2 % */

/* mstack_bench_child, beside this program (the "unmodified programs" rows) */
static char ms_child[4096];

struct options {
	bool quick;
	int rounds;		/* latency rounds */
	int batch;		/* ops per variant, protocol and round */
	int broker_batch;	/* the same for the broker */
	int exec_batch;		/* the same for fork + setns + exec */
	int scale_rounds;	/* rounds per number of stacks */
	int mem_stacks;		/* mounts for the memory figure */
	int tput_mb;		/* MiB through each throughput pair */
	int cpu;		/* pin to this CPU; -1: do not pin */
	const char *dir;	/* where the private tmpfs is mounted */
	const char *mstack;	/* mstack, for the "unmodified programs" rows */
	int ms_rounds;		/* rounds of those */
	int ms_ops;		/* socket creations per batch */
	int ms_conn_ops;	/* connections per batch */
	bool ms_only;		/* only those rows */
};

static struct options opt = {
	.rounds = 300,
	.batch = 50,
	.broker_batch = 25,
	.exec_batch = 2,
	.scale_rounds = 100,
	.mem_stacks = MAX_STACKS,
	.tput_mb = 448,
	.cpu = 0,
	.dir = "/run",
	.ms_rounds = 15,
	.ms_ops = 100,
	.ms_conn_ops = 50,
};

struct proto {
	const char *name;
	int type;
	int protocol;
};

static const struct proto protos[] = {
	{ "tcp", SOCK_STREAM, IPPROTO_TCP },
	{ "udp", SOCK_DGRAM, IPPROTO_UDP },
};

#define NPROTO	ARRAY_SIZE(protos)

struct bench {
	char work[128];		/* private tmpfs holding all of the below */
	char nsfile[160];	/* bind mount of the target netns */
	char home_stack[160];	/* stack of the bench's own netns */
	char stack[160];	/* stack 0 of the target netns */
	char self[4096];	/* this program, for the exec variant */
	int ns_home;		/* nsfs fd of the bench's own netns */
	int ns_target;		/* nsfs fd of the target netns */
	int stackfd;		/* open stack 0 */
	int homefd;		/* open stack of the home netns */
	int devfd;		/* /dev/msocket */
	int workfd;		/* O_PATH fd of work, for the dirfd reference */
	uint64_t cookie_home;
	uint64_t cookie_target;
	int broker;		/* AF_UNIX end talking to the broker */
	pid_t broker_pid;
	int xsock[2];		/* AF_UNIX pair for the exec helper */
	int nstacks;		/* stacks mounted at work/<i> */
};

static struct bench b = {
	.ns_home = -1, .ns_target = -1, .stackfd = -1, .homefd = -1,
	.devfd = -1, .workfd = -1, .broker = -1, .xsock = { -1, -1 },
};

static void warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("msocket_bench: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -1;
}

static int read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t len = 0;
	ssize_t n;

	if (fd < 0)
		return -1;
	while (len < size - 1) {
		n = read(fd, buf + len, size - 1 - len);
		if (n <= 0)
			break;
		len += n;
	}
	close(fd);
	buf[len] = '\0';
	return len;
}

static uint64_t sock_cookie(int fd)
{
	uint64_t cookie = 0;
	socklen_t len = sizeof(cookie);

	if (getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &len))
		return 0;
	return cookie;
}

static int sock_int(int fd, int name)
{
	socklen_t len = sizeof(int);
	int v = -1;

	if (getsockopt(fd, SOL_SOCKET, name, &v, &len))
		return -1;
	return v;
}

/* Is fd a socket of the right family, type, protocol and network namespace? */
static int check_socket(int fd, const struct proto *p, uint64_t cookie,
			char *why, size_t len)
{
	uint64_t c;

	if (sock_int(fd, SO_DOMAIN) != AF_INET) {
		snprintf(why, len, "SO_DOMAIN %d", sock_int(fd, SO_DOMAIN));
		return -1;
	}
	if (sock_int(fd, SO_TYPE) != p->type) {
		snprintf(why, len, "SO_TYPE %d", sock_int(fd, SO_TYPE));
		return -1;
	}
	if (sock_int(fd, SO_PROTOCOL) != p->protocol) {
		snprintf(why, len, "SO_PROTOCOL %d", sock_int(fd, SO_PROTOCOL));
		return -1;
	}
	c = sock_cookie(fd);
	if (c != cookie) {
		snprintf(why, len, "SO_NETNS_COOKIE %llu, want %llu",
			 (unsigned long long)c, (unsigned long long)cookie);
		return -1;
	}
	return 0;
}

/* ---- fd passing: one byte, and the fd as SCM_RIGHTS if there is one ---- */

static int send_fd(int sock, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	char byte = fd >= 0;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cmsg;

	if (fd >= 0) {
		msg.msg_control = cbuf;
		msg.msg_controllen = sizeof(cbuf);
		cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	}
	return sendmsg(sock, &msg, MSG_NOSIGNAL) == 1 ? 0 : -1;
}

static int recv_fd(int sock)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	char byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cmsg;
	int fd;

	if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) != 1)
		return -1;
	cmsg = CMSG_FIRSTHDR(&msg);
	if (!cmsg || cmsg->cmsg_level != SOL_SOCKET ||
	    cmsg->cmsg_type != SCM_RIGHTS) {
		errno = EPROTO;
		return -1;
	}
	memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));
	return fd;
}

/*
 * Cost components, nothing created: the entries fail on a bad family only
 * after their path walk and permission check, so they time everything
 * msocket does before __sock_create(); plus the path walk and the setns()
 * pair alone.
 */
static int expect_err(int ret, int err)
{
	if (ret >= 0) {
		close(ret);
		errno = EEXIST;
		return -1;
	}
	return errno == err ? 0 : -1;
}

static int comp_getppid(void)
{
	return getppid() > 0 ? 0 : -1;
}

static int comp_socket_einval(void)
{
	return expect_err(socket(-1, SOCK_DGRAM | SOCK_CLOEXEC, 0), EAFNOSUPPORT);
}

static int comp_enotty(void)
{
	return expect_err(ioctl(b.stackfd, _IO(MSOCKIO, 0x7f)), ENOTTY);
}

static int comp_stack_info(void)
{
	struct msock_stack_info info;

	if (ioctl(b.stackfd, MSOCK_IOC_STACK_INFO, &info))
		return -1;
	return info.netns_cookie == b.cookie_target ? 0 : -1;
}

/* MSOCK_IOC_SOCKET with flags 1: fails right after the args copy. */
static int comp_args_einval(void)
{
	struct msock_socket_args args = {
		.domain = AF_INET, .type = SOCK_DGRAM | SOCK_CLOEXEC, .flags = 1,
	};

	return expect_err(ioctl(b.stackfd, MSOCK_IOC_SOCKET, &args), EINVAL);
}

static int comp_at_einval(void)
{
	return expect_err(msocketat(b.stackfd, -1, SOCK_DGRAM | SOCK_CLOEXEC, 0),
			  EAFNOSUPPORT);
}

static int comp_path_einval(void)
{
	struct msock_path_socket_args args = {
		.path = (uintptr_t)b.stack, .dirfd = AT_FDCWD,
		.domain = -1, .type = SOCK_DGRAM | SOCK_CLOEXEC,
	};

	return expect_err(ioctl(b.devfd, MSOCK_IOC_PATH_SOCKET, &args),
			  EAFNOSUPPORT);
}

static int comp_stat(void)
{
	struct stat st;

	return stat(b.stack, &st);
}

static int comp_open_close(void)
{
	int fd = open(b.stack, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	return close(fd);
}

/*
 * What the VFS itself does for any entry that resolves the stack path and
 * checks write permission on it; AT_EACCESS: no credential override.
 */
static int comp_faccessat(void)
{
	return syscall(SYS_faccessat2, AT_FDCWD, b.stack, W_OK, AT_EACCESS) ? -1 : 0;
}

static int comp_setns_pair(void)
{
	if (setns(b.ns_target, CLONE_NEWNET) || setns(b.ns_home, CLONE_NEWNET))
		return -1;
	return 0;
}

/* ---- the variants: each returns a new socket fd, or -1 ---- */

static int create_socket(const struct proto *p)
{
	return socket(AF_INET, p->type | SOCK_CLOEXEC, 0);
}

static int create_msocketat(const struct proto *p)
{
	return msocketat(b.stackfd, AF_INET, p->type | SOCK_CLOEXEC, 0);
}

static int create_path(const struct proto *p)
{
	return msocket(b.stack, AF_INET, p->type | SOCK_CLOEXEC, 0);
}

static int create_open_ioctl(const struct proto *p)
{
	int dir, fd, err;

	dir = open(b.stack, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return -1;
	fd = msocketat(dir, AF_INET, p->type | SOCK_CLOEXEC, 0);
	err = errno;
	close(dir);
	errno = err;
	return fd;
}

static int create_setns(const struct proto *p)
{
	int fd, err;

	if (setns(b.ns_target, CLONE_NEWNET))
		return -1;
	fd = socket(AF_INET, p->type | SOCK_CLOEXEC, 0);
	err = errno;
	if (setns(b.ns_home, CLONE_NEWNET)) {
		/* the rest of the run would measure the wrong netns */
		warnx("setns back: %s", strerror(errno));
		exit(1);
	}
	errno = err;
	return fd;
}

static int create_broker(const struct proto *p)
{
	char req = (char)(p - protos) + 1;

	if (write(b.broker, &req, 1) != 1)
		return -1;
	return recv_fd(b.broker);
}

static int create_exec(const struct proto *p)
{
	char *argv[4];
	int status, fd, err;
	pid_t pid;

	argv[0] = "msocket_bench";
	argv[1] = "--helper";
	argv[2] = (char *)p->name;
	argv[3] = NULL;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (setns(b.ns_target, CLONE_NEWNET) ||
		    dup2(b.xsock[1], HELPER_FD) < 0)
			_exit(127);
		execv(b.self, argv);
		_exit(127);
	}
	fd = recv_fd(b.xsock[0]);
	err = errno;
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		if (fd >= 0)
			close(fd);
		errno = fd >= 0 ? ECHILD : err;
		return -1;
	}
	return fd;
}

/* References for the analysis, not targets. */
static int create_at_current(const struct proto *p)
{
	return msocketat(b.homefd, AF_INET, p->type | SOCK_CLOEXEC, 0);
}

static int create_socket_getppid(const struct proto *p)
{
	int fd = socket(AF_INET, p->type | SOCK_CLOEXEC, 0);

	getppid();
	return fd;
}

/* The one-call entry with a short walk: one component from an open dir. */
static int create_path_dirfd(const struct proto *p)
{
	struct msock_path_socket_args args = {
		.path = (uintptr_t)"0", .dirfd = b.workfd,
		.domain = AF_INET, .type = p->type | SOCK_CLOEXEC,
	};

	return ioctl(b.devfd, MSOCK_IOC_PATH_SOCKET, &args);
}

/* socket() followed by an entry that fails: its cost in context */
static int create_socket_enotty(const struct proto *p)
{
	int fd = socket(AF_INET, p->type | SOCK_CLOEXEC, 0);

	comp_enotty();
	return fd;
}

static int create_socket_args_entry(const struct proto *p)
{
	int fd = socket(AF_INET, p->type | SOCK_CLOEXEC, 0);

	comp_args_einval();
	return fd;
}

static int create_socket_at_entry(const struct proto *p)
{
	int fd = socket(AF_INET, p->type | SOCK_CLOEXEC, 0);

	comp_at_einval();
	return fd;
}

static int create_socket_path_entry(const struct proto *p)
{
	int fd = socket(AF_INET, p->type | SOCK_CLOEXEC, 0);

	comp_path_einval();
	return fd;
}

/* socket() and the VFS's walk + write check of the path: the path floor */
static int create_socket_faccessat(const struct proto *p)
{
	int fd = socket(AF_INET, p->type | SOCK_CLOEXEC, 0);
	int err;

	if (fd >= 0 && comp_faccessat()) {
		err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

struct variant {
	const char *name;	/* TAP and --loop name */
	const char *label;	/* table label */
	int (*create)(const struct proto *p);
	int *batch;		/* ops per round */
	bool in_target;		/* the socket lands in the target netns */
};

enum {
	V_SOCKET, V_AT, V_PATH, V_OPEN, V_SETNS, V_BROKER, V_EXEC,
	V_AT_CURRENT, V_GETPPID, V_ENOTTY, V_ARGS_ENTRY, V_AT_ENTRY,
	V_PATH_ENTRY, V_DIRFD, V_FACCESS, NVARIANT
};

static const struct variant variants[NVARIANT] = {
	[V_SOCKET] = { "socket", "socket(), current netns",
		       create_socket, &opt.batch, false },
	[V_AT] = { "msocketat", "msocketat(stackfd)",
		   create_msocketat, &opt.batch, true },
	[V_PATH] = { "msocket_path", "msocket(path), /dev/msocket",
		     create_path, &opt.batch, true },
	[V_OPEN] = { "open_ioctl_close", "open + MSOCK_IOC_SOCKET + close",
		     create_open_ioctl, &opt.batch, true },
	[V_SETNS] = { "setns_roundtrip", "setns + socket() + setns back",
		      create_setns, &opt.batch, true },
	[V_BROKER] = { "scm_rights_broker", "SCM_RIGHTS broker",
		       create_broker, &opt.broker_batch, true },
	[V_EXEC] = { "fork_setns_exec", "fork + setns + exec helper",
		     create_exec, &opt.exec_batch, true },
	[V_AT_CURRENT] = { "msocketat_current", "ref: msocketat, current netns",
			   create_at_current, &opt.batch, false },
	[V_GETPPID] = { "socket_getppid", "ref: socket() + getppid()",
			create_socket_getppid, &opt.batch, false },
	[V_ENOTTY] = { "socket_enotty", "ref: socket() + ioctl ENOTTY",
		       create_socket_enotty, &opt.batch, false },
	[V_ARGS_ENTRY] = { "socket_args_entry", "ref: socket() + ioctl flags 1",
			   create_socket_args_entry, &opt.batch, false },
	[V_AT_ENTRY] = { "socket_at_entry", "ref: socket() + msocketat(-1)",
			 create_socket_at_entry, &opt.batch, false },
	[V_PATH_ENTRY] = { "socket_path_entry", "ref: socket() + msocket(path,-1)",
			   create_socket_path_entry, &opt.batch, false },
	[V_DIRFD] = { "msocket_dirfd", "ref: msocket(dirfd, \"0\")",
		      create_path_dirfd, &opt.batch, true },
	[V_FACCESS] = { "socket_faccessat2", "ref: socket() + faccessat2(path, W_OK)",
			create_socket_faccessat, &opt.batch, false },
};

struct component {
	const char *name;
	const char *label;
	int (*run)(void);
};

enum {
	C_GETPPID, C_SOCKET, C_ENOTTY, C_ARGS, C_AT, C_INFO, C_PATH, C_STAT,
	C_OPEN, C_SETNS, C_FACCESS, NCOMP
};

static const struct component components[NCOMP] = {
	[C_GETPPID] = { "getppid", "getppid(): system call floor",
			comp_getppid },
	[C_SOCKET] = { "socket_eafnosupport", "socket(-1,..): socket() entry",
		       comp_socket_einval },
	[C_ENOTTY] = { "ioctl_enotty", "ioctl(stackfd, unknown): ENOTTY",
		       comp_enotty },
	[C_ARGS] = { "msocketat_flags_einval", "MSOCK_IOC_SOCKET flags 1: EINVAL",
		     comp_args_einval },
	[C_AT] = { "msocketat_eafnosupport", "msocketat(stackfd, -1,..): entry",
		   comp_at_einval },
	[C_INFO] = { "stack_info", "MSOCK_IOC_STACK_INFO",
		     comp_stack_info },
	[C_PATH] = { "path_eafnosupport", "msocket(path, -1,..): entry",
		     comp_path_einval },
	[C_STAT] = { "stat_path", "stat(path)", comp_stat },
	[C_OPEN] = { "open_close_path", "open(path) + close()",
		     comp_open_close },
	[C_SETNS] = { "setns_pair", "setns(target) + setns(home)",
		      comp_setns_pair },
	[C_FACCESS] = { "faccessat2_path", "faccessat2(path, W_OK, AT_EACCESS)",
			comp_faccessat },
};

/* ---- the helpers living in the target netns ---- */

/* The exec variant's program: a socket, passed back on HELPER_FD. */
static int helper_main(const char *proto)
{
	const struct proto *p = &protos[strcmp(proto, "udp") == 0];
	int fd = socket(AF_INET, p->type | SOCK_CLOEXEC, 0);

	return send_fd(HELPER_FD, fd) || fd < 0;
}

static void broker_loop(int sock)
{
	char req;
	int fd;

	while (read(sock, &req, 1) == 1) {
		if (req < 1 || req > (int)NPROTO)
			break;
		fd = socket(AF_INET, protos[req - 1].type | SOCK_CLOEXEC, 0);
		if (send_fd(sock, fd))
			break;
		if (fd >= 0)
			close(fd);
	}
	_exit(0);
}

static int start_broker(void)
{
	struct timeval tv = { .tv_sec = 10 };
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		close(sv[0]);
		if (setns(b.ns_target, CLONE_NEWNET))
			_exit(1);
		broker_loop(sv[1]);
	}
	close(sv[1]);
	b.broker = sv[0];
	b.broker_pid = pid;
	return setsockopt(b.broker, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

/* ---- setup and cleanup ---- */

static int link_up(const char *ifname)
{
	struct ifreq ifr = { 0 };
	int fd, ret;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ret = ioctl(fd, SIOCGIFFLAGS, &ifr);
	if (!ret && !(ifr.ifr_flags & IFF_UP)) {
		ifr.ifr_flags |= IFF_UP;
		ret = ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	close(fd);
	return ret;
}

/* Enter a new network namespace with lo up; returns an nsfs fd of it. */
static int new_netns(uint64_t *cookie)
{
	int fd, s;

	if (unshare(CLONE_NEWNET))
		return -1;
	fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || link_up("lo"))
		return -1;
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -1;
	*cookie = sock_cookie(s);
	close(s);
	return *cookie ? fd : -1;
}

static int mount_stack(const char *source, const char *dir)
{
	if (mkdir(dir, 0755) && errno != EEXIST)
		return -1;
	return mount(source, dir, "msockfs", 0, NULL);
}

/* Mount stacks of the target netns at work/<i>, up to n of them. */
static int mount_target_stacks(int n)
{
	char src[200], dir[200];

	snprintf(src, sizeof(src), "netns=%s", b.nsfile);
	for (; b.nstacks < n; b.nstacks++) {
		snprintf(dir, sizeof(dir), "%s/%d", b.work, b.nstacks);
		if (mount_stack(src, dir)) {
			warnx("mount %s: %s", dir, strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* Format why the setup failed; returns -1. */
static int fail(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return -1;
}

static int setup(char *why, size_t len)
{
	struct timeval tv = { .tv_sec = 10 };
	struct msock_stack_info info;
	cpu_set_t set;
	ssize_t n;
	int fd;

	if (geteuid() != 0)
		return fail(why, len, "needs root");
	if (access(MSOCKET_DEVICE, F_OK))
		return fail(why, len, "%s: %s (insmod msocket.ko)",
			    MSOCKET_DEVICE, strerror(errno));
	if (opt.cpu >= 0) {
		CPU_ZERO(&set);
		CPU_SET(opt.cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set))
			return fail(why, len, "pin to CPU %d: %s", opt.cpu,
				    strerror(errno));
	}
	n = readlink("/proc/self/exe", b.self, sizeof(b.self) - 1);
	if (n < 0)
		return fail(why, len, "/proc/self/exe: %s", strerror(errno));
	b.self[n] = '\0';
	snprintf(ms_child, sizeof(ms_child), "%.*s/mstack_bench_child",
		 (int)(strrchr(b.self, '/') - b.self), b.self);

	/* A private mount namespace: nothing mounted here is seen outside. */
	if (unshare(CLONE_NEWNS) ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return fail(why, len, "private mount namespace: %s",
			    strerror(errno));
	snprintf(b.work, sizeof(b.work), "%s/msocket-bench.XXXXXX", opt.dir);
	if (!mkdtemp(b.work)) {
		fail(why, len, "mkdtemp %s: %s", b.work, strerror(errno));
		b.work[0] = '\0';
		return -1;
	}
	if (mount("msocket-bench", b.work, "tmpfs", 0, "mode=0700")) {
		fail(why, len, "tmpfs on %s: %s", b.work, strerror(errno));
		rmdir(b.work);
		b.work[0] = '\0';
		return -1;
	}

	/* The bench's own netns (home), then the target netns. */
	b.ns_home = new_netns(&b.cookie_home);
	if (b.ns_home < 0)
		return fail(why, len, "home netns: %s", strerror(errno));
	b.ns_target = new_netns(&b.cookie_target);
	if (b.ns_target < 0)
		return fail(why, len, "target netns: %s", strerror(errno));
	/* Name the target as ip netns add does: a bind mount of its nsfs file. */
	snprintf(b.nsfile, sizeof(b.nsfile), "%s/netns", b.work);
	fd = open(b.nsfile, O_CREAT | O_RDONLY | O_CLOEXEC, 0444);
	if (fd < 0)
		return fail(why, len, "%s: %s", b.nsfile, strerror(errno));
	close(fd);
	if (mount("/proc/self/ns/net", b.nsfile, NULL, MS_BIND, NULL))
		return fail(why, len, "bind netns: %s", strerror(errno));
	if (setns(b.ns_home, CLONE_NEWNET))
		return fail(why, len, "setns home: %s", strerror(errno));

	snprintf(b.home_stack, sizeof(b.home_stack), "%s/home", b.work);
	if (mount_stack("current", b.home_stack))
		return fail(why, len, "mount %s: %s", b.home_stack,
			    strerror(errno));
	if (mount_target_stacks(1))
		return fail(why, len, "mount the target stack: %s",
			    strerror(errno));
	snprintf(b.stack, sizeof(b.stack), "%s/0", b.work);
	b.stackfd = open(b.stack, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (b.stackfd < 0)
		return fail(why, len, "open %s: %s", b.stack, strerror(errno));
	if (ioctl(b.stackfd, MSOCK_IOC_STACK_INFO, &info) ||
	    info.netns_cookie != b.cookie_target)
		return fail(why, len, "%s is not the target netns", b.stack);
	b.homefd = open(b.home_stack, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (b.homefd < 0)
		return fail(why, len, "open %s: %s", b.home_stack,
			    strerror(errno));
	b.workfd = open(b.work, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (b.workfd < 0)
		return fail(why, len, "open %s: %s", b.work, strerror(errno));
	b.devfd = open(MSOCKET_DEVICE, O_RDONLY | O_CLOEXEC);
	if (b.devfd < 0)
		return fail(why, len, "open %s: %s", MSOCKET_DEVICE,
			    strerror(errno));

	if (start_broker())
		return fail(why, len, "broker: %s", strerror(errno));
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, b.xsock) ||
	    setsockopt(b.xsock[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)))
		return fail(why, len, "socketpair: %s", strerror(errno));
	/* libmsocket opens /dev/msocket at its first call: not in the timings */
	fd = msocket(b.stack, AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail(why, len, "msocket(%s): %s", b.stack,
			    strerror(errno));
	close(fd);
	return 0;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static int cleanup(void)
{
	int status, ret = 0;

	if (b.broker >= 0) {
		close_fd(&b.broker);	/* EOF: the broker exits */
		if (waitpid(b.broker_pid, &status, 0) != b.broker_pid)
			ret = -1;
	}
	close_fd(&b.stackfd);
	close_fd(&b.homefd);
	close_fd(&b.devfd);
	close_fd(&b.workfd);
	close_fd(&b.xsock[0]);
	close_fd(&b.xsock[1]);
	close_fd(&b.ns_home);
	close_fd(&b.ns_target);
	if (b.work[0]) {
		/* detaches the tmpfs and every stack and netns file below it */
		if (umount2(b.work, MNT_DETACH) || rmdir(b.work))
			ret = -1;
		b.work[0] = '\0';
	}
	return ret;
}

/* ---- statistics ---- */

struct series {
	uint64_t *ns;
	size_t n, cap;
};

static void series_add(struct series *s, uint64_t v)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 1024;
		s->ns = realloc(s->ns, s->cap * sizeof(*s->ns));
		if (!s->ns) {
			warnx("out of memory");
			exit(1);
		}
	}
	s->ns[s->n++] = v;
}

static int cmp_u64(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, c = *(const uint64_t *)y;

	return a < c ? -1 : a > c;
}

/* Percentile q (0 < q < 100, nearest rank) of a series, in microseconds. */
static double pct_us(struct series *s, double q)
{
	size_t i;

	if (!s->n)
		return 0;
	qsort(s->ns, s->n, sizeof(*s->ns), cmp_u64);
	i = (size_t)(q / 100.0 * s->n + 0.999999);
	i = i ? i - 1 : 0;
	return s->ns[i < s->n ? i : s->n - 1] / 1000.0;
}

/* n timed create + close of v for p into s (NULL: warm-up, not kept). */
static int run_batch(const struct variant *v, const struct proto *p,
		     struct series *s, int n)
{
	uint64_t t0, t1;
	int i, fd;

	for (i = 0; i < n; i++) {
		t0 = now_ns();
		fd = v->create(p);
		if (fd < 0) {
			warnx("%s %s: %s", v->name, p->name, strerror(errno));
			return -1;
		}
		close(fd);
		t1 = now_ns();
		if (s)
			series_add(s, t1 - t0);
	}
	return 0;
}

/*
 * Ballast: a different number of idle sockets held during each round, so
 * that the objects a variant allocates (sock, inode, dentry, file, fd) land
 * at different addresses from round to round. On the emulated TLB of QEMU
 * TCG (and on real caches) one fixed layout can favour or penalise one
 * variant by several percent; varying it averages that out.
 */
#define MAX_BALLAST	16

static int ballast[MAX_BALLAST];
static int nballast;

static void ballast_set(int round)
{
	int n = round < 0 ? 0 : (round * 7 + 3) % MAX_BALLAST;

	for (nballast = 0; nballast < n; nballast++)
		ballast[nballast] = socket(AF_INET, (nballast & 1 ? SOCK_DGRAM :
						     SOCK_STREAM) | SOCK_CLOEXEC, 0);
}

static void ballast_clear(void)
{
	while (nballast > 0)
		close_fd(&ballast[--nballast]);
}

/* Median of the last n samples of s, in microseconds. */
static double last_median_us(const struct series *s, size_t n)
{
	uint64_t tmp[256];

	if (n > s->n)
		n = s->n;
	if (n > ARRAY_SIZE(tmp))
		n = ARRAY_SIZE(tmp);
	if (!n)
		return 0;
	memcpy(tmp, s->ns + s->n - n, n * sizeof(*tmp));
	qsort(tmp, n, sizeof(*tmp), cmp_u64);
	return tmp[n / 2] / 1000.0;
}

static int cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, c = *(const double *)y;

	return a < c ? -1 : a > c;
}

/* Quartile q (1..3) of n values (sorts them). */
static double quartile(double *v, size_t n, int q)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return v[(n - 1) * q / 4];
}

static const char *verdict(bool pass)
{
	return pass ? "PASS" : "MISS";
}

static int npass, nmiss;

static const char *target(bool pass)
{
	if (pass)
		npass++;
	else
		nmiss++;
	return verdict(pass);
}

/* ---- latency ---- */

static struct series lat[NVARIANT][NPROTO];
static double med[NVARIANT][NPROTO];
static double *round_med[NVARIANT][NPROTO];	/* per-round medians */

static int run_latency(void)
{
	size_t k, i, v, p;
	int r, n;

	for (v = 0; v < NVARIANT; v++)
		for (p = 0; p < NPROTO; p++) {
			round_med[v][p] = calloc(opt.rounds, sizeof(double));
			if (!round_med[v][p])
				return -1;
		}
	/* round -1 warms up; each round rotates the order of the variants */
	for (r = -1; r < opt.rounds; r++) {
		ballast_set(r);
		for (k = 0; k < NVARIANT; k++) {
			v = (k + (r < 0 ? 0 : r)) % NVARIANT;
			n = *variants[v].batch;
			for (i = 0; i < NPROTO; i++) {
				p = (i + (r < 0 ? 0 : r)) % NPROTO;
				if (run_batch(&variants[v], &protos[p],
					      r < 0 ? NULL : &lat[v][p], n))
					return -1;
				if (r >= 0)
					round_med[v][p][r] = last_median_us(&lat[v][p], n);
			}
		}
		ballast_clear();
	}
	return 0;
}

/* Spread of the ratio to (1) from round to round: quartiles over rounds. */
static void print_round_ratios(void)
{
	double *x = calloc(opt.rounds, sizeof(double));
	size_t v, p;
	int r;

	if (!x)
		return;
	printf("\nRatio to (1) within each round (%d rounds): quartiles q1 median q3\n\n",
	       opt.rounds);
	printf("%-42s %20s | %20s\n", "", "TCP", "UDP");
	for (v = 1; v < NVARIANT; v++) {
		printf("%2zu. %-38s", v + 1, variants[v].label);
		for (p = 0; p < NPROTO; p++) {
			for (r = 0; r < opt.rounds; r++)
				x[r] = round_med[v][p][r] / round_med[V_SOCKET][p][r];
			printf(" %6.2f %6.2f %6.2f%s", quartile(x, opt.rounds, 1),
			       quartile(x, opt.rounds, 2), quartile(x, opt.rounds, 3),
			       p + 1 < NPROTO ? " |" : "\n");
		}
	}
	free(x);
}

static void delta_row(const char *label, int a, int c)
{
	size_t p;

	printf("  %-58s", label);
	for (p = 0; p < NPROTO; p++)
		printf(" %+7.2f", med[a][p] - med[c][p]);
	printf("\n");
}

/* Differences of medians: what each step costs amid socket creation. */
static void print_in_context(void)
{
	printf("\nIn context: differences of the medians above, microseconds       TCP     UDP\n");
	delta_row("msocketat over socket() (2 - 1)", V_AT, V_SOCKET);
	delta_row("msocketat on a stack of the current netns (8 - 1)",
		  V_AT_CURRENT, V_SOCKET);
	delta_row("an extra no-op system call (9 - 1)", V_GETPPID, V_SOCKET);
	delta_row("an extra ioctl into msocket, ENOTTY (10 - 1)", V_ENOTTY,
		  V_SOCKET);
	delta_row("  + args copy, fails EINVAL (11 - 1)", V_ARGS_ENTRY,
		  V_SOCKET);
	delta_row("  + permission check, fails EAFNOSUPPORT (12 - 1)",
		  V_AT_ENTRY, V_SOCKET);
	delta_row("an extra msocket(path) entry: + path walk (13 - 1)",
		  V_PATH_ENTRY, V_SOCKET);
	delta_row("msocket(path) over msocketat (3 - 2)", V_PATH, V_AT);
	delta_row("msocket(dirfd, \"0\") over msocketat (14 - 2)", V_DIRFD, V_AT);
	delta_row("setns round trip over socket() (5 - 1)", V_SETNS, V_SOCKET);
	delta_row("the VFS's own walk + write check of the path (15 - 1)",
		  V_FACCESS, V_SOCKET);
	delta_row("msocket(path) over socket() + faccessat2 (3 - 15)", V_PATH,
		  V_FACCESS);
}

static void print_latency(void)
{
	size_t v, p;

	printf("\nLatency of create + close of one AF_INET socket, microseconds\n");
	printf("(median, p99, median / median of (1); rows 8-%d are references, not targets)\n\n",
	       NVARIANT);
	printf("%-42s %8s %8s %6s | %8s %8s %6s\n", "", "TCP med", "p99",
	       "ratio", "UDP med", "p99", "ratio");
	for (v = 0; v < NVARIANT; v++) {
		printf("%2zu. %-38s", v + 1, variants[v].label);
		for (p = 0; p < NPROTO; p++) {
			med[v][p] = pct_us(&lat[v][p], 50);
			printf(" %8.2f %8.2f %5.2fx%s", med[v][p],
			       pct_us(&lat[v][p], 99), med[v][p] / med[V_SOCKET][p],
			       p + 1 < NPROTO ? " |" : "\n");
		}
	}
	printf("samples per cell: %zu (broker %zu, exec %zu)\n", lat[V_SOCKET][0].n,
	       lat[V_BROKER][0].n, lat[V_EXEC][0].n);
	print_round_ratios();
	print_in_context();
	printf("\nTargets (latency)                                     TCP           UDP\n");
	printf("  msocketat <= %.2fx socket()                    ", TARGET_AT);
	for (p = 0; p < NPROTO; p++)
		printf(" %6.2fx %s", med[V_AT][p] / med[V_SOCKET][p],
		       target(med[V_AT][p] / med[V_SOCKET][p] <= TARGET_AT));
	printf("\n  msocket(path) <= %.2fx socket()                ", TARGET_PATH);
	for (p = 0; p < NPROTO; p++)
		printf(" %6.2fx %s", med[V_PATH][p] / med[V_SOCKET][p],
		       target(med[V_PATH][p] / med[V_SOCKET][p] <= TARGET_PATH));
	printf("\n  msocket(path) below setns round trip (path/setns)");
	for (p = 0; p < NPROTO; p++)
		printf(" %6.2fx %s", med[V_PATH][p] / med[V_SETNS][p],
		       target(med[V_PATH][p] < med[V_SETNS][p]));
	printf("\n  msocket(path) >= %.0fx faster than broker (broker/path)",
	       TARGET_BROKER);
	for (p = 0; p < NPROTO; p++)
		printf(" %5.1fx %s", med[V_BROKER][p] / med[V_PATH][p],
		       target(med[V_BROKER][p] / med[V_PATH][p] >= TARGET_BROKER));
	printf("\n");
}

/* ---- cost components ---- */

static void comp_delta(const char *label, double d)
{
	printf("  %-54s %+8.2f\n", label, d);
}

static int run_components(void)
{
	struct series s[NCOMP] = { 0 };
	double m[NCOMP];
	uint64_t t0, t1;
	size_t k, c;
	int r, i;

	for (r = -1; r < opt.rounds / 2; r++) {
		for (k = 0; k < NCOMP; k++) {
			c = (k + (r < 0 ? 0 : r)) % NCOMP;
			for (i = 0; i < opt.batch; i++) {
				t0 = now_ns();
				if (components[c].run()) {
					warnx("%s: %s", components[c].name,
					      strerror(errno));
					return -1;
				}
				t1 = now_ns();
				if (r >= 0)
					series_add(&s[c], t1 - t0);
			}
		}
	}
	printf("\nCost components, nothing created (median, p99, microseconds; n %zu each)\n\n",
	       s[0].n);
	for (c = 0; c < NCOMP; c++) {
		char num[8];

		m[c] = pct_us(&s[c], 50);
		snprintf(num, sizeof(num), "c%zu.", c + 1);
		printf("  %-4s %-40s %8.2f %8.2f\n", num, components[c].label,
		       m[c], pct_us(&s[c], 99));
		free(s[c].ns);
	}
	printf("\n");
	comp_delta("msocketat entry over socket() entry (c5 - c2)",
		   m[C_AT] - m[C_SOCKET]);
	comp_delta("  ioctl dispatch to the module (c3 - c2)",
		   m[C_ENOTTY] - m[C_SOCKET]);
	comp_delta("  args copy (c4 - c3)", m[C_ARGS] - m[C_ENOTTY]);
	comp_delta("  permission check (c5 - c4)", m[C_AT] - m[C_ARGS]);
	comp_delta("path entry over fd entry: getname + walk (c7 - c5)",
		   m[C_PATH] - m[C_AT]);
	comp_delta("stat(path) over the system call floor (c8 - c1)",
		   m[C_STAT] - m[C_GETPPID]);
	comp_delta("faccessat2(path) over the system call floor (c11 - c1)",
		   m[C_FACCESS] - m[C_GETPPID]);
	comp_delta("setns() pair over the system call floor (c10 - c1)",
		   m[C_SETNS] - m[C_GETPPID]);
	return 0;
}

/* ---- scaling with the number of stacks ---- */

static const int levels[] = { 1, 10, 100, 1000 };

#define NLEVEL	ARRAY_SIZE(levels)
#define NSCALE	3

static const int scale_variants[NSCALE] = { V_SOCKET, V_AT, V_PATH };

static int scale_level(double m[NSCALE][NPROTO])
{
	struct series s[NSCALE][NPROTO] = { 0 };
	size_t k, i, v, p;
	int r;

	for (r = -1; r < opt.scale_rounds; r++) {
		ballast_set(r);
		for (k = 0; k < NSCALE; k++) {
			v = (k + (r < 0 ? 0 : r)) % NSCALE;
			for (i = 0; i < NPROTO; i++) {
				p = (i + (r < 0 ? 0 : r)) % NPROTO;
				if (run_batch(&variants[scale_variants[v]],
					      &protos[p], r < 0 ? NULL : &s[v][p],
					      opt.batch))
					return -1;
			}
		}
		ballast_clear();
	}
	for (v = 0; v < NSCALE; v++)
		for (p = 0; p < NPROTO; p++) {
			m[v][p] = pct_us(&s[v][p], 50);
			free(s[v][p].ns);
		}
	return 0;
}

static int run_scaling(void)
{
	double m[NLEVEL][NSCALE][NPROTO];
	size_t l, k, p, z = NLEVEL - 1;
	double d, raw;

	printf("\nScaling: median latency (us) with N stacks of the target netns mounted\n");
	printf("(stack 0 is used; ratio to socket() at the same N; %d x %d ops per cell)\n\n",
	       opt.scale_rounds, opt.batch);
	printf("%6s %5s %9s %10s %6s %14s %6s\n", "stacks", "proto", "socket()",
	       "msocketat", "ratio", "msocket(path)", "ratio");
	for (l = 0; l < NLEVEL; l++) {
		if (mount_target_stacks(levels[l]) || scale_level(m[l]))
			return -1;
		for (p = 0; p < NPROTO; p++)
			printf("%6d %5s %9.2f %10.2f %5.2fx %14.2f %5.2fx\n",
			       levels[l], protos[p].name, m[l][0][p], m[l][1][p],
			       m[l][1][p] / m[l][0][p], m[l][2][p],
			       m[l][2][p] / m[l][0][p]);
		fflush(stdout);
	}
	printf("\nTargets (scaling): drift from 1 to %d stacks of the ratio to socket()\n",
	       levels[z]);
	printf("(raw drift of the median in brackets)\n");
	for (k = 1; k < NSCALE; k++)
		for (p = 0; p < NPROTO; p++) {
			d = 100.0 * ((m[z][k][p] / m[z][0][p]) /
				     (m[0][k][p] / m[0][0][p]) - 1.0);
			raw = 100.0 * (m[z][k][p] / m[0][k][p] - 1.0);
			printf("  %s %-14s drift <= %.0f%%  %+6.1f%% (%+6.1f%%)  %s\n",
			       protos[p].name,
			       k == 1 ? "msocketat" : "msocket(path)",
			       TARGET_DRIFT, d, raw,
			       target(d <= TARGET_DRIFT && d >= -TARGET_DRIFT));
		}
	return 0;
}

/* ---- kernel memory per mounted stack ---- */

struct slab {
	char name[64];
	long active;
	long size;
};

struct memsnap {
	long slab_kb;
	long percpu_kb;
	int nslab;
	struct slab slabs[MAX_SLABS];
};

static long meminfo_kb(const char *buf, const char *key)
{
	const char *s = strstr(buf, key);

	return s ? strtol(s + strlen(key), NULL, 10) : 0;
}

/*
 * Flush the objects cached per CPU back to their slabs and free the empty
 * slabs of every cache (CONFIG_SLUB_SYSFS; nothing without it): otherwise
 * /proc/slabinfo counts objects freed but cached per CPU as active, and a
 * run after another one reuses what that one freed without it showing.
 * The shrink files stay open until the measurement is over (shrink_close()):
 * dentries and inodes of sysfs looked up anew at each reading, and dropped
 * by the next, would move the readings.
 */
static int shrink_fd[MAX_SLABS];
static int nshrink = -1;

static void shrink_slabs(void)
{
	char path[320];
	struct dirent *d;
	DIR *dir;
	int i, fd;

	if (nshrink < 0) {
		nshrink = 0;
		dir = opendir("/sys/kernel/slab");
		while (dir && (d = readdir(dir)) && nshrink < MAX_SLABS) {
			/* aliases of merged caches are symbolic links */
			if (d->d_name[0] == '.' || d->d_type == DT_LNK)
				continue;
			snprintf(path, sizeof(path), "/sys/kernel/slab/%s/shrink",
				 d->d_name);
			fd = open(path, O_WRONLY | O_CLOEXEC);
			if (fd >= 0)
				shrink_fd[nshrink++] = fd;
		}
		if (dir)
			closedir(dir);
	}
	for (i = 0; i < nshrink; i++)
		if (pwrite(shrink_fd[i], "1", 1, 0) != 1)
			continue;	/* a cache gone: nothing to shrink */
}

static void shrink_close(void)
{
	while (nshrink > 0)
		close_fd(&shrink_fd[--nshrink]);
	nshrink = -1;
}

/* One reading: sync, drop caches, wait, shrink, /proc/meminfo and slabinfo. */
static int read_mem(struct memsnap *m)
{
	static char buf[1 << 17];
	char *line, *save;
	long num;

	sync();
	if (write_file("/proc/sys/vm/drop_caches", "3"))
		return -1;
	usleep(200000);	/* let RCU-deferred frees land */
	shrink_slabs();
	if (read_file("/proc/meminfo", buf, sizeof(buf)) < 0)
		return -1;
	m->slab_kb = meminfo_kb(buf, "\nSlab:");
	m->percpu_kb = meminfo_kb(buf, "\nPercpu:");
	m->nslab = 0;
	if (read_file("/proc/slabinfo", buf, sizeof(buf)) < 0)
		return 0;	/* no CONFIG_SLUB_DEBUG: meminfo only */
	for (line = strtok_r(buf, "\n", &save); line && m->nslab < MAX_SLABS;
	     line = strtok_r(NULL, "\n", &save)) {
		struct slab *s = &m->slabs[m->nslab];

		if (sscanf(line, "%63s %ld %ld %ld", s->name, &s->active, &num,
			   &s->size) == 4)
			m->nslab++;
	}
	return 0;
}

/* Bytes in slab objects (slabinfo), or in slab pages (meminfo) without it. */
static long mem_bytes(const struct memsnap *m)
{
	long sum = 0;
	int i;

	if (!m->nslab)
		return m->slab_kb * 1024;
	for (i = 0; i < m->nslab; i++)
		sum += m->slabs[i].active * m->slabs[i].size;
	return sum;
}

#define SETTLE_BYTES	8192
#define SETTLE_TRIES	10

/*
 * A reading once two in a row agree within SETTLE_BYTES: the frees after a
 * big drop_caches (the first in a freshly booted VM) can take longer than
 * one wait, and would otherwise land during the measurement.
 */
static int snapshot(struct memsnap *m)
{
	long prev;
	int i;

	if (read_mem(m))
		return -1;
	for (i = 1; i < SETTLE_TRIES; i++) {
		prev = mem_bytes(m);
		if (read_mem(m))
			return -1;
		if (labs(mem_bytes(m) - prev) <= SETTLE_BYTES)
			break;
	}
	return 0;
}

/*
 * One measurement: n mounts of fstype at work/<sub>/<i>; the VFS floor is the
 * same procedure with ramfs, a file system with nothing but a superblock, a
 * root inode and dentry and the mount itself.
 */
struct memrun {
	const char *fstype;
	const char *sub;	/* the tmpfs holding the mount points */
	int n;
	struct memsnap before, after;
	double slab, pcpu;	/* /proc/meminfo deltas, bytes per mount */
};

enum { M_MSOCKFS, M_RAMFS, NMEMRUN };

static struct memrun memruns[NMEMRUN] = {
	[M_MSOCKFS] = { .fstype = "msockfs", .sub = "m" },
	[M_RAMFS] = { .fstype = "ramfs", .sub = "r" },
};

static const struct slab *slab_find(const struct memsnap *m, const char *name)
{
	int i;

	for (i = 0; i < m->nslab; i++)
		if (!strcmp(m->slabs[i].name, name))
			return &m->slabs[i];
	return NULL;
}

/* Growth of one cache in a run, per mount: bytes, and active objects in *objs. */
static double slab_delta(const struct memrun *r, const char *name, double *objs)
{
	const struct slab *a = slab_find(&r->after, name);
	const struct slab *bf = slab_find(&r->before, name);

	*objs = 0;
	if (!a)
		return 0;
	*objs = (double)(a->active - (bf ? bf->active : 0)) / r->n;
	return *objs * a->size;
}

/*
 * n mounts of r->fstype on a fresh tmpfs of their own, the mount points made
 * before the first reading; the tmpfs and every mount below it are detached
 * after the second. The source is the same for both file systems (ramfs
 * ignores it), so the mount's copy of it is of the same size.
 */
static int mem_mounts(struct memrun *r, int n)
{
	char dir[200], src[200];
	int i, err = 0;

	r->n = n;
	snprintf(dir, sizeof(dir), "%s/%s", b.work, r->sub);
	snprintf(src, sizeof(src), "msocket-bench-%s", r->sub);
	if (mkdir(dir, 0755) || mount(src, dir, "tmpfs", 0, NULL))
		return -1;
	for (i = 0; i < n && !err; i++) {
		snprintf(dir, sizeof(dir), "%s/%s/%d", b.work, r->sub, i);
		err = mkdir(dir, 0755);
	}
	snprintf(src, sizeof(src), "netns=%s", b.nsfile);
	if (!err)
		err = snapshot(&r->before);
	for (i = 0; i < n && !err; i++) {
		snprintf(dir, sizeof(dir), "%s/%s/%d", b.work, r->sub, i);
		err = mount(src, dir, r->fstype, 0, NULL);
	}
	if (!err)
		err = snapshot(&r->after);
	snprintf(dir, sizeof(dir), "%s/%s", b.work, r->sub);
	if (umount2(dir, MNT_DETACH) || rmdir(dir))
		err = -1;
	if (err)
		return -1;
	r->slab = (r->after.slab_kb - r->before.slab_kb) * 1024.0 / n;
	r->pcpu = (r->after.percpu_kb - r->before.percpu_kb) * 1024.0 / n;
	return 0;
}

static void print_slab_row(const char *name, double mo, double mb, double ro,
			   double rb)
{
	printf("    %-22s %+8.2f %+7.0f   %+8.2f %+7.0f   %+9.0f\n", name, mo, mb,
	       ro, rb, mb - rb);
}

/*
 * Per-stack growth of the /proc/slabinfo caches in both runs: the caches that
 * grew by >= 16 bytes in either (if print), and the sums over all of them.
 */
static void slab_table(bool print, double *sum_m, double *sum_r)
{
	const struct memrun *m = &memruns[M_MSOCKFS], *r = &memruns[M_RAMFS];
	double mo, mb, ro, rb, smb = 0, srb = 0;
	const char *name;
	int k, i;

	if (print) {
		printf("\n  /proc/slabinfo caches that grew by >= 16 bytes per stack in either\n");
		printf("  run (active objects per stack, x object size = bytes):\n\n");
		printf("    %-22s %16s   %16s   %9s\n", "", "msockfs", "ramfs",
		       "msockfs -");
		printf("    %-22s %8s %7s   %8s %7s   %9s\n", "cache", "objects",
		       "bytes", "objects", "bytes", "ramfs");
	}
	/* the caches of the msockfs run, then any only the ramfs run has */
	for (k = 0; k < NMEMRUN; k++)
		for (i = 0; i < memruns[k].after.nslab; i++) {
			name = memruns[k].after.slabs[i].name;
			if (k == M_RAMFS && slab_find(&m->after, name))
				continue;
			mb = slab_delta(m, name, &mo);
			rb = slab_delta(r, name, &ro);
			smb += mb;
			srb += rb;
			if (print && (mb >= 16 || rb >= 16))
				print_slab_row(name, mo, mb, ro, rb);
		}
	if (print)
		printf("    %-22s %8s %+7.0f   %8s %+7.0f   %+9.0f\n",
		       "sum (all caches)", "", smb, "", srb, smb - srb);
	*sum_m = smb;
	*sum_r = srb;
}

/*
 * Kernel memory per stack: n more mounts of the (existing) target netns,
 * then, measured the same way, the VFS floor of n ramfs mounts. The
 * msockfs mounts are detached before the first ramfs reading, which
 * waits for deferred frees like every reading.
 */
static int mem_test(int n, bool print)
{
	const struct memrun *m = &memruns[M_MSOCKFS], *r = &memruns[M_RAMFS];
	double tm, tr, sm, sr;
	int err;

	err = mem_mounts(&memruns[M_MSOCKFS], n) || mem_mounts(&memruns[M_RAMFS], n);
	shrink_close();
	if (err)
		return -1;
	if (!print)
		return 0;
	tm = m->slab + m->pcpu;
	tr = r->slab + r->pcpu;
	printf("\nKernel memory per mounted stack: %d more mounts of one existing netns,\n", n);
	printf("against the VFS floor: %d mounts of ramfs (each mount with its own superblock)\n",
	       n);
	printf("(msockfs first, then ramfs, each on a fresh tmpfs; sync + drop_caches +\n");
	printf("slab shrink before each reading, repeated until two agree; /proc/meminfo\n");
	printf("deltas / %d, bytes per stack)\n\n", n);
	printf("  %-8s %10s %10s %16s\n", "", "msockfs", "ramfs", "msockfs - ramfs");
	printf("  %-8s %+10.0f %+10.0f %+16.0f\n", "Slab", m->slab, r->slab,
	       m->slab - r->slab);
	printf("  %-8s %+10.0f %+10.0f %+16.0f\n", "Percpu", m->pcpu, r->pcpu,
	       m->pcpu - r->pcpu);
	printf("  %-8s %+10.0f %+10.0f %+16.0f\n", "total", tm, tr, tm - tr);
	printf("\n  msockfs total per stack (Slab + Percpu)  %+8.0f bytes: includes the floor\n",
	       tm);
	printf("    below; reported, not a target\n");
	printf("  ramfs per mount                          %+8.0f bytes: the VFS floor of one\n",
	       tr);
	printf("    mount with its own superblock: super_block, root inode and dentry,\n");
	printf("    struct mount\n");
	printf("  msocket's own share (msockfs - ramfs)    %+8.0f bytes\n", tm - tr);
	if (m->after.nslab && r->after.nslab) {
		/*
		 * Pages: new objects also fill the holes drop_caches leaves in
		 * slabs in use; the object counts do not depend on them.
		 */
		slab_table(false, &sm, &sr);
		printf("  the same by /proc/slabinfo objects       %+8.0f bytes (msockfs %+.0f,\n",
		       sm - sr, sm);
		printf("    ramfs %+.0f; object sizes, no slab pages; not a target)\n", sr);
	}
	printf("\nTargets (memory)\n");
	printf("  module memory per stack (msockfs - ramfs) <= %.0f: %s (%+.0f bytes)\n",
	       TARGET_MEM, target(tm - tr <= TARGET_MEM), tm - tr);
	if (m->after.nslab && r->after.nslab)
		slab_table(true, &sm, &sr);
	return 0;
}

/* ---- loopback TCP throughput ---- */

static int make_tcp(bool use_msocket)
{
	if (use_msocket)
		return msocket(b.home_stack, AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	return socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
}

#define CHUNK		(2 << 20)

/*
 * The receiving end of a pair, in a child: reads CHUNK bytes, acknowledges
 * them with one byte on the same connection, until EOF.
 */
static void sink(int sfd)
{
	static char buf[1 << 17];
	long long got = 0;
	char ack = 'a';
	ssize_t n;

	while ((n = read(sfd, buf, CHUNK - got < (long long)sizeof(buf) ?
				   CHUNK - got : (long long)sizeof(buf))) > 0) {
		got += n;
		if (got == CHUNK) {
			got = 0;
			if (write(sfd, &ack, 1) != 1)
				break;
		}
	}
	_exit(got != 0);
}

struct pair {
	int fd;		/* the sending end */
	pid_t pid;	/* the sink */
};

/* A connected loopback TCP pair, listener and sender made by one kind. */
static int open_pair(bool use_msocket, struct pair *pr)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct timeval tv = { .tv_sec = 30 };
	socklen_t salen = sizeof(sa);
	int lfd, sfd = -1;

	pr->pid = -1;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = make_tcp(use_msocket);
	pr->fd = make_tcp(use_msocket);
	if (lfd >= 0 && pr->fd >= 0 && !bind(lfd, (void *)&sa, sizeof(sa)) &&
	    !listen(lfd, 1) && !getsockname(lfd, (void *)&sa, &salen) &&
	    !connect(pr->fd, (void *)&sa, sizeof(sa)))
		sfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	/* a lost acknowledgement fails the run instead of hanging it */
	if (sfd >= 0 &&
	    (setsockopt(pr->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
	     setsockopt(pr->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv))))
		close_fd(&sfd);
	if (sfd >= 0) {
		pr->pid = fork();
		if (pr->pid == 0) {
			/* hold no other end open, or EOF never comes */
			close_range(3, sfd - 1, 0);
			close_range(sfd + 1, ~0U, 0);
			sink(sfd);
		}
	}
	close_fd(&sfd);
	close_fd(&lfd);
	return pr->pid > 0 ? 0 : -1;
}

static int close_pair(struct pair *pr)
{
	int status = -1;

	close_fd(&pr->fd);
	if (pr->pid > 0 && waitpid(pr->pid, &status, 0) != pr->pid)
		status = -1;
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -1;
}

/* Nanoseconds to send one CHUNK and have it acknowledged, or 0. */
static uint64_t send_chunk(struct pair *pr)
{
	static char buf[1 << 17];
	long long sent = 0;
	uint64_t t0;
	ssize_t n;
	char ack;

	t0 = now_ns();
	while (sent < CHUNK) {
		n = write(pr->fd, buf, CHUNK - sent < (long long)sizeof(buf) ?
			  CHUNK - sent : (long long)sizeof(buf));
		if (n <= 0)
			return 0;
		sent += n;
	}
	if (read(pr->fd, &ack, 1) != 1)
		return 0;
	return now_ns() - t0;
}

#define NPAIR	3

static const char *const pair_names[NPAIR] = {
	"socket()", "msocket(path)", "socket() #2",
};

/*
 * mb MiB through each of three connected pairs: one made by socket(), one by
 * msocket(path), and a second socket() pair as a control that shows the
 * noise floor. They take turns in 2 MiB chunks, the order rotating, so that
 * noise and drift hit all three; the ratios are medians of the per-turn
 * ratios of chunk times.
 */
static int run_tput(int mb, double *ratio, double *control)
{
	int i, k, kind, chunks = mb / (CHUNK >> 20), ret = 0;
	struct series s[NPAIR] = { 0 };
	uint64_t t[NPAIR], total[NPAIR] = { 0 };
	double *rm, *rc, p10[NPAIR];
	struct pair pr[NPAIR];

	if (chunks < 1)
		chunks = 1;
	rm = calloc(chunks, sizeof(double));
	rc = calloc(chunks, sizeof(double));
	for (k = 0; k < NPAIR; k++)
		if (open_pair(k == 1, &pr[k]))
			ret = -1;
	if (!rm || !rc)
		ret = -1;
	for (i = -1; i < chunks && !ret; i++) {	/* turn -1 warms up */
		for (k = 0; k < NPAIR && !ret; k++) {
			kind = (k + (i < 0 ? 0 : i)) % NPAIR;
			t[kind] = send_chunk(&pr[kind]);
			if (!t[kind])
				ret = -1;
		}
		if (ret || i < 0)
			continue;
		for (k = 0; k < NPAIR; k++) {
			series_add(&s[k], t[k]);
			total[k] += t[k];
		}
		rm[i] = (double)t[0] / t[1];
		rc[i] = (double)t[0] / t[2];
	}
	for (k = 0; k < NPAIR; k++)
		if (close_pair(&pr[k]))
			ret = -1;
	if (ret)
		goto out;
	*ratio = quartile(rm, chunks, 2);
	*control = quartile(rc, chunks, 2);
	if (opt.quick)
		goto out;
	printf("\nLoopback TCP throughput in one netns: %d MiB through each of three pairs,\n",
	       chunks * (CHUNK >> 20));
	printf("taking turns in %d MiB chunks (listener and sender from socket() or msocket(path));\n",
	       CHUNK >> 20);
	printf("MiB/s of the fastest 10%% chunk, the median chunk, and overall\n\n");
	for (k = 0; k < NPAIR; k++) {
		p10[k] = pct_us(&s[k], 10);
		printf("  %-14s  p10 %7.1f   median %7.1f   overall %7.1f\n",
		       pair_names[k], (CHUNK >> 20) / (p10[k] / 1e6),
		       (CHUNK >> 20) / (pct_us(&s[k], 50) / 1e6),
		       chunks * (CHUNK >> 20) / (total[k] / 1e9));
	}
	printf("\n  msocket(path)/socket(): median per turn %.3f (q1 %.3f, q3 %.3f), p10 %.3f\n",
	       *ratio, quartile(rm, chunks, 1), quartile(rm, chunks, 3),
	       p10[0] / p10[1]);
	printf("  control socket() #2/socket(): median per turn %.3f (q1 %.3f, q3 %.3f), p10 %.3f\n",
	       *control, quartile(rc, chunks, 1), quartile(rc, chunks, 3),
	       p10[0] / p10[2]);
	printf("\nTargets (throughput; the control shows what this run can resolve)\n");
	printf("  msocket/socket equal within +-%.0f%% (median per turn)  %.3f  %s\n",
	       TARGET_TPUT, *ratio,
	       target(*ratio >= 1 - TARGET_TPUT / 100 &&
		      *ratio <= 1 + TARGET_TPUT / 100));
out:
	for (k = 0; k < NPAIR; k++)
		free(s[k].ns);
	free(rm);
	free(rc);
	return ret;
}

/* ---- modes ---- */

/* ---- unmodified programs under mstack ---- */

/*
 * mstack_bench_child (beside this program; dynamically linked, libc's
 * socket()) run natively and under each mstack mechanism: its own timing of
 * socket creation and of short TCP connections, one line per batch. The
 * mechanisms are interleaved round by round, each run a new process.
 */
enum { MS_NATIVE, MS_SETNS, MS_SUPERVISOR, MS_PRELOAD, MS_FILTER, NMS };

static const char *const ms_label[NMS] = {
	"native (no mstack)", "mstack --setns", "mstack --supervisor",
	"mstack --preload", "  filter only (-o ipv6)",
};
/* mstack's options (the stack follows) */
static const char *const ms_flag[NMS][3] = {
	{ NULL }, { "--setns" }, { "--supervisor" }, { "--preload" },
	{ "--supervisor", "-o", "ipv6" },
};
static const char *const ms_name[NMS] = {
	"native", "setns", "supervisor", "preload", "filter_only",
};

#define TARGET_SUPERVISOR	3.0	/* supervisor socket() <= 3x setns */
#define TARGET_CONN		5.0	/* connections w/o socket(): +-5 % of native */
#define MS_BATCHES		4

/*
 * One run of the child in mode ("create" or "connect") under mechanism m;
 * adds each batch's first number to s0 and, for connect, the part of it
 * spent outside socket() to s1. With check, the child verifies the network
 * namespace of every socket.
 */
static int ms_run(int m, const char *mode, int ops, bool check,
		  struct series *s0, struct series *s1)
{
	char batches[16], nops[16], cookie[32], out[4096];
	const char *argv[16];
	int pfd[2], st, i, argc = 0;
	size_t len = 0;
	ssize_t n;
	pid_t pid;
	char *line, *save;

	if (m != MS_NATIVE) {
		argv[argc++] = opt.mstack;
		for (i = 0; i < 3 && ms_flag[m][i]; i++)
			argv[argc++] = ms_flag[m][i];
		argv[argc++] = b.stack;
	}
	snprintf(batches, sizeof(batches), "%d", check ? 1 : MS_BATCHES);
	snprintf(nops, sizeof(nops), "%d", ops);
	/* under -o ipv6 the child's AF_INET sockets stay at home */
	snprintf(cookie, sizeof(cookie), "%" PRIx64,
		 m == MS_NATIVE || m == MS_FILTER ? b.cookie_home : b.cookie_target);
	argv[argc++] = ms_child;
	argv[argc++] = mode;
	argv[argc++] = batches;
	argv[argc++] = nops;
	if (check)
		argv[argc++] = cookie;
	argv[argc] = NULL;
	if (pipe2(pfd, O_CLOEXEC))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(pfd[1], 1);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(pfd[1]);
	while (len < sizeof(out) - 1 &&
	       (n = read(pfd[0], out + len, sizeof(out) - 1 - len)) > 0)
		len += n;
	out[len] = '\0';
	close(pfd[0]);
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st)) {
		warnx("%s %s: exit status %#x", ms_label[m], mode, st);
		errno = ECHILD;
		return -1;
	}
	for (line = strtok_r(out, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		double total = 0, in_socket = 0;

		if (sscanf(line, "%lf %lf", &total, &in_socket) < 1)
			continue;
		series_add(s0, (uint64_t)total);
		if (s1)
			series_add(s1, (uint64_t)(total - in_socket));
	}
	return 0;
}

static struct series ms_create[NMS], ms_conn[NMS], ms_conn_rest[NMS];

static int run_mstack(void)
{
	double c[NMS], t[NMS], r[NMS];
	int round, m;

	for (round = 0; round < opt.ms_rounds; round++)
		for (m = 0; m < NMS; m++)
			if (ms_run(m, "create", opt.ms_ops, false, &ms_create[m], NULL) ||
			    ms_run(m, "connect", opt.ms_conn_ops, false, &ms_conn[m],
				   &ms_conn_rest[m]))
				return -1;
	printf("\nUnmodified programs under mstack: mstack_bench_child (dynamically linked,\n");
	printf("libc's socket()) natively and under each mechanism; %d rounds, interleaved,\n",
	       opt.ms_rounds);
	printf("each a new process timing %d batches; medians and p99 of the batches,\n",
	       MS_BATCHES);
	printf("microseconds per operation\n\n");
	printf("  socket creation (TCP socket + close, %d per batch)\n", opt.ms_ops);
	printf("  %-28s %9s %9s %9s %9s\n", "", "median", "p99", "x native",
	       "x setns");
	for (m = 0; m < NMS; m++)
		c[m] = pct_us(&ms_create[m], 50);
	for (m = 0; m < NMS; m++)
		printf("  %-28s %9.2f %9.2f %8.2fx %8.2fx\n", ms_label[m], c[m],
		       pct_us(&ms_create[m], 99), c[m] / c[MS_NATIVE],
		       c[m] / c[MS_SETNS]);
	if (med[V_SOCKET][0] > 0)
		printf("  (in this process, row 1 of the latency table: %.2f)\n",
		       med[V_SOCKET][0]);
	printf("\n  short TCP connections (socket + connect + accept + close, %d per batch)\n",
	       opt.ms_conn_ops);
	printf("  %-28s %9s %9s %9s %12s %9s\n", "", "conn/s", "median",
	       "x native", "w/o socket()", "x native");
	for (m = 0; m < NMS; m++) {
		t[m] = pct_us(&ms_conn[m], 50);
		r[m] = pct_us(&ms_conn_rest[m], 50);
	}
	for (m = 0; m < NMS; m++)
		printf("  %-28s %9.0f %9.2f %8.2fx %12.2f %8.2fx\n", ms_label[m],
		       1e6 / t[m], t[m], t[m] / t[MS_NATIVE], r[m],
		       r[m] / r[MS_NATIVE]);
	printf("  throughput under the supervisor: %.2f of native (%.2f with the setns route,\n",
	       t[MS_NATIVE] / t[MS_SUPERVISOR], t[MS_NATIVE] / t[MS_SETNS]);
	printf("  %.2f with the filter installed but no socket redirected)\n",
	       t[MS_NATIVE] / t[MS_FILTER]);
	printf("  (the filter-only rows run the child under mstack --supervisor -o ipv6:\n");
	printf("  its AF_INET sockets stay native, so they show what the filter itself costs)\n");
	printf("\nTargets (mstack)\n");
	printf("  supervisor socket creation <= %.0fx setns           %6.2fx %s\n",
	       TARGET_SUPERVISOR, c[MS_SUPERVISOR] / c[MS_SETNS],
	       target(c[MS_SUPERVISOR] / c[MS_SETNS] <= TARGET_SUPERVISOR));
	printf("  the filter adds nothing to other system calls: connections\n");
	printf("    without socket() under the filter alone within %.0f%% of native %+6.1f%% %s\n",
	       TARGET_CONN, 100.0 * (r[MS_FILTER] / r[MS_NATIVE] - 1),
	       target(fabs(100.0 * (r[MS_FILTER] / r[MS_NATIVE] - 1)) <= TARGET_CONN));
	printf("  (not a target: connections without socket() under the supervisor %+.1f%%:\n",
	       100.0 * (r[MS_SUPERVISOR] / r[MS_NATIVE] - 1));
	printf("  what each socket's round trip through mstack leaves behind, see\n");
	printf("  msocket-performance.rst)\n");
	return 0;
}

static void print_config(void)
{
	char cs[64] = "?";
	struct utsname u;

	uname(&u);
	read_file("/sys/devices/system/clocksource/clocksource0/current_clocksource",
		  cs, sizeof(cs));
	cs[strcspn(cs, "\n")] = '\0';
	printf("msocket_bench: socket creation across network stacks\n");
	printf("kernel %s %s, %ld CPUs online, clocksource %s, pinned to CPU %d\n",
	       u.release, u.machine, sysconf(_SC_NPROCESSORS_ONLN), cs, opt.cpu);
	printf("latency: %d rounds x %d ops (broker %d, exec %d) per variant and protocol\n",
	       opt.rounds, opt.batch, opt.broker_batch, opt.exec_batch);
	printf("target stack %s, home stack %s\n", b.stack, b.home_stack);
}

/* Every variant once per protocol: a valid socket in the right netns? */
static int check_variant(const struct variant *v, const struct proto *p,
			 int count, char *why, size_t len)
{
	uint64_t cookie = v->in_target ? b.cookie_target : b.cookie_home;
	int i, fd, ret;

	for (i = 0; i < count; i++) {
		fd = v->create(p);
		if (fd < 0) {
			snprintf(why, len, "%s", strerror(errno));
			return -1;
		}
		ret = check_socket(fd, p, cookie, why, len);
		close(fd);
		if (ret)
			return -1;
	}
	return 0;
}

static int full_run(void)
{
	double ratio, control;
	uint64_t t0 = now_ns();
	char why[256];
	size_t v, p;

	if (setup(why, sizeof(why))) {
		warnx("setup: %s", why);
		cleanup();
		return 1;
	}
	print_config();
	if (opt.ms_only) {
		if (!opt.mstack || run_mstack())
			goto fail;
		printf("\nTargets: %d PASS, %d MISS (not a failure); total time %.1f s\n",
		       npass, nmiss, (now_ns() - t0) / 1e9);
		return cleanup() ? 1 : 0;
	}
	for (v = 0; v < NVARIANT; v++)
		for (p = 0; p < NPROTO; p++)
			if (check_variant(&variants[v], &protos[p], 1, why,
					  sizeof(why))) {
				warnx("%s %s: %s", variants[v].name,
				      protos[p].name, why);
				goto fail;
			}
	fflush(stdout);
	/* memory first, on a quiet system: no RCU-freed sockets in flight */
	if (mem_test(opt.mem_stacks, true))
		goto fail;
	fflush(stdout);
	if (run_latency())
		goto fail;
	print_latency();
	fflush(stdout);
	if (run_components())
		goto fail;
	fflush(stdout);
	if (run_scaling())
		goto fail;
	fflush(stdout);
	if (run_tput(opt.tput_mb, &ratio, &control))
		goto fail;
	fflush(stdout);
	if (opt.mstack && run_mstack())
		goto fail;
	printf("\nTargets: %d PASS, %d MISS (not a failure); total time %.1f s\n",
	       npass, nmiss, (now_ns() - t0) / 1e9);
	return cleanup() ? 1 : 0;
fail:
	warnx("failed: %s", strerror(errno));
	cleanup();
	return 1;
}

static int tap_n;

static void tap(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d ", ok ? "" : "not ", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

/* --quick: each mechanism runs the child, whose sockets are in the right netns. */
static void quick_mstack(void)
{
	struct series s0 = { 0 }, s1 = { 0 };
	int m;
	bool ok;

	for (m = 0; m < NMS; m++) {
		ok = !ms_run(m, "create", 3, true, &s0, NULL);
		tap(ok, "mstack_%s_create%s", ms_name[m],
		    ok ? "" : " # wrong netns or failed (see stderr)");
	}
	for (m = MS_NATIVE; m <= MS_SUPERVISOR; m += MS_SUPERVISOR) {
		ok = !ms_run(m, "connect", 3, true, &s0, &s1);
		tap(ok, "mstack_%s_connect%s", ms_name[m],
		    ok ? "" : " # failed (see stderr)");
	}
	free(s0.ns);
	free(s1.ns);
}

/* a stack mounted later works by path and by fd */
static void quick_scaling(void)
{
	char path[200], why[256] = "";
	int fd, dir;
	bool ok;

	if (mount_target_stacks(10)) {
		tap(false, "scaling_10_stacks_msocket_path # mount failed");
		tap(false, "scaling_10_stacks_msocketat # mount failed");
		return;
	}
	snprintf(path, sizeof(path), "%s/9", b.work);
	fd = msocket(path, AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ok = fd >= 0 && !check_socket(fd, &protos[1], b.cookie_target, why,
				      sizeof(why));
	if (fd >= 0)
		close(fd);
	tap(ok, "scaling_10_stacks_msocket_path%s%s", ok ? "" : " # ", why);
	dir = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	fd = dir < 0 ? -1 : msocketat(dir, AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ok = fd >= 0 && !check_socket(fd, &protos[0], b.cookie_target, why,
				      sizeof(why));
	if (fd >= 0)
		close(fd);
	if (dir >= 0)
		close(dir);
	tap(ok, "scaling_10_stacks_msocketat%s%s", ok ? "" : " # ", why);
}

#define QUICK_TESTS	(1 + NVARIANT * NPROTO + NCOMP + 2 + 2 + 1 + 1)

static int quick_run(void)
{
	char why[256] = "";
	const struct memrun *m = &memruns[M_MSOCKFS], *r = &memruns[M_RAMFS];
	double ratio = 0, control;
	size_t v, p;
	bool ok;
	int i;

	printf("TAP version 13\n1..%zu\n",
	       (size_t)QUICK_TESTS + (opt.mstack ? NMS + 2 : 0));
	if (setup(why, sizeof(why))) {
		tap(false, "setup # %s", why);
		while (tap_n < (int)QUICK_TESTS + (opt.mstack ? NMS + 2 : 0))
			tap(false, "not_run # setup failed");
		cleanup();
		return 1;
	}
	tap(true, "setup");
	for (v = 0; v < NVARIANT; v++)
		for (p = 0; p < NPROTO; p++) {
			why[0] = '\0';
			ok = !check_variant(&variants[v], &protos[p], 3, why,
					    sizeof(why));
			tap(ok, "%s_%s%s%s", variants[v].name, protos[p].name,
			    ok ? "" : " # ", why);
		}
	for (v = 0; v < NCOMP; v++) {
		for (i = 0, ok = true; i < 3 && ok; i++)
			ok = !components[v].run();
		tap(ok, "component_%s%s%s", components[v].name, ok ? "" : " # ",
		    ok ? "" : strerror(errno));
	}
	quick_scaling();
	ok = !mem_mounts(&memruns[M_MSOCKFS], 10);
	tap(ok, "memory_10_mounts # %.0f bytes per stack, not asserted",
	    ok ? m->slab + m->pcpu : 0);
	ok = !mem_mounts(&memruns[M_RAMFS], 10);
	tap(ok, "memory_10_mounts_ramfs_floor # %.0f bytes per mount, not asserted",
	    ok ? r->slab + r->pcpu : 0);
	shrink_close();
	ok = !run_tput(8, &ratio, &control);
	tap(ok, "throughput_8MiB_socket_and_msocket # ratio %.2f, not asserted",
	    ok ? ratio : 0);
	if (opt.mstack)
		quick_mstack();
	tap(!cleanup(), "cleanup");
	return 0;
}

/* --loop NAME: one variant (NAME_tcp, NAME_udp) or component, for perf. */
static int loop_run(const char *name, int count)
{
	char why[256], full[64];
	const struct variant *var = NULL;
	const struct component *comp = NULL;
	const struct proto *pro = NULL;
	uint64_t t0;
	size_t v, p;
	int i, ret = 0;

	for (v = 0; v < NCOMP; v++)
		if (!strcmp(name, components[v].name))
			comp = &components[v];
	for (v = 0; v < NVARIANT; v++)
		for (p = 0; p < NPROTO; p++) {
			snprintf(full, sizeof(full), "%s_%s", variants[v].name,
				 protos[p].name);
			if (!strcmp(name, full)) {
				var = &variants[v];
				pro = &protos[p];
			}
		}
	if (!var && !comp) {
		warnx("--loop: no variant or component %s", name);
		return 2;
	}
	if (setup(why, sizeof(why))) {
		warnx("setup: %s", why);
		cleanup();
		return 1;
	}
	t0 = now_ns();
	for (i = 0; i < count && !ret; i++)
		ret = comp ? comp->run() : run_batch(var, pro, NULL, 1);
	if (ret)
		warnx("%s: %s", name, strerror(errno));
	else
		printf("%s: %d ops, %.2f us per op (mean)\n", name, count,
		       (now_ns() - t0) / 1e3 / count);
	return cleanup() || ret ? 1 : 0;
}

static void print_help(void)
{
	size_t v;

	fprintf(stderr,
		"usage: msocket_bench [--quick] [--rounds N] [--batch N] [--broker-batch N]\n"
		"                     [--exec-batch N] [--scale-rounds N] [--mem-stacks N]\n"
		"                     [--tput-mb N] [--cpu N|-1] [--dir DIR]\n"
		"                     [--mstack PATH [--mstack-rounds N] [--mstack-only]]\n"
		"       msocket_bench --loop VARIANT_PROTO|COMPONENT [--count N]\n"
		"\n"
		"  --mem-stacks N  msockfs mounts for the memory figure, and as many ramfs\n"
		"                  mounts for its VFS floor (1..%d)\n"
		"  --mstack PATH   also time mstack_bench_child (beside this program)\n"
		"                  natively and under mstack --setns, --supervisor, --preload\n"
		"\n"
		"variants (latency rows; PROTO is tcp or udp):\n", MAX_STACKS);
	for (v = 0; v < NVARIANT; v++)
		fprintf(stderr, "  %2zu. %-20s %s\n", v + 1, variants[v].name,
			variants[v].label);
	fprintf(stderr, "components:\n");
	for (v = 0; v < NCOMP; v++)
		fprintf(stderr, "  c%-2zu %-24s %s\n", v + 1, components[v].name,
			components[v].label);
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "quick", no_argument, NULL, 'q' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "batch", required_argument, NULL, 'b' },
		{ "broker-batch", required_argument, NULL, 'B' },
		{ "exec-batch", required_argument, NULL, 'e' },
		{ "scale-rounds", required_argument, NULL, 's' },
		{ "mem-stacks", required_argument, NULL, 'm' },
		{ "tput-mb", required_argument, NULL, 't' },
		{ "cpu", required_argument, NULL, 'c' },
		{ "dir", required_argument, NULL, 'd' },
		{ "mstack", required_argument, NULL, 'M' },
		{ "mstack-rounds", required_argument, NULL, 'R' },
		{ "mstack-only", no_argument, NULL, 'O' },
		{ "loop", required_argument, NULL, 'l' },
		{ "count", required_argument, NULL, 'n' },
		{ "helper", required_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *loop = NULL;
	int c, count = 10000;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'q':
			opt.quick = true;
			break;
		case 'r':
			opt.rounds = atoi(optarg);
			break;
		case 'b':
			opt.batch = atoi(optarg);
			break;
		case 'B':
			opt.broker_batch = atoi(optarg);
			break;
		case 'e':
			opt.exec_batch = atoi(optarg);
			break;
		case 's':
			opt.scale_rounds = atoi(optarg);
			break;
		case 'm':
			opt.mem_stacks = atoi(optarg);
			break;
		case 't':
			opt.tput_mb = atoi(optarg);
			break;
		case 'c':
			opt.cpu = atoi(optarg);
			break;
		case 'd':
			opt.dir = optarg;
			break;
		case 'M':
			opt.mstack = optarg;
			break;
		case 'R':
			opt.ms_rounds = atoi(optarg);
			break;
		case 'O':
			opt.ms_only = true;
			break;
		case 'l':
			loop = optarg;
			break;
		case 'n':
			count = atoi(optarg);
			break;
		case 'H':
			return helper_main(optarg);
		default:
			print_help();
		}
	}
	if (optind != argc || opt.rounds < 1 || opt.batch < 1 ||
	    opt.broker_batch < 1 || opt.exec_batch < 1 || opt.scale_rounds < 1 ||
	    opt.mem_stacks < 1 || opt.mem_stacks > MAX_STACKS || opt.tput_mb < 1 ||
	    opt.ms_rounds < 1 || count < 1)
		print_help();
	if (loop)
		return loop_run(loop, count);
	if (opt.quick)
		return quick_run();
	return full_run();
}
