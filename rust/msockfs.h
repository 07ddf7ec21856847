/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The interface between msocket's C glue (msockfs.c: mount plumbing, struct
 * net references, path walks) and its Rust crate (msocket_main.rs: ioctl
 * dispatch, permission decisions, socket creation). Every function here is
 * mirrored by hand in rust/glue.rs; keep the two in sync.
 */
#ifndef _MSOCKFS_H
#define _MSOCKFS_H

#include <linux/path.h>
#include <linux/types.h>

struct file;
struct net;
struct user_namespace;

/* What a mount source or a netns= value names (parsed in Rust). */
enum msock_source_kind {
	MSOCK_SRC_NONE = 0,	/* "" or "none": no stack named here */
	MSOCK_SRC_CURRENT = 1,	/* "current": the mounter's netns */
	MSOCK_SRC_NETNS_NAME = 2, /* "netns=NAME": /var/run/netns/NAME */
	MSOCK_SRC_NETNS_PATH = 3, /* "netns=/PATH": any nsfs netns file */
	MSOCK_SRC_PID = 4,	/* "pid=PID": the netns of that process */
};

struct msock_source {
	u32 kind;		/* enum msock_source_kind */
	s32 pid;		/* MSOCK_SRC_PID */
	size_t value_off;	/* NAME/PATH: offset into the parsed string */
	size_t value_len;	/* NAME/PATH: length */
};

/* A stack reached by a path walk; holds a path reference until released. */
struct msockfs_path {
	struct path path;
	struct net *net;
};

/* --- implemented in C (msockfs.c), called from Rust --- */
int msockfs_register(void);
void msockfs_unregister(void);
struct net *msockfs_get_net(struct net *net);
void msockfs_put_net(struct net *net);
u64 msockfs_net_inum(const struct net *net);
u64 msockfs_net_cookie(const struct net *net);
int msockfs_open_netns(struct net *net);
bool msockfs_net_capable(const struct net *net, int cap);
struct net *msockfs_file_net(struct file *file);
int msockfs_file_permission(struct file *file, int mask);
void msockfs_file_owner(struct file *file, u32 *uid, u32 *gid, u32 *mode);
int msockfs_path_lookup(int dfd, const char __user *name, bool nofollow,
			struct msockfs_path *out);
int msockfs_path_permission(struct msockfs_path *sp, int mask);
void msockfs_path_release(struct msockfs_path *sp);

/* --- implemented in Rust (msocket_main.rs), called from C --- */
long msocket_stack_ioctl(struct file *file, unsigned int cmd, unsigned long arg);
long msocket_dev_ioctl(struct file *file, unsigned int cmd, unsigned long arg);
int msocket_parse_source(const char *s, size_t len, struct msock_source *out);
int msocket_parse_netns(const char *s, size_t len, struct msock_source *out);

#endif /* _MSOCKFS_H */
