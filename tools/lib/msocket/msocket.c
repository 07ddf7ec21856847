// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * libmsocket: msocket(3) over the msocket kernel entry.
 *
 * Semantics are View-OS/VUOS msocket's:
 *  - msocket(path, d, t, p): a socket in the stack mounted at path, through
 *    /dev/msocket (one ioctl, one path walk).
 *  - msocket(NULL, d, t, p): in the default stack for d: the one this process
 *    set, else the stack mounted at /dev/net/default, else a native socket().
 *  - msocket(path, d, SOCK_DEFAULT, p): path becomes the default stack for d
 *    (PF_UNSPEC: for every family); returns 0.
 *  - msocketat(fd, d, t, p): in the stack of an open stack directory or of
 *    a stack handle (MSOCK_IOC_SOCKET works on both).
 *  - msocket_handle(path), msocket_handleat(dirfd, path, flags): a stack
 *    handle, the delegable right to create sockets in one stack.
 *
 * Defaults live in the environment (MSOCKET_STACK for every family,
 * MSOCKET_STACK_<family number> for one), so they are inherited across
 * fork() and execve() like the View-OS ones. Setting them is not
 * thread-safe, as setenv(3).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/msocket.h>

#include "msocket.h"
#include "msocket_internal.h"

#define ENV_ALL		"MSOCKET_STACK"
#define ENV_FAMILY	"MSOCKET_STACK_"

static int msocket_dev = -1;

/* /dev/msocket, opened once per process (close-on-exec). */
static int msocket_device(void)
{
	int fd = __atomic_load_n(&msocket_dev, __ATOMIC_ACQUIRE);
	int expected = -1;

	if (fd >= 0)
		return fd;
	fd = open(MSOCKET_DEVICE, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (!__atomic_compare_exchange_n(&msocket_dev, &expected, fd, 0,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
		close(fd);
		fd = expected;
	}
	return fd;
}

int msocket_native(int domain, int type, int protocol)
{
	return syscall(SYS_socket, domain, type, protocol);
}

MSOCKET_API int msocketat(int stackfd, int domain, int type, int protocol)
{
	struct msock_socket_args args = {
		.domain = domain,
		.type = type,
		.protocol = protocol,
	};

	return ioctl(stackfd, MSOCK_IOC_SOCKET, &args);
}

/* Open stack directory -> handle, or -1 with errno (ENOTSUP: not a stack). */
static int msocket_dir_handle(int stackfd)
{
	int fd = ioctl(stackfd, MSOCK_IOC_GET_HANDLE, 0);

	if (fd < 0 && errno == ENOTTY)
		errno = ENOTSUP;
	return fd;
}

MSOCKET_API int msocket_handleat(int dirfd, const char *path, int flags)
{
	struct msock_path_handle_args args = {
		.path = (uintptr_t)path,
		.dirfd = dirfd,
	};
	int dev, stack, fd, err;

	if (!path || (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))) {
		errno = EINVAL;
		return -1;
	}
	if (!*path) {
		if (!(flags & AT_EMPTY_PATH)) {
			errno = ENOENT;
			return -1;
		}
		return msocket_dir_handle(dirfd);
	}
	if (flags & AT_SYMLINK_NOFOLLOW)
		args.flags |= MSOCK_PATH_NOFOLLOW;
	dev = msocket_device();
	if (dev >= 0)
		return ioctl(dev, MSOCK_IOC_PATH_HANDLE, &args);
	/* No /dev/msocket: open the stack, make the handle, close the stack. */
	stack = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC |
		       (flags & AT_SYMLINK_NOFOLLOW ? O_NOFOLLOW : 0));
	if (stack < 0) {
		/* not a directory, or (nofollow) a symbolic link: not a stack */
		if (errno == ENOTDIR ||
		    (errno == ELOOP && (flags & AT_SYMLINK_NOFOLLOW)))
			errno = ENOTSUP;
		return -1;
	}
	fd = msocket_dir_handle(stack);
	err = errno;
	close(stack);
	errno = err;
	return fd;
}

MSOCKET_API int msocket_handle(const char *path)
{
	return msocket_handleat(AT_FDCWD, path, 0);
}

static int msocket_path(const char *path, int domain, int type, int protocol)
{
	struct msock_path_socket_args args = {
		.path = (uintptr_t)path,
		.dirfd = AT_FDCWD,
		.domain = domain,
		.type = type,
		.protocol = protocol,
	};
	int dev = msocket_device();
	int stack, fd, err;

	if (dev >= 0)
		return ioctl(dev, MSOCK_IOC_PATH_SOCKET, &args);
	/*
	 * No /dev/msocket (a container with a minimal /dev, or the module is
	 * not loaded): open the stack and use it, in three calls.
	 */
	stack = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (stack < 0) {
		if (errno == ENOTDIR)
			errno = ENOTSUP;
		return -1;
	}
	fd = msocketat(stack, domain, type, protocol);
	err = errno;
	close(stack);
	if (fd < 0 && err == ENOTTY)
		err = ENOTSUP;	/* a directory, but not a stack */
	errno = err;
	return fd;
}

/* Whether path is the root of a stack: 0, or -1 with ENOENT/ENOTSUP/... */
int msocket_is_stack(const char *path)
{
	struct statfs sfs;

	if (statfs(path, &sfs))
		return -1;
	if (sfs.f_type != MSOCKFS_MAGIC) {
		errno = ENOTSUP;
		return -1;
	}
	return 0;
}

const char *msocket_default_stack(int domain)
{
	char name[32];
	const char *path;

	snprintf(name, sizeof(name), ENV_FAMILY "%d", domain);
	path = getenv(name);
	if (path && *path)
		return path;
	path = getenv(ENV_ALL);
	if (path && *path)
		return path;
	return NULL;
}

static int msocket_set_default(const char *path, int domain)
{
	char name[32];

	if (msocket_is_stack(path))
		return -1;
	if (domain == PF_UNSPEC) {
		/* every family: forget per-family choices made before */
		int d;

		for (d = 1; d < 64; d++) {
			snprintf(name, sizeof(name), ENV_FAMILY "%d", d);
			unsetenv(name);
		}
		return setenv(ENV_ALL, path, 1);
	}
	if (domain < 0 || domain >= 64) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	snprintf(name, sizeof(name), ENV_FAMILY "%d", domain);
	return setenv(name, path, 1);
}

MSOCKET_API int msocket(const char *path, int domain, int type, int protocol)
{
	if (type == SOCK_DEFAULT) {
		if (!path) {
			errno = EINVAL;
			return -1;
		}
		return msocket_set_default(path, domain);
	}
	if (!path)
		path = msocket_default_stack(domain);
	if (!path) {
		if (msocket_is_stack(MSOCKET_DEFAULT_STACK) == 0)
			path = MSOCKET_DEFAULT_STACK;
		else
			return msocket_native(domain, type, protocol);
	}
	return msocket_path(path, domain, type, protocol);
}
