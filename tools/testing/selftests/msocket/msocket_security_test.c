// SPDX-License-Identifier: GPL-2.0
/*
 * msocket_security_test: the security model of Documentation/filesystems/
 * msockfs.rst ("Security model"), one test per rule: stack handles (the only
 * delegation), stack directories as names checked against the caller's own
 * credentials, revocation, families=, current reports of the root's
 * attributes, the owner's mapping, audit records and the rate limit of
 * echoed input.
 */
#define _GNU_SOURCE
#include <linux/audit.h>
#include <linux/bpf.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/statfs.h>
#include <sys/syscall.h>

#include "msocket_helpers.h"
#include "kselftest_harness.h"

FIXTURE(sec) {
	char dir[128];		/* private scratch directory (tmpfs) */
	char ns[64];		/* an ip netns, loopback up */
	char ns_path[192];	/* /var/run/netns/<ns> */
	char stack[256];	/* <dir>/s: mounted by each test */
};

FIXTURE_SETUP(sec)
{
	ASSERT_EQ(0, unshare(CLONE_NEWNS));
	ASSERT_EQ(0, mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL));
	snprintf(self->dir, sizeof(self->dir), "/tmp/msocket-sec-%d", getpid());
	ASSERT_EQ(0, mkdir(self->dir, 0755));
	ASSERT_EQ(0, mount("tmpfs", self->dir, "tmpfs", 0, "mode=0777"));
	snprintf(self->ns, sizeof(self->ns), "msksec%d", getpid());
	snprintf(self->ns_path, sizeof(self->ns_path), "/var/run/netns/%s", self->ns);
	ASSERT_EQ(0, run("ip netns add %s && ip -n %s link set lo up", self->ns, self->ns));
	snprintf(self->stack, sizeof(self->stack), "%s/s", self->dir);
	ASSERT_EQ(0, mkdir(self->stack, 0755));
}

FIXTURE_TEARDOWN(sec)
{
	umount2(self->stack, MNT_DETACH);
	run("ip netns del %s 2>/dev/null", self->ns);
	umount2(self->dir, MNT_DETACH);
	rmdir(self->dir);
}

/* Mount netns ns at stack with options; 0 or errno. */
static int mount_ns(const char *ns, const char *stack, const char *options)
{
	char src[128];

	snprintf(src, sizeof(src), "netns=%s", ns);
	return mount(src, stack, "msockfs", 0, options) ? errno : 0;
}

/* The fixture's netns at its stack path. */
#define mount_sec(self, options)	mount_ns((self)->ns, (self)->stack, (options))

static int errno_of(int fd)
{
	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

static int open_dir(const char *stack)
{
	return open(stack, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

/* A TCP socket through a stack fd or handle: 0 or errno. */
static int fd_socket_err(int fd)
{
	return errno_of(msock_fd_socket(fd, AF_INET, SOCK_STREAM, 0));
}

static unsigned long long cookie_of_socket(int fd)
{
	unsigned long long cookie = 0;
	socklen_t len = sizeof(cookie);

	if (getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &len))
		return 0;
	return cookie;
}

static unsigned long long cookie_of_stack(const char *stack)
{
	char path[300], buf[64];

	snprintf(path, sizeof(path), "%s/netns_cookie", stack);
	if (read_small_file(path, buf, sizeof(buf)) < 0)
		return 0;
	return strtoull(buf, NULL, 10);
}

/* The value of "key:\t..." in /proc/self/fdinfo/<fd>, into buf. */
static int fdinfo_value(int fd, const char *key, char *buf, size_t size)
{
	char path[64], all[1024], *line, *save = NULL;
	size_t len = strlen(key);

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	if (read_small_file(path, all, sizeof(all)) < 0)
		return -1;
	for (line = strtok_r(all, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, key, len) && line[len] == ':' && line[len + 1] == '\t') {
			snprintf(buf, size, "%s", line + len + 2);
			return 0;
		}
	}
	return -1;
}

/* The options field of the mount at path in /proc/self/mounts. */
static int mount_options(const char *path, char *buf, size_t size)
{
	char line[1024], dev[256], mnt[256], type[64], opts[512];
	FILE *f = fopen("/proc/self/mounts", "r");
	int found = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%255s %255s %63s %511s", dev, mnt, type, opts) == 4 &&
		    !strcmp(mnt, path) && !strcmp(type, "msockfs")) {
			snprintf(buf, size, "%s", opts);
			found = 0;
		}
	}
	fclose(f);
	return found;
}

/* ---- stack handles ---- */

/* A handle makes sockets in its stack, honouring the type flags. */
TEST_F(sec, handle_makes_sockets)
{
	char link[64], buf[128];
	struct stat st;
	int dir, h, s;

	ASSERT_EQ(0, mount_sec(self, NULL));
	dir = open_dir(self->stack);
	ASSERT_LE(0, dir);
	h = msock_get_handle(dir);
	ASSERT_LE(0, h);
	EXPECT_TRUE(fcntl(h, F_GETFD) & FD_CLOEXEC);
	ASSERT_EQ(0, fstat(h, &st));
	EXPECT_FALSE(S_ISDIR(st.st_mode));
	snprintf(link, sizeof(link), "/proc/self/fd/%d", h);
	ASSERT_LT(0, readlink(link, buf, sizeof(buf) - 1));
	buf[strcspn(buf, "\n")] = '\0';
	EXPECT_EQ(0, strncmp(buf, "anon_inode:[msocket]", 20));
	close(dir);	/* the handle stands alone */
	s = msock_fd_socket(h, AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, s);
	EXPECT_EQ(cookie_of_stack(self->stack), cookie_of_socket(s));
	EXPECT_TRUE(fcntl(s, F_GETFL) & O_NONBLOCK);
	EXPECT_TRUE(fcntl(s, F_GETFD) & FD_CLOEXEC);
	close(s);
	s = msock_fd_socket(h, AF_INET6, SOCK_DGRAM, 0);
	ASSERT_LE(0, s);
	EXPECT_FALSE(fcntl(s, F_GETFD) & FD_CLOEXEC);
	close(s);
	/* socket(2)'s errors */
	EXPECT_EQ(EAFNOSUPPORT, errno_of(msock_fd_socket(h, 4242, SOCK_STREAM, 0)));
	EXPECT_EQ(EINVAL, errno_of(msock_fd_socket(h, AF_INET, 77, 0)));
	/* the stack's identity, for tools */
	ASSERT_EQ(0, fdinfo_value(h, "netns", buf, sizeof(buf)));
	EXPECT_EQ(0, strncmp(buf, "net:[", 5));
	ASSERT_EQ(0, fdinfo_value(h, "stack", buf, sizeof(buf)));
	EXPECT_NE(NULL, strstr(buf, self->ns));
	ASSERT_EQ(0, fdinfo_value(h, "revoked", buf, sizeof(buf)));
	EXPECT_STREQ("0", buf);
	close(h);
}

/* A handle is no directory: no path walk, no "..", no fchdir, no other ioctl. */
TEST_F(sec, handle_does_nothing_else)
{
	struct msock_stack_info info;
	char dents[256];
	int dir, h;

	ASSERT_EQ(0, mount_sec(self, "mode=0777"));
	dir = open_dir(self->stack);
	ASSERT_LE(0, dir);
	h = msock_get_handle(dir);
	ASSERT_LE(0, h);
	EXPECT_EQ(ENOTDIR, errno_of(openat(h, "..", O_RDONLY | O_CLOEXEC)));
	EXPECT_EQ(ENOTDIR, errno_of(openat(h, "netns", O_RDONLY | O_CLOEXEC)));
	EXPECT_EQ(ENOTDIR, errno_of(openat(h, "..", O_PATH | O_CLOEXEC)));
	EXPECT_EQ(-1, fchdir(h));
	EXPECT_EQ(ENOTDIR, errno);
	EXPECT_EQ(-1, syscall(SYS_getdents64, h, dents, sizeof(dents)));
	EXPECT_EQ(ENOTDIR, errno);
	EXPECT_EQ(-1, ioctl(h, MSOCK_IOC_STACK_INFO, &info));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(ENOTTY, errno_of(ioctl(h, MSOCK_IOC_GET_NETNS)));
	EXPECT_EQ(ENOTTY, errno_of(ioctl(h, MSOCK_IOC_GET_HANDLE, 0)));
	/* and GET_HANDLE takes no argument */
	EXPECT_EQ(EINVAL, errno_of(ioctl(dir, MSOCK_IOC_GET_HANDLE, 1)));
	close(h);
	close(dir);
}

/*
 * The escape the handle closes: a process confined to a chroot receives a
 * handle and can make sockets with it, but cannot walk out of the chroot
 * through it ("..", fchdir), as it could through a stack directory fd.
 */
TEST_F(sec, handle_in_chroot_cannot_escape)
{
	char jail[200];
	int sp[2], status, dir, h;
	pid_t pid;

	ASSERT_EQ(0, mount_sec(self, "mode=0777"));
	snprintf(jail, sizeof(jail), "%s/jail", self->dir);
	ASSERT_EQ(0, mkdir(jail, 0755));
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp));
	pid = fork();
	if (pid == 0) {
		int fd;

		if (chroot(jail) || chdir("/") || msk_become(MSK_UID_C, MSK_UID_C, 0, NULL))
			_exit(100);
		fd = recv_fd(sp[1]);
		if (fd < 0)
			_exit(101);
		if (fd_socket_err(fd))
			_exit(102);
		if (openat(fd, "..", O_RDONLY | O_CLOEXEC) >= 0 || errno != ENOTDIR)
			_exit(103);
		if (!fchdir(fd) || errno != ENOTDIR)
			_exit(104);
		_exit(0);
	}
	dir = open_dir(self->stack);
	ASSERT_LE(0, dir);
	h = msock_get_handle(dir);
	ASSERT_LE(0, h);
	ASSERT_EQ(0, send_fd(sp[0], h));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	close(h);
	close(dir);
}

/*
 * Making a handle needs write permission on the stack, as a socket does.
 * As the user: 4 if no handle through an open directory (EACCES), 2 if none
 * by path (EACCES), 64 for any other error.
 */
static int make_handles_as_user(void *p)
{
	const char *stack = p;
	int dir = open_dir(stack), ret = 0, err;

	err = dir < 0 ? errno : errno_of(msock_get_handle(dir));
	if (err)
		ret |= err == EACCES ? 4 : 64;
	err = errno_of(msock_path_handle(stack, 0));
	if (err)
		ret |= err == EACCES ? 2 : 64;
	return ret;
}

TEST_F(sec, handle_needs_write)
{
	ASSERT_EQ(0, mount_sec(self, "uid=1001,gid=2001,mode=0755"));
	/* other: read only -> neither route */
	EXPECT_EQ(2 + 4, as_user(MSK_UID_C, MSK_UID_C, MSK_GID_X, make_handles_as_user,
				 self->stack));
	/* owner: both */
	EXPECT_EQ(0, as_user(MSK_UID_A, MSK_UID_A, MSK_GID_X, make_handles_as_user,
			     self->stack));
	/* other with write only (0703): by path, though it cannot open the directory */
	ASSERT_EQ(0, chmod(self->stack, 0703));
	EXPECT_EQ(4, as_user(MSK_UID_C, MSK_UID_C, MSK_GID_X, make_handles_as_user,
			     self->stack));
	/* PATH_HANDLE's own errors */
	EXPECT_EQ(EINVAL, errno_of(msock_path_handle(self->stack, 0x2)));
	EXPECT_EQ(EOPNOTSUPP, errno_of(msock_path_handle(self->dir, 0)));
	EXPECT_EQ(ENOENT, errno_of(msock_path_handle("/nonexistent/stack", 0)));
	{
		char link[300];

		snprintf(link, sizeof(link), "%s/link", self->dir);
		ASSERT_EQ(0, symlink(self->stack, link));
		EXPECT_EQ(0, errno_of(msock_path_handle(link, 0)));
		EXPECT_EQ(EOPNOTSUPP, errno_of(msock_path_handle(link, MSOCK_PATH_NOFOLLOW)));
	}
}

/*
 * Delegation: the owner passes a handle to another user, who makes sockets
 * with it; any change of the stack's mode (even one granting more) or owner
 * revokes it for good.
 */
TEST_F(sec, handle_delegates_and_chmod_revokes)
{
	int sp[2], status, h;
	pid_t pid;
	char c, buf[16];

	ASSERT_EQ(0, mount_sec(self, "uid=1001,gid=2001,mode=0700"));
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp));
	pid = fork();
	if (pid == 0) {
		int fd;

		if (msk_become(MSK_UID_C, MSK_UID_C, 0, NULL))
			_exit(100);
		if (errno_of(msock_path_socket(self->stack, AF_INET, SOCK_STREAM, 0)) != EACCES)
			_exit(101);
		fd = recv_fd(sp[1]);
		if (fd < 0 || fd_socket_err(fd))
			_exit(102);
		if (write(sp[1], "y", 1) != 1 || read(sp[1], &c, 1) != 1)	/* root chmods */
			_exit(103);
		if (fd_socket_err(fd) != EACCES)
			_exit(104);
		if (fdinfo_value(fd, "revoked", buf, sizeof(buf)) || strcmp(buf, "1"))
			_exit(105);
		_exit(0);
	}
	{	/* the owner makes the handle and passes it */
		pid_t owner = fork();

		if (owner == 0) {
			if (msk_become(MSK_UID_A, MSK_UID_A, 0, NULL))
				_exit(1);
			h = msock_path_handle(self->stack, 0);
			_exit(h < 0 || send_fd(sp[0], h));
		}
		ASSERT_EQ(owner, waitpid(owner, &status, 0));
		ASSERT_EQ(0, WEXITSTATUS(status));
	}
	ASSERT_EQ(1, read(sp[0], &c, 1));
	ASSERT_EQ(0, chmod(self->stack, 0777));	/* more permissive: still revokes */
	ASSERT_EQ(1, write(sp[0], "z", 1));
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	/* a new handle works */
	h = msock_path_handle(self->stack, 0);
	ASSERT_LE(0, h);
	EXPECT_EQ(0, fd_socket_err(h));
	close(h);
}

/* Every revocation lever, and what is not one. */
TEST_F(sec, handle_revocation_levers)
{
	struct {
		const char *what;
		int (*change)(const char *stack);
		int want;
	} cases[] = {
		{ "chmod", NULL, EACCES },
		{ "chown", NULL, EACCES },
		{ "chgrp", NULL, EACCES },
		{ "remount mode=", NULL, EACCES },
		{ "remount uid=", NULL, EACCES },
		{ "touch", NULL, 0 },
		{ "remount families=", NULL, 0 },
		{ "remount ro", NULL, EROFS },
	};
	int i, h;

	ASSERT_EQ(0, mount_sec(self, "mode=0700"));
	for (i = 0; i < (int)ARRAY_SIZE(cases); i++) {
		const char *s = self->stack;

		TH_LOG("%s", cases[i].what);
		ASSERT_EQ(0, mount(NULL, s, NULL, MS_REMOUNT, "uid=0,gid=0,mode=0700"));
		h = msock_path_handle(s, 0);
		ASSERT_LE(0, h);
		ASSERT_EQ(0, fd_socket_err(h));
		switch (i) {
		case 0:
			ASSERT_EQ(0, chmod(s, 0770));
			break;
		case 1:
			ASSERT_EQ(0, chown(s, MSK_UID_A, -1));
			break;
		case 2:
			ASSERT_EQ(0, chown(s, -1, MSK_GID_S));
			break;
		case 3:
			ASSERT_EQ(0, mount(NULL, s, NULL, MS_REMOUNT, "mode=0700"));
			break;
		case 4:
			ASSERT_EQ(0, mount(NULL, s, NULL, MS_REMOUNT, "uid=0"));
			break;
		case 5:
			ASSERT_EQ(0, utimensat(AT_FDCWD, s, NULL, 0));
			break;
		case 6:
			ASSERT_EQ(0, mount(NULL, s, NULL, MS_REMOUNT, "families=inet"));
			break;
		case 7:
			ASSERT_EQ(0, mount(NULL, s, NULL, MS_REMOUNT | MS_RDONLY, NULL));
			break;
		}
		EXPECT_EQ(cases[i].want, fd_socket_err(h));
		if (i == 7) {	/* read-only refuses while it lasts */
			ASSERT_EQ(0, mount(NULL, s, NULL, MS_REMOUNT, NULL));
			EXPECT_EQ(0, fd_socket_err(h));
		}
		if (i == 6)
			ASSERT_EQ(0, mount(NULL, s, NULL, MS_REMOUNT, "families=all"));
		close(h);
	}
}

/* Read-only bind mounts: no handle through one; a handle's mount turning ro refuses. */
TEST_F(sec, handle_and_read_only_bind_mounts)
{
	char ro[300];
	int h;

	ASSERT_EQ(0, mount_sec(self, "mode=0777"));
	snprintf(ro, sizeof(ro), "%s/ro", self->dir);
	ASSERT_EQ(0, mkdir(ro, 0755));
	ASSERT_EQ(0, mount(self->stack, ro, NULL, MS_BIND, NULL));
	h = msock_path_handle(ro, 0);
	ASSERT_LE(0, h);
	EXPECT_EQ(0, fd_socket_err(h));
	ASSERT_EQ(0, mount(NULL, ro, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL));
	EXPECT_EQ(EROFS, fd_socket_err(h));
	EXPECT_EQ(EROFS, errno_of(msock_path_handle(ro, 0)));
	/* the stack itself is still writable */
	EXPECT_EQ(0, errno_of(msock_path_handle(self->stack, 0)));
	close(h);
	umount2(ro, MNT_DETACH);
}

/* A handle keeps its mount busy, as an open directory does; closed, it does not. */
TEST_F(sec, handle_pins_its_mount)
{
	int h;

	ASSERT_EQ(0, mount_sec(self, NULL));
	h = msock_path_handle(self->stack, 0);
	ASSERT_LE(0, h);
	EXPECT_EQ(-1, umount(self->stack));
	EXPECT_EQ(EBUSY, errno);
	ASSERT_EQ(0, umount2(self->stack, MNT_DETACH));
	EXPECT_EQ(0, fd_socket_err(h));	/* the stack lives on, lazily unmounted */
	close(h);
	ASSERT_EQ(0, mount_sec(self, NULL));
	h = msock_path_handle(self->stack, 0);
	ASSERT_LE(0, h);
	close(h);
	EXPECT_EQ(0, umount(self->stack));
}

/* ---- stack directories are names ---- */

/*
 * A directory fd opened by root and used after dropping privilege (the
 * inherited-fd case): the caller's credentials decide, not the opener's.
 */
TEST_F(sec, root_opened_fd_after_dropping_privilege)
{
	struct msock_stack_info info;
	int dir, status;
	pid_t pid;

	ASSERT_EQ(0, mount_sec(self, "uid=1001,gid=2001,mode=0700"));
	dir = open_dir(self->stack);
	ASSERT_LE(0, dir);
	EXPECT_EQ(0, fd_socket_err(dir));	/* root: CAP_DAC_OVERRIDE */
	pid = fork();
	if (pid == 0) {
		if (msk_become(MSK_UID_C, MSK_UID_C, 0, NULL))
			_exit(100);
		if (fd_socket_err(dir) != EACCES)
			_exit(101);
		if (errno_of(msock_get_handle(dir)) != EACCES)
			_exit(102);
		if (!ioctl(dir, MSOCK_IOC_STACK_INFO, &info) || errno != EACCES)
			_exit(103);
		if (errno_of(ioctl(dir, MSOCK_IOC_GET_NETNS)) != EACCES)
			_exit(104);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	close(dir);
}

/*
 * The opener's own fd, with its credentials changed in between: the memo of
 * the opener's grant is not used for other credentials, and chmod still
 * revokes.
 */
TEST_F(sec, memo_follows_credentials)
{
	int dir, status;
	pid_t pid;

	ASSERT_EQ(0, mount_sec(self, "uid=1001,gid=2001,mode=0700"));
	pid = fork();
	if (pid == 0) {
		gid_t none = 0;

		if (setgroups(0, &none))
			_exit(100);
		dir = open_dir(self->stack);
		if (dir < 0 || fd_socket_err(dir) || fd_socket_err(dir))	/* memoized */
			_exit(101);
		if (seteuid(MSK_UID_C) || fd_socket_err(dir) != EACCES)
			_exit(102);
		if (seteuid(0) || seteuid(MSK_UID_A) || fd_socket_err(dir))	/* the owner */
			_exit(103);
		if (seteuid(0) || fd_socket_err(dir))		/* root again */
			_exit(104);
		if (chmod(self->stack, 0500) || fd_socket_err(dir))	/* root: DAC override */
			_exit(105);
		if (seteuid(MSK_UID_A) || fd_socket_err(dir) != EACCES)	/* revoked */
			_exit(106);
		if (seteuid(0) || fd_socket_err(dir))	/* memoized for root again */
			_exit(107);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

/* ---- families= ---- */

static int three_routes(const char *stack, int domain, int type)
{
	int dir = open_dir(stack), h, a, b, c;

	if (dir < 0)
		return -1;
	h = msock_get_handle(dir);
	a = errno_of(msock_path_socket(stack, domain, type, 0));
	b = errno_of(msock_fd_socket(dir, domain, type, 0));
	c = h < 0 ? -1 : errno_of(msock_fd_socket(h, domain, type, 0));
	close(dir);
	if (h >= 0)
		close(h);
	if (a != b || b != c)
		return -2;
	return a;
}

TEST_F(sec, families_option)
{
	char buf[512], path[300];
	int fs, mnt;

	ASSERT_EQ(0, mount_sec(self, "families=inet"));
	EXPECT_EQ(0, three_routes(self->stack, AF_INET, SOCK_STREAM));
	EXPECT_EQ(EAFNOSUPPORT, three_routes(self->stack, AF_INET6, SOCK_STREAM));
	EXPECT_EQ(EAFNOSUPPORT, three_routes(self->stack, AF_UNIX, SOCK_STREAM));
	/* not served: EAFNOSUPPORT even for a bad type (vustack -s) */
	EXPECT_EQ(EAFNOSUPPORT, three_routes(self->stack, AF_INET6, -1));
	EXPECT_EQ(EINVAL, three_routes(self->stack, AF_INET, -1));
	/* AF_INET + SOCK_PACKET is an AF_PACKET socket: packet is not served */
	EXPECT_EQ(EAFNOSUPPORT, three_routes(self->stack, AF_INET, SOCK_PACKET));
	ASSERT_EQ(0, mount_options(self->stack, buf, sizeof(buf)));
	EXPECT_NE(NULL, strstr(buf, ",families=inet"));
	snprintf(path, sizeof(path), "%s/options", self->stack);
	ASSERT_LT(0, read_small_file(path, buf, sizeof(buf)));
	EXPECT_NE(NULL, strstr(buf, ",families=inet\n"));
	ASSERT_EQ(0, mount(NULL, self->stack, NULL, MS_REMOUNT, "families=inet:packet"));
	{
		int fd = msock_path_socket(self->stack, AF_INET, SOCK_PACKET, htons(0x0003));
		int domain = 0;
		socklen_t len = sizeof(domain);

		ASSERT_LE(0, fd);
		ASSERT_EQ(0, getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len));
		EXPECT_EQ(AF_PACKET, domain);
		close(fd);
	}
	/* numbers and names, in any order: shown as names in family order */
	ASSERT_EQ(0, mount(NULL, self->stack, NULL, MS_REMOUNT, "families=10:unix:2"));
	EXPECT_EQ(0, three_routes(self->stack, AF_INET6, SOCK_DGRAM));
	EXPECT_EQ(0, three_routes(self->stack, AF_UNIX, SOCK_DGRAM));
	EXPECT_EQ(EAFNOSUPPORT, three_routes(self->stack, AF_NETLINK, SOCK_DGRAM));
	ASSERT_EQ(0, mount_options(self->stack, buf, sizeof(buf)));
	EXPECT_NE(NULL, strstr(buf, ",families=unix:inet:inet6"));
	/* all: no families= shown */
	ASSERT_EQ(0, mount(NULL, self->stack, NULL, MS_REMOUNT, "families=all"));
	EXPECT_EQ(0, three_routes(self->stack, AF_NETLINK, SOCK_DGRAM));
	ASSERT_EQ(0, mount_options(self->stack, buf, sizeof(buf)));
	EXPECT_EQ(NULL, strstr(buf, "families="));
	/* fsconfig() takes commas too (mount(2) splits options at commas) */
	ASSERT_EQ(0, umount(self->stack));
	fs = sys_fsopen("msockfs", FSOPEN_CLOEXEC);
	ASSERT_LE(0, fs);
	ASSERT_EQ(0, sys_fsconfig(fs, FSCONFIG_SET_STRING, "netns", self->ns, 0));
	ASSERT_EQ(0, sys_fsconfig(fs, FSCONFIG_SET_STRING, "families", "inet6,packet", 0));
	ASSERT_EQ(0, sys_fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0));
	mnt = sys_fsmount(fs, FSMOUNT_CLOEXEC, 0);
	ASSERT_LE(0, mnt);
	ASSERT_EQ(0, sys_move_mount(mnt, "", AT_FDCWD, self->stack, MOVE_MOUNT_F_EMPTY_PATH));
	EXPECT_EQ(EAFNOSUPPORT, three_routes(self->stack, AF_INET, SOCK_STREAM));
	EXPECT_EQ(0, three_routes(self->stack, AF_INET6, SOCK_STREAM));
	ASSERT_EQ(0, mount_options(self->stack, buf, sizeof(buf)));
	EXPECT_NE(NULL, strstr(buf, ",families=inet6:packet"));
	close(mnt);
	close(fs);
}

/*
 * The family probe (a bad type: is the family there?) creates a socket as
 * the caller's own user socket, so what confines the caller's sockets sees
 * it. A cgroup BPF program on INET_SOCK_CREATE, which the kernel runs for
 * user sockets only (kern == 0), counts the inet sockets made in its cgroup.
 */
#define INSN(c, d, s, o, i) \
	((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })

static long sys_bpf(int cmd, union bpf_attr *attr)
{
	return syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

static __u64 bpf_count(int map)
{
	union bpf_attr a = {};
	__u32 key = 0;
	__u64 value = 0;

	a.map_fd = map;
	a.key = (uintptr_t)&key;
	a.value = (uintptr_t)&value;
	return sys_bpf(BPF_MAP_LOOKUP_ELEM, &a) ? ~0ULL : value;
}

TEST_F(sec, family_probe_runs_as_the_caller)
{
	char cg[300], procs[350], pid[32], log[4096];
	union bpf_attr a = {};
	int map, prog, cgfd, fd;
	__u64 before;

	snprintf(cg, sizeof(cg), "%s/cgroup", self->dir);
	ASSERT_EQ(0, mkdir(cg, 0755));
	if (mount("none", cg, "cgroup2", 0, NULL))
		SKIP(return, "no cgroup2 (CONFIG_CGROUPS)");
	strcat(cg, "/probe");
	ASSERT_EQ(0, mkdir(cg, 0755));
	a.map_type = BPF_MAP_TYPE_ARRAY;
	a.key_size = sizeof(__u32);
	a.value_size = sizeof(__u64);
	a.max_entries = 1;
	map = sys_bpf(BPF_MAP_CREATE, &a);
	if (map < 0)
		SKIP(return, "no bpf() (CONFIG_BPF_SYSCALL)");
	{
		struct bpf_insn insns[] = {
			/* *(u32 *)(fp - 4) = 0; r2 = fp - 4 */
			INSN(BPF_ST | BPF_W | BPF_MEM, BPF_REG_10, 0, -4, 0),
			INSN(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_2, BPF_REG_10, 0, 0),
			INSN(BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_2, 0, 0, -4),
			/* r0 = bpf_map_lookup_elem(map, r2) */
			INSN(BPF_LD | BPF_DW | BPF_IMM, BPF_REG_1, BPF_PSEUDO_MAP_FD, 0, map),
			INSN(0, 0, 0, 0, 0),
			INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_lookup_elem),
			/* if (r0) *(u64 *)r0 += 1 (atomically) */
			INSN(BPF_JMP | BPF_JEQ | BPF_K, BPF_REG_0, 0, 2, 0),
			INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_1, 0, 0, 1),
			INSN(BPF_STX | BPF_DW | BPF_ATOMIC, BPF_REG_0, BPF_REG_1, 0, BPF_ADD),
			/* return 1: allow */
			INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 1),
			INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
		};

		memset(&a, 0, sizeof(a));
		a.prog_type = BPF_PROG_TYPE_CGROUP_SOCK;
		a.expected_attach_type = BPF_CGROUP_INET_SOCK_CREATE;
		a.insns = (uintptr_t)insns;
		a.insn_cnt = ARRAY_SIZE(insns);
		a.license = (uintptr_t)"GPL";
		a.log_buf = (uintptr_t)log;
		a.log_size = sizeof(log);
		a.log_level = 1;
		prog = sys_bpf(BPF_PROG_LOAD, &a);
		ASSERT_LE(0, prog) TH_LOG("verifier: %s", log);
	}
	cgfd = open(cg, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ASSERT_LE(0, cgfd);
	memset(&a, 0, sizeof(a));
	a.target_fd = cgfd;
	a.attach_bpf_fd = prog;
	a.attach_type = BPF_CGROUP_INET_SOCK_CREATE;
	ASSERT_EQ(0, sys_bpf(BPF_PROG_ATTACH, &a));
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", cg);
	snprintf(pid, sizeof(pid), "%d", getpid());
	ASSERT_EQ(0, msk_write_str(procs, pid));
	ASSERT_EQ(0, mount_sec(self, NULL));

	/* the program counts this process's sockets */
	before = bpf_count(map);
	fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ASSERT_LE(0, fd);
	close(fd);
	EXPECT_EQ(before + 1, bpf_count(map));
	/* and msocket's, as socket(2)'s */
	before = bpf_count(map);
	EXPECT_EQ(0, errno_of(msock_path_socket(self->stack, AF_INET6, SOCK_STREAM, 0)));
	EXPECT_EQ(before + 1, bpf_count(map));
	/* the probe: one socket of the family, as the caller's, seen too */
	before = bpf_count(map);
	EXPECT_EQ(EINVAL, errno_of(msock_path_socket(self->stack, AF_INET6, -1, 0)));
	EXPECT_EQ(before + 1, bpf_count(map));
	/* an unknown family needs no probe past the family table */
	before = bpf_count(map);
	EXPECT_EQ(EAFNOSUPPORT, errno_of(msock_path_socket(self->stack, 4242, -1, 0)));
	EXPECT_EQ(before, bpf_count(map));

	/* leave the cgroup, so that it can go */
	snprintf(procs, sizeof(procs), "%s/../cgroup.procs", cg);
	ASSERT_EQ(0, msk_write_str(procs, pid));
	close(cgfd);
	close(prog);
	close(map);
	EXPECT_EQ(0, rmdir(cg));
	*strrchr(cg, '/') = '\0';
	umount2(cg, MNT_DETACH);
}

/* ---- reports ---- */

/*
 * /proc/mounts, the options file and STACK_INFO show the root's current
 * owner, group and mode: a remount copying the options back undoes nothing.
 */
TEST_F(sec, reports_follow_chmod_and_chown)
{
	struct msock_stack_info info;
	char buf[512], path[300], *o;
	int dir;

	ASSERT_EQ(0, mount_sec(self, "mode=0755"));
	ASSERT_EQ(0, chmod(self->stack, 0700));
	ASSERT_EQ(0, chown(self->stack, MSK_UID_A, MSK_GID_S));
	ASSERT_EQ(0, mount_options(self->stack, buf, sizeof(buf)));
	EXPECT_NE(NULL, strstr(buf, "uid=1001,gid=2001,mode=700"));
	snprintf(path, sizeof(path), "%s/options", self->stack);
	ASSERT_LT(0, read_small_file(path, buf, sizeof(buf)));
	EXPECT_STREQ("uid=1001,gid=2001,mode=0700\n", buf);
	dir = open_dir(self->stack);
	ASSERT_LE(0, dir);
	ASSERT_EQ(0, ioctl(dir, MSOCK_IOC_STACK_INFO, &info));
	EXPECT_EQ(MSK_UID_A, info.uid);
	EXPECT_EQ(MSK_GID_S, info.gid);
	EXPECT_EQ(0700, info.mode);
	close(dir);
	/* remount with what /proc/mounts says (minus the generic flags) */
	ASSERT_EQ(0, mount_options(self->stack, buf, sizeof(buf)));
	o = strstr(buf, "uid=");
	ASSERT_NE(NULL, o);
	ASSERT_EQ(0, mount(NULL, self->stack, NULL, MS_REMOUNT, o));
	ASSERT_EQ(0, mount_options(self->stack, buf, sizeof(buf)));
	EXPECT_NE(NULL, strstr(buf, "uid=1001,gid=2001,mode=700"));
}

/* The info files are readable by whom may read the root (STACK_INFO's rule). */
static int read_netns_file(void *p)
{
	char path[300], buf[64];

	snprintf(path, sizeof(path), "%s/netns", (const char *)p);
	return read_small_file(path, buf, sizeof(buf)) < 0 ? errno : 0;
}

TEST_F(sec, info_files_follow_read_permission)
{
	ASSERT_EQ(0, mount_sec(self, "uid=1001,gid=2001,mode=0751"));
	EXPECT_EQ(0, as_user(MSK_UID_A, MSK_UID_A, MSK_GID_X, read_netns_file, self->stack));
	EXPECT_EQ(0, as_user(MSK_UID_B, MSK_UID_B, MSK_GID_S, read_netns_file, self->stack));
	EXPECT_EQ(EACCES, as_user(MSK_UID_C, MSK_UID_C, MSK_GID_X, read_netns_file,
				  self->stack));
	ASSERT_EQ(0, chmod(self->stack, 0755));
	EXPECT_EQ(0, as_user(MSK_UID_C, MSK_UID_C, MSK_GID_X, read_netns_file, self->stack));
}

/* ---- the owner must be mapped ---- */

static int enter_other_user_netns(void *arg)
{
	return msk_become(MSK_UID_A, MSK_UID_A, 0, NULL) || msk_userns_root(CLONE_NEWNET);
}

/*
 * A netns owned by a user namespace that maps only uid 1001: root's default
 * owner (its fsuid 0) means nothing there, so the mount must name one.
 */
TEST_F(sec, default_owner_must_be_mapped)
{
	char src[64];
	pid_t parked = park_child(enter_other_user_netns, NULL);
	int fs;

	ASSERT_LT(0, parked);
	snprintf(src, sizeof(src), "netns=/proc/%d/ns/net", parked);
	EXPECT_EQ(-1, mount(src, self->stack, "msockfs", 0, NULL));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, mount(src, self->stack, "msockfs", 0, "uid=1001"));	/* gid 0 */
	EXPECT_EQ(EINVAL, errno);
	/* ids in the mounter's numbering, though the stack is named first */
	EXPECT_EQ(0, mount(src, self->stack, "msockfs", 0, "uid=1001,gid=1001"));
	{
		struct stat st;

		ASSERT_EQ(0, stat(self->stack, &st));
		EXPECT_EQ(MSK_UID_A, st.st_uid);
		EXPECT_EQ(MSK_UID_A, st.st_gid);
	}
	umount2(self->stack, MNT_DETACH);
	/* and the log says which */
	fs = sys_fsopen("msockfs", FSOPEN_CLOEXEC);
	ASSERT_LE(0, fs);
	ASSERT_EQ(0, sys_fsconfig(fs, FSCONFIG_SET_STRING, "source", src, 0));
	EXPECT_EQ(-1, sys_fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0));
	{
		char log[512];
		ssize_t n = read(fs, log, sizeof(log) - 1);

		ASSERT_LT(0, n);
		log[n] = '\0';
		EXPECT_NE(NULL, strstr(log, "fsuid has no mapping"));
	}
	close(fs);
	kill(parked, SIGKILL);
	waitpid(parked, NULL, 0);
}

/* ---- the kernel log ---- */

/* The kernel's DEFAULT_RATELIMIT_INTERVAL (5 s) and _BURST. */
#define RATELIMIT_INTERVAL_MS	5000
#define RATELIMIT_BURST		10

/* Bad sources echoed by mount(2) reach the kernel log at a limited rate. */
TEST_F(sec, echoed_input_is_rate_limited)
{
	char line[1024];
	int kmsg, i, echoed = 0;

	kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (kmsg < 0)
		SKIP(return, "no /dev/kmsg");
	/* a fresh rate-limit window: earlier tests may have used this one */
	usleep((RATELIMIT_INTERVAL_MS + 200) * 1000);
	lseek(kmsg, 0, SEEK_END);
	for (i = 0; i < 200; i++) {
		snprintf(line, sizeof(line), "bogus-source-%d-%s", i, self->ns);
		ASSERT_EQ(-1, mount(line, self->stack, "msockfs", 0, NULL));
	}
	for (;;) {
		ssize_t n = read(kmsg, line, sizeof(line) - 1);

		if (n < 0 && errno == EPIPE)
			continue;
		if (n <= 0)
			break;
		line[n] = '\0';
		if (strstr(line, "bogus-source-") && strstr(line, self->ns))
			echoed++;
	}
	close(kmsg);
	TH_LOG("%d of 200 bad sources echoed", echoed);
	EXPECT_LT(0, echoed);
	EXPECT_GE(RATELIMIT_BURST, echoed);
}

/* ---- audit ---- */

/*
 * A request to the kernel's audit netlink socket: 0 or -errno of its ack,
 * and its reply (AUDIT_GET) if asked; the kernel may send the two in either
 * order, so both are awaited, by sequence number.
 */
static int audit_request(int fd, int type, const void *data, size_t len, void *reply,
			 size_t reply_len)
{
	static unsigned int seq;
	struct {
		struct nlmsghdr h;
		char data[512];
	} m = {}, r;
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	int acked = 0, replied = !reply, err = 0;

	m.h.nlmsg_len = NLMSG_LENGTH(len);
	m.h.nlmsg_type = type;
	m.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	m.h.nlmsg_seq = ++seq;
	if (len)
		memcpy(m.data, data, len);
	if (sendto(fd, &m, m.h.nlmsg_len, 0, (void *)&kernel, sizeof(kernel)) < 0)
		return -errno;
	while (!acked || !replied) {
		if (recv(fd, &r, sizeof(r), 0) < 0)
			return -errno;
		if (r.h.nlmsg_seq != m.h.nlmsg_seq)
			continue;
		if (r.h.nlmsg_type == NLMSG_ERROR) {
			err = ((struct nlmsgerr *)NLMSG_DATA(&r.h))->error;
			acked = 1;
			if (err)
				return err;
		} else if (r.h.nlmsg_type == type && reply) {
			memcpy(reply, NLMSG_DATA(&r.h), reply_len);
			replied = 1;
		}
	}
	return 0;
}

static int audit_set_enabled(int fd, __u32 enabled)
{
	struct audit_status s = { .mask = AUDIT_STATUS_ENABLED, .enabled = enabled };

	return audit_request(fd, AUDIT_SET, &s, sizeof(s), NULL, 0);
}

/*
 * An audit rule that matches nothing the test does (never, on exit of
 * getppid(2)): with any rule loaded, tasks' audit contexts are live.
 */
static int audit_rule(int fd, int type)
{
	struct audit_rule_data r = {
		.flags = AUDIT_FILTER_EXIT, .action = AUDIT_NEVER,
	};

	r.mask[AUDIT_WORD(SYS_getppid)] = AUDIT_BIT(SYS_getppid);
	return audit_request(fd, type, &r, sizeof(r), NULL, 0);
}

/* Collect the text of AUDIT_KERNEL_OTHER records arriving within ms milliseconds. */
static int audit_collect(int fd, char *out, size_t size, int ms)
{
	struct {
		struct nlmsghdr h;
		char data[8192];
	} r;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	size_t used = 0;
	int count = 0;

	out[0] = '\0';
	while (poll(&p, 1, ms) == 1) {
		ssize_t n = recv(fd, &r, sizeof(r) - 1, MSG_DONTWAIT);

		if (n <= 0)
			break;
		if (r.h.nlmsg_type != AUDIT_KERNEL_OTHER)
			continue;
		((char *)&r)[n] = '\0';
		used += snprintf(out + used, size - used, "%s\n", r.data);
		if (used >= size)
			break;
		count++;
	}
	return count;
}

/*
 * Every route once, and one request of another user that is denied; in a
 * new process, since only tasks made after auditing was first enabled have
 * an audit context (audit_alloc()), as on a system that audits from boot.
 * Returns 0 if every call gave what it should.
 */
static int audit_every_route(const char *stack)
{
	int dir, h, pid, status, fail = 0;

	pid = fork();
	if (pid == 0) {
		fail |= errno_of(msock_path_socket(stack, AF_INET6, SOCK_DGRAM, 0));
		fail |= errno_of(msock_path_socket(stack, AF_INET, SOCK_PACKET, htons(0x0003)));
		dir = open_dir(stack);
		fail |= fd_socket_err(dir);
		h = msock_get_handle(dir);
		fail |= errno_of(msock_fd_socket(h, AF_UNIX, SOCK_STREAM, 0));
		close(h);
		close(dir);
		_exit(fail ? 1 : 0);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		fail = 1;
	pid = fork();
	if (pid == 0)
		_exit(msk_become(MSK_UID_C, MSK_UID_C, 0, NULL) ? 100 :
		      errno_of(msock_path_socket(stack, AF_INET, SOCK_STREAM, 0)));
	if (waitpid(pid, &status, 0) != pid || WEXITSTATUS(status) != EACCES)
		fail |= 2;
	return fail;
}

TEST_F(sec, audit_records)
{
	struct audit_status was = {};
	struct sockaddr_nl group = {
		.nl_family = AF_NETLINK, .nl_groups = 1 << (AUDIT_NLGRP_READLOG - 1),
	};
	char text[16384], want[256];
	int ctl, log, n;

	ctl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT);
	if (ctl < 0)
		SKIP(return, "no audit netlink socket (CONFIG_AUDIT off?)");
	ASSERT_EQ(0, audit_request(ctl, AUDIT_GET, NULL, 0, &was, sizeof(was)));
	log = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT);
	ASSERT_LE(0, log);
	ASSERT_EQ(0, bind(log, (void *)&group, sizeof(group)));
	ASSERT_EQ(0, mount_sec(self, "uid=1001,mode=0700"));

	/* off: nothing */
	ASSERT_EQ(0, audit_set_enabled(ctl, 0));
	audit_collect(log, text, sizeof(text), 200);
	EXPECT_EQ(0, audit_every_route(self->stack));
	EXPECT_EQ(0, audit_collect(log, text, sizeof(text), 500));

	/* on, no rules: failures and handles only */
	ASSERT_EQ(0, audit_set_enabled(ctl, 1));
	audit_collect(log, text, sizeof(text), 200);	/* the config change */
	EXPECT_EQ(0, audit_every_route(self->stack));
	n = audit_collect(log, text, sizeof(text), 1000);
	TH_LOG("no rules:\n%s", text);
	EXPECT_EQ(2, n);
	EXPECT_NE(NULL, strstr(text, "op=msocket_handle route=dir"));
	EXPECT_NE(NULL, strstr(text, "uid=1003"));
	EXPECT_NE(NULL, strstr(text, "errno=13 res=0"));

	/* on, with a rule loaded: every request */
	ASSERT_EQ(0, audit_rule(ctl, AUDIT_ADD_RULE));
	audit_collect(log, text, sizeof(text), 200);
	EXPECT_EQ(0, audit_every_route(self->stack));
	n = audit_collect(log, text, sizeof(text), 1000);
	audit_rule(ctl, AUDIT_DEL_RULE);
	audit_set_enabled(ctl, was.enabled);
	TH_LOG("with a rule:\n%s", text);
	EXPECT_EQ(6, n);
	snprintf(want, sizeof(want), "op=msocket route=path stack=\"netns=%s\" netns=", self->ns);
	EXPECT_NE(NULL, strstr(text, want));
	EXPECT_NE(NULL, strstr(text, "sock_family=10 sock_type=2 protocol=0"));
	/* the family the socket has: AF_INET + SOCK_PACKET is AF_PACKET */
	EXPECT_NE(NULL, strstr(text, "sock_family=17 sock_type=10 protocol=768"));
	EXPECT_NE(NULL, strstr(text, "op=msocket route=dir"));
	EXPECT_NE(NULL, strstr(text, "op=msocket_handle route=dir"));
	EXPECT_NE(NULL, strstr(text, "op=msocket route=handle"));
	EXPECT_NE(NULL, strstr(text, "sock_family=1 sock_type=1"));
	EXPECT_NE(NULL, strstr(text, "errno=13 res=0"));
	EXPECT_NE(NULL, strstr(text, "errno=0 res=1"));
	close(log);
	close(ctl);
}

TEST_HARNESS_MAIN
