// SPDX-License-Identifier: GPL-2.0
/*
 * Who may use a stack, in C: the permission checks on a stack root (by
 * path and through an open stack directory, with its memo), stack handles,
 * the path walks of /dev/msocket and the audit records of socket creation.
 * The access policy (which access each operation needs) is Rust's
 * (access.rs); this file answers the questions it asks, with the VFS's
 * inode_permission(). See Documentation/filesystems/msockfs.rst, "Security
 * model".
 */

#include <linux/anon_inodes.h>
#include <linux/audit.h>
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include <linux/proc_ns.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <net/net_namespace.h>
#include <uapi/linux/msocket.h>

#include "msockfs.h"
#include "msockfs_internal.h"

/*
 * Permission on a stack root reached through @path, for the caller's
 * credentials. inode_permission() sees a read-only superblock, not a
 * read-only mount (a bind mount remounted "ro"): a socket is a write to the
 * stack, so refuse it on either, as for any write through a read-only mount.
 */
static int msockfs_mnt_permission(struct vfsmount *mnt, int mask)
{
	if ((mask & MAY_WRITE) && __mnt_is_readonly(mnt))
		return -EROFS;
	return 0;
}

static int msockfs_root_permission(const struct path *path, int mask)
{
	int err = msockfs_mnt_permission(path->mnt, mask);

	if (err)
		return err;
	return inode_permission(mnt_idmap(path->mnt), d_inode(path->dentry), mask);
}

/*
 * The socket path reaches the stack through the file's mount (needed for the
 * read-only check anyway), not its inode: one object less to touch per call.
 */
struct msockfs_stack *msockfs_file_stack(struct file *file)
{
	if (file->f_op != &msockfs_root_fops)
		return NULL;
	return &msockfs_sb_info(file->f_path.mnt->mnt_sb)->stack;
}

/*
 * An open stack directory is a name, like its path: every call is decided
 * for the caller's credentials at that moment, never the opener's.
 *
 * The access memo (file->private_data) makes the common case cheap: the
 * process that opened the stack using it with the same credentials. It holds
 * the mask last granted to the opener's credentials (file->f_cred, which the
 * file keeps alive, so pointer equality means the very same credentials) and
 * the access generation it was granted at. Without an LSM, what
 * inode_permission() decides for a directory of msockfs depends only on the
 * credentials, the idmap of the mount (fixed), the root's mode, owner and
 * group (each change bumps access_gen) and read-only state (checked at every
 * call); msockfs has no ACLs and no immutable flag. Other credentials
 * (another process, a changed fsuid, an fd received over SCM_RIGHTS) get the
 * full check at every call. An LSM may decide on anything, so with
 * CONFIG_SECURITY every call asks inode_permission(). 64-bit only, where the
 * generation cannot wrap.
 */
#define MSOCKFS_MEMO_MASK	(MAY_EXEC | MAY_WRITE | MAY_READ)

static bool msockfs_memo_usable(struct file *file, int mask)
{
	return IS_ENABLED(CONFIG_64BIT) && !IS_ENABLED(CONFIG_SECURITY) &&
	       mask && !(mask & ~MSOCKFS_MEMO_MASK) && current_cred() == file->f_cred;
}

static unsigned long msockfs_memo(u64 gen, int mask)
{
	return (unsigned long)gen << 3 | mask;
}

/* The full check, recording a grant made at generation @gen in the memo. */
static noinline int msockfs_file_permission_slow(struct file *file, int mask,
						 bool memo, u64 gen)
{
	int err = msockfs_root_permission(&file->f_path, mask);

	/*
	 * Granted for the attributes read after @gen: a change since then has
	 * bumped the generation, and the next call decides again.
	 */
	if (!err && memo)
		WRITE_ONCE(file->private_data, (void *)msockfs_memo(gen, mask));
	return err;
}

/* Permission on the stack root of an open stack directory (this part is small: it runs at every socket). */
int msockfs_file_permission(struct file *file, int mask)
{
	struct msockfs_info *info = msockfs_sb_info(file->f_path.mnt->mnt_sb);
	bool memo = msockfs_memo_usable(file, mask);
	u64 gen = 0;
	int err;

	if (memo) {
		err = msockfs_mnt_permission(file->f_path.mnt, mask);
		if (err)
			return err;
		gen = msockfs_access_gen(info);
		if ((unsigned long)READ_ONCE(file->private_data) == msockfs_memo(gen, mask))
			return 0;
	}
	return msockfs_file_permission_slow(file, mask, memo, gen);
}

void msockfs_file_owner(struct file *file, u32 *uid, u32 *gid, u32 *mode)
{
	struct msockfs_info *info = msockfs_sb_info(file->f_path.mnt->mnt_sb);
	kuid_t kuid;
	kgid_t kgid;
	umode_t m;

	msockfs_owner(info, &kuid, &kgid, &m);
	*uid = from_kuid_munged(current_user_ns(), kuid);
	*gid = from_kgid_munged(current_user_ns(), kgid);
	*mode = m;
}

/*
 * A stack handle: the delegable right to create sockets in one stack, and
 * nothing else. It is an anonymous inode, not a directory: no path walk
 * starts from it (so no ".." out of a chroot), no fchdir(2), no readdir.
 * It keeps the mount it was made through, as an open stack directory does,
 * and is granted at one access generation: a chmod, chown or chgrp of the
 * stack root, or a remount changing uid=, gid= or mode=, revokes every
 * handle for good. A read-only stack or mount refuses its sockets while it
 * is read-only.
 */
struct msockfs_handle {
	struct path path;	/* the stack root, on the mount it was made through */
	u64 gen;		/* the access generation it was granted at */
};

static int msocket_handle_release(struct inode *inode, struct file *file)
{
	struct msockfs_handle *h = file->private_data;

	path_put(&h->path);
	kfree(h);
	return 0;
}

static bool msockfs_handle_revoked(const struct msockfs_handle *h)
{
	return msockfs_access_gen(msockfs_sb_info(h->path.mnt->mnt_sb)) != h->gen;
}

static void msocket_handle_show_fdinfo(struct seq_file *m, struct file *file)
{
	struct msockfs_handle *h = file->private_data;
	struct msockfs_info *info = msockfs_sb_info(h->path.mnt->mnt_sb);

	seq_puts(m, "stack:\t");
	seq_escape(m, info->source, " \t\n\\");
	seq_printf(m, "\nnetns:\tnet:[%u]\nnetns_cookie:\t%llu\nrevoked:\t%d\n",
		   info->stack.net->ns.inum, info->stack.net->net_cookie,
		   msockfs_handle_revoked(h));
}

static const struct file_operations msocket_handle_fops = {
	.owner		= THIS_MODULE,
	.release	= msocket_handle_release,
	.show_fdinfo	= msocket_handle_show_fdinfo,
	.unlocked_ioctl	= msocket_handle_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};

static void msockfs_audit_handle(const struct msockfs_stack *stack, enum msock_route route,
				 int result);

/*
 * A handle for the stack root at @path, if the caller has @mask on it. The
 * generation is read before the check: a change after it revokes the handle.
 */
static int msockfs_new_handle(const struct path *path, int mask)
{
	u64 gen = msockfs_access_gen(msockfs_sb_info(path->mnt->mnt_sb));
	struct msockfs_handle *h;
	int fd;

	fd = msockfs_root_permission(path, mask);
	if (fd)
		return fd;
	h = kzalloc_obj(*h);
	if (!h)
		return -ENOMEM;
	h->path = *path;
	path_get(&h->path);
	h->gen = gen;
	fd = anon_inode_getfd("[msocket]", &msocket_handle_fops, h, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		path_put(&h->path);
		kfree(h);
	}
	return fd;
}

/* ... and its audit record: a delegation is always worth one. */
static int msockfs_make_handle(const struct path *path, int mask, enum msock_route route)
{
	int fd = msockfs_new_handle(path, mask);

	msockfs_audit_handle(&msockfs_sb_info(path->mnt->mnt_sb)->stack, route, fd);
	return fd;
}

int msockfs_file_make_handle(struct file *file, int mask)
{
	return msockfs_make_handle(&file->f_path, mask, MSOCK_ROUTE_DIR);
}

/* Only called for files of msocket_handle_fops (from their ioctl). */
struct msockfs_stack *msockfs_handle_stack(struct file *file)
{
	struct msockfs_handle *h = file->private_data;

	return &msockfs_sb_info(h->path.mnt->mnt_sb)->stack;
}

/* May the holder of handle @file create a socket now? */
int msockfs_handle_permission(struct file *file)
{
	struct msockfs_handle *h = file->private_data;
	int err = msockfs_mnt_permission(h->path.mnt, MAY_WRITE);

	if (err)
		return err;
	return msockfs_handle_revoked(h) ? -EACCES : 0;
}

int msockfs_path_lookup(int dfd, const char __user *name, bool nofollow,
			struct msockfs_path *out)
{
	unsigned int flags = LOOKUP_AUTOMOUNT | (nofollow ? 0 : LOOKUP_FOLLOW);
	struct dentry *dentry;
	int err;

	err = user_path_at(dfd, name, flags, &out->path);
	if (err)
		return err;
	dentry = out->path.dentry;
	if (dentry->d_sb->s_type != &msockfs_type || dentry != dentry->d_sb->s_root) {
		path_put(&out->path);
		return -EOPNOTSUPP;
	}
	out->stack = &msockfs_sb_info(dentry->d_sb)->stack;
	return 0;
}

/* Permission on the stack root, for the caller's credentials. */
int msockfs_path_permission(const struct msockfs_path *sp, int mask)
{
	return msockfs_root_permission(&sp->path, mask);
}

int msockfs_path_make_handle(const struct msockfs_path *sp, int mask)
{
	return msockfs_make_handle(&sp->path, mask, MSOCK_ROUTE_PATH);
}

void msockfs_path_release(struct msockfs_path *sp)
{
	path_put(&sp->path);
}

/*
 * Audit records (AUDIT_KERNEL_OTHER, the type for third-party modules),
 * when auditing is enabled: "op=msocket" for a socket asked of a stack,
 * "op=msocket_handle" for a stack handle. They name the stack (its name,
 * hex-encoded when it has characters audit would not print plainly, as
 * audit_log_untrustedstring() does, and its netns), for sockets the family
 * the socket would have, its type and protocol, the route, the caller
 * (audit_log_task_info()) and the result. They belong to the ioctl's audit
 * context, so a rule that audits the ioctl(2) gets them in the same event;
 * an exclude rule on the type drops them. Failures and handles are always
 * recorded; a socket made is recorded when audit rules are loaded (the
 * task's audit context is live), so that auditing with no rules does not
 * log every socket of every msocket user.
 */
static const char *const msockfs_route_names[] = {
	[MSOCK_ROUTE_PATH]	= "path",
	[MSOCK_ROUTE_DIR]	= "dir",
	[MSOCK_ROUTE_HANDLE]	= "handle",
};

static void msockfs_audit_string(struct audit_buffer *ab, const char *s)
{
	const unsigned char *p;

	for (p = s; *p; p++) {
		if (*p == '"' || *p < 0x21 || *p > 0x7e) {
			for (p = s; *p; p++)
				audit_log_format(ab, "%02X", *p);
			return;
		}
	}
	audit_log_format(ab, "\"%s\"", s);
}

static struct audit_buffer *msockfs_audit_start(const struct msockfs_stack *stack,
						const char *op, enum msock_route route)
{
	const struct msockfs_info *info = container_of(stack, struct msockfs_info, stack);
	struct audit_buffer *ab;

	if (route >= ARRAY_SIZE(msockfs_route_names))
		return NULL;
	ab = audit_log_start(audit_context(), GFP_KERNEL, AUDIT_KERNEL_OTHER);
	if (!ab)
		return NULL;
	audit_log_format(ab, "op=%s route=%s stack=", op, msockfs_route_names[route]);
	msockfs_audit_string(ab, info->source);
	audit_log_format(ab, " netns=%u", stack->net->ns.inum);
	return ab;
}

static void msockfs_audit_end(struct audit_buffer *ab, int result)
{
	audit_log_task_info(ab);
	audit_log_format(ab, " errno=%d res=%d", result < 0 ? -result : 0, result >= 0);
	audit_log_end(ab);
}

void msockfs_audit_socket(const struct msockfs_stack *stack, enum msock_route route,
			  int family, int type, int protocol, int result)
{
	struct audit_buffer *ab;

	if (!audit_enabled || (result >= 0 && audit_dummy_context()))
		return;
	ab = msockfs_audit_start(stack, "msocket", route);
	if (!ab)
		return;
	audit_log_format(ab, " sock_family=%d sock_type=%d protocol=%d", family, type, protocol);
	msockfs_audit_end(ab, result);
}

static void msockfs_audit_handle(const struct msockfs_stack *stack, enum msock_route route,
				 int result)
{
	struct audit_buffer *ab;

	if (!audit_enabled)
		return;
	ab = msockfs_audit_start(stack, "msocket_handle", route);
	if (ab)
		msockfs_audit_end(ab, result);
}

/* The published ABI (also asserted in rust/uapi.rs against its mirror). */
static_assert(sizeof(struct msock_socket_args) == 16);
static_assert(sizeof(struct msock_path_socket_args) == 32);
static_assert(sizeof(struct msock_path_handle_args) == 16);
static_assert(sizeof(struct msock_stack_info) == 32);
static_assert(MSOCK_IOC_SOCKET == 0x4010b901);
static_assert(MSOCK_IOC_GET_NETNS == 0x0000b902);
static_assert(MSOCK_IOC_STACK_INFO == 0x8020b903);
static_assert(MSOCK_IOC_GET_HANDLE == 0x0000b904);
static_assert(MSOCK_IOC_PATH_SOCKET == 0x4020b910);
static_assert(MSOCK_IOC_PATH_HANDLE == 0x4010b911);
/* Every family has a bit in struct msockfs_stack.families. */
static_assert(AF_MAX <= 64);
