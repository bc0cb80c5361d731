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
/* Attaches the Rust info; 0 or -errno. */
int rnwfs_sb_setup(struct super_block *sb, void *fs_info, bool read_only);
/* After all I/O ended: detaches the Rust info and returns it (NULL if never set up). */
void *rnwfs_sb_teardown(struct super_block *sb);
/* Then, once the Rust info is freed: frees the C side. */
void rnwfs_sb_free(struct super_block *sb);
void *rnwfs_sb_info(struct super_block *sb);


#endif
