/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The interface between msocket's C glue (msockfs.c: mount plumbing, struct
 * net references, path walks, stack handles, audit) and its Rust crate
 * (msocket_main.rs: ioctl dispatch, permission decisions, socket creation,
 * parsing). Every function here is mirrored by hand in rust/glue.rs; keep the
 * two in sync.
 */
#ifndef _MSOCKFS_H
#define _MSOCKFS_H

#include <linux/path.h>
#include <linux/types.h>

struct file;
struct net;

/* What a mount source or a netns= value names (parsed in Rust). */
enum msock_source_kind {
	MSOCK_SRC_NONE = 0,	/* "none": no stack named here */
	MSOCK_SRC_CURRENT = 1,	/* "current": the mounter's netns */
	MSOCK_SRC_NETNS_NAME = 2, /* "netns=NAME": /var/run/netns/NAME */
	MSOCK_SRC_NETNS_PATH = 3, /* "netns=/PATH": any nsfs netns file */
};

struct msock_source {
	u32 kind;		/* enum msock_source_kind */
	size_t value_off;	/* NAME/PATH: offset into the parsed string */
	size_t value_len;	/* NAME/PATH: length */
};

/*
 * The head of a mounted stack (struct msockfs_info in msockfs.c starts with
 * it): what the socket path reads directly, without a call.
 */
struct msockfs_stack {
	struct net *net;	/* reference held for the superblock's life */
	u64 families;		/* BIT(family) per family served; READ_ONCE() */
};

/* A stack reached by a path walk; holds a path reference until released. */
struct msockfs_path {
	struct path path;
	struct msockfs_stack *stack;
};

/* How a socket was asked for, for the audit record. */
enum msock_route {
	MSOCK_ROUTE_PATH = 0,	/* MSOCK_IOC_PATH_SOCKET on /dev/msocket */
	MSOCK_ROUTE_DIR = 1,	/* MSOCK_IOC_SOCKET on a stack directory */
	MSOCK_ROUTE_HANDLE = 2,	/* MSOCK_IOC_SOCKET on a stack handle */
};

/* --- implemented in C (msockfs.c), called from Rust --- */
int msockfs_register(void);
void msockfs_unregister(void);
u64 msockfs_net_inum(const struct net *net);
u64 msockfs_net_cookie(const struct net *net);
int msockfs_open_netns(struct net *net);
bool msockfs_net_capable(const struct net *net, int cap);
struct msockfs_stack *msockfs_file_stack(struct file *file);
int msockfs_file_permission(struct file *file, int mask);
void msockfs_file_owner(struct file *file, u32 *uid, u32 *gid, u32 *mode);
int msockfs_file_make_handle(struct file *file, int mask);
struct msockfs_stack *msockfs_handle_stack(struct file *file);
int msockfs_handle_permission(struct file *file);
int msockfs_path_lookup(int dfd, const char __user *name, bool nofollow,
			struct msockfs_path *out);
int msockfs_path_permission(const struct msockfs_path *sp, int mask);
int msockfs_path_make_handle(const struct msockfs_path *sp, int mask);
void msockfs_path_release(struct msockfs_path *sp);
void msockfs_audit_socket(const struct msockfs_stack *stack, enum msock_route route,
			  int family, int type, int protocol, int result);

/* --- implemented in Rust (msocket_main.rs), called from C --- */
long msocket_stack_ioctl(struct file *file, unsigned int cmd, unsigned long arg);
long msocket_handle_ioctl(struct file *file, unsigned int cmd, unsigned long arg);
long msocket_dev_ioctl(struct file *file, unsigned int cmd, unsigned long arg);
int msocket_parse_source(const char *s, size_t len, struct msock_source *out);
int msocket_parse_netns(const char *s, size_t len, struct msock_source *out);
int msocket_parse_families(const char *s, size_t len, u64 *out);
const char *msocket_family_name(unsigned int family);

#endif /* _MSOCKFS_H */
