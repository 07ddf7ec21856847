// SPDX-License-Identifier: GPL-2.0
/*
 * libmsocket (msocket(3)): View-OS semantics of the NULL path, SOCK_DEFAULT,
 * /dev/net/default, per-family defaults, inheritance over fork and exec,
 * errno, msocketat() and the fallback without /dev/msocket; stack handles
 * (msocket_handle(), msocket_handleat()).
 *
 * Runs as root with msocket.ko loaded; links libmsocket.a.
 */
#define _GNU_SOURCE
#include <sys/socket.h>
#include <sys/stat.h>

#include <msocket.h>

#include "msocket_helpers.h"
#include "kselftest_harness.h"

static unsigned long long cookie_of(int fd)
{
	unsigned long long c = 0;
	socklen_t len = sizeof(c);

	if (fd < 0 || getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &c, &len))
		return 0;
	return c;
}

static unsigned long long cookie_close(int fd)
{
	unsigned long long c = cookie_of(fd);

	if (fd >= 0)
		close(fd);
	return c;
}

FIXTURE(shim) {
	char dir[128];
	char a[192], b[192];		/* two stacks */
	char ns_a[64], ns_b[64];
	unsigned long long ca, cb, cself;
};

static void clear_defaults(void)
{
	char name[32];
	int d;

	unsetenv("MSOCKET_STACK");
	for (d = 0; d < 64; d++) {
		snprintf(name, sizeof(name), "MSOCKET_STACK_%d", d);
		unsetenv(name);
	}
}

FIXTURE_SETUP(shim)
{
	char src[128];

	clear_defaults();
	ASSERT_EQ(0, unshare(CLONE_NEWNS));
	ASSERT_EQ(0, mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL));
	snprintf(self->dir, sizeof(self->dir), "/tmp/msocket-shim-%d", getpid());
	ASSERT_EQ(0, mkdir(self->dir, 0755));
	ASSERT_EQ(0, mount("tmpfs", self->dir, "tmpfs", 0, "mode=0755"));
	snprintf(self->ns_a, sizeof(self->ns_a), "shim%d-a", getpid());
	snprintf(self->ns_b, sizeof(self->ns_b), "shim%d-b", getpid());
	ASSERT_EQ(0, run("ip netns add %s && ip netns add %s", self->ns_a, self->ns_b));
	snprintf(self->a, sizeof(self->a), "%s/a", self->dir);
	snprintf(self->b, sizeof(self->b), "%s/b", self->dir);
	ASSERT_EQ(0, mkdir(self->a, 0755));
	ASSERT_EQ(0, mkdir(self->b, 0755));
	snprintf(src, sizeof(src), "netns=%s", self->ns_a);
	ASSERT_EQ(0, mount(src, self->a, "msockfs", 0, "mode=0777"));
	snprintf(src, sizeof(src), "netns=%s", self->ns_b);
	ASSERT_EQ(0, mount(src, self->b, "msockfs", 0, "mode=0700"));
	self->ca = cookie_close(msocketat(open(self->a, O_RDONLY | O_DIRECTORY),
					  AF_INET, SOCK_DGRAM, 0));
	self->cb = cookie_close(msocket(self->b, AF_INET, SOCK_DGRAM, 0));
	self->cself = cookie_close(socket(AF_INET, SOCK_DGRAM, 0));
	ASSERT_NE(0, self->ca);
	ASSERT_NE(self->ca, self->cb);
	ASSERT_NE(self->ca, self->cself);
}

FIXTURE_TEARDOWN(shim)
{
	run("ip netns del %s; ip netns del %s", self->ns_a, self->ns_b);
	umount2(self->dir, MNT_DETACH);
	rmdir(self->dir);
}

TEST_F(shim, path_selects_stack)
{
	EXPECT_EQ(self->ca, cookie_close(msocket(self->a, AF_INET, SOCK_STREAM, 0)));
	EXPECT_EQ(self->cb, cookie_close(msocket(self->b, AF_INET6, SOCK_DGRAM, 0)));
}

TEST_F(shim, null_path_without_default_is_native)
{
	EXPECT_EQ(self->cself, cookie_close(msocket(NULL, AF_INET, SOCK_STREAM, 0)));
}

TEST_F(shim, sock_default_sets_default_for_one_family)
{
	EXPECT_EQ(0, msocket(self->a, AF_INET, SOCK_DEFAULT, 0));
	EXPECT_EQ(self->ca, cookie_close(msocket(NULL, AF_INET, SOCK_DGRAM, 0)));
	/* another family keeps the native stack */
	EXPECT_EQ(self->cself, cookie_close(msocket(NULL, AF_INET6, SOCK_DGRAM, 0)));
	/* the per-family choice can change */
	EXPECT_EQ(0, msocket(self->b, AF_INET, SOCK_DEFAULT, 0));
	EXPECT_EQ(self->cb, cookie_close(msocket(NULL, AF_INET, SOCK_DGRAM, 0)));
}

TEST_F(shim, pf_unspec_sets_every_family)
{
	EXPECT_EQ(0, msocket(self->a, AF_INET6, SOCK_DEFAULT, 0));
	EXPECT_EQ(0, msocket(self->b, PF_UNSPEC, SOCK_DEFAULT, 0));
	EXPECT_EQ(self->cb, cookie_close(msocket(NULL, AF_INET, SOCK_DGRAM, 0)));
	EXPECT_EQ(self->cb, cookie_close(msocket(NULL, AF_INET6, SOCK_DGRAM, 0)));
	EXPECT_EQ(self->cb, cookie_close(msocket(NULL, AF_UNIX, SOCK_DGRAM, 0)));
	/* a later per-family default wins over the every-family one */
	EXPECT_EQ(0, msocket(self->a, AF_INET, SOCK_DEFAULT, 0));
	EXPECT_EQ(self->ca, cookie_close(msocket(NULL, AF_INET, SOCK_DGRAM, 0)));
	EXPECT_EQ(self->cb, cookie_close(msocket(NULL, AF_INET6, SOCK_DGRAM, 0)));
}

TEST_F(shim, sock_default_rules)
{
	int fd;

	/* NULL with SOCK_DEFAULT: EINVAL */
	EXPECT_EQ(-1, msocket(NULL, AF_INET, SOCK_DEFAULT, 0));
	EXPECT_EQ(EINVAL, errno);
	/* SOCK_DEFAULT | SOCK_CLOEXEC is a (bad) type, not SOCK_DEFAULT */
	fd = msocket(self->a, AF_INET, SOCK_DEFAULT | SOCK_CLOEXEC, 0);
	EXPECT_EQ(-1, fd);
	EXPECT_EQ(NULL, getenv("MSOCKET_STACK_2"));
	/* only a stack can be a default */
	EXPECT_EQ(-1, msocket(self->dir, AF_INET, SOCK_DEFAULT, 0));
	EXPECT_EQ(ENOTSUP, errno);
	EXPECT_EQ(-1, msocket("/no/such/stack", AF_INET, SOCK_DEFAULT, 0));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(self->cself, cookie_close(msocket(NULL, AF_INET, SOCK_DGRAM, 0)));
}

TEST_F(shim, dev_net_default)
{
	if (access("/dev/net", F_OK))
		ASSERT_EQ(0, mkdir("/dev/net", 0755));
	if (access(MSOCKET_DEFAULT_STACK, F_OK))
		ASSERT_EQ(0, mkdir(MSOCKET_DEFAULT_STACK, 0755));
	ASSERT_EQ(0, mount(self->a, MSOCKET_DEFAULT_STACK, NULL, MS_BIND, NULL));
	EXPECT_EQ(self->ca, cookie_close(msocket(NULL, AF_INET, SOCK_DGRAM, 0)));
	/* a default set by the process wins */
	EXPECT_EQ(0, msocket(self->b, PF_UNSPEC, SOCK_DEFAULT, 0));
	EXPECT_EQ(self->cb, cookie_close(msocket(NULL, AF_INET, SOCK_DGRAM, 0)));
	umount(MSOCKET_DEFAULT_STACK);
	rmdir(MSOCKET_DEFAULT_STACK);
}

TEST_F(shim, inherited_across_fork_and_exec)
{
	char cmd[512], out[64];
	FILE *p;
	pid_t pid;
	int status;

	ASSERT_EQ(0, msocket(self->a, PF_UNSPEC, SOCK_DEFAULT, 0));
	pid = fork();
	if (pid == 0)
		_exit(cookie_close(msocket(NULL, AF_INET, SOCK_DGRAM, 0)) == self->ca ? 0 : 1);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	/* exec: this program again, asked to print the cookie of msocket(NULL) */
	snprintf(cmd, sizeof(cmd), "/proc/%d/exe --print-default-cookie", getpid());
	p = popen(cmd, "r");
	ASSERT_NE(NULL, p);
	ASSERT_NE(NULL, fgets(out, sizeof(out), p));
	pclose(p);
	EXPECT_EQ(self->ca, strtoull(out, NULL, 10));
}

static int as_other(void *arg)
{
	const char *stack = arg;
	int fd = msocket(stack, AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

TEST_F(shim, errno_as_the_kernel_gives_it)
{
	EXPECT_EQ(-1, msocket(self->dir, AF_INET, SOCK_STREAM, 0));
	EXPECT_EQ(ENOTSUP, errno);
	EXPECT_EQ(-1, msocket("/no/such", AF_INET, SOCK_STREAM, 0));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(-1, msocket(self->a, AF_INET, -1, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, msocket(self->a, 31, -1, 0));
	EXPECT_EQ(EAFNOSUPPORT, errno);
	EXPECT_EQ(EACCES, as_user(1003, 1003, 1003, as_other, self->b));
	EXPECT_EQ(0, as_user(1003, 1003, 1003, as_other, self->a));
}

TEST_F(shim, fallback_without_dev_msocket)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		/* a container-like /dev without msocket */
		if (unshare(CLONE_NEWNS) || mount("tmpfs", "/dev", "tmpfs", 0, NULL))
			_exit(10);
		if (cookie_close(msocket(self->a, AF_INET, SOCK_DGRAM, 0)) != self->ca)
			_exit(11);
		if (msocket(self->dir, AF_INET, SOCK_DGRAM, 0) != -1 || errno != ENOTSUP)
			_exit(12);
		if (msocket("/no/such", AF_INET, SOCK_DGRAM, 0) != -1 || errno != ENOENT)
			_exit(13);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

static int socket_on_fd(void *arg)
{
	int fd = msocketat(*(int *)arg, AF_INET, SOCK_DGRAM, 0);

	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

TEST_F(shim, handles)
{
	char link[256];
	int h, dir, stack, hb;

	/* by path; msocketat() takes the handle */
	h = msocket_handle(self->a);
	ASSERT_LE(0, h);
	EXPECT_EQ(FD_CLOEXEC, fcntl(h, F_GETFD) & FD_CLOEXEC);
	EXPECT_EQ(self->ca, cookie_close(msocketat(h, AF_INET, SOCK_STREAM, 0)));
	/* a handle is no directory */
	EXPECT_EQ(-1, openat(h, "..", O_RDONLY));
	EXPECT_EQ(ENOTDIR, errno);
	close(h);
	/* relative to a directory, and of an open stack directory itself */
	dir = open(self->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ASSERT_LE(0, dir);
	h = msocket_handleat(dir, "b", 0);
	EXPECT_EQ(self->cb, cookie_close(msocketat(h, AF_INET, SOCK_DGRAM, 0)));
	close(h);
	stack = openat(dir, "a", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	h = msocket_handleat(stack, "", AT_EMPTY_PATH);
	EXPECT_EQ(self->ca, cookie_close(msocketat(h, AF_INET6, SOCK_DGRAM, 0)));
	close(h);
	close(stack);
	/* symbolic links are followed unless AT_SYMLINK_NOFOLLOW */
	snprintf(link, sizeof(link), "%s/link", self->dir);
	ASSERT_EQ(0, symlink(self->a, link));
	h = msocket_handleat(dir, "link", 0);
	EXPECT_EQ(self->ca, cookie_close(msocketat(h, AF_INET, SOCK_DGRAM, 0)));
	close(h);
	EXPECT_EQ(-1, msocket_handleat(dir, "link", AT_SYMLINK_NOFOLLOW));
	EXPECT_EQ(ENOTSUP, errno);
	/* errors */
	EXPECT_EQ(-1, msocket_handle(NULL));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, msocket_handleat(dir, "a", AT_REMOVEDIR));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, msocket_handleat(dir, "", 0));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(-1, msocket_handleat(dir, "", AT_EMPTY_PATH));
	EXPECT_EQ(ENOTSUP, errno);
	EXPECT_EQ(-1, msocket_handle(self->dir));
	EXPECT_EQ(ENOTSUP, errno);
	EXPECT_EQ(-1, msocket_handle("/no/such"));
	EXPECT_EQ(ENOENT, errno);
	close(dir);
	/*
	 * Delegation: another user may not use stack b (mode 0700), but may
	 * through a handle that root made; the stack directory fd root opened
	 * gives it nothing (it is checked against the caller).
	 */
	hb = msocket_handle(self->b);
	ASSERT_LE(0, hb);
	EXPECT_EQ(0, as_user(1003, 1003, 1003, socket_on_fd, &hb));
	close(hb);
	stack = open(self->b, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	EXPECT_EQ(EACCES, as_user(1003, 1003, 1003, socket_on_fd, &stack));
	close(stack);
}

TEST_F(shim, handle_fallback_without_dev_msocket)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		int h;

		if (unshare(CLONE_NEWNS) || mount("tmpfs", "/dev", "tmpfs", 0, NULL))
			_exit(10);
		h = msocket_handle(self->a);
		if (cookie_close(msocketat(h, AF_INET, SOCK_DGRAM, 0)) != self->ca)
			_exit(11);
		if (msocket_handle(self->dir) != -1 || errno != ENOTSUP)
			_exit(12);
		if (msocket_handle("/no/such") != -1 || errno != ENOENT)
			_exit(13);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "--print-default-cookie")) {
		printf("%llu\n", cookie_close(msocket(NULL, AF_INET, SOCK_DGRAM, 0)));
		return 0;
	}
	return test_harness_run(argc, argv);
}
