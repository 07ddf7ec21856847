// SPDX-License-Identifier: GPL-2.0
/*
 * msockfs and the msocket entry: stacks named in the file system, sockets
 * created in the stack a path names.
 *
 * Runs as root with msocket.ko loaded (MSOCKET_KO names the module file for
 * the unload/autoload tests). Every test runs in its own mount namespace, so
 * its mounts disappear with it, and makes its own network namespaces.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <linux/magic.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/statfs.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <dirent.h>
#include <signal.h>

#include "msocket_helpers.h"
#include "kselftest_harness.h"

#define NS_GET_NSTYPE	_IO(0xb7, 0x3)

#define USER_A	1001	/* owner in the permission tests */
#define USER_B	1002	/* group member */
#define USER_C	1003	/* other */
#define GROUP_S	2001	/* the stack's group */
#define GROUP_X	2002	/* some other group */

FIXTURE(msockfs) {
	char dir[128];		/* private scratch directory */
	char ns_a[64];		/* two ip netns, loopback up */
	char ns_b[64];
	char path_a[192];	/* /var/run/netns/<ns_a> */
	char path_b[192];
	unsigned long ino_a, ino_b, ino_self;
};

FIXTURE_SETUP(msockfs)
{
	ASSERT_EQ(0, unshare(CLONE_NEWNS));
	ASSERT_EQ(0, mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL));
	snprintf(self->dir, sizeof(self->dir), "/tmp/msocket-test-%d", getpid());
	ASSERT_EQ(0, mkdir(self->dir, 0755));
	ASSERT_EQ(0, mount("tmpfs", self->dir, "tmpfs", 0, "mode=0777"));
	snprintf(self->ns_a, sizeof(self->ns_a), "msk%d-a", getpid());
	snprintf(self->ns_b, sizeof(self->ns_b), "msk%d-b", getpid());
	snprintf(self->path_a, sizeof(self->path_a), "/var/run/netns/%s", self->ns_a);
	snprintf(self->path_b, sizeof(self->path_b), "/var/run/netns/%s", self->ns_b);
	ASSERT_EQ(0, run("ip netns add %s && ip -n %s link set lo up", self->ns_a, self->ns_a));
	ASSERT_EQ(0, run("ip netns add %s && ip -n %s link set lo up", self->ns_b, self->ns_b));
	self->ino_a = ns_ino(self->path_a);
	self->ino_b = ns_ino(self->path_b);
	self->ino_self = ns_ino("/proc/self/ns/net");
	ASSERT_NE(0, self->ino_a);
	ASSERT_NE(self->ino_a, self->ino_b);
}

FIXTURE_TEARDOWN(msockfs)
{
	run("ip netns del %s 2>/dev/null", self->ns_a);
	run("ip netns del %s 2>/dev/null", self->ns_b);
	umount2(self->dir, MNT_DETACH);
	rmdir(self->dir);
}

/* Make <dir>/<name> and mount a stack there with mount(2); return 0 or errno. */
static int mount_stack(const char *dir, const char *name, const char *source,
		       const char *options, char *out, size_t outsz)
{
	char buf[256];

	snprintf(buf, sizeof(buf), "%s/%s", dir, name);
	if (out)
		snprintf(out, outsz, "%s", buf);
	if (mkdir(buf, 0755) && errno != EEXIST)
		return errno;
	if (mount(source, buf, "msockfs", 0, options))
		return errno;
	return 0;
}

/* The netns inode a mounted stack reports in its "netns" file, or 0. */
static unsigned long stack_ino(const char *stack)
{
	char path[300], buf[64];
	unsigned long ino = 0;

	snprintf(path, sizeof(path), "%s/netns", stack);
	if (read_small_file(path, buf, sizeof(buf)) < 0)
		return 0;
	if (sscanf(buf, "net:[%lu]", &ino) != 1)
		return 0;
	return ino;
}

static unsigned long long sock_cookie(int fd)
{
	unsigned long long cookie = 0;
	socklen_t len = sizeof(cookie);

	if (getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &len))
		return 0;
	return cookie;
}

static unsigned long long stack_cookie(const char *stack)
{
	struct msock_stack_info info = {};
	int fd = open(stack, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	if (ioctl(fd, MSOCK_IOC_STACK_INFO, &info))
		info.netns_cookie = 0;
	close(fd);
	return info.netns_cookie;
}

/* A socket made in a stack must live in that stack's netns. */
static int socket_in_stack_ok(const char *stack)
{
	int fd = msock_path_socket(stack, AF_INET, SOCK_STREAM, 0);
	unsigned long long c;

	if (fd < 0)
		return 0;
	c = sock_cookie(fd);
	close(fd);
	return c && c == stack_cookie(stack);
}

/* A TCP listener on 127.0.0.1:port in a stack. */
static int listen_in(const char *stack, int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	int one = 1, fd;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = msock_path_socket(stack, AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (void *)&a, sizeof(a)) || listen(fd, 8)) {
		close(fd);
		return -1;
	}
	return fd;
}

static int connect_in(const char *stack, int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = msock_path_socket(stack, AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (void *)&a, sizeof(a))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Accept one connection on lfd, send msg; the client reads it back. */
static int exchange(int lfd, int cfd, const char *msg, char *got, size_t gotsz)
{
	int afd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	ssize_t n;

	if (afd < 0)
		return -1;
	if (write(afd, msg, strlen(msg)) != (ssize_t)strlen(msg)) {
		close(afd);
		return -1;
	}
	close(afd);
	n = read(cfd, got, gotsz - 1);
	if (n < 0)
		return -1;
	got[n] = '\0';
	return 0;
}

/*
 * The exact command of the README, with util-linux mount. The first test
 * pays for the cold caches (binaries read over 9p); on the debug kernel
 * under TCG on a loaded host that took over the harness's default 30 s.
 */
TEST_F_TIMEOUT(msockfs, mount_command_util_linux, 120)
{
	char stack[256];
	struct statfs sfs;

	snprintf(stack, sizeof(stack), "%s/net/vpn", self->dir);
	ASSERT_EQ(0, run("mkdir -p %s && mount -t msockfs netns=%s %s", stack, self->ns_a, stack));
	ASSERT_EQ(0, statfs(stack, &sfs));
	EXPECT_EQ(MSOCKFS_MAGIC, sfs.f_type);
	EXPECT_EQ(self->ino_a, stack_ino(stack));
	EXPECT_TRUE(socket_in_stack_ok(stack));
	EXPECT_EQ(0, run("umount %s", stack));
}

/* The same command with busybox mount. */
TEST_F(msockfs, mount_command_busybox)
{
	char stack[256];

	if (run("busybox true 2>/dev/null"))
		SKIP(return, "busybox not installed");
	snprintf(stack, sizeof(stack), "%s/net/vpn", self->dir);
	ASSERT_EQ(0, run("mkdir -p %s && busybox mount -t msockfs netns=%s %s", stack, self->ns_a, stack));
	EXPECT_EQ(self->ino_a, stack_ino(stack));
	EXPECT_TRUE(socket_in_stack_ok(stack));
	EXPECT_EQ(0, run("busybox umount %s", stack));
}

/* Two stacks serve different replies on the same 127.0.0.1 port; one process reaches both. */
TEST_F(msockfs, two_stacks_one_process)
{
	char lan[256], vpn[256], got[64];
	int la, lb, ca, cb;

	snprintf(got, sizeof(got), "netns=%s", self->ns_a);
	ASSERT_EQ(0, mount_stack(self->dir, "lan", got, NULL, lan, sizeof(lan)));
	snprintf(got, sizeof(got), "netns=%s", self->ns_b);
	ASSERT_EQ(0, mount_stack(self->dir, "vpn", got, NULL, vpn, sizeof(vpn)));

	la = listen_in(lan, 7000);
	ASSERT_LE(0, la);
	lb = listen_in(vpn, 7000);	/* same port: another stack */
	ASSERT_LE(0, lb);
	ca = connect_in(lan, 7000);
	ASSERT_LE(0, ca);
	cb = connect_in(vpn, 7000);
	ASSERT_LE(0, cb);
	ASSERT_EQ(0, exchange(la, ca, "hello from lan", got, sizeof(got)));
	EXPECT_STREQ("hello from lan", got);
	ASSERT_EQ(0, exchange(lb, cb, "hello from vpn", got, sizeof(got)));
	EXPECT_STREQ("hello from vpn", got);
	/* Nothing listens on that port in the test's own stack. */
	{
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(7000) };
		int fd = socket(AF_INET, SOCK_STREAM, 0);

		a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		EXPECT_EQ(-1, connect(fd, (void *)&a, sizeof(a)));
		close(fd);
	}
	close(la);
	close(lb);
	close(ca);
	close(cb);
}

static int enter_netns_path(void *nspath)
{
	int fd = open(nspath, O_RDONLY);

	return fd < 0 || setns(fd, CLONE_NEWNET);
}

/* A child parked in netns B, to name by /proc/PID/ns/net. */
static pid_t park_in_netns(const char *nspath)
{
	return park_child(enter_netns_path, (void *)nspath);
}

/* Every way of naming a stack: sources, options, fsconfig strings and fds. */
TEST_F(msockfs, source_forms)
{
	char src[300], opt[300], stack[256];
	pid_t parked = park_in_netns(self->path_b);
	struct {
		const char *what;
		const char *src_fmt;
		const char *opt_fmt;
		int ns;		/* 0 self, 1 a, 2 b */
	} forms[] = {
		{ "netns=NAME", "netns=%s", NULL, 1 },
		{ "netns=/PATH", "netns=%s", NULL, 1 },
		{ "netns=/proc/self", "netns=/proc/self/ns/net", NULL, 0 },
		{ "netns=/proc/PID/ns/net", "netns=/proc/%d/ns/net", NULL, 2 },
		{ "current", "current", NULL, 0 },
		{ "none", "none", NULL, 0 },
		{ "no source", NULL, NULL, 0 },
		{ "-o netns=NAME", "none", "netns=%s", 1 },
		{ "-o netns=/PATH", "none", "netns=%s", 2 },
		{ "-o netns=/proc/PID/ns/net", "none", "netns=/proc/%d/ns/net", 2 },
		{ "-o current", "none", "current", 0 },
		{ "-o mode", "netns=%s", "mode=0700,uid=0,gid=0", 1 },
	};
	unsigned long want[] = { self->ino_self, self->ino_a, self->ino_b };
	int i;

	ASSERT_LT(0, parked);
	for (i = 0; i < (int)ARRAY_SIZE(forms); i++) {
		const char *arg = i == 1 ? self->path_a : (i == 8 ? self->path_b : self->ns_a);
		char name[16];

		if (forms[i].src_fmt && strstr(forms[i].src_fmt, "%d"))
			snprintf(src, sizeof(src), forms[i].src_fmt, parked);
		else if (forms[i].src_fmt)
			snprintf(src, sizeof(src), forms[i].src_fmt, arg);
		if (forms[i].opt_fmt && strstr(forms[i].opt_fmt, "%d"))
			snprintf(opt, sizeof(opt), forms[i].opt_fmt, parked);
		else if (forms[i].opt_fmt)
			snprintf(opt, sizeof(opt), forms[i].opt_fmt, arg);
		snprintf(name, sizeof(name), "s%d", i);
		TH_LOG("form %s", forms[i].what);
		ASSERT_EQ(0, mount_stack(self->dir, name, forms[i].src_fmt ? src : NULL,
					 forms[i].opt_fmt ? opt : NULL, stack, sizeof(stack)));
		EXPECT_EQ(want[forms[i].ns], stack_ino(stack));
		EXPECT_TRUE(socket_in_stack_ok(stack));
	}
	kill(parked, SIGKILL);
	waitpid(parked, NULL, 0);
}

/* fsopen()/fsconfig(): netns as a string and as an nsfs file descriptor. */
TEST_F(msockfs, fsconfig_string_and_fd)
{
	char stack[256];
	int fs, mnt, nsfd;

	snprintf(stack, sizeof(stack), "%s/fd", self->dir);
	ASSERT_EQ(0, mkdir(stack, 0755));
	nsfd = open(self->path_b, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, nsfd);
	fs = sys_fsopen("msockfs", FSOPEN_CLOEXEC);
	ASSERT_LE(0, fs);
	ASSERT_EQ(0, sys_fsconfig(fs, FSCONFIG_SET_FD, "netns", NULL, nsfd));
	ASSERT_EQ(0, sys_fsconfig(fs, FSCONFIG_SET_STRING, "mode", "0711", 0));
	ASSERT_EQ(0, sys_fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0));
	mnt = sys_fsmount(fs, FSMOUNT_CLOEXEC, 0);
	ASSERT_LE(0, mnt);
	ASSERT_EQ(0, sys_move_mount(mnt, "", AT_FDCWD, stack, MOVE_MOUNT_F_EMPTY_PATH));
	EXPECT_EQ(self->ino_b, stack_ino(stack));
	EXPECT_TRUE(socket_in_stack_ok(stack));
	/* The fsmount fd is O_PATH; a directory opened from it is a stack fd. */
	{
		int sfd, s;

		EXPECT_EQ(-1, msock_fd_socket(mnt, AF_INET6, SOCK_DGRAM, 0));
		EXPECT_EQ(EBADF, errno);
		sfd = openat(mnt, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		ASSERT_LE(0, sfd);
		s = msock_fd_socket(sfd, AF_INET6, SOCK_DGRAM, 0);
		EXPECT_LE(0, s);
		close(s);
		close(sfd);
	}
	close(mnt);
	close(fs);

	close(nsfd);

	/* A netns name as an fsconfig string, and as the source. */
	fs = sys_fsopen("msockfs", FSOPEN_CLOEXEC);
	ASSERT_EQ(0, sys_fsconfig(fs, FSCONFIG_SET_STRING, "netns", self->ns_a, 0));
	ASSERT_EQ(0, sys_fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0));
	close(fs);
}

/*
 * A refused uid=/gid= leaves the fs_context as it was: the mount that follows
 * succeeds and its owner is the default, the mounter (found by msocket_fuzz_mount).
 */
TEST_F(msockfs, fsconfig_refused_id_keeps_context)
{
	char stack[256];
	struct stat st;
	int fs, mnt;

	snprintf(stack, sizeof(stack), "%s/ids", self->dir);
	ASSERT_EQ(0, mkdir(stack, 0755));
	fs = sys_fsopen("msockfs", FSOPEN_CLOEXEC);
	ASSERT_LE(0, fs);
	ASSERT_EQ(0, sys_fsconfig(fs, FSCONFIG_SET_STRING, "netns", self->ns_a, 0));
	EXPECT_EQ(-1, sys_fsconfig(fs, FSCONFIG_SET_STRING, "uid", "4294967295", 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, sys_fsconfig(fs, FSCONFIG_SET_STRING, "gid", "4294967295", 0));
	EXPECT_EQ(EINVAL, errno);
	ASSERT_EQ(0, sys_fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0));
	mnt = sys_fsmount(fs, FSMOUNT_CLOEXEC, 0);
	ASSERT_LE(0, mnt);
	ASSERT_EQ(0, sys_move_mount(mnt, "", AT_FDCWD, stack, MOVE_MOUNT_F_EMPTY_PATH));
	ASSERT_EQ(0, stat(stack, &st));
	EXPECT_EQ(geteuid(), st.st_uid);
	EXPECT_EQ(getegid(), st.st_gid);
	close(mnt);
	close(fs);
}

/*
 * An O_PATH fd works too where fsconfig() takes it with fget_raw(): 7.2 and
 * 7.3 do; Linux 6.12 takes it with fget(), which refuses O_PATH fds (EBADF
 * before msockfs sees it). Documentation/admin-guide/msocket-kernels.rst.
 */
TEST_F(msockfs, fsconfig_opath_fd)
{
	struct utsname u;
	int major = 0, minor = 0, fs, nsfd;

	ASSERT_EQ(0, uname(&u));
	if (sscanf(u.release, "%d.%d", &major, &minor) != 2)
		SKIP(return, "cannot read the version in \"%s\"", u.release);
	if (major < 6 || (major == 6 && minor <= 12))
		SKIP(return, "Linux %s: fsconfig(FSCONFIG_SET_FD) refuses O_PATH fds (fget())",
		     u.release);
	nsfd = open(self->path_a, O_PATH | O_CLOEXEC);
	ASSERT_LE(0, nsfd);
	fs = sys_fsopen("msockfs", FSOPEN_CLOEXEC);
	ASSERT_LE(0, fs);
	ASSERT_EQ(0, sys_fsconfig(fs, FSCONFIG_SET_FD, "netns", NULL, nsfd));
	ASSERT_EQ(0, sys_fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0));
	close(fs);
	close(nsfd);
}

/* /proc/mounts shows every option, and what it shows mounts the same stack again. */
TEST_F(msockfs, proc_mounts_round_trip)
{
	char stack[256], src[300], line[1024], dev[300], mp[300], type[64], opts[512];
	char *data;
	FILE *f;
	int found = 0;

	snprintf(src, sizeof(src), "netns=%s", self->ns_a);
	ASSERT_EQ(0, mount_stack(self->dir, "rt", src, "uid=1001,gid=2001,mode=0750", stack, sizeof(stack)));
	f = fopen("/proc/self/mounts", "r");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%299s %299s %63s %511s", dev, mp, type, opts) == 4 &&
		    !strcmp(mp, stack)) {
			found = 1;
			break;
		}
	}
	fclose(f);
	ASSERT_TRUE(found);
	EXPECT_STREQ(src, dev);
	EXPECT_STREQ("msockfs", type);
	EXPECT_NE(NULL, strstr(opts, "uid=1001"));
	EXPECT_NE(NULL, strstr(opts, "gid=2001"));
	EXPECT_NE(NULL, strstr(opts, "mode=750"));
	ASSERT_EQ(0, umount(stack));
	/* Mount again from exactly what /proc/mounts said (minus rw,relatime). */
	data = strstr(opts, "uid=");
	ASSERT_NE(NULL, data);
	ASSERT_EQ(0, mount(dev, stack, type, 0, data));
	EXPECT_EQ(self->ino_a, stack_ino(stack));
	{
		struct stat st;

		ASSERT_EQ(0, stat(stack, &st));
		EXPECT_EQ(1001, st.st_uid);
		EXPECT_EQ(2001, st.st_gid);
		EXPECT_EQ(0750, st.st_mode & 07777);
		EXPECT_TRUE(S_ISDIR(st.st_mode));
	}

	/* A stack named by an option shows that name as its source. */
	ASSERT_EQ(0, mount_stack(self->dir, "rt2", "none", "netns=/proc/self/ns/net", stack, sizeof(stack)));
	f = fopen("/proc/self/mounts", "r");
	found = 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%299s %299s", dev, mp) == 2 && !strcmp(mp, stack))
			found = !strcmp(dev, "netns=/proc/self/ns/net");
	fclose(f);
	EXPECT_TRUE(found);
}

/* Remount changes uid/gid/mode; it cannot change the netns. */
TEST_F(msockfs, remount)
{
	char stack[256], src[300], buf[128];
	struct stat st;

	snprintf(src, sizeof(src), "netns=%s", self->ns_a);
	ASSERT_EQ(0, mount_stack(self->dir, "r", src, NULL, stack, sizeof(stack)));
	ASSERT_EQ(0, stat(stack, &st));
	EXPECT_EQ(0755, st.st_mode & 07777);	/* the default: only the owner writes */
	EXPECT_EQ(0, st.st_uid);
	ASSERT_EQ(0, mount(NULL, stack, NULL, MS_REMOUNT, "mode=0770,uid=1001,gid=2001"));
	ASSERT_EQ(0, stat(stack, &st));
	EXPECT_EQ(0770, st.st_mode & 07777);
	EXPECT_EQ(1001, st.st_uid);
	EXPECT_EQ(2001, st.st_gid);
	snprintf(buf, sizeof(buf), "%s/options", stack);
	ASSERT_LT(0, read_small_file(buf, src, sizeof(src)));
	EXPECT_STREQ("uid=1001,gid=2001,mode=0770\n", src);

	/* The same netns again is fine; another one is refused. */
	snprintf(buf, sizeof(buf), "netns=%s", self->ns_a);
	EXPECT_EQ(0, mount(NULL, stack, NULL, MS_REMOUNT, buf));
	snprintf(buf, sizeof(buf), "netns=%s", self->ns_b);
	EXPECT_EQ(-1, mount(NULL, stack, NULL, MS_REMOUNT, buf));
	EXPECT_EQ(EBUSY, errno);
	EXPECT_EQ(self->ino_a, stack_ino(stack));
	EXPECT_EQ(-1, mount(NULL, stack, NULL, MS_REMOUNT, "mode=010000"));
	EXPECT_EQ(EINVAL, errno);
}

/* A stack mounted read-only refuses new sockets (EROFS); remounting rw restores it. */
TEST_F(msockfs, read_only_mount)
{
	char stack[256];

	snprintf(stack, sizeof(stack), "%s/ro", self->dir);
	ASSERT_EQ(0, mkdir(stack, 0755));
	ASSERT_EQ(0, mount("current", stack, "msockfs", MS_RDONLY, NULL));
	EXPECT_EQ(-1, msock_path_socket(stack, AF_INET, SOCK_STREAM, 0));
	EXPECT_EQ(EROFS, errno);
	ASSERT_EQ(0, mount(NULL, stack, NULL, MS_REMOUNT, NULL));
	EXPECT_TRUE(socket_in_stack_ok(stack));
}

/* The root is a directory of read-only files describing the stack. */
TEST_F(msockfs, root_directory)
{
	char stack[256], src[300], path[320], buf[128];
	static const char * const names[] = { "netns", "netns_cookie", "options", "source" };
	struct msock_stack_info info = {};
	int i, fd, n, round;
	struct dirent *de;
	DIR *d;

	snprintf(src, sizeof(src), "netns=%s", self->ns_a);
	ASSERT_EQ(0, mount_stack(self->dir, "d", src, "mode=0751", stack, sizeof(stack)));
	/*
	 * The info files are made on lookup and dropped after use: readdir
	 * and stat must agree on them (names, types, inode numbers) before
	 * and after they were looked up, and a lookup of another name
	 * finds nothing.
	 */
	for (round = 0; round < 2; round++) {
		ino_t seen[4] = {};

		d = opendir(stack);
		ASSERT_NE(NULL, d);
		n = 0;
		while ((de = readdir(d))) {
			if (de->d_name[0] == '.')
				continue;
			n++;
			for (i = 0; i < 4; i++)
				if (!strcmp(de->d_name, names[i]))
					break;
			ASSERT_GT(4, i) TH_LOG("unexpected entry %s", de->d_name);
			EXPECT_EQ(DT_REG, de->d_type);
			EXPECT_EQ(0, seen[i]);
			seen[i] = de->d_ino;
		}
		closedir(d);
		EXPECT_EQ(4, n);
		for (i = 0; i < 4; i++) {
			struct stat st;

			snprintf(path, sizeof(path), "%s/%s", stack, names[i]);
			ASSERT_EQ(0, stat(path, &st));
			/* readable by whom may read the root (mode 0751) */
			EXPECT_EQ(S_IFREG | 0440, st.st_mode);
			EXPECT_EQ(seen[i], st.st_ino);
			fd = open(path, O_WRONLY);	/* root may open it, but not write */
			EXPECT_EQ(-1, write(fd, "x", 1));
			close(fd);
			/* made afresh at each lookup: a chmod would not stick */
			EXPECT_EQ(-1, chmod(path, 0644));
			EXPECT_EQ(EPERM, errno);
			EXPECT_EQ(-1, chown(path, 1, 1));
			EXPECT_EQ(EPERM, errno);
		}
		snprintf(path, sizeof(path), "%s/netns_", stack);
		EXPECT_EQ(-1, access(path, F_OK));
		EXPECT_EQ(ENOENT, errno);
	}
	snprintf(path, sizeof(path), "%s/source", stack);
	ASSERT_LT(0, read_small_file(path, buf, sizeof(buf)));
	snprintf(path, sizeof(path), "%s\n", src);
	EXPECT_STREQ(path, buf);
	snprintf(path, sizeof(path), "%s/netns", stack);
	ASSERT_LT(0, read_small_file(path, buf, sizeof(buf)));
	snprintf(path, sizeof(path), "net:[%lu]\n", self->ino_a);
	EXPECT_STREQ(path, buf);
	/* Nothing can be created in a stack. */
	snprintf(path, sizeof(path), "%s/new", stack);
	EXPECT_EQ(-1, open(path, O_CREAT | O_WRONLY, 0644));
	EXPECT_EQ(-1, mkdir(path, 0755));

	fd = open(stack, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, ioctl(fd, MSOCK_IOC_STACK_INFO, &info));
	EXPECT_EQ(self->ino_a, info.netns_ino);
	EXPECT_NE(0, info.netns_cookie);
	EXPECT_EQ(0751, info.mode);
	EXPECT_EQ(0, info.uid);
	snprintf(path, sizeof(path), "%s/netns_cookie", stack);
	ASSERT_LT(0, read_small_file(path, buf, sizeof(buf)));
	EXPECT_EQ(info.netns_cookie, strtoull(buf, NULL, 10));
	/* An unknown ioctl on a stack */
	EXPECT_EQ(-1, ioctl(fd, _IO(MSOCKIO, 0x7f)));
	EXPECT_EQ(ENOTTY, errno);
	close(fd);
}

/*
 * Sockets are ordinary sockets of the stack's netns, made as socket(2) would
 * (over 30 s on the debug kernel under TCG on a loaded host).
 */
TEST_F_TIMEOUT(msockfs, socket_properties, 120)
{
	char stack[256], src[300];
	int fd, sfd, v;
	socklen_t len = sizeof(v);

	snprintf(src, sizeof(src), "netns=%s", self->ns_b);
	ASSERT_EQ(0, mount_stack(self->dir, "p", src, NULL, stack, sizeof(stack)));
	sfd = open(stack, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ASSERT_LE(0, sfd);

	fd = msock_fd_socket(sfd, AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(FD_CLOEXEC, fcntl(fd, F_GETFD) & FD_CLOEXEC);
	EXPECT_EQ(O_NONBLOCK, fcntl(fd, F_GETFL) & O_NONBLOCK);
	EXPECT_EQ(0, getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &v, &len));
	EXPECT_EQ(AF_INET, v);
	EXPECT_EQ(0, getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &len));
	EXPECT_EQ(SOCK_DGRAM, v);
	EXPECT_EQ(0, getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &v, &len));
	EXPECT_EQ(IPPROTO_UDP, v);
	EXPECT_EQ(stack_cookie(stack), sock_cookie(fd));
	close(fd);
	fd = socket(AF_INET, SOCK_DGRAM, 0);	/* a plain socket: another netns */
	EXPECT_NE(stack_cookie(stack), sock_cookie(fd));
	close(fd);

	fd = msock_path_socket(stack, AF_INET6, SOCK_STREAM, 0);
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, fcntl(fd, F_GETFD) & FD_CLOEXEC);
	EXPECT_EQ(0, fcntl(fd, F_GETFL) & O_NONBLOCK);
	close(fd);

	fd = msock_path_socket(stack, AF_UNIX, SOCK_SEQPACKET, 0);
	EXPECT_LE(0, fd);
	close(fd);
	fd = msock_path_socket(stack, AF_INET, SOCK_RAW, IPPROTO_ICMP);
	EXPECT_LE(0, fd);	/* root has CAP_NET_RAW over the netns */
	close(fd);
	close(sfd);
}

/*
 * Errors are those of socket(2); an unsupported family stays EAFNOSUPPORT.
 * (Unsupported families make the kernel call modprobe: slow on debug kernels.)
 */
TEST_F_TIMEOUT(msockfs, socket_errors, 180)
{
	char stack[256];
	struct msock_socket_args bad = { .domain = AF_INET, .type = SOCK_STREAM, .flags = 1 };
	struct rlimit rl = { 8, 8 };
	int sfd, fd, i;
	struct {
		int domain, type, protocol, err;
	} cases[] = {
		{ AF_INET, -1, 0, EINVAL },		/* vustack -s: supported family */
		/*
		 * ... an unsupported one: AF_IUCV exists on s390 only
		 * (AF_BLUETOOTH, a module on distribution kernels, would be loaded)
		 */
		{ 32 /* AF_IUCV */, -1, 0, EAFNOSUPPORT },
		{ 32, SOCK_STREAM, 0, EAFNOSUPPORT },
		{ -1, SOCK_STREAM, 0, EAFNOSUPPORT },
		{ 46 /* AF_MAX */, SOCK_STREAM, 0, EAFNOSUPPORT },
		{ 12345, -1, 0, EAFNOSUPPORT },
		{ AF_INET, 11, 0, EINVAL },
		{ AF_INET, SOCK_STREAM | 0x100, 0, EINVAL },
		{ AF_INET, SOCK_STREAM, IPPROTO_UDP, EPROTONOSUPPORT },
		{ AF_INET, SOCK_STREAM, 200, EPROTONOSUPPORT },
		{ AF_UNIX, SOCK_STREAM, 7, EPROTONOSUPPORT },
		{ AF_INET, SOCK_SEQPACKET, 0, ESOCKTNOSUPPORT },
	};

	ASSERT_EQ(0, mount_stack(self->dir, "e", "current", NULL, stack, sizeof(stack)));
	sfd = open(stack, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ASSERT_LE(0, sfd);
	for (i = 0; i < (int)ARRAY_SIZE(cases); i++) {
		int want, plain;

		/* Compare with socket(2) where a valid type makes them comparable. */
		plain = socket(cases[i].domain, cases[i].type, cases[i].protocol);
		want = plain < 0 ? errno : 0;
		if (plain >= 0)
			close(plain);
		if (cases[i].type >= 0 && cases[i].type < 11)
			EXPECT_EQ(cases[i].err, want);
		TH_LOG("case %d: %d/%d/%d", i, cases[i].domain, cases[i].type, cases[i].protocol);
		EXPECT_EQ(-1, msock_fd_socket(sfd, cases[i].domain, cases[i].type, cases[i].protocol));
		EXPECT_EQ(cases[i].err, errno);
		EXPECT_EQ(-1, msock_path_socket(stack, cases[i].domain, cases[i].type, cases[i].protocol));
		EXPECT_EQ(cases[i].err, errno);
	}
	EXPECT_EQ(-1, ioctl(sfd, MSOCK_IOC_SOCKET, &bad));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(sfd, MSOCK_IOC_SOCKET, (void *)8));
	EXPECT_EQ(EFAULT, errno);

	/* EMFILE, and nothing is left behind by the failure. */
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &rl));
	for (i = 0; i < 16; i++) {
		fd = msock_fd_socket(sfd, AF_INET, SOCK_DGRAM, 0);
		if (fd < 0)
			break;
	}
	EXPECT_EQ(-1, fd);
	EXPECT_EQ(EMFILE, errno);
	close(sfd);
}

/* The path entry: ENOENT for a missing path, ENOTSUP for a path that is not a stack. */
TEST_F(msockfs, path_entry_errors)
{
	char stack[256], path[320], link[320];
	struct msock_path_socket_args args = { .dirfd = AT_FDCWD, .domain = AF_INET,
					       .type = SOCK_STREAM };
	int dev, fd;

	ASSERT_EQ(0, mount_stack(self->dir, "pe", "current", NULL, stack, sizeof(stack)));
	snprintf(path, sizeof(path), "%s/missing", self->dir);
	EXPECT_EQ(-1, msock_path_socket(path, AF_INET, SOCK_STREAM, 0));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(-1, msock_path_socket(self->dir, AF_INET, SOCK_STREAM, 0));
	EXPECT_EQ(ENOTSUP, errno);
	EXPECT_EQ(-1, msock_path_socket("/dev/null", AF_INET, SOCK_STREAM, 0));
	EXPECT_EQ(ENOTSUP, errno);
	snprintf(path, sizeof(path), "%s/netns", stack);	/* inside a stack, not its root */
	EXPECT_EQ(-1, msock_path_socket(path, AF_INET, SOCK_STREAM, 0));
	EXPECT_EQ(ENOTSUP, errno);
	EXPECT_EQ(-1, msock_path_socket(self->path_a, AF_INET, SOCK_STREAM, 0));
	EXPECT_EQ(ENOTSUP, errno);	/* an nsfs file is not a stack */
	EXPECT_EQ(-1, msock_path_socket("", AF_INET, SOCK_STREAM, 0));
	EXPECT_EQ(ENOENT, errno);

	/* Symbolic links are followed unless MSOCK_PATH_NOFOLLOW. */
	snprintf(link, sizeof(link), "%s/link", self->dir);
	ASSERT_EQ(0, symlink(stack, link));
	fd = msock_path_socket(link, AF_INET, SOCK_STREAM, 0);
	EXPECT_LE(0, fd);
	close(fd);
	dev = open(MSOCKET_DEVICE, O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, dev);
	args.path = (uintptr_t)link;
	args.flags = MSOCK_PATH_NOFOLLOW;
	EXPECT_EQ(-1, ioctl(dev, MSOCK_IOC_PATH_SOCKET, &args));
	EXPECT_EQ(ENOTSUP, errno);
	/* Relative to a directory fd. */
	fd = open(self->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	args.dirfd = fd;
	args.path = (uintptr_t)"pe";
	args.flags = 0;
	{
		int s = ioctl(dev, MSOCK_IOC_PATH_SOCKET, &args);

		EXPECT_LE(0, s);
		close(s);
	}
	close(fd);
	args.dirfd = AT_FDCWD;
	args.path = (uintptr_t)stack;
	args.flags = 0x80;
	EXPECT_EQ(-1, ioctl(dev, MSOCK_IOC_PATH_SOCKET, &args));
	EXPECT_EQ(EINVAL, errno);
	args.flags = 0;
	args.reserved = 1;
	EXPECT_EQ(-1, ioctl(dev, MSOCK_IOC_PATH_SOCKET, &args));
	EXPECT_EQ(EINVAL, errno);
	args.reserved = 0;
	args.path = 16;		/* unmapped */
	EXPECT_EQ(-1, ioctl(dev, MSOCK_IOC_PATH_SOCKET, &args));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(dev, MSOCK_IOC_PATH_SOCKET, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(dev, MSOCK_IOC_SOCKET, &args));
	EXPECT_EQ(ENOTTY, errno);
	close(dev);
}

/* Every bad mount gets its errno and a message in the fsopen log; nothing is leaked. */
TEST_F(msockfs, bad_mounts)
{
	char stack[256], a[300], b[300];
	struct {
		const char *source, *options;
		int err;
	} cases[] = {
		{ "netns=does-not-exist", NULL, ENOENT },
		{ "netns=/does/not/exist", NULL, ENOENT },
		{ "netns=/etc/passwd", NULL, EINVAL },		/* not nsfs */
		{ "netns=/proc/self/ns/uts", NULL, EINVAL },	/* not a netns */
		{ "netns=", NULL, EINVAL },
		{ "netns=a/b", NULL, EINVAL },
		{ "netns=..", NULL, EINVAL },
		{ "pid=0", NULL, EINVAL },
		{ "pid=abc", NULL, EINVAL },
		{ "pid=1", NULL, EINVAL },		/* pid= was removed */
		{ "bogus", NULL, EINVAL },
		{ "none", "bogus=1", EINVAL },
		{ "none", "mode=8", EINVAL },
		{ "none", "mode=017777", EINVAL },
		{ "none", "mode=", EINVAL },
		{ "none", "uid=abc", EINVAL },
		{ "none", "uid=4294967295", EINVAL },	/* no mapping */
		{ "none", "pid=-5", EINVAL },
		{ "none", "pid=1", EINVAL },
		{ "none", "netns=", EINVAL },
		{ "none", "families=", EINVAL },
		{ "none", "families=bogus", EINVAL },
		{ "none", "families=0", EINVAL },
		{ "none", "families=46", EINVAL },
		{ "none", "families=inet:", EINVAL },
		{ a, b, EINVAL },			/* named twice */
		{ "current", "current", EINVAL },
	};
	char log[512];
	int i, fs;
	ssize_t n;

	snprintf(a, sizeof(a), "netns=%s", self->ns_a);
	snprintf(b, sizeof(b), "netns=%s", self->ns_b);
	snprintf(stack, sizeof(stack), "%s/bad", self->dir);
	ASSERT_EQ(0, mkdir(stack, 0755));
	for (i = 0; i < (int)ARRAY_SIZE(cases); i++) {
		TH_LOG("case %d: %s -o %s", i, cases[i].source, cases[i].options ?: "");
		EXPECT_EQ(-1, mount(cases[i].source, stack, "msockfs", 0, cases[i].options));
		EXPECT_EQ(cases[i].err, errno);
	}
	/* The fsopen log explains. */
	fs = sys_fsopen("msockfs", FSOPEN_CLOEXEC);
	ASSERT_LE(0, fs);
	EXPECT_EQ(-1, sys_fsconfig(fs, FSCONFIG_SET_STRING, "netns", "/etc/passwd", 0));
	EXPECT_EQ(EINVAL, errno);
	n = read(fs, log, sizeof(log) - 1);
	ASSERT_LT(0, n);
	log[n] = '\0';
	EXPECT_NE(NULL, strstr(log, "not an nsfs file"));
	EXPECT_EQ(-1, sys_fsconfig(fs, FSCONFIG_SET_STRING, "netns", "no-such-ns", 0));
	EXPECT_EQ(ENOENT, errno);
	n = read(fs, log, sizeof(log) - 1);
	ASSERT_LT(0, n);
	log[n] = '\0';
	EXPECT_NE(NULL, strstr(log, "no-such-ns"));
	EXPECT_EQ(-1, sys_fsconfig(fs, FSCONFIG_SET_STRING, "source", "pid=1", 0));
	EXPECT_EQ(EINVAL, errno);
	n = read(fs, log, sizeof(log) - 1);
	ASSERT_LT(0, n);
	log[n] = '\0';
	EXPECT_NE(NULL, strstr(log, "pid= was removed"));
	{	/* an fd that is not a netns: a pipe, a socket, a user namespace */
		int p[2], ufd;

		ASSERT_EQ(0, pipe(p));
		EXPECT_EQ(-1, sys_fsconfig(fs, FSCONFIG_SET_FD, "netns", NULL, p[0]));
		EXPECT_EQ(EINVAL, errno);
		ufd = open("/proc/self/ns/user", O_RDONLY);
		EXPECT_EQ(-1, sys_fsconfig(fs, FSCONFIG_SET_FD, "netns", NULL, ufd));
		EXPECT_EQ(EINVAL, errno);
		EXPECT_EQ(-1, sys_fsconfig(fs, FSCONFIG_SET_FD, "netns", NULL, 9999));
		EXPECT_EQ(EBADF, errno);
		EXPECT_EQ(-1, sys_fsconfig(fs, FSCONFIG_SET_FD, "uid", NULL, p[0]));
		EXPECT_EQ(EINVAL, errno);
		close(p[0]);
		close(p[1]);
		close(ufd);
	}
	close(fs);
}

/* Who may use a stack: the mount's uid/gid/mode, checked at every call. */
struct perm_arg {
	const char *stack;
	int stackfd;
	int domain, type, protocol;
};

static int try_path_socket(void *p)
{
	struct perm_arg *a = p;
	int fd = msock_path_socket(a->stack, a->domain, a->type, a->protocol);

	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

static int try_fd_socket(void *p)
{
	struct perm_arg *a = p;
	int fd = msock_fd_socket(a->stackfd, a->domain, a->type, a->protocol);

	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

static int try_open_and_socket(void *p)
{
	struct perm_arg *a = p;
	int sfd = open(a->stack, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int fd;

	if (sfd < 0)
		return errno;
	fd = msock_fd_socket(sfd, a->domain, a->type, a->protocol);
	close(sfd);
	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

static int try_get_netns(void *p)
{
	struct perm_arg *a = p;
	int fd = ioctl(a->stackfd, MSOCK_IOC_GET_NETNS);

	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

static int try_chmod(void *p)
{
	struct perm_arg *a = p;

	return chmod(a->stack, 0700) ? errno : 0;
}

static int try_chgrp(void *p)
{
	struct perm_arg *a = p;

	return chown(a->stack, -1, GROUP_X) ? errno : 0;
}

TEST_F(msockfs, permission_matrix)
{
	char stack[256], src[300];
	struct perm_arg arg = { .domain = AF_INET, .type = SOCK_STREAM };
	struct {
		const char *what;
		int mode;
		uid_t uid;
		gid_t group;
		int (*fn)(void *arg);
		int err;
	} cases[] = {
		{ "owner 0700",		0700, USER_A, GROUP_X, try_path_socket, 0 },
		{ "group 0700",		0700, USER_B, GROUP_S, try_path_socket, EACCES },
		{ "other 0700",		0700, USER_C, GROUP_X, try_path_socket, EACCES },
		{ "owner 0500",		0500, USER_A, GROUP_X, try_path_socket, EACCES },
		{ "group 0770",		0770, USER_B, GROUP_S, try_path_socket, 0 },
		{ "group 0750",		0750, USER_B, GROUP_S, try_path_socket, EACCES },
		{ "other 0770",		0770, USER_C, GROUP_X, try_path_socket, EACCES },
		{ "other 0777",		0777, USER_C, GROUP_X, try_path_socket, 0 },
		{ "other 0755 default",	0755, USER_C, GROUP_X, try_path_socket, EACCES },
		{ "other 0773",		0773, USER_C, GROUP_X, try_path_socket, 0 },
		{ "owner 0077",		0077, USER_A, GROUP_S, try_path_socket, EACCES },
		{ "owner fd 0700",	0700, USER_A, GROUP_X, try_open_and_socket, 0 },
		{ "group fd 0750",	0750, USER_B, GROUP_S, try_open_and_socket, EACCES },
		{ "other fd 0755",	0755, USER_C, GROUP_X, try_open_and_socket, EACCES },
		{ "other fd 0700",	0700, USER_C, GROUP_X, try_open_and_socket, EACCES },
		{ "other raw 0777",	0777, USER_C, GROUP_X, try_path_socket, EPERM },
		{ "owner raw 0700",	0700, USER_A, GROUP_X, try_path_socket, EPERM },
		{ "owner chmod",	0755, USER_A, GROUP_X, try_chmod, 0 },
		{ "other chmod",	0777, USER_C, GROUP_X, try_chmod, EPERM },
		{ "owner chgrp",	0755, USER_A, GROUP_X, try_chgrp, 0 },
		{ "other chgrp",	0777, USER_C, GROUP_X, try_chgrp, EPERM },
	};
	int i;

	snprintf(src, sizeof(src), "netns=%s", self->ns_a);
	ASSERT_EQ(0, mount_stack(self->dir, "perm", src, NULL, stack, sizeof(stack)));
	arg.stack = stack;
	for (i = 0; i < (int)ARRAY_SIZE(cases); i++) {
		ASSERT_EQ(0, chown(stack, USER_A, GROUP_S));
		ASSERT_EQ(0, chmod(stack, cases[i].mode));
		arg.type = SOCK_STREAM;
		arg.protocol = 0;
		if (strstr(cases[i].what, "raw")) {
			arg.type = SOCK_RAW;
			arg.protocol = IPPROTO_ICMP;
		}
		TH_LOG("case %s", cases[i].what);
		EXPECT_EQ(cases[i].err, as_user(cases[i].uid, cases[i].uid, cases[i].group,
						cases[i].fn, &arg));
	}
}

/* chmod revokes at the next call, for paths and for already open stack fds. */
TEST_F(msockfs, chmod_revokes_next_call)
{
	char stack[256];
	struct perm_arg arg = { .domain = AF_INET, .type = SOCK_DGRAM };

	ASSERT_EQ(0, mount_stack(self->dir, "rv", "current", "uid=1001,gid=2001,mode=0700",
				 stack, sizeof(stack)));
	arg.stack = stack;
	arg.stackfd = open(stack, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ASSERT_LE(0, arg.stackfd);
	/* root opened the fd: it acts with root's rights */
	EXPECT_EQ(0, try_fd_socket(&arg));
	close(arg.stackfd);

	/* an fd opened by the owner, used by the owner's child after a chmod */
	{
		pid_t pid = fork();
		int status;

		if (pid == 0) {
			gid_t g = GROUP_S;

			if (setgroups(1, &g) || setresgid(2001, 2001, 2001) ||
			    setresuid(USER_A, USER_A, USER_A))
				_exit(100);
			arg.stackfd = open(stack, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (arg.stackfd < 0)
				_exit(101);
			if (try_fd_socket(&arg) || try_path_socket(&arg))
				_exit(102);
			if (chmod(stack, 0500))
				_exit(103);
			if (try_fd_socket(&arg) != EACCES || try_path_socket(&arg) != EACCES)
				_exit(104);
			if (chmod(stack, 0700))
				_exit(105);
			if (try_fd_socket(&arg) || try_path_socket(&arg))
				_exit(106);
			_exit(0);
		}
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		EXPECT_TRUE(WIFEXITED(status));
		EXPECT_EQ(0, WEXITSTATUS(status));
	}
	/* chown away from the owner revokes too. */
	ASSERT_EQ(0, chown(stack, USER_B, -1));
	EXPECT_EQ(EACCES, as_user(USER_A, USER_A, GROUP_X, try_path_socket, &arg));
	EXPECT_EQ(0, as_user(USER_B, USER_B, GROUP_X, try_path_socket, &arg));
}

/*
 * An open stack directory is a name, not a capability: passed over
 * SCM_RIGHTS it grants the receiver nothing its own credentials do not
 * (delegation is through stack handles: msocket_security_test).
 */
TEST_F(msockfs, scm_rights_dir_fd_is_a_name)
{
	char stack[256];
	int sp[2], status;
	pid_t pid;

	ASSERT_EQ(0, mount_stack(self->dir, "cap", "current", "uid=1001,gid=2001,mode=0700",
				 stack, sizeof(stack)));
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sp));
	pid = fork();
	if (pid == 0) {
		struct perm_arg arg = { .stack = stack, .domain = AF_INET, .type = SOCK_STREAM };
		gid_t g = GROUP_X;

		close(sp[0]);
		if (setgroups(1, &g) || setresgid(2002, 2002, 2002) ||
		    setresuid(USER_C, USER_C, USER_C))
			_exit(100);
		if (try_path_socket(&arg) != EACCES)	/* not by path */
			_exit(101);
		arg.stackfd = recv_fd(sp[1]);
		if (arg.stackfd < 0)
			_exit(103);
		if (try_fd_socket(&arg) != EACCES)	/* nor with the owner's fd */
			_exit(104);
		if (try_get_netns(&arg) != EACCES)
			_exit(105);
		_exit(0);
	}
	close(sp[1]);
	{	/* the owner opens the stack, makes a socket and passes the fd */
		pid_t opener = fork();

		if (opener == 0) {
			gid_t g = GROUP_S;
			int fd, s;

			if (setgroups(1, &g) || setresgid(2001, 2001, 2001) ||
			    setresuid(USER_A, USER_A, USER_A))
				_exit(1);
			fd = open(stack, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			s = msock_fd_socket(fd, AF_INET, SOCK_STREAM, 0);
			_exit(fd < 0 || s < 0 || send_fd(sp[0], fd));
		}
		ASSERT_EQ(opener, waitpid(opener, &status, 0));
		ASSERT_EQ(0, WEXITSTATUS(status));
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	close(sp[0]);
}

/* MSOCK_IOC_GET_NETNS: an nsfs fd of the stack's netns, for CAP_NET_ADMIN over it. */
TEST_F(msockfs, get_netns)
{
	char stack[256], src[300];
	struct stat st;
	int sfd, nsfd;

	snprintf(src, sizeof(src), "netns=%s", self->ns_b);
	ASSERT_EQ(0, mount_stack(self->dir, "gn", src, "mode=0777", stack, sizeof(stack)));
	sfd = open(stack, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ASSERT_LE(0, sfd);
	nsfd = ioctl(sfd, MSOCK_IOC_GET_NETNS);
	ASSERT_LE(0, nsfd);
	ASSERT_EQ(0, fstat(nsfd, &st));
	EXPECT_EQ(self->ino_b, st.st_ino);
	EXPECT_EQ(CLONE_NEWNET, ioctl(nsfd, NS_GET_NSTYPE));
	EXPECT_EQ(FD_CLOEXEC, fcntl(nsfd, F_GETFD) & FD_CLOEXEC);
	/* it can be entered by who may setns */
	EXPECT_EQ(0, setns(nsfd, CLONE_NEWNET));
	EXPECT_EQ(self->ino_b, ns_ino("/proc/self/ns/net"));
	close(nsfd);
	close(sfd);
}

/* The mount keeps its netns: ip netns del leaves the stack working. */
TEST_F(msockfs, netns_del_keeps_stack)
{
	char stack[256], src[300], got[64];
	int l, c;

	snprintf(src, sizeof(src), "netns=%s", self->ns_a);
	ASSERT_EQ(0, mount_stack(self->dir, "del", src, NULL, stack, sizeof(stack)));
	l = listen_in(stack, 7100);
	ASSERT_LE(0, l);
	c = connect_in(stack, 7100);
	ASSERT_LE(0, c);
	ASSERT_EQ(0, run("ip netns del %s", self->ns_a));
	EXPECT_EQ(-1, access(self->path_a, F_OK));
	ASSERT_EQ(0, exchange(l, c, "still here", got, sizeof(got)));
	EXPECT_STREQ("still here", got);
	close(c);
	/* new sockets in the deleted-but-mounted netns still work */
	c = connect_in(stack, 7100);
	ASSERT_LE(0, c);
	ASSERT_EQ(0, exchange(l, c, "and again", got, sizeof(got)));
	EXPECT_STREQ("and again", got);
	EXPECT_EQ(self->ino_a, stack_ino(stack));
	close(c);
	close(l);
}

/* Unmount, lazy or not, never breaks live sockets. */
TEST_F(msockfs, umount_keeps_sockets)
{
	char stack[256], src[300], got[64];
	int l, c, sfd, s2;

	snprintf(src, sizeof(src), "netns=%s", self->ns_b);
	ASSERT_EQ(0, mount_stack(self->dir, "um", src, NULL, stack, sizeof(stack)));
	l = listen_in(stack, 7200);
	ASSERT_LE(0, l);
	c = connect_in(stack, 7200);
	ASSERT_LE(0, c);
	ASSERT_EQ(0, umount(stack));
	ASSERT_EQ(0, run("ip netns del %s", self->ns_b));	/* only the sockets hold it now */
	ASSERT_EQ(0, exchange(l, c, "after umount", got, sizeof(got)));
	EXPECT_STREQ("after umount", got);
	close(c);
	close(l);

	/* lazy: an open stack fd keeps working after MNT_DETACH */
	ASSERT_EQ(0, mount_stack(self->dir, "um", "current", NULL, stack, sizeof(stack)));
	sfd = open(stack, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ASSERT_LE(0, sfd);
	s2 = msock_fd_socket(sfd, AF_INET, SOCK_STREAM, 0);
	ASSERT_LE(0, s2);
	ASSERT_EQ(0, umount2(stack, MNT_DETACH));
	EXPECT_EQ(-1, msock_path_socket(stack, AF_INET, SOCK_STREAM, 0));
	EXPECT_EQ(ENOTSUP, errno);	/* the name is gone: a plain directory again */
	c = msock_fd_socket(sfd, AF_INET, SOCK_STREAM, 0);
	EXPECT_LE(0, c);
	close(c);
	close(s2);
	close(sfd);
}

/*
 * Run as USER_C: become root of a new user namespace (USER_C mapped to 0)
 * with new network and mount namespaces. Returns 0 or a code from 89 to 93.
 */
static int enter_userns_root(void)
{
	char buf[64];
	int fd;

	/* setresuid() cleared "dumpable": /proc/self would belong to root */
	if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0))
		return 89;
	if (unshare(CLONE_NEWUSER | CLONE_NEWNET | CLONE_NEWNS))
		return 90;
	fd = open("/proc/self/setgroups", O_WRONLY);
	if (fd < 0 || write(fd, "deny", 4) != 4)
		return 91;
	close(fd);
	snprintf(buf, sizeof(buf), "0 %d 1", USER_C);
	fd = open("/proc/self/uid_map", O_WRONLY);
	if (fd < 0 || write(fd, buf, strlen(buf)) != (ssize_t)strlen(buf))
		return 92;
	close(fd);
	fd = open("/proc/self/gid_map", O_WRONLY);
	if (fd < 0 || write(fd, buf, strlen(buf)) != (ssize_t)strlen(buf))
		return 93;
	close(fd);
	return 0;
}

/* A user-namespace root mounts stacks for netns it owns, and nothing more. */
static int userns_child(void *p)
{
	const char *dir = p;
	char stack[300];
	int s, err;

	err = enter_userns_root();
	if (err)
		return err;
	snprintf(stack, sizeof(stack), "%s/userns", dir);
	if (mkdir(stack, 0755) && errno != EEXIST)
		return 94;
	/* its own netns: yes */
	if (mount("current", stack, "msockfs", 0, NULL))
		return 95;
	s = msock_path_socket(stack, AF_INET, SOCK_STREAM, 0);
	if (s < 0)
		return 96;
	close(s);
	if (umount(stack))
		return 97;
	/* the init netns, owned by the initial user namespace: no */
	if (!mount("netns=/proc/1/ns/net", stack, "msockfs", 0, NULL))
		return 98;
	if (errno != EPERM && errno != EACCES)
		return 99;
	/* mode/uid inside the user namespace map to the container's ids */
	if (mount("current", stack, "msockfs", 0, "uid=0,gid=0,mode=0700"))
		return 101;
	if (!mount("current", stack, "msockfs", 0, "uid=5"))	/* unmapped */
		return 102;
	return 0;
}

TEST_F(msockfs, userns_mount)
{
	EXPECT_EQ(0, as_user(USER_C, USER_C, USER_C, userns_child, self->dir));
}

/* An unprivileged user cannot bind a netns at all. */
static int unpriv_mount(void *p)
{
	const char *stack = p;

	if (!mount("current", stack, "msockfs", 0, NULL))
		return 1;
	return errno;
}

TEST_F(msockfs, unprivileged_mount_denied)
{
	char stack[256];

	snprintf(stack, sizeof(stack), "%s/up", self->dir);
	ASSERT_EQ(0, mkdir(stack, 0777));
	EXPECT_EQ(EPERM, as_user(USER_C, USER_C, USER_C, unpriv_mount, stack));
}

static int delete_module(const char *name, int flags)
{
	return syscall(__NR_delete_module, name, flags);
}

/* The module cannot go while a stack is mounted; it goes cleanly after, and autoloads. */
TEST_F(msockfs, module_unload_and_autoload)
{
	const char *ko = getenv("MSOCKET_KO");
	char stack[256], helper[256], logf[256], buf[256], saved[256];
	int fd, i, err = 0;

	if (!ko)
		SKIP(return, "MSOCKET_KO not set");
	ASSERT_EQ(0, mount_stack(self->dir, "mod", "current", NULL, stack, sizeof(stack)));
	EXPECT_EQ(-1, delete_module("msocket", O_NONBLOCK));
	EXPECT_EQ(EWOULDBLOCK, errno);	/* rmmod: "Module msocket is in use" */
	ASSERT_EQ(0, umount(stack));
	/* The last put of the superblock may lag a moment behind umount. */
	for (i = 0; i < 50; i++) {
		err = delete_module("msocket", O_NONBLOCK) ? errno : 0;
		if (err != EWOULDBLOCK)
			break;
		usleep(100000);
	}
	ASSERT_EQ(0, err);
	EXPECT_EQ(-1, access(MSOCKET_DEVICE, F_OK));

	/* mount -t msockfs loads the module through its fs-msockfs alias. */
	/* The kernel runs modprobe in the initial mount namespace: not in self->dir. */
	snprintf(helper, sizeof(helper), "/tmp/msocket-modprobe-%d", getpid());
	snprintf(logf, sizeof(logf), "/tmp/msocket-modprobe-%d.log", getpid());
	snprintf(buf, sizeof(buf), "#!/bin/sh\necho \"$@\" >> %s\nexec insmod %s\n", logf, ko);
	fd = open(helper, O_CREAT | O_WRONLY | O_TRUNC, 0755);
	ASSERT_LE(0, fd);
	ASSERT_EQ((ssize_t)strlen(buf), write(fd, buf, strlen(buf)));
	close(fd);
	ASSERT_LT(0, read_small_file("/proc/sys/kernel/modprobe", saved, sizeof(saved)));
	fd = open("/proc/sys/kernel/modprobe", O_WRONLY);
	ASSERT_LE(0, fd);
	ASSERT_LT(0, write(fd, helper, strlen(helper)));
	close(fd);
	err = mount_stack(self->dir, "mod", "current", NULL, NULL, 0);
	fd = open("/proc/sys/kernel/modprobe", O_WRONLY);
	write(fd, saved, strlen(saved));
	close(fd);
	if (err) {	/* leave the module loaded for the tests after us */
		syscall(__NR_finit_module, open(ko, O_RDONLY | O_CLOEXEC), "", 0);
	}
	unlink(helper);
	ASSERT_EQ(0, err);
	ASSERT_LT(0, read_small_file(logf, buf, sizeof(buf)));
	unlink(logf);
	EXPECT_NE(NULL, strstr(buf, "fs-msockfs"));
	EXPECT_TRUE(socket_in_stack_ok(stack));
	EXPECT_EQ(0, access(MSOCKET_DEVICE, F_OK));
}

TEST_HARNESS_MAIN
