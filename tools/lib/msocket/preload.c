// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * libmsocket-preload.so: LD_PRELOAD it and an unmodified dynamically linked
 * program's socket() calls go to its default stack, i.e. socket(d, t, p) is
 * msocket(NULL, d, t, p), as View-OS defines it. mstack(8) sets the default
 * (MSOCKET_STACK in the environment) and preloads this library when it cannot
 * enter the stack's network namespace itself.
 */
#define _GNU_SOURCE
#include <stddef.h>
#include <sys/socket.h>

#include "msocket.h"
#include "msocket_internal.h"

MSOCKET_API int socket(int domain, int type, int protocol)
{
	/* socket(d, 0, p) is an error, never msocket's SOCK_DEFAULT. */
	if (type == SOCK_DEFAULT)
		return msocket_native(domain, type, protocol);
	return msocket(NULL, domain, type, protocol);
}
