// SPDX-License-Identifier: GPL-2.0
/*
 * msocket_failnth: systematic fault injection with /proc/thread-self/fail-nth
 * (Documentation/fault-injection/fault-injection.rst) in every way of
 * mounting a stack, in families= and in the msocket entries, stack handles
 * included.
 *
 *   msocket_failnth [-s SEED] [-n MAX_FAULTS_PER_CASE] [-t SECONDS] [-v]
 *
 * For each case, the n-th allocation of the call (slab or page, any gfp) is
 * made to fail, for n = 1, 2, ... until the call succeeds without the fault
 * being reached. Each failure must be a clean errno (ENOMEM and the like,
 * or the errno the call gives anyway), must leave no fd and no mount behind,
 * and must not disturb the next call; a call that succeeds (the fault was
 * absorbed) must have done the right thing. At the end kmemleak must find
 * nothing attributable to msocket. The seed shuffles the order of the cases.
 *
 * Needs CONFIG_FAULT_INJECTION, CONFIG_FAILSLAB and CONFIG_FAIL_PAGE_ALLOC
 * with debugfs (failslab/ignore-gfp-wait is turned off for the run and
 * restored), as the debug kernel of tools/kernel/debug.config has.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/socket.h>
#include <sys/statfs.h>

#include "msocket_helpers.h"

#ifndef FSPICK_CLOEXEC
#define FSPICK_CLOEXEC		0x1
#endif
#ifndef ANON_INODE_FS_MAGIC
#define ANON_INODE_FS_MAGIC	0x09041934
#endif

struct fcase;
typedef long (*op_fn)(const struct fcase *c);
typedef int (*undo_fn)(const struct fcase *c, long ret);

struct fcase {
	const char *name;
	op_fn op;
	undo_fn undo;		/* check and undo a success; 0 if it was right */
	int want;		/* errno without faults; 0: success */
	const char *source;	/* mounts */
	const char *options;
	unsigned long *ino;	/* the netns the mount must bind */
	const char *shows;	/* the options file afterwards, if not NULL */
	int domain, type, protocol;	/* sockets */
	int *fd;		/* sockets: the stack fd or handle used */
};

struct outcome {
	long attempts, injected, absorbed, failures[135];
	long dirty, wrong, leaks, n_last;
	int converged;
};

static struct msk_opts opts = { .count = 3000 };
static char dir[128], target[160], stack[160], rstack[160], fstack[160], ns_x[64];
static char src_buf[8][200];
static unsigned long ino_x, ino_p, ino_self;
static pid_t parked;
static int stack_fd, dev_fd, nth_fd, handle_fd, fstack_fd;
static char saved_modprobe[256];
static const char *const debugfs_knobs[] = {
	"/sys/kernel/debug/failslab/ignore-gfp-wait",
	"/sys/kernel/debug/fail_page_alloc/ignore-gfp-wait",
	"/sys/kernel/debug/failslab/verbose",
	"/sys/kernel/debug/fail_page_alloc/verbose",
};
static const char *const debugfs_values[] = { "N", "N", "0", "0" };
static char saved_knobs[4][32];

static void restore(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(debugfs_knobs); i++)
		if (saved_knobs[i][0])
			msk_write_str(debugfs_knobs[i], saved_knobs[i]);
	if (saved_modprobe[0])
		msk_write_str("/proc/sys/kernel/modprobe", saved_modprobe);
}

static void on_signal(int sig)
{
	restore();
	signal(sig, SIG_DFL);
	raise(sig);
}

static int clean_errno(int err)
{
	return err == ENOMEM || err == ENOBUFS || err == ENFILE || err == EMFILE ||
	       err == ENOSPC || err == EAGAIN;
}

static unsigned long netns_of(int dfd, const char *path)
{
	char buf[64];
	unsigned long ino = 0;
	int fd = openat(dfd, path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	if (sscanf(buf, "net:[%lu]", &ino) != 1)
		return 0;
	return ino;
}

/* ---- mounts ---- */

static long op_mount(const struct fcase *c)
{
	return mount(c->source, target, "msockfs", 0, c->options);
}

static int undo_mount(const struct fcase *c, long ret)
{
	unsigned long want = c->ino ? *c->ino : ino_self, got;
	char path[200];

	char buf[200];
	int shows_ok = 1;

	snprintf(path, sizeof(path), "%s/netns", target);
	got = netns_of(AT_FDCWD, path);
	if (c->shows) {
		snprintf(path, sizeof(path), "%s/options", target);
		shows_ok = read_small_file(path, buf, sizeof(buf)) > 0 && !strcmp(buf, c->shows);
		if (!shows_ok)
			ksft_print_msg("%s: options \"%s\", want \"%s\"\n", c->name, buf, c->shows);
	}
	umount2(target, MNT_DETACH);
	if (got != want)
		ksft_print_msg("%s: mounted netns %lu, want %lu\n", c->name, got, want);
	return got == want && shows_ok ? 0 : -1;
}

/* fsopen, the netns as an nsfs fd, create, fsmount, move_mount: all in the window. */
static long op_fsopen_fd(const struct fcase *c)
{
	int fs, mnt = -1, err = 0, nsfd;

	nsfd = open(src_buf[1], O_RDONLY | O_CLOEXEC);
	if (nsfd < 0)
		return -1;
	fs = sys_fsopen("msockfs", FSOPEN_CLOEXEC);
	if (fs < 0)
		err = errno;
	if (!err && sys_fsconfig(fs, FSCONFIG_SET_FD, "netns", NULL, nsfd))
		err = errno;
	if (!err && sys_fsconfig(fs, FSCONFIG_SET_STRING, "mode", "0700", 0))
		err = errno;
	if (!err && sys_fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0))
		err = errno;
	if (!err) {
		mnt = sys_fsmount(fs, FSMOUNT_CLOEXEC, 0);
		if (mnt < 0)
			err = errno;
	}
	if (!err && sys_move_mount(mnt, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH))
		err = errno;
	if (mnt >= 0)
		close(mnt);
	if (fs >= 0)
		close(fs);
	close(nsfd);
	errno = err;
	return err ? -1 : 0;
}

/*
 * fsopen with a netns name (and families=, separated by commas as only
 * fsconfig can pass them), a detached mount (checked through its fd).
 */
static long op_fsopen_detached(const struct fcase *c)
{
	int fs, mnt = -1, err = 0;

	fs = sys_fsopen("msockfs", FSOPEN_CLOEXEC);
	if (fs < 0)
		return -1;
	if (sys_fsconfig(fs, FSCONFIG_SET_STRING, "netns", ns_x, 0) ||
	    (c->options && sys_fsconfig(fs, FSCONFIG_SET_STRING, "families", c->options, 0)) ||
	    sys_fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0))
		err = errno;
	if (!err) {
		mnt = sys_fsmount(fs, FSMOUNT_CLOEXEC, 0);
		if (mnt < 0)
			err = errno;
	}
	close(fs);
	errno = err;
	return err ? -1 : mnt;
}

static int undo_detached(const struct fcase *c, long ret)
{
	unsigned long ino = netns_of(ret, "netns");
	char buf[200] = "";
	int shows_ok = !c->shows ||
		       (read_small_file_at(ret, "options", buf, sizeof(buf)) > 0 &&
			!strcmp(buf, c->shows));

	if (!shows_ok)
		ksft_print_msg("%s: options \"%s\", want \"%s\"\n", c->name, buf, c->shows);
	close(ret);
	return ino == ino_x && shows_ok ? 0 : -1;
}

static int undo_nothing(const struct fcase *c, long ret)
{
	return ret == 0 ? 0 : -1;
}

static long op_remount(const struct fcase *c)
{
	return mount(NULL, rstack, NULL, MS_REMOUNT, c->options);
}

static int undo_remount(const struct fcase *c, long ret)
{
	struct stat st;
	int ok = !stat(rstack, &st) && (st.st_mode & 07777) == 0700;

	mount(NULL, rstack, NULL, MS_REMOUNT, "mode=0777");
	return ok ? 0 : -1;
}

static long op_fspick(const struct fcase *c)
{
	int fs = syscall(__NR_fspick, AT_FDCWD, rstack, FSPICK_CLOEXEC), err = 0;

	if (fs < 0)
		return -1;
	if (sys_fsconfig(fs, FSCONFIG_SET_STRING, "mode", "0700", 0) ||
	    sys_fsconfig(fs, FSCONFIG_SET_STRING, "netns", ns_x, 0) ||
	    sys_fsconfig(fs, FSCONFIG_CMD_RECONFIGURE, NULL, NULL, 0))
		err = errno;
	close(fs);
	errno = err;
	return err ? -1 : 0;
}

/* fspick, families= (the value in c->options), reconfigure. */
static long op_fspick_families(const struct fcase *c)
{
	int fs = syscall(__NR_fspick, AT_FDCWD, rstack, FSPICK_CLOEXEC), err = 0;

	if (fs < 0)
		return -1;
	if (sys_fsconfig(fs, FSCONFIG_SET_STRING, "families", c->options, 0) ||
	    sys_fsconfig(fs, FSCONFIG_CMD_RECONFIGURE, NULL, NULL, 0))
		err = errno;
	close(fs);
	errno = err;
	return err ? -1 : 0;
}

/* A reconfiguration of families= shows in the options file; undone. */
static int undo_families(const struct fcase *c, long ret)
{
	char path[200], buf[200] = "";
	int ok;

	snprintf(path, sizeof(path), "%s/options", rstack);
	ok = read_small_file(path, buf, sizeof(buf)) > 0 && !strcmp(buf, c->shows);
	if (!ok)
		ksft_print_msg("%s: options \"%s\", want \"%s\"\n", c->name, buf, c->shows);
	mount(NULL, rstack, NULL, MS_REMOUNT, "families=all");
	return ok ? 0 : -1;
}

/* ---- the msocket entries ---- */

/* MSOCK_IOC_SOCKET on the stack directory, stack handle or stack c->fd names. */
static long op_stack_socket(const struct fcase *c)
{
	struct msock_socket_args a = {
		.domain = c->domain, .type = c->type, .protocol = c->protocol,
	};

	return ioctl(c->fd ? *c->fd : stack_fd, MSOCK_IOC_SOCKET, &a);
}

static long op_open_socket(const struct fcase *c)
{
	struct msock_socket_args a = {
		.domain = c->domain, .type = c->type, .protocol = c->protocol,
	};
	int fd = open(stack, O_RDONLY | O_DIRECTORY | O_CLOEXEC), s, err;

	if (fd < 0)
		return -1;
	s = ioctl(fd, MSOCK_IOC_SOCKET, &a);
	err = errno;
	close(fd);
	errno = err;
	return s;
}

static long op_path_socket(const struct fcase *c)
{
	struct msock_path_socket_args a = {
		.path = (uintptr_t)(c->source ? c->source : stack),
		.dirfd = AT_FDCWD, .domain = c->domain, .type = c->type,
		.protocol = c->protocol,
	};

	return ioctl(dev_fd, MSOCK_IOC_PATH_SOCKET, &a);
}

static int undo_socket(const struct fcase *c, long ret)
{
	unsigned long long cookie = 0, want = 0;
	struct msock_stack_info info;
	socklen_t len = sizeof(cookie);
	int dom = -1;
	socklen_t dlen = sizeof(dom);

	if (!ioctl(stack_fd, MSOCK_IOC_STACK_INFO, &info))
		want = info.netns_cookie;
	getsockopt(ret, SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &len);
	getsockopt(ret, SOL_SOCKET, SO_DOMAIN, &dom, &dlen);
	close(ret);
	return cookie == want && dom == c->domain ? 0 : -1;
}

/* A stack handle: a close-on-exec anonymous inode that makes sockets in ns_x. */
static int undo_handle(const struct fcase *c, long ret)
{
	struct msock_socket_args a = { .domain = AF_INET, .type = SOCK_DGRAM | SOCK_CLOEXEC };
	unsigned long long cookie = 0;
	socklen_t len = sizeof(cookie);
	struct msock_stack_info info;
	struct statfs sfs;
	int ok, s;

	ok = !fstatfs(ret, &sfs) && sfs.f_type == ANON_INODE_FS_MAGIC &&
	     (fcntl(ret, F_GETFD) & FD_CLOEXEC) && !ioctl(stack_fd, MSOCK_IOC_STACK_INFO, &info);
	s = ioctl(ret, MSOCK_IOC_SOCKET, &a);
	if (s < 0 || getsockopt(s, SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &len) ||
	    cookie != info.netns_cookie)
		ok = 0;
	if (s >= 0)
		close(s);
	close(ret);
	return ok ? 0 : -1;
}

static long op_get_handle(const struct fcase *c)
{
	return ioctl(stack_fd, MSOCK_IOC_GET_HANDLE, 0);
}

static long op_path_handle(const struct fcase *c)
{
	struct msock_path_handle_args a = {
		.path = (uintptr_t)(c->source ? c->source : stack), .dirfd = AT_FDCWD,
	};

	return ioctl(dev_fd, MSOCK_IOC_PATH_HANDLE, &a);
}

/* open, MSOCK_IOC_GET_HANDLE, close, a socket through the handle: all in the window. */
static long op_open_handle_socket(const struct fcase *c)
{
	struct msock_socket_args a = {
		.domain = c->domain, .type = c->type, .protocol = c->protocol,
	};
	int fd = open(stack, O_RDONLY | O_DIRECTORY | O_CLOEXEC), h, s, err;

	if (fd < 0)
		return -1;
	h = ioctl(fd, MSOCK_IOC_GET_HANDLE, 0);
	err = errno;
	close(fd);
	if (h < 0) {
		errno = err;
		return -1;
	}
	s = ioctl(h, MSOCK_IOC_SOCKET, &a);
	err = errno;
	close(h);
	errno = err;
	return s;
}

static long op_get_netns(const struct fcase *c)
{
	return ioctl(stack_fd, MSOCK_IOC_GET_NETNS);
}

static int undo_nsfd(const struct fcase *c, long ret)
{
	struct stat st;
	int ok = !fstat(ret, &st) && st.st_ino == ino_x;

	close(ret);
	return ok ? 0 : -1;
}

static long op_stack_info(const struct fcase *c)
{
	struct msock_stack_info info;
	long ret = ioctl(stack_fd, MSOCK_IOC_STACK_INFO, &info);

	if (ret == 0 && info.netns_ino != ino_x)
		return -2;
	return ret;
}

#define MOUNT_CASE(n, s, o, i) \
	{ .name = n, .op = op_mount, .undo = undo_mount, .source = s, .options = o, .ino = i }
#define SOCKET_CASE(n, f, w, d, t, p) \
	{ .name = n, .op = f, .undo = undo_socket, .want = w, .domain = d, .type = t, \
	  .protocol = p }

static struct fcase cases[] = {
	MOUNT_CASE("mount netns=NAME", src_buf[0], NULL, &ino_x),
	MOUNT_CASE("mount netns=/PATH (ip netns file)", src_buf[2], NULL, &ino_x),
	MOUNT_CASE("mount netns=/proc/PID/ns/net", src_buf[3], NULL, &ino_p),
	MOUNT_CASE("mount current", "current", NULL, NULL),
	MOUNT_CASE("mount none", "none", "mode=0700", NULL),
	MOUNT_CASE("mount with no source", NULL, NULL, NULL),
	MOUNT_CASE("mount -o netns=NAME,uid,gid,mode", "none", src_buf[5], &ino_x),
	MOUNT_CASE("mount -o current", NULL, "current,mode=0711", NULL),
	{ .name = "mount -o families=inet:inet6:unix", .op = op_mount, .undo = undo_mount,
	  .source = src_buf[0], .options = "families=inet:inet6:unix,mode=0700", .ino = &ino_x,
	  .shows = "uid=0,gid=0,mode=0700,families=unix:inet:inet6\n" },
	{ .name = "fsopen + SET_FD nsfs + fsmount + move_mount", .op = op_fsopen_fd,
	  .undo = undo_mount, .ino = &ino_x },
	{ .name = "fsopen + SET_STRING netns + fsmount (detached)", .op = op_fsopen_detached,
	  .undo = undo_detached },
	{ .name = "fsopen + netns + families=unix,17 + fsmount (detached)",
	  .op = op_fsopen_detached, .undo = undo_detached, .options = "unix,17",
	  .shows = "uid=0,gid=0,mode=0755,families=unix:packet\n" },
	{ .name = "remount -o mode", .op = op_remount, .undo = undo_remount,
	  .options = "mode=0700" },
	{ .name = "fspick + reconfigure mode, same netns", .op = op_fspick, .undo = undo_remount },
	{ .name = "remount -o families=inet6:16", .op = op_remount, .undo = undo_families,
	  .options = "families=inet6:16",
	  .shows = "uid=0,gid=0,mode=0777,families=inet6:netlink\n" },
	{ .name = "fspick + families=inet,inet6 + reconfigure", .op = op_fspick_families,
	  .undo = undo_families, .options = "inet,inet6",
	  .shows = "uid=0,gid=0,mode=0777,families=inet:inet6\n" },
	SOCKET_CASE("MSOCK_IOC_SOCKET inet stream", op_stack_socket, 0,
		    AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0),
	SOCKET_CASE("MSOCK_IOC_SOCKET inet6 dgram", op_stack_socket, 0,
		    AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0),
	SOCKET_CASE("MSOCK_IOC_SOCKET unix stream", op_stack_socket, 0, AF_UNIX, SOCK_STREAM, 0),
	SOCKET_CASE("MSOCK_IOC_SOCKET netlink route", op_stack_socket, 0,
		    AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, 0),
	SOCKET_CASE("MSOCK_IOC_SOCKET packet raw", op_stack_socket, 0,
		    AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0x0300),
	SOCKET_CASE("open + MSOCK_IOC_SOCKET inet dgram", op_open_socket, 0,
		    AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0),
	SOCKET_CASE("MSOCK_IOC_PATH_SOCKET inet stream", op_path_socket, 0,
		    AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0),
	{ .name = "MSOCK_IOC_PATH_SOCKET inet6 stream via a symlink", .op = op_path_socket,
	  .undo = undo_socket, .source = src_buf[7], .domain = AF_INET6, .type = SOCK_STREAM },
	{ .name = "MSOCK_IOC_GET_HANDLE", .op = op_get_handle, .undo = undo_handle },
	{ .name = "MSOCK_IOC_PATH_HANDLE", .op = op_path_handle, .undo = undo_handle },
	{ .name = "MSOCK_IOC_PATH_HANDLE via a symlink", .op = op_path_handle,
	  .undo = undo_handle, .source = src_buf[7] },
	{ .name = "open + MSOCK_IOC_GET_HANDLE + a socket through it", .op = op_open_handle_socket,
	  .undo = undo_socket, .domain = AF_INET6, .type = SOCK_STREAM | SOCK_CLOEXEC },
	{ .name = "MSOCK_IOC_SOCKET on a stack handle, inet stream", .op = op_stack_socket,
	  .undo = undo_socket, .domain = AF_INET, .type = SOCK_STREAM | SOCK_CLOEXEC,
	  .fd = &handle_fd },
	{ .name = "MSOCK_IOC_SOCKET on a stack handle, unix dgram", .op = op_stack_socket,
	  .undo = undo_socket, .domain = AF_UNIX, .type = SOCK_DGRAM, .fd = &handle_fd },
	{ .name = "MSOCK_IOC_SOCKET on a stack handle, bad type (EINVAL)", .op = op_stack_socket,
	  .undo = undo_socket, .want = EINVAL, .domain = AF_INET, .type = -1,
	  .fd = &handle_fd },
	{ .name = "MSOCK_IOC_SOCKET on families=inet6, inet6 dgram", .op = op_stack_socket,
	  .undo = undo_socket, .domain = AF_INET6, .type = SOCK_DGRAM | SOCK_CLOEXEC,
	  .fd = &fstack_fd },
	{ .name = "MSOCK_IOC_SOCKET on families=inet6, inet (EAFNOSUPPORT)", .op = op_stack_socket,
	  .undo = undo_socket, .want = EAFNOSUPPORT, .domain = AF_INET, .type = SOCK_STREAM,
	  .fd = &fstack_fd },
	{ .name = "MSOCK_IOC_GET_NETNS", .op = op_get_netns, .undo = undo_nsfd },
	{ .name = "MSOCK_IOC_STACK_INFO", .op = op_stack_info, .undo = undo_nothing },
	SOCKET_CASE("MSOCK_IOC_SOCKET unknown family, bad type (EAFNOSUPPORT)", op_stack_socket,
		    EAFNOSUPPORT, 40, -1, 0),
	SOCKET_CASE("MSOCK_IOC_SOCKET inet, bad type (EINVAL)", op_stack_socket, EINVAL,
		    AF_INET, -1, 0),
	SOCKET_CASE("MSOCK_IOC_PATH_SOCKET unknown family, bad type (EAFNOSUPPORT)",
		    op_path_socket, EAFNOSUPPORT, 41, 99, 0),
};

static int set_nth(long n)
{
	char buf[32];
	int len = snprintf(buf, sizeof(buf), "%ld", n);

	return pwrite(nth_fd, buf, len, 0) == len ? 0 : -1;
}

/* fail-nth after the call: 0 if the fault was injected. */
static long get_nth(void)
{
	char buf[32] = "";
	long left;

	if (pread(nth_fd, buf, sizeof(buf) - 1, 0) <= 0)
		return -1;
	left = atol(buf);
	set_nth(0);
	return left;
}

static void run_case(const struct fcase *c, struct outcome *o)
{
	long n, ret, left;
	int err, fds, mounts;

	for (n = 1; n <= opts.count; n++) {
		fds = msk_count_fds();
		mounts = msk_count_stack_mounts();
		if (set_nth(n))
			ksft_exit_fail_msg("writing fail-nth: %s\n", strerror(errno));
		errno = 0;
		ret = c->op(c);
		err = errno;
		left = get_nth();
		o->attempts++;
		o->n_last = n;
		if (!left)
			o->injected++;
		if (ret == -2) {	/* succeeded, but wrongly */
			o->wrong++;
			ksft_print_msg("%s: wrong result with fault %ld\n", c->name, n);
		} else if (ret >= 0 && !c->want) {
			if (c->undo(c, ret)) {
				o->wrong++;
				ksft_print_msg("%s: wrong result with fault %ld\n", c->name, n);
			}
			if (left) {
				o->converged = 1;
				break;
			}
			o->absorbed++;
		} else if (ret >= 0) {
			o->wrong++;
			ksft_print_msg("%s: succeeded with fault %ld, want %s\n", c->name, n,
				       msk_errname(c->want));
			if (c->op != op_stack_info)
				close(ret);
		} else {
			o->failures[err < 135 ? err : 0]++;
			if (err == c->want && left) {
				o->converged = 1;
				break;
			}
			if (!clean_errno(err) && err != c->want) {
				o->dirty++;
				ksft_print_msg("%s: fault %ld gave %s\n", c->name, n, msk_errname(err));
			} else if (left) {
				o->dirty++;
				ksft_print_msg("%s: failed with %s and no fault injected (n %ld)\n",
					       c->name, msk_errname(err), n);
			}
		}
		if (msk_count_fds() != fds || msk_count_stack_mounts() != mounts) {
			o->leaks++;
			ksft_print_msg("%s: fault %ld left %d fds and %d mounts (before: %d, %d)\n",
				       c->name, n, msk_count_fds(), msk_count_stack_mounts(), fds,
				       mounts);
			while (msk_count_stack_mounts() > mounts && !umount2(target, MNT_DETACH))
				;
		}
	}
}

static void setup(void)
{
	char path[200];
	unsigned int i;

	msk_scratch(dir, sizeof(dir), "failnth");
	snprintf(ns_x, sizeof(ns_x), "mskfn%d", getpid());
	msk_netns_add(ns_x);
	parked = park();
	if (parked < 0)
		ksft_exit_fail_msg("cannot park a process in a netns\n");
	snprintf(src_buf[0], sizeof(src_buf[0]), "netns=%s", ns_x);
	snprintf(src_buf[1], sizeof(src_buf[1]), "/var/run/netns/%s", ns_x);
	snprintf(src_buf[2], sizeof(src_buf[2]), "netns=/var/run/netns/%s", ns_x);
	snprintf(src_buf[3], sizeof(src_buf[3]), "netns=/proc/%d/ns/net", parked);
	snprintf(src_buf[5], sizeof(src_buf[5]), "netns=%s,uid=1001,gid=2001,mode=0770", ns_x);
	ino_x = ns_ino(src_buf[1]);
	snprintf(path, sizeof(path), "/proc/%d/ns/net", parked);
	ino_p = ns_ino(path);
	ino_self = ns_ino("/proc/self/ns/net");

	snprintf(target, sizeof(target), "%s/m", dir);
	snprintf(stack, sizeof(stack), "%s/s", dir);
	snprintf(rstack, sizeof(rstack), "%s/r", dir);
	snprintf(fstack, sizeof(fstack), "%s/f", dir);
	if (mkdir(target, 0755) || mkdir(stack, 0755) || mkdir(rstack, 0755) ||
	    mkdir(fstack, 0755) ||
	    mount(src_buf[0], stack, "msockfs", 0, "mode=0777") ||
	    mount(src_buf[0], rstack, "msockfs", 0, "mode=0777") ||
	    mount(src_buf[0], fstack, "msockfs", 0, "families=inet6"))
		ksft_exit_fail_msg("mounting the stacks: %s\n", strerror(errno));
	snprintf(src_buf[7], sizeof(src_buf[7]), "%s/link", dir);
	if (symlink(stack, src_buf[7]))
		ksft_exit_fail_msg("symlink: %s\n", strerror(errno));
	stack_fd = open(stack, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	fstack_fd = open(fstack, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	dev_fd = open(MSOCKET_DEVICE, O_RDONLY | O_CLOEXEC);
	handle_fd = msock_get_handle(stack_fd);
	if (stack_fd < 0 || fstack_fd < 0 || dev_fd < 0 || handle_fd < 0)
		ksft_exit_fail_msg("opening the stacks, a handle and %s: %s\n", MSOCKET_DEVICE,
				   strerror(errno));

	/* fail GFP_KERNEL allocations too, quietly; no module autoloading */
	for (i = 0; i < ARRAY_SIZE(debugfs_knobs); i++) {
		if (read_small_file(debugfs_knobs[i], saved_knobs[i], sizeof(saved_knobs[i])) < 0)
			ksft_exit_fail_msg("%s: %s\n", debugfs_knobs[i], strerror(errno));
		msk_write_str(debugfs_knobs[i], debugfs_values[i]);
	}
	if (read_small_file("/proc/sys/kernel/modprobe", saved_modprobe,
			    sizeof(saved_modprobe)) >= 0)
		msk_write_str("/proc/sys/kernel/modprobe", "\n");
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
}

int main(int argc, char **argv)
{
	static struct outcome out[ARRAY_SIZE(cases)];
	unsigned int order[ARRAY_SIZE(cases)], i, j;
	long total_attempts = 0, total_injected = 0;
	int kmemleak, refcnt;
	double start;
	uint64_t rng;

	msk_parse_opts(argc, argv, &opts,
		       "fail-nth fault injection in mounts and the msocket entries; -n max faults per case (default 3000)");
	msk_begin(argv[0], &opts);
	nth_fd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	if (nth_fd < 0)
		msk_skip_all("no /proc/thread-self/fail-nth (CONFIG_FAULT_INJECTION)");
	if (!msk_kmemleak_available() && access(debugfs_knobs[0], W_OK))
		msk_skip_all("no debugfs failslab knobs (CONFIG_FAILSLAB, DEBUG_FS)");
	ksft_set_plan(ARRAY_SIZE(cases) + 2);
	kmemleak = msk_kmemleak_clear();
	setup();

	rng = opts.seed;
	for (i = 0; i < ARRAY_SIZE(cases); i++)
		order[i] = i;
	for (i = ARRAY_SIZE(cases) - 1; i > 0; i--) {
		unsigned int t;

		j = msk_below(&rng, i + 1);
		t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
	start = msk_now();
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct fcase *c = &cases[order[i]];
		struct outcome *o = &out[order[i]];
		char errs[256] = "";
		size_t n = 0;
		int e;

		if (opts.seconds > 0 && msk_now() - start > opts.seconds) {
			ksft_test_result_skip("%s: out of time\n", c->name);
			continue;
		}
		run_case(c, o);
		total_attempts += o->attempts;
		total_injected += o->injected;
		for (e = 0; e < 135 && n < sizeof(errs) - 32; e++)
			if (o->failures[e])
				n += snprintf(errs + n, sizeof(errs) - n, " %s x%ld", msk_errname(e),
					      o->failures[e]);
		ksft_print_msg("%s: %ld calls, %ld faults injected (%ld absorbed), errors:%s\n",
			       c->name, o->attempts, o->injected, o->absorbed, errs[0] ? errs : " none");
		ksft_test_result(o->converged && !o->dirty && !o->wrong && !o->leaks,
				 "%s: %s after %ld faults; %ld unclean errnos, %ld wrong results, %ld leaks\n",
				 c->name, o->converged ? "done" : "NOT done", o->n_last - 1, o->dirty,
				 o->wrong, o->leaks);
	}
	restore();
	close(handle_fd);
	close(stack_fd);
	close(fstack_fd);
	close(dev_fd);
	umount2(stack, MNT_DETACH);
	umount2(rstack, MNT_DETACH);
	umount2(fstack, MNT_DETACH);
	kill(parked, SIGKILL);
	waitpid(parked, NULL, 0);
	run("ip netns del %s", ns_x);
	umount2(dir, MNT_DETACH);
	rmdir(dir);
	refcnt = msk_module_refcnt();
	ksft_test_result(refcnt == 0, "no module reference left (refcnt %d)\n", refcnt);
	ksft_print_msg("%ld calls, %ld faults injected in %.1f s\n", total_attempts,
		       total_injected, msk_now() - start);
	msk_kmemleak_result(kmemleak);
	ksft_print_msg("seed %llu\n", opts.seed);
	ksft_finished();
}
