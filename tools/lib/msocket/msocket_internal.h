/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/* libmsocket internals shared by msocket.c and the preload shim. */
#ifndef _MSOCKET_INTERNAL_H
#define _MSOCKET_INTERNAL_H

#define MSOCKET_HIDDEN __attribute__((visibility("hidden")))
#define MSOCKET_API __attribute__((visibility("default")))

/* socket(2) itself, bypassing any interposed socket(). */
MSOCKET_HIDDEN int msocket_native(int domain, int type, int protocol);
/* 0 if path is the root of a stack, else -1 with errno (ENOENT, ENOTSUP, ...). */
MSOCKET_HIDDEN int msocket_is_stack(const char *path);
/* The default stack this process set for a domain, or NULL. */
MSOCKET_HIDDEN const char *msocket_default_stack(int domain);

#endif /* _MSOCKET_INTERNAL_H */
