/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the msocket selftests: the two msocket entries, network
 * namespaces made with ip(8), msockfs mounts, and running code as another
 * user in a child process.
 */
#ifndef _MSOCKET_HELPERS_H
#define _MSOCKET_HELPERS_H

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <grp.h>

#include <linux/msocket.h>

#include "kselftest.h"	/* __printf */

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE		71
#endif
#ifndef NSFS_MAGIC
#define NSFS_MAGIC		0x6e736673
#endif
#ifndef FSCONFIG_SET_FLAG
#define FSCONFIG_SET_FLAG	0
#define FSCONFIG_SET_STRING	1
#define FSCONFIG_SET_FD		5
#define FSCONFIG_CMD_CREATE	6
#define FSCONFIG_CMD_RECONFIGURE 7
#endif
#ifndef FSOPEN_CLOEXEC
#define FSOPEN_CLOEXEC		0x1
#define FSMOUNT_CLOEXEC		0x1
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH	0x4
#endif

static inline int sys_fsopen(const char *fs, unsigned int flags)
{
	return syscall(__NR_fsopen, fs, flags);
}

static inline int sys_fsconfig(int fd, unsigned int cmd, const char *key,
			       const void *value, int aux)
{
	return syscall(__NR_fsconfig, fd, cmd, key, value, aux);
}

static inline int sys_fsmount(int fd, unsigned int flags, unsigned int attr)
{
	return syscall(__NR_fsmount, fd, flags, attr);
}

static inline int sys_move_mount(int from_dfd, const char *from, int to_dfd,
				 const char *to, unsigned int flags)
{
	return syscall(__NR_move_mount, from_dfd, from, to_dfd, to, flags);
}

/* msocket() by path, in one call: the ioctl of /dev/msocket. */
static inline int msock_path_socket(const char *path, int domain, int type, int protocol)
{
	struct msock_path_socket_args args = {
		.path = (uintptr_t)path,
		.dirfd = AT_FDCWD,
		.domain = domain,
		.type = type,
		.protocol = protocol,
	};
	int dev, fd, err;

	dev = open(MSOCKET_DEVICE, O_RDONLY | O_CLOEXEC);
	if (dev < 0)
		return -1;
	fd = ioctl(dev, MSOCK_IOC_PATH_SOCKET, &args);
	err = errno;
	close(dev);
	errno = err;
	return fd;
}

/* msocket() on an open stack directory. */
static inline int msock_fd_socket(int stackfd, int domain, int type, int protocol)
{
	struct msock_socket_args args = {
		.domain = domain,
		.type = type,
		.protocol = protocol,
	};

	return ioctl(stackfd, MSOCK_IOC_SOCKET, &args);
}

/* MSOCK_IOC_GET_HANDLE on a stack directory fd: a handle fd, or -1. */
static inline int msock_get_handle(int stackfd)
{
	return ioctl(stackfd, MSOCK_IOC_GET_HANDLE, 0);
}

/* MSOCK_IOC_PATH_HANDLE on /dev/msocket: a handle fd for the stack at path, or -1. */
static inline int msock_path_handle(const char *path, unsigned int flags)
{
	struct msock_path_handle_args a = {
		.path = (uintptr_t)path, .dirfd = AT_FDCWD, .flags = flags,
	};
	int dev = open(MSOCKET_DEVICE, O_RDONLY | O_CLOEXEC);
	int fd, err;

	if (dev < 0)
		return -1;
	fd = ioctl(dev, MSOCK_IOC_PATH_HANDLE, &a);
	err = errno;
	close(dev);
	errno = err;
	return fd;
}

static inline __printf(1, 2) int run(const char *fmt, ...);
static inline int run(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int status;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	status = system(cmd);
	if (status == -1 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/* Network namespace inode of an nsfs file, as in "net:[INODE]". */
static inline unsigned long ns_ino(const char *path)
{
	struct stat st;

	if (stat(path, &st))
		return 0;
	return st.st_ino;
}

/* Read a small file NUL-terminated into buf; its length, or -1. */
static inline int read_small_file_at(int dfd, const char *path, char *buf, size_t size)
{
	int fd = openat(dfd, path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return n;
}

static inline int read_small_file(const char *path, char *buf, size_t size)
{
	return read_small_file_at(AT_FDCWD, path, buf, size);
}

/*
 * Run fn(arg) in a child process with the given credentials (uid, gid and a
 * single supplementary group); return the child's exit status, or -1. The
 * function's return value is its exit status: use it to return an errno.
 */
static inline int as_user(uid_t uid, gid_t gid, gid_t group,
			  int (*fn)(void *), void *arg)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (setgroups(1, &group) || setresgid(gid, gid, gid) ||
		    setresuid(uid, uid, uid))
			_exit(255);
		_exit(fn(arg) & 0xff);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

/*
 * --- The robustness programs (msocket_fuzz_*, msocket_storm, msocket_failnth,
 * msocket_perm): common options, a reproducible PRNG, and probes for leaks.
 */
#ifndef MSK_UID_A
#define MSK_UID_A	1001	/* an unprivileged owner */
#define MSK_UID_B	1002	/* a member of MSK_GID_S */
#define MSK_UID_C	1003	/* anybody else */
#define MSK_GID_S	2001	/* the group of a stack */
#define MSK_GID_X	2002	/* another group */
#endif

struct msk_opts {
	unsigned long long seed;	/* -s: PRNG seed (printed for replay) */
	long count;			/* -n: calls, mounts, rounds... */
	double seconds;			/* -t: time bound, 0 = none */
	int jobs;			/* -j: worker processes */
	int verbose;			/* -v */
};

static inline void msk_usage(const char *prog, const char *what)
{
	fprintf(stderr,
		"usage: %s [-s SEED] [-n COUNT] [-t SECONDS] [-j JOBS] [-v]\n"
		"  %s\n", prog, what);
}

/* Parse the options; fields keep the caller's defaults unless given. */
static inline void msk_parse_opts(int argc, char **argv, struct msk_opts *o,
				  const char *what)
{
	int c;

	o->seed = ((unsigned long long)time(NULL) << 20) ^ getpid();
	while ((c = getopt(argc, argv, "s:n:t:j:vh")) != -1) {
		switch (c) {
		case 's':
			o->seed = strtoull(optarg, NULL, 0);
			break;
		case 'n':
			o->count = strtol(optarg, NULL, 0);
			break;
		case 't':
			o->seconds = strtod(optarg, NULL);
			break;
		case 'j':
			o->jobs = atoi(optarg);
			break;
		case 'v':
			o->verbose++;
			break;
		default:
			msk_usage(argv[0], what);
			exit(c == 'h' ? 0 : KSFT_FAIL);
		}
	}
	if (o->jobs < 1)
		o->jobs = 1;
}

/*
 * Skip the whole program with one skipped test (a plan of 0 would read as
 * "no results" to the VM runner).
 */
static inline __noreturn void msk_skip_all(const char *why)
{
	ksft_set_plan(1);
	ksft_test_result_skip("%s\n", why);
	ksft_finished();
}

/* Skip unless root, with /dev/msocket (msocket.ko loaded). */
static inline void msk_require_msocket(void)
{
	if (geteuid())
		msk_skip_all("must run as root");
	if (access(MSOCKET_DEVICE, F_OK))
		msk_skip_all(MSOCKET_DEVICE " missing: is msocket.ko loaded?");
}

/*
 * The start of a robustness program: the TAP header and the seed with the
 * usual replay line (-s, -n), then skip unless root with msocket.ko loaded.
 */
static inline void msk_begin(const char *argv0, const struct msk_opts *o)
{
	ksft_print_header();
	ksft_print_msg("seed %llu (replay: %s -s %llu -n %ld)\n", o->seed, argv0, o->seed,
		       o->count);
	msk_require_msocket();
}

/*
 * A private mount namespace (so that the test's mounts go with it) and a
 * tmpfs scratch directory /tmp/msk-TAG-PID in it, named into @dir.
 */
static inline void msk_scratch(char *dir, size_t size, const char *tag)
{
	if (unshare(CLONE_NEWNS) || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		ksft_exit_fail_msg("private mount namespace: %s\n", strerror(errno));
	snprintf(dir, size, "/tmp/msk-%s-%d", tag, getpid());
	if (mkdir(dir, 0755) || mount("tmpfs", dir, "tmpfs", 0, "mode=0755"))
		ksft_exit_fail_msg("scratch directory %s: %s\n", dir, strerror(errno));
}

/*
 * Things that are not stacks, for paths to name: DIR/file (regular, empty),
 * DIR/subdir and DIR/fifo. 0, or -1 if the file cannot be made.
 */
static inline int msk_make_plain_files(const char *dir)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/file", dir);
	fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	close(fd);
	snprintf(path, sizeof(path), "%s/subdir", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/fifo", dir);
	mkfifo(path, 0644);
	return 0;
}

/* ip netns add NAME, or fail the program. */
static inline void msk_netns_add(const char *name)
{
	if (run("ip netns add %s", name))
		ksft_exit_fail_msg("ip netns add %s failed\n", name);
}

/* splitmix64: small, fast, and the same sequence for the same seed. */
static inline uint64_t msk_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* A number in [0, n). */
static inline uint32_t msk_below(uint64_t *state, uint32_t n)
{
	return n ? (uint32_t)(msk_rand(state) % n) : 0;
}

/* True with probability pct/100. */
static inline int msk_chance(uint64_t *state, unsigned int pct)
{
	return msk_below(state, 100) < pct;
}

static inline double msk_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static inline const char *msk_errname(int err)
{
	static char buf[16];

	switch (err) {
	case 0: return "0";
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case ESRCH: return "ESRCH";
	case EINTR: return "EINTR";
	case ENXIO: return "ENXIO";
	case EBADF: return "EBADF";
	case EAGAIN: return "EAGAIN";
	case ENOMEM: return "ENOMEM";
	case EACCES: return "EACCES";
	case EFAULT: return "EFAULT";
	case EBUSY: return "EBUSY";
	case EEXIST: return "EEXIST";
	case EXDEV: return "EXDEV";
	case ENODEV: return "ENODEV";
	case ENOTDIR: return "ENOTDIR";
	case EISDIR: return "EISDIR";
	case EINVAL: return "EINVAL";
	case ENFILE: return "ENFILE";
	case EMFILE: return "EMFILE";
	case ENOTTY: return "ENOTTY";
	case ENOSPC: return "ENOSPC";
	case EROFS: return "EROFS";
	case ENAMETOOLONG: return "ENAMETOOLONG";
	case ELOOP: return "ELOOP";
	case EPROTOTYPE: return "EPROTOTYPE";
	case EPROTONOSUPPORT: return "EPROTONOSUPPORT";
	case ESOCKTNOSUPPORT: return "ESOCKTNOSUPPORT";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case EAFNOSUPPORT: return "EAFNOSUPPORT";
	case ENOBUFS: return "ENOBUFS";
	case ESTALE: return "ESTALE";
	case ENOKEY: return "ENOKEY";
	}
	snprintf(buf, sizeof(buf), "E%d", err);
	return buf;
}

/* Open file descriptors of this process. */
static inline int msk_count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;	/* the directory's own fd */
}

/* msockfs mounts in this mount namespace. */
static inline int msk_count_stack_mounts(void)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096];
	int n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strstr(line, " - msockfs "))
			n++;
	fclose(f);
	return n;
}

static inline int msk_write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -1;
}

/* /sys/module/msocket/refcnt, or -1 when the module is not loaded. */
static inline int msk_module_refcnt(void)
{
	char buf[32];

	if (read_small_file("/sys/module/msocket/refcnt", buf, sizeof(buf)) < 0)
		return -1;
	return atoi(buf);
}

static inline int msk_delete_module(const char *name, unsigned int flags)
{
	return syscall(__NR_delete_module, name, flags);
}

/* Load a module file; 0, or -1 with errno. EEXIST: already loaded. */
static inline int msk_finit_module(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), ret, err;

	if (fd < 0)
		return -1;
	ret = syscall(__NR_finit_module, fd, "", 0);
	err = errno;
	close(fd);
	errno = err;
	return ret;
}

/*
 * Live network namespaces, as objects of the net_namespace slab cache (the
 * initial one is static and not counted). The cache is shrunk first, so that
 * objects freed but kept in per-CPU caches are not counted. -1: unknown.
 */
static inline long msk_netns_objects(void)
{
	FILE *f;
	char line[512], name[64];
	long active, n = -1;

	msk_write_str("/sys/kernel/slab/net_namespace/shrink", "1");
	f = fopen("/proc/slabinfo", "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %ld", name, &active) == 2 &&
		    !strcmp(name, "net_namespace"))
			n = active;
	fclose(f);
	return n;
}

/* Wait (up to timeout seconds) until at most target namespaces are live. */
static inline long msk_wait_netns_objects(long target, double timeout)
{
	double end = msk_now() + timeout;
	long n;

	for (;;) {
		n = msk_netns_objects();
		if (n <= target || msk_now() > end)
			return n;
		usleep(200000);
	}
}

/*
 * The count once it stops falling (frees of earlier tests may be pending).
 * A network namespace is made and dropped first: the cache keeps one object
 * counted as in use once it has ever been used, with or without msocket.
 */
static inline long msk_settled_netns_objects(double timeout)
{
	double end = msk_now() + timeout;
	long n, prev;
	int same = 0;
	pid_t pid = fork();

	if (pid == 0)
		_exit(unshare(CLONE_NEWNET) ? 1 : 0);
	if (pid > 0)
		waitpid(pid, NULL, 0);
	n = msk_netns_objects();

	while (n > 0 && same < 6 && msk_now() < end) {
		usleep(500000);
		prev = n;
		n = msk_netns_objects();
		same = n == prev ? same + 1 : 0;
	}
	return n;
}

#define MSK_KMEMLEAK	"/sys/kernel/debug/kmemleak"

/* Mount debugfs if needed; true if kmemleak can be used. */
static inline int msk_kmemleak_available(void)
{
	if (access(MSK_KMEMLEAK, F_OK))
		mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
	return access(MSK_KMEMLEAK, W_OK) == 0;
}

/* Forget the suspects reported so far (a baseline); false if unavailable. */
static inline int msk_kmemleak_clear(void)
{
	if (!msk_kmemleak_available())
		return 0;
	msk_write_str(MSK_KMEMLEAK, "scan");
	return msk_write_str(MSK_KMEMLEAK, "clear") == 0;
}

/*
 * Scan now and print every suspect as a "# " line. Returns the number of
 * suspects, and in *ours those attributable to msocket: allocated by one of
 * the test programs or ip(8), or with msock in the backtrace. -1: no kmemleak.
 */
static inline int msk_kmemleak_scan(int *ours)
{
	char line[512], block[4096] = "";
	int n = 0, mine = 0, in_block = 0, hit = 0;
	FILE *f;

	*ours = 0;
	if (!msk_kmemleak_available())
		return -1;
	/* objects younger than 5 s are not reported: let ours age first */
	sleep(6);
	if (msk_write_str(MSK_KMEMLEAK, "scan"))
		return -1;
	f = fopen(MSK_KMEMLEAK, "re");
	if (!f)
		return -1;
	for (;;) {
		int eof = !fgets(line, sizeof(line), f);

		if (eof || !strncmp(line, "unreferenced object", 19)) {
			if (in_block) {
				mine += hit;
				printf("# kmemleak suspect%s:\n%s", hit ? " (msocket)" : "", block);
			}
			if (eof)
				break;
			n++;
			in_block = 1;
			hit = 0;
			block[0] = '\0';
		}
		if (!in_block)
			continue;
		if (strstr(line, "msock") || strstr(line, "comm \"ip\"") ||
		    strstr(line, "comm \"msocket_"))
			hit = 1;
		if (strlen(block) + strlen(line) + 4 < sizeof(block)) {
			strcat(block, "#  ");
			strcat(block, line);
		}
	}
	fclose(f);
	*ours = mine;
	return n;
}

/*
 * The last test of a robustness program: no kmemleak suspect attributable
 * to msocket (skipped when @available, from msk_kmemleak_clear(), is 0).
 */
static inline void msk_kmemleak_result(int available)
{
	int leaks, ours;

	if (!available) {
		ksft_test_result_skip("kmemleak: not available in this kernel\n");
		return;
	}
	leaks = msk_kmemleak_scan(&ours);
	ksft_test_result(ours == 0, "kmemleak: %d new suspects, %d attributable to msocket\n",
			 leaks, ours);
}

/* Leave every supplementary group and become uid/gid (and groups[]). */
static inline int msk_become(uid_t uid, gid_t gid, int ngroups, const gid_t *groups)
{
	if (setgroups(ngroups, groups) || setresgid(gid, gid, gid) ||
	    setresuid(uid, uid, uid))
		return -1;
	return 0;
}

/*
 * Enter new namespaces (CLONE_NEWUSER and others in flags) as root of the
 * new user namespace, mapped to the caller's (unprivileged) uid and gid.
 */
static inline int msk_userns_root(int flags)
{
	char buf[64];
	uid_t uid = geteuid();
	gid_t gid = getegid();

	/* setresuid() cleared "dumpable": /proc/self would belong to root */
	if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0))
		return -1;
	if (unshare(CLONE_NEWUSER | flags))
		return -1;
	if (msk_write_str("/proc/self/setgroups", "deny"))
		return -1;
	snprintf(buf, sizeof(buf), "0 %u 1", uid);
	if (msk_write_str("/proc/self/uid_map", buf))
		return -1;
	snprintf(buf, sizeof(buf), "0 %u 1", gid);
	if (msk_write_str("/proc/self/gid_map", buf))
		return -1;
	return 0;
}

/* Pass an fd over an AF_UNIX socket (SCM_RIGHTS), with one byte of data. */
static inline int send_fd_flags(int sock, int fd, int flags)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = {};
	char ch = 'x';
	struct iovec iov = { &ch, 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &msg, flags) == 1 ? 0 : -1;
}

static inline int send_fd(int sock, int fd)
{
	return send_fd_flags(sock, fd, 0);
}

/* Receive an fd sent by send_fd() (close-on-exec), or -1. */
static inline int recv_fd(int sock)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = {};
	char ch;
	struct iovec iov = { &ch, 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm;
	int fd;

	if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) != 1)
		return -1;
	cm = CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

/*
 * Fork a child that runs enter(arg) (e.g. moves into a namespace) and then
 * waits, parked, until killed; return its pid once it has entered, or -1.
 */
static inline pid_t park_child(int (*enter)(void *arg), void *arg)
{
	int p[2];
	pid_t pid;
	char c;

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid == 0) {
		if (enter(arg) || write(p[1], "x", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(p[1]);
	if (read(p[0], &c, 1) != 1)
		pid = -1;
	close(p[0]);
	return pid;
}

static inline int enter_new_netns(void *arg)
{
	return unshare(CLONE_NEWNET);
}

/* A child parked in a new network namespace of its own. */
static inline pid_t park(void)
{
	return park_child(enter_new_netns, NULL);
}

#endif /* _MSOCKET_HELPERS_H */
