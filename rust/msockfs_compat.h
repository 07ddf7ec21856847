/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What differs between the kernels msockfs.c builds for (Linux 6.12 LTS to
 * 7.3), in one place: the newest kernel's names, provided for older ones.
 * Macros are tested for directly; functions and fields by the release that
 * introduced them. The Rust counterpart is rust/compat.rs; the supported
 * kernels are listed in Documentation/admin-guide/msocket-kernels.rst.
 */
#ifndef _MSOCKFS_COMPAT_H
#define _MSOCKFS_COMPAT_H

#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/fs_parser.h>
#include <linux/ns_common.h>
#include <linux/proc_ns.h>
#include <linux/slab.h>
#include <linux/version.h>

/* kzalloc_obj(): 7.0. */
#ifndef kzalloc_obj
#define kzalloc_obj(VAR, ...)	kzalloc(sizeof(VAR), GFP_KERNEL)
#endif

/*
 * A parameter that is a string or, through fsconfig(FSCONFIG_SET_FD), a file
 * (fsparam_file_or_string(): 6.13). The same as the kernel's.
 */
#ifndef fsparam_file_or_string
static inline int msockfs_param_is_file_or_string(struct p_log *log,
						  const struct fs_parameter_spec *p,
						  struct fs_parameter *param,
						  struct fs_parse_result *result)
{
	switch (param->type) {
	case fs_value_is_string:
		return fs_param_is_string(log, p, param, result);
	case fs_value_is_file:
		result->uint_32 = param->dirfd;
		if (result->uint_32 <= INT_MAX)
			return 0;
		break;
	default:
		break;
	}
	return inval_plog(log, "Bad value for '%s'", param->key);
}

#define fsparam_file_or_string(NAME, OPT) \
	__fsparam(msockfs_param_is_file_or_string, NAME, OPT, 0, NULL)
#endif

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 17, 0)
/* set_default_d_op(): 6.17. */
static inline void set_default_d_op(struct super_block *sb,
				    const struct dentry_operations *ops)
{
	sb->s_d_op = ops;
}
#endif

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 18, 0)
/* generic_delete_inode() became inode_just_drop() in 6.18. */
#define inode_just_drop generic_delete_inode
/* The namespace type, a field of struct ns_common since 6.18. */
#define msockfs_ns_type(ns)	((ns)->ops->type)
#else
#define msockfs_ns_type(ns)	((ns)->ns_type)
#endif

#endif /* _MSOCKFS_COMPAT_H */
