/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * msocket: multi-stack Berkeley sockets.
 *
 * A network stack (a network namespace) is named in the file system by
 * mounting msockfs; sockets are created in the stack that a path, an open
 * stack directory or a stack handle selects. See
 * Documentation/userspace-api/msocket.rst and, for who may do what,
 * Documentation/filesystems/msockfs.rst ("Security model").
 */
#ifndef _UAPI_LINUX_MSOCKET_H
#define _UAPI_LINUX_MSOCKET_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* statfs(2) f_type of an msockfs mount ("msk\x01"). */
#define MSOCKFS_MAGIC		0x6d736b01

/* The misc device that takes the one-call path entry. */
#define MSOCKET_DEVICE		"/dev/msocket"

/* View-OS: msocket(path, domain, SOCK_DEFAULT, 0) sets the default stack. */
#define SOCK_DEFAULT		0

#define MSOCKIO			0xB9

/*
 * struct msock_socket_args - create a socket in the stack of an open stack
 * directory (MSOCK_IOC_SOCKET).
 * @domain:   address family, as socket(2)
 * @type:     socket type, may be or'ed with SOCK_NONBLOCK and SOCK_CLOEXEC
 * @protocol: protocol, as socket(2)
 * @flags:    must be 0
 */
struct msock_socket_args {
	__s32 domain;
	__s32 type;
	__s32 protocol;
	__u32 flags;
};

/*
 * struct msock_path_socket_args - create a socket in the stack mounted at a
 * path, in one call (MSOCK_IOC_PATH_SOCKET on /dev/msocket).
 * @path:     user pointer to a NUL-terminated path of a stack (mount root)
 * @dirfd:    directory a relative @path starts from, or AT_FDCWD
 * @domain:   as in struct msock_socket_args
 * @type:     as in struct msock_socket_args
 * @protocol: as in struct msock_socket_args
 * @flags:    MSOCK_PATH_* flags; other bits must be 0
 * @reserved: must be 0
 */
struct msock_path_socket_args {
	__aligned_u64 path;
	__s32 dirfd;
	__s32 domain;
	__s32 type;
	__s32 protocol;
	__u32 flags;
	__u32 reserved;
};

/* Do not follow a symbolic link in the last component of the path. */
#define MSOCK_PATH_NOFOLLOW	0x1
#define MSOCK_PATH_FLAGS	MSOCK_PATH_NOFOLLOW

/*
 * struct msock_path_handle_args - make a stack handle for the stack mounted
 * at a path (MSOCK_IOC_PATH_HANDLE on /dev/msocket).
 * @path:  user pointer to a NUL-terminated path of a stack (mount root)
 * @dirfd: directory a relative @path starts from, or AT_FDCWD
 * @flags: MSOCK_PATH_* flags; other bits must be 0
 */
struct msock_path_handle_args {
	__aligned_u64 path;
	__s32 dirfd;
	__u32 flags;
};

/*
 * struct msock_stack_info - identity of a stack (MSOCK_IOC_STACK_INFO).
 * @netns_ino:    inode number of the network namespace, as in "net:[INODE]"
 * @netns_cookie: the network namespace cookie, as SO_NETNS_COOKIE reports
 * @uid:          owner of the stack, in the caller's user namespace
 * @gid:          group of the stack, in the caller's user namespace
 * @mode:         permission bits of the stack
 * @reserved:     0
 */
struct msock_stack_info {
	__u64 netns_ino;
	__u64 netns_cookie;
	__u32 uid;
	__u32 gid;
	__u32 mode;
	__u32 reserved;
};

/* On a stack directory fd or a stack handle: create a socket; returns its fd. */
#define MSOCK_IOC_SOCKET	_IOW(MSOCKIO, 0x01, struct msock_socket_args)
/* On a stack directory fd: return an nsfs fd of the stack's netns. */
#define MSOCK_IOC_GET_NETNS	_IO(MSOCKIO, 0x02)
/* On a stack directory fd: fill struct msock_stack_info. */
#define MSOCK_IOC_STACK_INFO	_IOR(MSOCKIO, 0x03, struct msock_stack_info)
/*
 * On a stack directory fd: make a stack handle; the argument must be 0.
 * Returns a new close-on-exec fd (an anonymous inode, "[msocket]") that can
 * create sockets in the stack (MSOCK_IOC_SOCKET) and do nothing else: it is
 * how the right to create sockets is delegated (SCM_RIGHTS, inheritance).
 * Making one needs what creating a socket needs; the handle is revoked for
 * everyone when the stack's mode, owner or group changes (EACCES), refuses
 * sockets while the stack or the mount it was made through is read-only
 * (EROFS), and keeps that mount busy, as an open stack directory does.
 */
#define MSOCK_IOC_GET_HANDLE	_IO(MSOCKIO, 0x04)
/* On /dev/msocket: create a socket in the stack at a path; returns the fd. */
#define MSOCK_IOC_PATH_SOCKET	_IOW(MSOCKIO, 0x10, struct msock_path_socket_args)
/* On /dev/msocket: make a stack handle for the stack at a path (as above). */
#define MSOCK_IOC_PATH_HANDLE	_IOW(MSOCKIO, 0x11, struct msock_path_handle_args)

#endif /* _UAPI_LINUX_MSOCKET_H */
