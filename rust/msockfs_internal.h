/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What msockfs.c (the file system) and msockfs_access.c (who may use a
 * stack) share inside the module.
 */
#ifndef _MSOCKFS_INTERNAL_H
#define _MSOCKFS_INTERNAL_H

#include <linux/atomic.h>
#include <linux/fs.h>
#include <linux/spinlock.h>
#include <linux/uidgid.h>

#include "msockfs.h"
#include "msockfs_compat.h"

/*
 * One mounted stack: sb->s_fs_info. It starts with the head the socket path
 * reads from Rust (struct msockfs_stack: the netns and the families served).
 */
struct msockfs_info {
	struct msockfs_stack stack;
	char *source;		/* canonical name of the stack */
	/*
	 * Who may use the stack is decided on the root: its owner, group and
	 * mode. attr_lock protects a copy of them, taken after every change
	 * (chmod, chown, remount) for the readers that cannot take the root's
	 * inode lock (show_options() runs under namespace_sem, which
	 * lock_mount() takes after the inode lock of the mountpoint), and the
	 * access generation, bumped by the same changes: open files and stack
	 * handles remember the generation their access was granted at.
	 */
	spinlock_t attr_lock;
	kuid_t uid;
	kgid_t gid;
	umode_t mode;
	atomic64_t access_gen;	/* 64 bits everywhere: never wraps */
};

static_assert(offsetof(struct msockfs_info, stack) == 0);

static inline struct msockfs_info *msockfs_sb_info(const struct super_block *sb)
{
	return sb->s_fs_info;
}

extern struct file_system_type msockfs_type;
extern const struct file_operations msockfs_root_fops;

void msockfs_owner(struct msockfs_info *info, kuid_t *uid, kgid_t *gid, umode_t *mode);

/* Pairs with the release in msockfs_access_changed(). */
static inline u64 msockfs_access_gen(struct msockfs_info *info)
{
	return atomic64_read_acquire(&info->access_gen);
}

#endif /* _MSOCKFS_INTERNAL_H */
