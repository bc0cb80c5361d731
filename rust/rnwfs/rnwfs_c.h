/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What rnwfs' C files share and Rust never sees: the in-core inode and super block
 * containers, and the writethrough mechanism's entry points.
 */
#ifndef RNWFS_C_H
#define RNWFS_C_H

#include <linux/fs.h>
#include <linux/iomap.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

struct rnwfs_inode {
	void *info; /* Rust InodeInfo */
	struct inode vfs_inode;
};

static inline struct rnwfs_inode *RNWFS_I(struct inode *inode)
{
	return container_of(inode, struct rnwfs_inode, vfs_inode);
}

struct rnwfs_sb {
	void *info; /* Rust SbInfo */
	struct super_block *sb;
	/* Writeback ioends converted or completed in process context. */
	spinlock_t ioend_lock;
	struct list_head ioends;
	struct work_struct ioend_work;
	struct workqueue_struct *wq;
	struct dentry *debugfs; /* rnwfs/<device>/ */
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
/* Whether async writethrough writes wait for writeback completions on this super block. */
bool rnwfs_wt_waiting(struct super_block *sb);
/* A writeback ioend submitted while writethrough writes wait: it ends through them. */
void rnwfs_wt_hook_ioend(struct iomap_ioend *ioend);
/* Waits until no writeback bio ends through writethrough's hook (before freeing `rsb`). */
void rnwfs_wt_sb_drain(struct rnwfs_sb *rsb);
/* A writeback ioend failed: the writethrough writes over its range fail with `error`. */
void rnwfs_wt_ioend_error(struct inode *inode, loff_t offset, size_t size, int error);
/*
 * After the writeback of [offset, offset + size) of `inode` ended: completes the async
 * writes over it whose whole range is now on the device.
 */
void rnwfs_wt_writeback_done(struct super_block *sb, struct inode *inode, loff_t offset,
			     size_t size);
void rnwfs_wt_debugfs(struct super_block *sb, struct dentry *dir);

#endif
