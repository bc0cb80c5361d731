/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The C side of rnwfs that Rust calls: the VFS and iomap tables' registration and wrappers
 * for VFS macros and static inlines. bindgen reads this header (see Kbuild). No policy in C:
 * every decision (locking under IOCB_NOWAIT, allocation, mapping) is made in Rust.
 */
#ifndef RNWFS_FFI_H
#define RNWFS_FFI_H

#include <linux/buffer_head.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/iomap.h>
#include <linux/pagemap.h>

#include "../../include/uapi/linux/rnwfs.h"

#define RNWFS_MAGIC 0x524e5746 /* "RNWF" */

/* Flag macros bindgen cannot evaluate (they carry __force casts). */
enum {
	RNWFS_FALLOC_KEEP_SIZE = FALLOC_FL_KEEP_SIZE,
	RNWFS_FALLOC_PUNCH_HOLE = FALLOC_FL_PUNCH_HOLE,
	RNWFS_RENAME_NOREPLACE = RENAME_NOREPLACE,
	RNWFS_SEEK_DATA = SEEK_DATA,
	RNWFS_SEEK_HOLE = SEEK_HOLE,
};

/* The ioctl numbers (_IOR/_IOW: bindgen cannot evaluate them). */
enum {
	RNWFS_IOCTL_NOWAIT_STATS = RNWFS_IOC_NOWAIT_STATS,
	RNWFS_IOCTL_SB_NOWAIT_STATS = RNWFS_IOC_SB_NOWAIT_STATS,
	RNWFS_IOCTL_GETFLAGS = RNWFS_IOC_GETFLAGS,
	RNWFS_IOCTL_SETFLAGS = RNWFS_IOC_SETFLAGS,
};

/* ---- super block ---- */
/*
 * Attaches the Rust info and the writethrough engine's state (its debugfs file into
 * `debugfs_dir`, if not NULL); 0 or -errno.
 */
int rnwfs_sb_setup(struct super_block *sb, void *fs_info, bool read_only,
		   struct dentry *debugfs_dir);
/* After all I/O ended: waits for the writethrough engine, detaches the Rust info and
 * returns it (NULL if never set up). */
void *rnwfs_sb_teardown(struct super_block *sb);
/* Then, once the Rust info is freed: frees the C side. */
void rnwfs_sb_free(struct super_block *sb);
void *rnwfs_sb_info(struct super_block *sb);


/* ---- data path: writethrough ---- */
/* Writethrough (rnwfs_writethrough.c): prepare before the copy, then write back. */
void *rnwfs_wt_prepare(struct kiocb *iocb, loff_t pos, size_t len);
ssize_t rnwfs_wt_write_back(struct kiocb *iocb, void *prepared, loff_t pos, ssize_t written);
void rnwfs_wt_cancel(void *prepared);
/* Whether async writethrough writes wait for writeback completions on this super block. */
bool rnwfs_wt_waiting(struct super_block *sb);
/* A writeback ioend submitted while writethrough writes wait: it ends through them. */
void rnwfs_wt_hook_ioend(struct iomap_ioend *ioend);
/* A writeback ioend failed: the writethrough writes over its range fail with `error`. */
void rnwfs_wt_ioend_error(struct inode *inode, loff_t offset, size_t size, int error);
/*
 * After the writeback of [offset, offset + size) of `inode` ended: completes the async
 * writes over it whose whole range is now on the device. `inode` is only compared.
 */
void rnwfs_wt_writeback_done(struct super_block *sb, struct inode *inode, loff_t offset,
			     size_t size);


#endif
