/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * rnwfs user ABI: nowait statistics (Documentation/nowait.rst) and per-file flags
 * (Documentation/writethrough.rst).
 *
 * Applications that try a nowait read or write first and hand the I/O to a thread when it
 * would block can ask, per file or per filesystem, how often trying paid off and why it
 * did not. Counters start at zero when an inode is loaded (per file) or at mount (per
 * filesystem); they are not persisted. A nowait attempt is a read or write with
 * IOCB_NOWAIT: RWF_NOWAIT, an O_NONBLOCK-style aio, or io_uring's first, inline try.
 */
#ifndef _UAPI_LINUX_RNWFS_H
#define _UAPI_LINUX_RNWFS_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* Why a nowait attempt returned EAGAIN (the first step that would have blocked). */
enum rnwfs_nowait_cause {
	RNWFS_NOWAIT_ALLOC = 0,		/* blocks to allocate, or unwritten ones to zero */
	RNWFS_NOWAIT_LOCK = 1,		/* i_rwsem or the extent map held by another task */
	RNWFS_NOWAIT_CACHE = 2,		/* page cache: read miss, folio busy or to be read */
	RNWFS_NOWAIT_WRITEBACK = 3,	/* dirty or writeback cache over a direct I/O range */
	RNWFS_NOWAIT_DEVICE = 4,	/* the block device returned BLK_STS_AGAIN */
	RNWFS_NOWAIT_OTHER = 5,		/* anything else: privilege removal, zeroing past EOF,
					 * waiting for other direct I/O, a direct I/O
					 * over more than one extent */
	RNWFS_NOWAIT_NR_CAUSES = 6,
};

/*
 * 2: the ioctls moved from 'r' 0x10-0x13 (inside FAT's registered 'r' 00-1F range, see
 * Documentation/userspace-api/ioctl/ioctl-number.rst) to RNWFS_IOC_MAGIC 0x00-0x03.
 */
#define RNWFS_UAPI_VERSION 2
/* An ioctl type no kernel header or the ioctl-number registry uses (as of 6.12). */
#define RNWFS_IOC_MAGIC 0xB9

#define RNWFS_NOWAIT_STATS_VERSION 1

struct rnwfs_nowait_stats {
	__u32 version;		/* RNWFS_NOWAIT_STATS_VERSION */
	__u32 size;		/* sizeof(struct rnwfs_nowait_stats) the kernel filled */
	__u64 read_ok;		/* nowait reads served (a short read counts as served) */
	__u64 write_ok;		/* nowait writes done */
	__u64 read_eagain[RNWFS_NOWAIT_NR_CAUSES];
	__u64 write_eagain[RNWFS_NOWAIT_NR_CAUSES];
};

/* This file's counters. */
#define RNWFS_IOC_NOWAIT_STATS		_IOR(RNWFS_IOC_MAGIC, 0x00, struct rnwfs_nowait_stats)
/* The whole filesystem's counters (any file or directory of it). */
#define RNWFS_IOC_SB_NOWAIT_STATS	_IOR(RNWFS_IOC_MAGIC, 0x01, struct rnwfs_nowait_stats)

/*
 * Per-file flags, persisted in the inode. RNWFS_FL_WRITETHROUGH: buffered writes reach the
 * device before they complete (also for every file of a filesystem mounted with
 * -o writethrough). Setting needs ownership (or CAP_FOWNER) and a writable mount.
 */
#define RNWFS_FL_WRITETHROUGH		0x00000001
#define RNWFS_IOC_GETFLAGS		_IOR(RNWFS_IOC_MAGIC, 0x02, __u32)
#define RNWFS_IOC_SETFLAGS		_IOW(RNWFS_IOC_MAGIC, 0x03, __u32)

#endif /* _UAPI_LINUX_RNWFS_H */
