/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What rnwfs' C files share and Rust never sees: the super block's container, and the writethrough mechanism's entry points.
 */
#ifndef RNWFS_C_H
#define RNWFS_C_H

#include <linux/fs.h>
#include <linux/iomap.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

struct rnwfs_sb {
	void *info; /* Rust SbInfo */
	struct super_block *sb;
	/* Async writethrough writes waiting for their range's writeback. */
	spinlock_t wt_lock;
	struct list_head wt_pending;
	atomic_t wt_nr_pending;
	atomic_t wt_bios; /* writeback bios ending through rnwfs_wt_end_bio */
	/* Writethrough counters (debugfs writethrough_stats). */
	atomic64_t wt_sync, wt_aio_queued, wt_aio_done_on_wq, wt_errors;
};

static inline struct rnwfs_sb *RNWFS_SB(struct super_block *sb)
{
	return sb->s_fs_info;
}

/* Exported by fs/super.c (EXPORT_SYMBOL_GPL) but declared only in fs/internal.h. */
int sb_init_dio_done_wq(struct super_block *sb);

void rnwfs_wt_sb_init(struct rnwfs_sb *rsb);
/* Waits until no writeback bio ends through writethrough's hook (before freeing `rsb`). */
void rnwfs_wt_sb_drain(struct rnwfs_sb *rsb);
void rnwfs_wt_debugfs(struct super_block *sb, struct dentry *dir);
/* (The engine's hooks into writeback completion are in rnwfs_ffi.h: Rust calls them.) */

#endif
