/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the msocket selftests: the two msocket entries, network
 * namespaces made with ip(8), msockfs mounts, and running code as another
 * user in a child process.
 */
#ifndef _MSOCKET_HELPERS_H
#define _MSOCKET_HELPERS_H

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
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <grp.h>

#include <linux/msocket.h>

#include "kselftest.h"	/* __printf */

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

static inline int read_small_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
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

#endif /* _MSOCKET_HELPERS_H */
