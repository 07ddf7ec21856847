/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/*
 * libmsocket: msocket(3), multi-stack Berkeley sockets.
 *
 * int msocket(const char *path, int domain, int type, int protocol);
 *
 * A network stack is named by a path where msockfs is mounted
 * (mount -t msockfs netns=vpn /dev/net/vpn). msocket() creates a socket in
 * that stack; with a NULL path, in the calling process' default stack for
 * the domain; with type SOCK_DEFAULT it sets that default instead.
 * msocketat() creates one in the stack of an open stack directory or a
 * stack handle.
 */
#ifndef _MSOCKET_H
#define _MSOCKET_H

#ifdef __cplusplus
extern "C" {
#endif

/* View-OS: msocket(path, domain, SOCK_DEFAULT, 0) sets the default stack. */
#ifndef SOCK_DEFAULT
#define SOCK_DEFAULT 0
#endif

/* Where a stack mounted is the default for processes that set none. */
#define MSOCKET_DEFAULT_STACK "/dev/net/default"

int msocket(const char *path, int domain, int type, int protocol);
int msocketat(int stackfd, int domain, int type, int protocol);

/*
 * Stack handles: the right to create sockets in one stack (msocketat() on
 * the handle) and nothing else, to pass to another process. msocket_handle()
 * makes one for the stack at path; msocket_handleat() for path relative to
 * dirfd (AT_SYMLINK_NOFOLLOW), or for the open stack directory dirfd itself
 * with an empty path and AT_EMPTY_PATH. Close-on-exec.
 */
int msocket_handle(const char *path);
int msocket_handleat(int dirfd, const char *path, int flags);

#ifdef __cplusplus
}
#endif

#endif /* _MSOCKET_H */
