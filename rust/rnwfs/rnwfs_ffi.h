/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What rnwfs' Rust needs from C that bindgen cannot evaluate by itself: the uapi header's
 * ioctl numbers and flag macros (with __force casts), and the magic number. No functions:
 * rnwfs has no C of its own (its VFS and iomap tables and wrappers are the layer's).
 */
#ifndef RNWFS_FFI_H
#define RNWFS_FFI_H

#include <linux/types.h>
#include <linux/falloc.h>
#include <linux/fs.h>

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

#endif
