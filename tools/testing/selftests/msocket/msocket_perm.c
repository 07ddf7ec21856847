// SPDX-License-Identifier: GPL-2.0
/*
 * msocket_perm: who may use and who may mount a stack, case by case, each
 * with the exact errno it must give.
 *
 *   msocket_perm [-s SEED] [-n ROUNDS] [-v]
 *
 * The matrix: owner, group and other against several modes, by path and
 * through fds; the read and write needs of each ioctl; chmod, chown, chgrp
 * and remount revoking at the next call, for paths and open fds; a stack
 * directory fd opened by root or passed over SCM_RIGHTS (a name: the
 * caller's own rights decide); stack handles (made with write access,
 * passed over SCM_RIGHTS they carry the right to create sockets, revoked by
 * any change of the root's mode, owner or group, refused while read-only, no
 * path walk from them); families=; /dev/msocket passed to another user (it
 * grants nothing); read-only superblocks and read-only bind mounts; a
 * user-namespace root mounting its own netns, a netns its namespace does not
 * own (by name, path and fd), the initial netns, and another user's
 * /proc/PID/ns/net; the removed pid=; raw, packet and ping sockets without
 * CAP_NET_RAW over the stack's netns. Every case mounts its own stack and
 * runs in its own process; the seed shuffles their order, -n repeats the
 * matrix.
 */
#define _GNU_SOURCE
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>

#include "msocket_helpers.h"

#define ETH_P_ALL_BE	0x0300

struct pcase;
typedef int (*act_fn)(const struct pcase *c, const char *stack);

/* Who acts: the stack's owner, a member of its group, anybody else, root. */
enum who { A, B, C, ROOT };

static const struct {
	uid_t uid;
	gid_t gid, group;
} actors[] = {
	[A] = { MSK_UID_A, MSK_UID_A, MSK_GID_X },
	[B] = { MSK_UID_B, MSK_UID_B, MSK_GID_S },
	[C] = { MSK_UID_C, MSK_UID_C, MSK_GID_X },
	[ROOT] = { 0, 0, 0 },
};

struct pcase {
	const char *name;
	const char *options;	/* of the stack (on netns A); NULL: no stack */
	act_fn act;
	enum who who;		/* the actor */
	int domain, type, protocol;
	int want;
	int arg;		/* per action */
};

static struct msk_opts opts = { .count = 1 };
static char dir[128], ns_a[64], path_a[128];
static pid_t other_user_proc;	/* uid 1001, in its own user and network namespaces */

/* Child exit codes above this are harness failures, not errnos. */
#define HARNESS		200

static int become(const struct pcase *c)
{
	gid_t g = actors[c->who].group;

	return msk_become(actors[c->who].uid, actors[c->who].gid, g ? 1 : 0, &g);
}

/* Switch the effective ids only (root can come back), for opening as someone. */
static int as_euid(uid_t uid, gid_t gid, gid_t group)
{
	gid_t g = group;

	if (seteuid(0) || setegid(0))
		return -1;
	if (setgroups(group ? 1 : 0, &g) || setegid(gid) || seteuid(uid))
		return -1;
	return 0;
}

static int socket_err(int fd)
{
	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

static int fd_socket(int fd, const struct pcase *c)
{
	return socket_err(msock_fd_socket(fd, c->domain ?: AF_INET, c->type ?: SOCK_STREAM,
					  c->protocol));
}

/* ---- actions: each returns the errno of the call under test ---- */

static int act_path_socket(const struct pcase *c, const char *stack)
{
	if (become(c))
		return HARNESS;
	return socket_err(msock_path_socket(stack, c->domain ?: AF_INET, c->type ?: SOCK_STREAM,
					    c->protocol));
}

static int act_open(const struct pcase *c, const char *stack)
{
	int fd;

	if (become(c))
		return HARNESS;
	fd = open(stack, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

/* Open as the actor, then: 0 a socket, 1 STACK_INFO, 2 GET_NETNS. */
static int act_fd(const struct pcase *c, const char *stack)
{
	struct msock_stack_info info;
	int fd, ret;

	if (become(c))
		return HARNESS;
	fd = open(stack, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return HARNESS + 1;
	switch (c->arg) {
	case 1:
		ret = ioctl(fd, MSOCK_IOC_STACK_INFO, &info) ? errno : 0;
		break;
	case 2:
		ret = socket_err(ioctl(fd, MSOCK_IOC_GET_NETNS));
		break;
	default:
		ret = fd_socket(fd, c);
	}
	close(fd);
	return ret;
}

/* An fd opened by root, used by the actor: 0 a socket, 2 GET_NETNS, 3 GET_HANDLE. */
static int act_inherited_fd(const struct pcase *c, const char *stack)
{
	int fd = open(stack, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 || become(c))
		return HARNESS;
	if (c->arg == 2)
		return socket_err(ioctl(fd, MSOCK_IOC_GET_NETNS));
	if (c->arg == 3)
		return socket_err(msock_get_handle(fd));
	return fd_socket(fd, c);
}

/*
 * The actor opens the stack and makes a socket; then root changes the stack
 * (arg: 0 chmod 0500, 1 chown to uid 1002, 2 chgrp to 2002, 3 remount
 * mode=0500, 4 chmod 0500 then back to 0700); the actor's next call through
 * the same fd (or by path, when the name says so) is the result.
 */
static int act_revoke(const struct pcase *c, const char *stack)
{
	int fd, by_path = strstr(c->name, "path") != NULL;

	if (as_euid(actors[c->who].uid, actors[c->who].gid, actors[c->who].group))
		return HARNESS;
	fd = open(stack, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fd_socket(fd, c))
		return HARNESS + 1;
	if (as_euid(0, 0, 0))
		return HARNESS + 2;
	switch (c->arg) {
	case 0:
		if (chmod(stack, 0500))
			return HARNESS + 3;
		break;
	case 1:
		if (chown(stack, MSK_UID_B, -1))
			return HARNESS + 3;
		break;
	case 2:
		if (chown(stack, -1, MSK_GID_X))
			return HARNESS + 3;
		break;
	case 3:
		if (mount(NULL, stack, NULL, MS_REMOUNT, "mode=0500"))
			return HARNESS + 3;
		break;
	case 4:
		if (chmod(stack, 0500) || chmod(stack, 0770))
			return HARNESS + 3;
		break;
	}
	if (as_euid(actors[c->who].uid, actors[c->who].gid, actors[c->who].group))
		return HARNESS + 4;
	if (by_path)
		return socket_err(msock_path_socket(stack, AF_INET, SOCK_STREAM, 0));
	return fd_socket(fd, c);
}

/*
 * SCM_RIGHTS: a sender (arg bits 0-1: 0 the owner 1001, 1 uid 1003, 2 root
 * with /dev/msocket) opens and passes an fd; the actor receives and uses
 * it. arg bit 2: root chmods the stack 0500 before the actor's call.
 */
static int act_scm(const struct pcase *c, const char *stack)
{
	static const uid_t senders[] = { MSK_UID_A, MSK_UID_C, 0 };
	int sp[2], status, fd, sender = c->arg & 3;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp))
		return HARNESS;
	pid = fork();
	if (pid == 0) {
		gid_t g = MSK_GID_X;

		if (sender < 2 && msk_become(senders[sender], senders[sender], 1, &g))
			_exit(1);
		fd = open(sender == 2 ? MSOCKET_DEVICE : stack, O_RDONLY | O_CLOEXEC);
		_exit(fd < 0 || send_fd(sp[0], fd));
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		return HARNESS + 1;
	if ((c->arg & 4) && chmod(stack, 0500))
		return HARNESS + 2;
	if (become(c))
		return HARNESS + 3;
	fd = recv_fd(sp[1]);
	if (fd < 0)
		return HARNESS + 4;
	if (sender == 2) {
		struct msock_path_socket_args a = {
			.path = (uintptr_t)stack, .dirfd = AT_FDCWD,
			.domain = AF_INET, .type = SOCK_STREAM,
		};

		return socket_err(ioctl(fd, MSOCK_IOC_PATH_SOCKET, &a));
	}
	return fd_socket(fd, c);
}

/*
 * Stack handles. The sender (arg bits 0-1: 0 the owner 1001, 1 uid 1003, 2
 * root) makes a handle by path and passes it over SCM_RIGHTS; then root
 * changes the stack (arg bits 4-7: 0 nothing, 1 chmod 0500, 2 chmod 0770
 * (more permissive), 3 chown to 1002, 4 chgrp to 2002, 5 remount mode=0700,
 * 6 touch, 7 remount ro, 8 remount families=inet6); the actor receives the
 * handle and makes a socket (arg bit 2: or tries openat(handle, "..");
 * bit 3: or MSOCK_IOC_STACK_INFO). A sender that may not make one: its errno.
 */
static int act_handle(const struct pcase *c, const char *stack)
{
	static const uid_t senders[] = { MSK_UID_A, MSK_UID_C, 0 };
	int sp[2], status, fd, sender = c->arg & 3, change = (c->arg >> 4) & 15;
	struct msock_stack_info info;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp))
		return HARNESS;
	pid = fork();
	if (pid == 0) {
		gid_t g = MSK_GID_X;

		if (sender < 2 && msk_become(senders[sender], senders[sender], 1, &g))
			_exit(HARNESS);
		fd = msock_path_handle(stack, 0);
		if (fd < 0)
			_exit(errno);
		_exit(send_fd(sp[0], fd) ? HARNESS : 0);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return HARNESS + 1;
	if (WEXITSTATUS(status))
		return WEXITSTATUS(status);
	switch (change) {
	case 1:
		status = chmod(stack, 0500);
		break;
	case 2:
		status = chmod(stack, 0770);
		break;
	case 3:
		status = chown(stack, MSK_UID_B, -1);
		break;
	case 4:
		status = chown(stack, -1, MSK_GID_X);
		break;
	case 5:
		status = mount(NULL, stack, NULL, MS_REMOUNT, "mode=0700");
		break;
	case 6:
		status = utimensat(AT_FDCWD, stack, NULL, 0);
		break;
	case 7:
		status = mount(NULL, stack, NULL, MS_REMOUNT | MS_RDONLY, NULL);
		break;
	case 8:
		status = mount(NULL, stack, NULL, MS_REMOUNT, "families=inet6");
		break;
	}
	if (status)
		return HARNESS + 2;
	if (become(c))
		return HARNESS + 3;
	fd = recv_fd(sp[1]);
	if (fd < 0)
		return HARNESS + 4;
	if (c->arg & 4)
		return socket_err(openat(fd, "..", O_RDONLY | O_CLOEXEC));
	if (c->arg & 8)
		return ioctl(fd, MSOCK_IOC_STACK_INFO, &info) ? errno : 0;
	return fd_socket(fd, c);
}

/* The actor opens the stack and asks for a handle (arg 1: by path instead). */
static int act_make_handle(const struct pcase *c, const char *stack)
{
	int fd, h;

	if (become(c))
		return HARNESS;
	if (c->arg == 1)
		return socket_err(msock_path_handle(stack, 0));
	fd = open(stack, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	h = msock_get_handle(fd);
	close(fd);
	return socket_err(h);
}

/* An unprivileged user mounts (no user namespace). */
static int act_mount_unpriv(const struct pcase *c, const char *stack)
{
	char target[200];

	snprintf(target, sizeof(target), "%s/up", dir);
	if (become(c))
		return HARNESS;
	return mount("current", target, "msockfs", 0, NULL) ? errno : 0;
}

/* A source template: @NS is netns A's name, @PID the other user's process. */
static void expand(const char *tmpl, char *out, size_t size)
{
	size_t n = 0;

	for (; *tmpl && n + 16 < size; tmpl++) {
		if (!strncmp(tmpl, "@NS", 3)) {
			n += snprintf(out + n, size - n, "%s", ns_a);
			tmpl += 2;
		} else if (!strncmp(tmpl, "@PID", 4)) {
			n += snprintf(out + n, size - n, "%d", other_user_proc);
			tmpl += 3;
		} else {
			out[n++] = *tmpl;
		}
	}
	out[n] = '\0';
}

/*
 * The actor becomes root of a new user namespace (arg & 1: with a new
 * netns too) and mounts c->options as the source (arg & 2: and makes a
 * socket of c->domain/type/protocol in it; arg & 4: the source is an nsfs
 * fd of netns A opened before, passed with FSCONFIG_SET_FD).
 */
static int act_userns_mount(const struct pcase *c, const char *unused)
{
	char target[200], src[200];
	int nsfd = -1, fs, err;

	snprintf(target, sizeof(target), "%s/userns", dir);
	if (c->arg & 4)
		nsfd = open(path_a, O_RDONLY | O_CLOEXEC);
	if (become(c))
		return HARNESS;
	if (msk_userns_root(CLONE_NEWNS | ((c->arg & 1) ? CLONE_NEWNET : 0)))
		return HARNESS + 1;
	if (c->arg & 4) {
		fs = sys_fsopen("msockfs", FSOPEN_CLOEXEC);
		if (fs < 0)
			return HARNESS + 2;
		return sys_fsconfig(fs, FSCONFIG_SET_FD, "netns", NULL, nsfd) ? errno : 0;
	}
	expand(c->options, src, sizeof(src));
	if (mount(src, target, "msockfs", 0, NULL))
		return errno;
	if (!(c->arg & 2))
		return 0;
	err = socket_err(msock_path_socket(target, c->domain, c->type, c->protocol));
	return err;
}

/* A user-namespace root with CAP_NET_RAW there, using a stack of netns A. */
static int act_userns_use(const struct pcase *c, const char *stack)
{
	int fd = open(stack, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0 || become(c))
		return HARNESS;
	if (msk_userns_root(CLONE_NEWNS | CLONE_NEWNET))
		return HARNESS + 1;
	return fd_socket(fd, c);
}

/* The user-namespace mount with options: uid=5 has no mapping there. */
static int act_userns_options(const struct pcase *c, const char *unused)
{
	char target[200];

	snprintf(target, sizeof(target), "%s/userns", dir);
	if (become(c) || msk_userns_root(CLONE_NEWNS | CLONE_NEWNET))
		return HARNESS;
	return mount("current", target, "msockfs", 0, "uid=5") ? errno : 0;
}

/* Root mounts c->options (a source template) at the scratch target. */
static int act_root_mount(const struct pcase *c, const char *unused)
{
	char target[200], src[200];

	snprintf(target, sizeof(target), "%s/userns", dir);
	expand(c->options, src, sizeof(src));
	if (mount(src, target, "msockfs", 0, NULL))
		return errno;
	umount2(target, MNT_DETACH);
	return 0;
}

/*
 * Root mounts another user's /proc/PID/ns/net (a netns owned by that user's
 * user namespace, which maps only uid 1001): arg 0 with root's default
 * owner (unmapped there), 1 with uid=1001,gid=1001.
 */
static int act_root_mount_other(const struct pcase *c, const char *unused)
{
	char target[200], src[200];

	snprintf(target, sizeof(target), "%s/userns", dir);
	snprintf(src, sizeof(src), "netns=/proc/%d/ns/net", other_user_proc);
	if (mount(src, target, "msockfs", 0, c->arg ? "uid=1001,gid=1001" : NULL))
		return errno;
	umount2(target, MNT_DETACH);
	return 0;
}

/* Through a read-only bind mount of the stack: arg 0 path socket, 1 fd socket, 2 info, 3 GET_NETNS. */
static int act_ro_bind(const struct pcase *c, const char *stack)
{
	char ro[200];
	struct msock_stack_info info;
	int fd, ret;

	snprintf(ro, sizeof(ro), "%s.ro", stack);
	if (mkdir(ro, 0755) || mount(stack, ro, NULL, MS_BIND, NULL) ||
	    mount(NULL, ro, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL))
		return HARNESS;
	if (c->arg == 0)
		return socket_err(msock_path_socket(ro, AF_INET, SOCK_STREAM, 0));
	fd = open(ro, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return HARNESS + 1;
	if (c->arg == 2)
		ret = ioctl(fd, MSOCK_IOC_STACK_INFO, &info) ? errno : 0;
	else if (c->arg == 3)
		ret = socket_err(ioctl(fd, MSOCK_IOC_GET_NETNS));
	else
		ret = fd_socket(fd, c);
	/* and the stack itself is still writable */
	if (socket_err(msock_path_socket(stack, AF_INET, SOCK_STREAM, 0)))
		return HARNESS + 2;
	return ret;
}

/*
 * An fd that has already made a socket, then the stack turns read-only
 * (arg 0: a bind mount of it remounted ro; 1: the superblock remounted ro):
 * the next call through the same fd is refused, whatever it was granted.
 * The fd is the actor's; root remounts.
 */
static int act_ro_after_use(const struct pcase *c, const char *stack)
{
	char ro[200];
	const char *at = stack;
	int fd, ret;

	snprintf(ro, sizeof(ro), "%s.ro", stack);
	if (c->arg == 0) {
		if (mkdir(ro, 0755) || mount(stack, ro, NULL, MS_BIND, NULL))
			return HARNESS;
		at = ro;
	}
	/* opened as the actor: the fd carries the actor's credentials */
	if (as_euid(actors[c->who].uid, actors[c->who].gid, actors[c->who].group))
		return HARNESS;
	fd = open(at, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fd_socket(fd, c) || as_euid(0, 0, 0))
		return HARNESS + 1;
	if (c->arg == 0 && mount(NULL, ro, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL))
		return HARNESS + 2;
	if (c->arg == 1 && mount(NULL, stack, NULL, MS_REMOUNT | MS_RDONLY, NULL))
		return HARNESS + 2;
	ret = fd_socket(fd, c);
	if (c->arg == 1 && mount(NULL, stack, NULL, MS_REMOUNT, NULL))
		return HARNESS + 3;
	/* writable again (or never read-only at this path): granted again */
	if (c->arg == 1 && fd_socket(fd, c))
		return HARNESS + 4;
	close(fd);
	return ret;
}

/* Stacks owned by A, of group 2001, with a mode. */
#define OWNED(mode)	"uid=1001,gid=2001,mode=" mode

static const struct pcase cases[] = {
	/* by path: write on the stack root */
	{ "owner 0700 path socket", OWNED("0700"), act_path_socket, A, .want = 0 },
	{ "owner 0500 path socket", OWNED("0500"), act_path_socket, A, .want = EACCES },
	{ "owner 0077 path socket (owner class wins)", OWNED("0077"), act_path_socket, A,
	  .want = EACCES },
	{ "group 0070 path socket", OWNED("0070"), act_path_socket, B, .want = 0 },
	{ "group 0750 path socket", OWNED("0750"), act_path_socket, B, .want = EACCES },
	{ "group 0707 path socket (group class wins)", OWNED("0707"), act_path_socket, B,
	  .want = EACCES },
	{ "other 0777 path socket", OWNED("0777"), act_path_socket, C, .want = 0 },
	{ "other 0775 path socket", OWNED("0775"), act_path_socket, C, .want = EACCES },
	{ "other 0702 path socket (write only suffices)", OWNED("0702"), act_path_socket, C,
	  .want = 0 },
	{ "other 0755 (default) path socket", "mode=0755", act_path_socket, C,
	  .want = EACCES },
	{ "root 0000 path socket (CAP_DAC_OVERRIDE)", OWNED("0000"), act_path_socket, ROOT,
	  .want = 0 },
	/* opening needs read; each ioctl its access */
	{ "other 0702 open", OWNED("0702"), act_open, C, .want = EACCES },
	{ "other 0744 open", OWNED("0744"), act_open, C, .want = 0 },
	{ "other 0744 fd socket", OWNED("0744"), act_fd, C, .want = EACCES },
	{ "other 0744 fd STACK_INFO (read suffices)", OWNED("0744"), act_fd, C, .want = 0,
	  .arg = 1 },
	{ "group 0760 fd socket", OWNED("0760"), act_fd, B, .want = 0 },
	{ "owner 0700 fd GET_NETNS (no CAP_NET_ADMIN)", OWNED("0700"), act_fd, A,
	  .want = EPERM, .arg = 2 },
	{ "root fd GET_NETNS", OWNED("0700"), act_fd, ROOT, .want = 0, .arg = 2 },
	/* an open stack directory is a name: its user's rights decide, not its opener's */
	{ "root-opened fd used by other (0700)", OWNED("0700"), act_inherited_fd, C,
	  .want = EACCES },
	{ "root-opened fd used by the owner (0700)", OWNED("0700"), act_inherited_fd, A,
	  .want = 0 },
	{ "root-opened fd, GET_NETNS by other", OWNED("0700"), act_inherited_fd, C,
	  .want = EACCES, .arg = 2 },
	/* revocation at the next call */
	{ "owner fd, then chmod 0500", OWNED("0700"), act_revoke, A, .want = EACCES, .arg = 0 },
	{ "owner fd, then chown away", OWNED("0700"), act_revoke, A, .want = EACCES, .arg = 1 },
	{ "group fd, then chgrp away", OWNED("0770"), act_revoke, B, .want = EACCES, .arg = 2 },
	{ "owner fd, then remount mode=0500", OWNED("0700"), act_revoke, A, .want = EACCES,
	  .arg = 3 },
	{ "owner by path, then chmod 0500", OWNED("0700"), act_revoke, A, .want = EACCES,
	  .arg = 0 },
	{ "group fd, chmod 0500 and back to 0770", OWNED("0770"), act_revoke, B, .want = 0,
	  .arg = 4 },
	/* SCM_RIGHTS: a directory fd grants nothing; */
	{ "owner's fd over SCM_RIGHTS to other", OWNED("0700"), act_scm, C, .want = EACCES,
	  .arg = 0 },
	{ "other's fd over SCM_RIGHTS to the owner", OWNED("0755"), act_scm, A, .want = 0,
	  .arg = 1 },
	{ "owner's fd over SCM_RIGHTS, then chmod 0500", OWNED("0700"), act_scm, C,
	  .want = EACCES, .arg = 4 },
	{ "root's /dev/msocket over SCM_RIGHTS to other (0755)", OWNED("0755"), act_scm, C,
	  .want = EACCES, .arg = 2 },
	/* a stack handle is the delegation */
	{ "owner's handle over SCM_RIGHTS to other", OWNED("0700"), act_handle, C, .want = 0,
	  .arg = 0 },
	{ "root's handle over SCM_RIGHTS to other", OWNED("0700"), act_handle, C, .want = 0,
	  .arg = 2 },
	{ "other's handle (0755: none to make)", OWNED("0755"), act_handle, A, .want = EACCES,
	  .arg = 1 },
	{ "handle to other, then chmod 0500", OWNED("0700"), act_handle, C, .want = EACCES,
	  .arg = 0 | 1 << 4 },
	{ "handle to other, then chmod 0770 (more permissive)", OWNED("0700"), act_handle, C,
	  .want = EACCES, .arg = 0 | 2 << 4 },
	{ "handle to other, then chown", OWNED("0700"), act_handle, C, .want = EACCES,
	  .arg = 0 | 3 << 4 },
	{ "handle to other, then chgrp", OWNED("0700"), act_handle, C, .want = EACCES,
	  .arg = 0 | 4 << 4 },
	{ "handle to other, then remount mode=", OWNED("0700"), act_handle, C, .want = EACCES,
	  .arg = 0 | 5 << 4 },
	{ "handle to other, then touch (not a revocation)", OWNED("0700"), act_handle, C,
	  .want = 0, .arg = 0 | 6 << 4 },
	{ "handle to other, then remount ro", OWNED("0700"), act_handle, C, .want = EROFS,
	  .arg = 0 | 7 << 4 },
	{ "handle to other, then families=inet6 (inet socket)", OWNED("0700"), act_handle, C,
	  .want = EAFNOSUPPORT, .arg = 0 | 8 << 4 },
	{ "handle to other: openat(handle, \"..\")", OWNED("0700"), act_handle, C,
	  .want = ENOTDIR, .arg = 4 },
	{ "handle to other: STACK_INFO", OWNED("0700"), act_handle, C, .want = ENOTTY,
	  .arg = 8 },
	{ "owner 0700 makes a handle", OWNED("0700"), act_make_handle, A, .want = 0 },
	{ "owner 0500 makes a handle", OWNED("0500"), act_make_handle, A, .want = EACCES },
	{ "group 0750 makes a handle", OWNED("0750"), act_make_handle, B, .want = EACCES },
	{ "other 0702 makes a handle by path (write only)", OWNED("0702"), act_make_handle, C,
	  .want = 0, .arg = 1 },
	{ "other 0755 makes a handle by path", OWNED("0755"), act_make_handle, C,
	  .want = EACCES, .arg = 1 },
	{ "root-opened fd: other makes a handle", OWNED("0700"), act_inherited_fd, C,
	  .want = EACCES, .arg = 3 },
	/* families= */
	{ "families=inet6: inet path socket", "families=inet6,mode=0777", act_path_socket, C,
	  .want = EAFNOSUPPORT },
	{ "families=inet6: inet6 path socket", "families=inet6,mode=0777", act_path_socket, C,
	  AF_INET6, SOCK_STREAM, 0, 0 },
	{ "families=inet: bad type of inet6", "families=inet,mode=0777", act_path_socket, C,
	  AF_INET6, -1, 0, EAFNOSUPPORT },
	{ "families=inet: bad type of inet", "families=inet,mode=0777", act_path_socket, C,
	  AF_INET, -1, 0, EINVAL },
	/* read-only */
	{ "read-only superblock, root path socket", "ro,mode=0777", act_path_socket, ROOT,
	  .want = EROFS },
	{ "read-only bind mount, root path socket", "mode=0777", act_ro_bind, ROOT,
	  .want = EROFS, .arg = 0 },
	{ "read-only bind mount, root fd socket", "mode=0777", act_ro_bind, ROOT, .want = EROFS,
	  .arg = 1 },
	{ "read-only bind mount, STACK_INFO", "mode=0777", act_ro_bind, ROOT, .want = 0,
	  .arg = 2 },
	{ "read-only bind mount, GET_NETNS", "mode=0777", act_ro_bind, ROOT, .want = EROFS,
	  .arg = 3 },
	{ "fd used, then its bind mount remounted ro", "mode=0777", act_ro_after_use, ROOT,
	  .want = EROFS, .arg = 0 },
	{ "fd used, then the stack remounted ro", OWNED("0700"), act_ro_after_use, A,
	  .want = EROFS, .arg = 1 },
	/* capabilities over the stack's netns */
	{ "owner raw inet socket", OWNED("0700"), act_path_socket, A, AF_INET, SOCK_RAW,
	  IPPROTO_ICMP, EPERM },
	{ "owner packet raw socket", OWNED("0700"), act_path_socket, A, AF_PACKET, SOCK_RAW,
	  ETH_P_ALL_BE, EPERM },
	{ "owner packet dgram socket", OWNED("0700"), act_path_socket, A, AF_PACKET, SOCK_DGRAM,
	  0, EPERM },
	{ "owner ping socket (ping_group_range)", OWNED("0700"), act_path_socket, A, AF_INET,
	  SOCK_DGRAM, IPPROTO_ICMP, EACCES },
	{ "root raw inet socket", OWNED("0700"), act_path_socket, ROOT, AF_INET, SOCK_RAW,
	  IPPROTO_ICMP, 0 },
	{ "userns root (CAP_NET_RAW in its userns) raw socket on netns A", "mode=0777",
	  act_userns_use, C, AF_INET, SOCK_RAW, IPPROTO_ICMP, EPERM },
	{ "userns root packet socket on netns A", "mode=0777", act_userns_use, C, AF_PACKET,
	  SOCK_RAW, ETH_P_ALL_BE, EPERM },
	{ "userns root raw socket in its own netns", "current", act_userns_mount, C, AF_INET,
	  SOCK_RAW, IPPROTO_ICMP, 0, .arg = 3 },
	/* mounting */
	{ "unprivileged mount", NULL, act_mount_unpriv, C, .want = EPERM },
	{ "userns root mounts its own netns", "current", act_userns_mount, C, .want = 0,
	  .arg = 1 },
	{ "userns root mounts netns=NAME it does not own", "netns=@NS", act_userns_mount, C,
	  .want = EPERM, .arg = 1 },
	{ "userns root mounts netns=/var/run/netns/NAME", "netns=/var/run/netns/@NS",
	  act_userns_mount, C, .want = EPERM, .arg = 1 },
	{ "userns root SET_FD of a netns it does not own", NULL, act_userns_mount, C,
	  .want = EPERM, .arg = 5 },
	{ "userns root mounts the init netns (current)", "current", act_userns_mount, C,
	  .want = EPERM, .arg = 0 },
	{ "root mounts pid=1 (pid= was removed)", "pid=1", act_root_mount, ROOT, .want = EINVAL },
	{ "userns root mounts /proc/1/ns/net (no ptrace access)", "netns=/proc/1/ns/net",
	  act_userns_mount, C, .want = EACCES, .arg = 1 },
	{ "userns root mounts another user's /proc/PID/ns/net", "netns=/proc/@PID/ns/net",
	  act_userns_mount, C, .want = EACCES, .arg = 1 },
	{ "root mounts another user's /proc/PID/ns/net, default owner unmapped there", NULL,
	  act_root_mount_other, ROOT, .want = EINVAL },
	{ "root mounts another user's /proc/PID/ns/net with uid=,gid= of that user", NULL,
	  act_root_mount_other, ROOT, .want = 0, .arg = 1 },
	{ "userns root mount with an unmapped uid=5", NULL, act_userns_options, C,
	  .want = EINVAL },
};

static int enter_other_user(void *arg)
{
	gid_t g = MSK_UID_A;

	return msk_become(MSK_UID_A, MSK_UID_A, 1, &g) || msk_userns_root(CLONE_NEWNET);
}

/* uid 1001 parked in its own user and network namespaces. */
static pid_t park_other_user(void)
{
	return park_child(enter_other_user, NULL);
}

static int run_case(const struct pcase *c, int idx)
{
	char stack[200], src[200], target[200];
	int status;
	pid_t pid;

	snprintf(stack, sizeof(stack), "%s/c%d", dir, idx);
	snprintf(target, sizeof(target), "%s/userns", dir);
	if (c->options && c->act != act_userns_mount && c->act != act_root_mount) {
		snprintf(src, sizeof(src), "netns=%s", ns_a);
		if (mkdir(stack, 0755) && errno != EEXIST)
			return -HARNESS;
		if (mount(src, stack, "msockfs", strstr(c->options, "ro,") ? MS_RDONLY : 0,
			  strstr(c->options, "ro,") ? c->options + 3 : c->options))
			return -HARNESS;
	}
	fflush(stdout);
	pid = fork();
	if (pid == 0)
		_exit(c->act(c, stack));
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		status = (HARNESS + 9) << 8;
	umount2(target, MNT_DETACH);
	if (c->options && c->act != act_userns_mount && c->act != act_root_mount) {
		char ro[220];

		snprintf(ro, sizeof(ro), "%s.ro", stack);
		umount2(ro, MNT_DETACH);
		rmdir(ro);
		umount2(stack, MNT_DETACH);
		rmdir(stack);
	}
	return WEXITSTATUS(status);
}

int main(int argc, char **argv)
{
	unsigned int order[ARRAY_SIZE(cases)], i, j, n = ARRAY_SIZE(cases);
	long round;
	uint64_t rng;
	int refcnt_before;

	msk_parse_opts(argc, argv, &opts,
		       "the permission matrix; -s shuffles the cases, -n rounds (default 1)");
	if (opts.count < 1)
		opts.count = 1;
	msk_begin(argv[0], &opts);
	ksft_set_plan(n * opts.count + 1);
	refcnt_before = msk_module_refcnt();
	msk_scratch(dir, sizeof(dir), "perm");
	snprintf(ns_a, sizeof(ns_a), "mskpm%d", getpid());
	snprintf(path_a, sizeof(path_a), "/var/run/netns/%s", ns_a);
	msk_netns_add(ns_a);
	{
		char p[200];

		snprintf(p, sizeof(p), "%s/userns", dir);
		mkdir(p, 0777);
		chmod(p, 0777);
		snprintf(p, sizeof(p), "%s/up", dir);
		mkdir(p, 0777);
		chmod(p, 0777);
	}
	other_user_proc = park_other_user();
	if (other_user_proc < 0)
		ksft_exit_fail_msg("cannot park a process of uid %d\n", MSK_UID_A);

	rng = opts.seed;
	for (round = 0; round < opts.count; round++) {
		for (i = 0; i < n; i++)
			order[i] = i;
		for (i = n - 1; i > 0; i--) {
			unsigned int t;

			j = msk_below(&rng, i + 1);
			t = order[i];
			order[i] = order[j];
			order[j] = t;
		}
		for (i = 0; i < n; i++) {
			const struct pcase *c = &cases[order[i]];
			int got = run_case(c, order[i]);

			if (got >= HARNESS || got < 0)
				ksft_test_result_fail("%s: harness failure %d\n", c->name, got);
			else
				ksft_test_result(got == c->want, "%s: %s (want %s)\n", c->name,
						 msk_errname(got), msk_errname(c->want));
		}
	}
	kill(other_user_proc, SIGKILL);
	waitpid(other_user_proc, NULL, 0);
	run("ip netns del %s", ns_a);
	umount2(dir, MNT_DETACH);
	rmdir(dir);
	ksft_test_result(msk_module_refcnt() == refcnt_before,
			 "module reference count back to %d\n", refcnt_before);
	ksft_print_msg("seed %llu\n", opts.seed);
	ksft_finished();
}
