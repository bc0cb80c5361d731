// SPDX-License-Identifier: GPL-2.0
/*
 * rnwk's wrappers of the VFS, iomap and bio static inlines (declared in rnwk_ffi.h). One
 * expression each; the Rust side (fs/, iomap/, bio.rs) states what they are safe for.
 */
#include <linux/blkdev.h>
#include <linux/fs.h>
#include <linux/iomap.h>
#include <linux/kdev_t.h>
#include <linux/mount.h>
#include <linux/statfs.h>
#include <linux/uio.h>
#include "../rnwk_ffi.h"

size_t rnwk_iov_iter_count(const struct iov_iter *iter)
{
	return iov_iter_count(iter);
}

ssize_t rnwk_generic_write_sync(struct kiocb *iocb, ssize_t count)
{
	return generic_write_sync(iocb, count);
}

struct inode *rnwk_file_inode(struct file *file)
{
	return file_inode(file);
}

struct mnt_idmap *rnwk_file_mnt_idmap(struct file *file)
{
	return file_mnt_idmap(file);
}

__kernel_fsid_t rnwk_sb_bdev_fsid(struct super_block *sb)
{
	return u64_to_fsid(huge_encode_dev(sb->s_bdev->bd_dev));
}

bool rnwk_bdev_nowait(struct block_device *bdev)
{
	return bdev_nowait(bdev);
}

struct iomap_ioend *rnwk_iomap_ioend_from_bio(struct bio *bio)
{
	return iomap_ioend_from_bio(bio);
}

void rnwk_init_list_head(struct list_head *list)
{
	INIT_LIST_HEAD(list);
}
