// SPDX-License-Identifier: GPL-2.0
/*
 * msockfs: the mount plumbing of msocket, in C.
 *
 * Each msockfs mount is one network stack: its superblock holds a reference
 * to a network namespace, named by the mount source or the netns= or
 * current options. This file holds what Linux 7.2 does not expose to Rust:
 * the fs_context operations and parameter table, the superblock and its
 * read-only info files and struct net reference counting; who may use a
 * stack (permission checks, stack handles, path walks, audit) is in
 * msockfs_access.c. The ioctls, the access policy, socket creation and
 * parsing live in Rust (msocket_main.rs and its modules), reached through
 * msockfs.h. The split follows the kernel's Rust Binder and its binderfs
 * glue.
 */

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/fs_parser.h>
#include <linux/magic.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include <linux/proc_fs.h>
#include <linux/proc_ns.h>
#include <linux/ratelimit.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/user_namespace.h>
#include <net/net_namespace.h>
#include <uapi/linux/msocket.h>

#include "msockfs.h"
#include "msockfs_internal.h"

/* Where "ip netns add NAME" binds a network namespace (iproute2's NETNS_RUN_DIR). */
#define MSOCKFS_NETNS_RUN_DIR	"/var/run/netns/"
#define MSOCKFS_DEFAULT_MODE	0755

enum msockfs_info_file {
	MSOCKFS_INFO_NETNS,
	MSOCKFS_INFO_COOKIE,
	MSOCKFS_INFO_SOURCE,
	MSOCKFS_INFO_OPTIONS,
};

static const char *const msockfs_info_names[] = {
	[MSOCKFS_INFO_NETNS]	= "netns",
	[MSOCKFS_INFO_COOKIE]	= "netns_cookie",
	[MSOCKFS_INFO_SOURCE]	= "source",
	[MSOCKFS_INFO_OPTIONS]	= "options",
};

#define MSOCKFS_SET_UID		BIT(0)
#define MSOCKFS_SET_GID		BIT(1)
#define MSOCKFS_SET_MODE	BIT(2)
#define MSOCKFS_SET_FAMILIES	BIT(3)
#define MSOCKFS_SET_OWNER	(MSOCKFS_SET_UID | MSOCKFS_SET_GID | MSOCKFS_SET_MODE)

/* A mount or remount being configured: fc->fs_private. */
struct msockfs_ctx {
	struct net *net;	/* the stack named so far, or NULL */
	char *source;		/* its canonical name */
	bool source_given;	/* named by the mount source (not an option) */
	unsigned int set;	/* MSOCKFS_SET_* given explicitly */
	kuid_t uid;
	kgid_t gid;
	umode_t mode;
	u64 families;
};

enum {
	Opt_source,
	Opt_netns,
	Opt_pid,
	Opt_current,
	Opt_uid,
	Opt_gid,
	Opt_mode,
	Opt_families,
};

static const struct fs_parameter_spec msockfs_parameters[] = {
	fsparam_string("source",		Opt_source),
	fsparam_file_or_string("netns",		Opt_netns),
	fsparam_string("pid",			Opt_pid),	/* removed: says so */
	fsparam_flag("current",			Opt_current),
	fsparam_u32("uid",			Opt_uid),
	fsparam_u32("gid",			Opt_gid),
	fsparam_u32oct("mode",			Opt_mode),
	fsparam_string("families",		Opt_families),
	{}
};

/*
 * Messages that echo what the mounter wrote go to the fs_context log of an
 * fsopen() caller as they are, and to the kernel log (mount(2), which has no
 * such log) only at a limited rate and length.
 */
static DEFINE_RATELIMIT_STATE(msockfs_input_rs, DEFAULT_RATELIMIT_INTERVAL,
			      DEFAULT_RATELIMIT_BURST);
#define MSOCKFS_INPUT_MAX	64

#define msockfs_input_error(fc, err, fmt, ...)				\
({									\
	struct fs_context *__fc = (fc);					\
									\
	if (__fc->log.log || __ratelimit(&msockfs_input_rs))		\
		errorfc(__fc, fmt, ## __VA_ARGS__);			\
	(err);								\
})

static int msockfs_pid_removed(struct fs_context *fc)
{
	return invalfc(fc, "pid= was removed: use netns=/proc/PID/ns/net, or a pidfd's PIDFD_GET_NET_NAMESPACE fd with FSCONFIG_SET_FD (mstack mount --pid)");
}

/*
 * Bind @net (a reference the caller passes on) as the stack of @fc. Binding a
 * network namespace is shorthand for setns() into it, so it needs what
 * netns_install() needs: CAP_SYS_ADMIN over the user namespace that owns it.
 */
static int msockfs_set_net(struct fs_context *fc, struct net *net,
			   char *source, bool from_source)
{
	struct msockfs_ctx *ctx = fc->fs_private;

	if (fc->purpose == FS_CONTEXT_FOR_RECONFIGURE) {
		bool same = net == msockfs_sb_info(fc->root->d_sb)->stack.net;

		put_net(net);
		kfree(source);
		if (!same) {
			errorfc(fc, "cannot change the netns of a mounted stack");
			return -EBUSY;
		}
		return 0;
	}
	if (ctx->net) {
		put_net(net);
		kfree(source);
		return invalfc(fc, "the stack is named twice (source, netns=, pid=, current)");
	}
	if (!ns_capable(net->user_ns, CAP_SYS_ADMIN)) {
		put_net(net);
		kfree(source);
		errorfc(fc, "binding this netns needs CAP_SYS_ADMIN over its owning user namespace");
		return -EPERM;
	}
	ctx->net = net;
	ctx->source = source;
	ctx->source_given = from_source;
	put_user_ns(fc->user_ns);
	fc->user_ns = get_user_ns(net->user_ns);
	return 0;
}

/* Bind the network namespace of an nsfs file; consumes @source. */
static int msockfs_set_net_file(struct fs_context *fc, struct file *file,
				char *source, bool from_source)
{
	struct ns_common *ns;
	struct net *net;

	/* proc_ns_file() is not exported; only nsfs uses NSFS_MAGIC. */
	if (file_inode(file)->i_sb->s_magic != NSFS_MAGIC) {
		kfree(source);
		return invalfc(fc, "netns argument is not an nsfs file");
	}
	ns = get_proc_ns(file_inode(file));
	if (!ns || msockfs_ns_type(ns) != CLONE_NEWNET) {
		kfree(source);
		return invalfc(fc, "netns argument is not a network namespace");
	}
	net = get_net(container_of(ns, struct net, ns));
	if (!source) {
		source = kasprintf(GFP_KERNEL, "net:[%u]", net->ns.inum);
		if (!source) {
			put_net(net);
			return -ENOMEM;
		}
	}
	return msockfs_set_net(fc, net, source, from_source);
}

/* Resolve a parsed source or netns= value; @s is the string it was parsed from. */
static int msockfs_set_source(struct fs_context *fc, const char *s,
			      const struct msock_source *src, bool from_source)
{
	struct file *file __free(fput) = NULL;
	char *source, *path;

	switch (src->kind) {
	case MSOCK_SRC_NONE:
		return 0;
	case MSOCK_SRC_CURRENT:
		source = kstrdup("current", GFP_KERNEL);
		if (!source)
			return -ENOMEM;
		return msockfs_set_net(fc, get_net(fc->net_ns), source, from_source);
	case MSOCK_SRC_NETNS_NAME:
	case MSOCK_SRC_NETNS_PATH:
		break;
	default:
		return -EINVAL;
	}

	if (src->kind == MSOCK_SRC_NETNS_NAME)
		path = kasprintf(GFP_KERNEL, MSOCKFS_NETNS_RUN_DIR "%.*s",
				 (int)src->value_len, s + src->value_off);
	else
		path = kmemdup_nul(s + src->value_off, src->value_len, GFP_KERNEL);
	if (!path)
		return -ENOMEM;
	/*
	 * O_PATH: only the inode is needed. Opening for reading would run the
	 * open of whatever the path names: block on a FIFO, fail on a socket
	 * with ENXIO, open a device (or make a tty the controlling terminal).
	 */
	file = filp_open(path, O_PATH, 0);
	if (IS_ERR(file))
		msockfs_input_error(fc, 0, "cannot open netns %.*s: %ld", MSOCKFS_INPUT_MAX, path,
				    PTR_ERR(file));
	kfree(path);
	if (IS_ERR(file))
		return PTR_ERR(file);
	source = kasprintf(GFP_KERNEL, "netns=%.*s", (int)src->value_len,
			   s + src->value_off);
	if (!source)
		return -ENOMEM;
	return msockfs_set_net_file(fc, file, source, from_source);
}

static int msockfs_parse_param(struct fs_context *fc, struct fs_parameter *param)
{
	struct msockfs_ctx *ctx = fc->fs_private;
	struct fs_parse_result result;
	struct msock_source src = {};
	int opt, err;

	opt = fs_parse(fc, msockfs_parameters, param, &result);
	if (opt < 0)
		return opt;

	switch (opt) {
	case Opt_source:
		if (fc->source)
			return invalfc(fc, "multiple sources");
		if (!strncmp(param->string, "pid=", 4))
			return msockfs_pid_removed(fc);
		err = msocket_parse_source(param->string, param->size, &src);
		if (err)
			return msockfs_input_error(fc, -EINVAL,
						   "bad source \"%.*s\": use netns=NAME, netns=/PATH, current or none",
						   MSOCKFS_INPUT_MAX, param->string);
		err = msockfs_set_source(fc, param->string, &src, true);
		if (err)
			return err;
		fc->source = param->string;
		param->string = NULL;
		return 0;
	case Opt_netns:
		/* FSCONFIG_SET_FD: the VFS holds and later puts the file */
		if (param->type == fs_value_is_file)
			return msockfs_set_net_file(fc, param->file, NULL, false);
		err = msocket_parse_netns(param->string, param->size, &src);
		if (err)
			return msockfs_input_error(fc, -EINVAL,
						   "bad netns \"%.*s\": use a name from ip netns or an absolute path",
						   MSOCKFS_INPUT_MAX, param->string);
		return msockfs_set_source(fc, param->string, &src, false);
	case Opt_pid:
		return msockfs_pid_removed(fc);
	case Opt_current:
		src.kind = MSOCK_SRC_CURRENT;
		return msockfs_set_source(fc, NULL, &src, false);
	/*
	 * Ids are read in the user namespace of the mounter, whose credentials
	 * the fs_context holds (also when another process calls fsconfig()
	 * on a passed fd), not in that of the stack's owner. A refused value
	 * leaves the context as it was: the default owner stays valid.
	 */
	case Opt_uid: {
		kuid_t uid = make_kuid(fc->cred->user_ns, result.uint_32);

		if (!uid_valid(uid))
			return invalfc(fc, "uid %u has no mapping in the mounter's user namespace",
				       result.uint_32);
		ctx->uid = uid;
		ctx->set |= MSOCKFS_SET_UID;
		return 0;
	}
	case Opt_gid: {
		kgid_t gid = make_kgid(fc->cred->user_ns, result.uint_32);

		if (!gid_valid(gid))
			return invalfc(fc, "gid %u has no mapping in the mounter's user namespace",
				       result.uint_32);
		ctx->gid = gid;
		ctx->set |= MSOCKFS_SET_GID;
		return 0;
	}
	case Opt_mode:
		if (result.uint_32 & ~S_IALLUGO)
			return invalfc(fc, "bad mode %o: only permission bits (07777) may be set",
				       result.uint_32);
		ctx->mode = result.uint_32;
		ctx->set |= MSOCKFS_SET_MODE;
		return 0;
	case Opt_families:
		if (msocket_parse_families(param->string, param->size, &ctx->families))
			return msockfs_input_error(fc, -EINVAL,
						   "bad families \"%.*s\": use all, or names (inet, inet6, unix, ...) or numbers separated by ':'",
						   MSOCKFS_INPUT_MAX, param->string);
		ctx->set |= MSOCKFS_SET_FAMILIES;
		return 0;
	}
	return -EINVAL;
}

/*
 * The owner and group of the stack root (given, or the mounter's fsuid and
 * fsgid by default) must mean something in the user namespace that owns the
 * superblock. @which: the MSOCKFS_SET_* ids that will be applied.
 */
static int msockfs_check_owner(struct fs_context *fc, struct user_namespace *ns,
			       unsigned int which)
{
	struct msockfs_ctx *ctx = fc->fs_private;

	if ((which & MSOCKFS_SET_UID) && !kuid_has_mapping(ns, ctx->uid))
		return invalfc(fc, (ctx->set & MSOCKFS_SET_UID) ?
			       "uid has no mapping in the stack's user namespace" :
			       "the mounter's fsuid has no mapping in the stack's user namespace: give uid=");
	if ((which & MSOCKFS_SET_GID) && !kgid_has_mapping(ns, ctx->gid))
		return invalfc(fc, (ctx->set & MSOCKFS_SET_GID) ?
			       "gid has no mapping in the stack's user namespace" :
			       "the mounter's fsgid has no mapping in the stack's user namespace: give gid=");
	return 0;
}

/* The stack's owner, group and mode as they are now. */
void msockfs_owner(struct msockfs_info *info, kuid_t *uid, kgid_t *gid, umode_t *mode)
{
	spin_lock(&info->attr_lock);
	*uid = info->uid;
	*gid = info->gid;
	*mode = info->mode;
	spin_unlock(&info->attr_lock);
}

/* ",families=inet:inet6" unless every family is served. */
static void msockfs_show_families(struct seq_file *m, const char *prefix, u64 families)
{
	const char *sep = prefix;
	const char *name;
	unsigned int f;

	if (families == U64_MAX)
		return;
	for (f = 0; f < 64; f++) {
		if (!(families & BIT_ULL(f)))
			continue;
		name = msocket_family_name(f);
		if (name)
			seq_printf(m, "%s%s", sep, name);
		else
			seq_printf(m, "%s%u", sep, f);
		sep = ":";
	}
}

static int msockfs_info_show(struct seq_file *m, void *v)
{
	struct inode *inode = m->private;
	struct msockfs_info *info = msockfs_sb_info(inode->i_sb);
	struct net *net = info->stack.net;
	kuid_t uid;
	kgid_t gid;
	umode_t mode;

	switch ((uintptr_t)inode->i_private) {
	case MSOCKFS_INFO_NETNS:
		seq_printf(m, "net:[%u]\n", net->ns.inum);
		break;
	case MSOCKFS_INFO_COOKIE:
		seq_printf(m, "%llu\n", net->net_cookie);
		break;
	case MSOCKFS_INFO_SOURCE:
		seq_printf(m, "%s\n", info->source);
		break;
	case MSOCKFS_INFO_OPTIONS:
		msockfs_owner(info, &uid, &gid, &mode);
		seq_printf(m, "uid=%u,gid=%u,mode=%04o",
			   from_kuid_munged(seq_user_ns(m), uid),
			   from_kgid_munged(seq_user_ns(m), gid), mode);
		msockfs_show_families(m, ",families=", READ_ONCE(info->stack.families));
		seq_putc(m, '\n');
		break;
	}
	return 0;
}

static int msockfs_info_open(struct inode *inode, struct file *file)
{
	return single_open(file, msockfs_info_show, inode);
}

static const struct file_operations msockfs_info_fops = {
	.owner		= THIS_MODULE,
	.open		= msockfs_info_open,
	.read		= seq_read,
	.llseek		= seq_lseek,
	.release	= single_release,
};

/*
 * The info files are made when looked up and dropped with their last use
 * (msockfs_dentry_ops), so a mounted stack costs its root and nothing more.
 * Their inode numbers are fixed, for readdir and stat to agree.
 */
static int msockfs_info_setattr(struct mnt_idmap *idmap, struct dentry *dentry,
				struct iattr *attr)
{
	/* Made afresh at each lookup: a chmod or chown would not stick. */
	if (attr->ia_valid & (ATTR_MODE | ATTR_UID | ATTR_GID))
		return -EPERM;
	return simple_setattr(idmap, dentry, attr);
}

static const struct inode_operations msockfs_info_iops = {
	.setattr	= msockfs_info_setattr,
};

static struct inode *msockfs_info_inode(struct inode *root, enum msockfs_info_file which)
{
	struct inode *inode = new_inode(root->i_sb);

	if (!inode)
		return NULL;
	inode->i_ino = 2 + which;
	/* Readable by whom may read the root (STACK_INFO's rule). */
	inode->i_mode = S_IFREG | (root->i_mode & 0444);
	inode->i_uid = root->i_uid;
	inode->i_gid = root->i_gid;
	simple_inode_init_ts(inode);
	inode->i_op = &msockfs_info_iops;
	inode->i_fop = &msockfs_info_fops;
	inode->i_private = (void *)(uintptr_t)which;
	return inode;
}

static struct dentry *msockfs_root_lookup(struct inode *dir, struct dentry *dentry,
					  unsigned int flags)
{
	struct inode *inode = NULL;
	int i;

	for (i = 0; i < ARRAY_SIZE(msockfs_info_names); i++) {
		if (strlen(msockfs_info_names[i]) == dentry->d_name.len &&
		    !memcmp(msockfs_info_names[i], dentry->d_name.name, dentry->d_name.len)) {
			inode = msockfs_info_inode(dir, i);
			if (!inode)
				return ERR_PTR(-ENOMEM);
			break;
		}
	}
	return d_splice_alias(inode, dentry);
}

/*
 * Who may use the stack changed (the root's owner, group or mode): take a
 * copy for readers and bump the access generation, which revokes every
 * stack handle and every memoized grant of an open file.
 */
static void msockfs_access_changed(struct super_block *sb)
{
	struct msockfs_info *info = msockfs_sb_info(sb);
	struct inode *root = d_inode(sb->s_root);

	lockdep_assert_held(&root->i_rwsem);
	spin_lock(&info->attr_lock);
	info->uid = root->i_uid;
	info->gid = root->i_gid;
	info->mode = root->i_mode & S_IALLUGO;
	/* Pairs with the acquire in msockfs_access_gen(). */
	atomic64_set_release(&info->access_gen, atomic64_read(&info->access_gen) + 1);
	spin_unlock(&info->attr_lock);
}

#define MSOCKFS_ATTR_ACCESS	(ATTR_MODE | ATTR_UID | ATTR_GID)

static int msockfs_root_setattr(struct mnt_idmap *idmap, struct dentry *dentry,
				struct iattr *attr)
{
	int err = simple_setattr(idmap, dentry, attr);

	/* A change of times (touch) changes nobody's access. */
	if (!err && (attr->ia_valid & MSOCKFS_ATTR_ACCESS))
		msockfs_access_changed(dentry->d_sb);
	return err;
}

static const struct inode_operations msockfs_root_iops = {
	.lookup		= msockfs_root_lookup,
	.setattr	= msockfs_root_setattr,
};

static int msockfs_root_iterate(struct file *file, struct dir_context *ctx)
{
	const char *name;

	if (!dir_emit_dots(file, ctx))
		return 0;
	for (; ctx->pos - 2 < ARRAY_SIZE(msockfs_info_names); ctx->pos++) {
		name = msockfs_info_names[ctx->pos - 2];
		if (!dir_emit(ctx, name, strlen(name), ctx->pos, DT_REG))
			return 0;
	}
	return 0;
}

/*
 * The stack root: a read-only directory whose ioctls are the msocket entry.
 * Its private_data is the access memo of msockfs_file_permission().
 */
const struct file_operations msockfs_root_fops = {
	.owner		= THIS_MODULE,
	.llseek		= generic_file_llseek,
	.read		= generic_read_dir,
	.iterate_shared	= msockfs_root_iterate,
	.fsync		= noop_fsync,
	.unlocked_ioctl	= msocket_stack_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};

/* Unused dentries go at once: the info files are cheap to make again. */
static const struct dentry_operations msockfs_dentry_ops = {
	.d_delete	= always_delete_dentry,
};

/*
 * The current owner, group and mode of the root (after any chmod or chown,
 * so that a remount with these options cannot undo a revocation) and the
 * families served.
 */
static int msockfs_show_options(struct seq_file *m, struct dentry *root)
{
	struct msockfs_info *info = msockfs_sb_info(root->d_sb);
	kuid_t uid;
	kgid_t gid;
	umode_t mode;

	msockfs_owner(info, &uid, &gid, &mode);
	seq_printf(m, ",uid=%u,gid=%u,mode=%o", from_kuid_munged(seq_user_ns(m), uid),
		   from_kgid_munged(seq_user_ns(m), gid), mode);
	msockfs_show_families(m, ",families=", READ_ONCE(info->stack.families));
	return 0;
}

static const struct super_operations msockfs_super_ops = {
	.statfs		= simple_statfs,
	.drop_inode	= inode_just_drop,
	.show_options	= msockfs_show_options,
};

static int msockfs_fill_super(struct super_block *sb, struct fs_context *fc)
{
	struct msockfs_ctx *ctx = fc->fs_private;
	struct msockfs_info *info;
	struct inode *root;

	sb->s_blocksize = PAGE_SIZE;
	sb->s_blocksize_bits = PAGE_SHIFT;
	sb->s_magic = MSOCKFS_MAGIC;
	sb->s_op = &msockfs_super_ops;
	sb->s_time_gran = 1;
	sb->s_iflags |= SB_I_NOEXEC | SB_I_NODEV;
	set_default_d_op(sb, &msockfs_dentry_ops);

	info = kzalloc_obj(*info);
	if (!info)
		return -ENOMEM;
	sb->s_fs_info = info;
	/* From here on msockfs_kill_sb() releases what info holds. */
	info->stack.net = ctx->net;
	ctx->net = NULL;
	info->stack.families = ctx->families;
	info->source = ctx->source;
	ctx->source = NULL;
	spin_lock_init(&info->attr_lock);
	atomic64_set(&info->access_gen, 0);
	info->uid = ctx->uid;
	info->gid = ctx->gid;
	info->mode = ctx->mode;

	root = new_inode(sb);
	if (!root)
		return -ENOMEM;
	root->i_ino = 1;
	root->i_mode = S_IFDIR | info->mode;
	root->i_uid = info->uid;
	root->i_gid = info->gid;
	simple_inode_init_ts(root);
	root->i_op = &msockfs_root_iops;
	root->i_fop = &msockfs_root_fops;
	set_nlink(root, 2);
	sb->s_root = d_make_root(root);
	if (!sb->s_root)
		return -ENOMEM;
	return 0;
}

static int msockfs_get_tree(struct fs_context *fc)
{
	struct msockfs_ctx *ctx = fc->fs_private;
	struct msock_source current_src = { .kind = MSOCK_SRC_CURRENT };
	int err;

	/* No stack named: the mounter's own network namespace. */
	if (!ctx->net) {
		err = msockfs_set_source(fc, NULL, &current_src, false);
		if (err)
			return err;
	}
	err = msockfs_check_owner(fc, fc->user_ns, MSOCKFS_SET_UID | MSOCKFS_SET_GID);
	if (err)
		return err;
	/* A stack named by an option shows its name as the mount source. */
	if (!ctx->source_given) {
		kfree(fc->source);
		fc->source = kstrdup(ctx->source, GFP_KERNEL);
		if (!fc->source)
			return -ENOMEM;
	}
	return get_tree_nodev(fc, msockfs_fill_super);
}

static int msockfs_reconfigure(struct fs_context *fc)
{
	struct msockfs_ctx *ctx = fc->fs_private;
	struct super_block *sb = fc->root->d_sb;
	struct msockfs_info *info = msockfs_sb_info(sb);
	struct inode *root = d_inode(sb->s_root);
	int err;

	err = msockfs_check_owner(fc, sb->s_user_ns, ctx->set);
	if (err)
		return err;

	inode_lock(root);
	if (ctx->set & MSOCKFS_SET_UID)
		root->i_uid = ctx->uid;
	if (ctx->set & MSOCKFS_SET_GID)
		root->i_gid = ctx->gid;
	if (ctx->set & MSOCKFS_SET_MODE)
		root->i_mode = S_IFDIR | ctx->mode;
	if (ctx->set & MSOCKFS_SET_FAMILIES)
		WRITE_ONCE(info->stack.families, ctx->families);
	if (ctx->set & MSOCKFS_SET_OWNER) {
		inode_set_ctime_current(root);
		msockfs_access_changed(sb);
	}
	inode_unlock(root);
	return 0;
}

static void msockfs_free_fc(struct fs_context *fc)
{
	struct msockfs_ctx *ctx = fc->fs_private;

	if (!ctx)
		return;
	if (ctx->net)
		put_net(ctx->net);
	kfree(ctx->source);
	kfree(ctx);
}

static const struct fs_context_operations msockfs_context_ops = {
	.free		= msockfs_free_fc,
	.parse_param	= msockfs_parse_param,
	.get_tree	= msockfs_get_tree,
	.reconfigure	= msockfs_reconfigure,
};

static int msockfs_init_fs_context(struct fs_context *fc)
{
	struct msockfs_ctx *ctx;

	ctx = kzalloc_obj(*ctx);
	if (!ctx)
		return -ENOMEM;
	ctx->uid = current_fsuid();
	ctx->gid = current_fsgid();
	ctx->mode = MSOCKFS_DEFAULT_MODE;
	ctx->families = U64_MAX;
	fc->fs_private = ctx;
	fc->ops = &msockfs_context_ops;
	return 0;
}

static void msockfs_kill_sb(struct super_block *sb)
{
	struct msockfs_info *info = msockfs_sb_info(sb);

	kill_anon_super(sb);
	if (info) {
		if (info->stack.net)
			put_net(info->stack.net);
		kfree(info->source);
		kfree(info);
	}
}

struct file_system_type msockfs_type = {
	.owner			= THIS_MODULE,
	.name			= "msockfs",
	.init_fs_context	= msockfs_init_fs_context,
	.parameters		= msockfs_parameters,
	.kill_sb		= msockfs_kill_sb,
	.fs_flags		= FS_USERNS_MOUNT,
};

/* /dev/msocket: the one-call path entry, usable by everyone. */
static const struct file_operations msocket_dev_fops = {
	.owner		= THIS_MODULE,
	.open		= nonseekable_open,
	.unlocked_ioctl	= msocket_dev_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
};

static struct miscdevice msocket_miscdev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= "msocket",
	.fops	= &msocket_dev_fops,
	.mode	= 0666,
};

int msockfs_register(void)
{
	int err;

	err = register_filesystem(&msockfs_type);
	if (err)
		return err;
	err = misc_register(&msocket_miscdev);
	if (err)
		unregister_filesystem(&msockfs_type);
	return err;
}

void msockfs_unregister(void)
{
	misc_deregister(&msocket_miscdev);
	unregister_filesystem(&msockfs_type);
}

u64 msockfs_net_inum(const struct net *net)
{
	return net->ns.inum;
}

u64 msockfs_net_cookie(const struct net *net)
{
	return net->net_cookie;
}

int msockfs_open_netns(struct net *net)
{
	return open_related_ns(&net->ns, get_net_ns);
}

bool msockfs_net_capable(const struct net *net, int cap)
{
	return ns_capable(net->user_ns, cap);
}

/* Mirrored in rust/glue.rs (RawSource), on 32- and 64-bit alike. */
static_assert(sizeof(struct msock_source) == 3 * sizeof(size_t));
