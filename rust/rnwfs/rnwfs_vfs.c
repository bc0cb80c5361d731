// SPDX-License-Identifier: GPL-2.0
/*
 * What of rnwfs' VFS glue is still C: the file, address space, vm and iomap tables (until
 * they are built in Rust like the super block's and inodes' in rnwk::fs), and the super
 * block's C container (the Rust info and the writethrough engine's state, until issue 16
 * moves the engine to Rust). Every operation that decides anything forwards to Rust.
 */
#include <linux/blkdev.h>
#include <linux/buffer_head.h>
#include <linux/fs.h>
#include <linux/iomap.h>
#include <linux/module.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/slab.h>
#include "rnwfs_ffi.h"
#include "rnwfs_c.h"
#include "../rnwk/rnwk_ffi.h"

/* ---- super block ---- */

int rnwfs_sb_setup(struct super_block *sb, void *fs_info, bool read_only,
		   struct dentry *debugfs_dir)
{
	struct rnwfs_sb *rsb = kzalloc(sizeof(*rsb), GFP_KERNEL);

	if (!rsb)
		return -ENOMEM;
	rsb->info = fs_info;
	rsb->sb = sb;
	rnwfs_wt_sb_init(rsb);
	sb->s_fs_info = rsb;
	sb->s_magic = RNWFS_MAGIC;
	sb->s_max_links = 65000;
	if (read_only)
		sb->s_flags |= SB_RDONLY;
	if (debugfs_dir)
		rnwfs_wt_debugfs(sb, debugfs_dir);
	return 0;
}

void *rnwfs_sb_teardown(struct super_block *sb)
{
	struct rnwfs_sb *rsb = RNWFS_SB(sb);
	void *info;

	if (!rsb)
		return NULL;
	rnwfs_wt_sb_drain(rsb);
	info = rsb->info;
	rsb->info = NULL;
	return info;
}

void rnwfs_sb_free(struct super_block *sb)
{
	kfree(RNWFS_SB(sb));
	sb->s_fs_info = NULL;
}

void *rnwfs_sb_info(struct super_block *sb)
{
	return RNWFS_SB(sb) ? RNWFS_SB(sb)->info : NULL;
}

/* ---- data path: iomap ---- */

static const struct iomap_ops rnwfs_iomap_ops = {
	.iomap_begin = rnwfs_iomap_begin,
};

static const struct iomap_dio_ops rnwfs_dio_write_ops = {
	.end_io = rnwfs_dio_end_io,
	.submit_io = rnwfs_dio_submit_io,
};

static const struct iomap_dio_ops rnwfs_dio_read_ops = {
	.end_io = rnwfs_dio_read_end_io,
	.submit_io = rnwfs_dio_submit_io,
};

static const struct iomap_writeback_ops rnwfs_writeback_ops = {
	.map_blocks = rnwfs_map_blocks,
	.prepare_ioend = rnwfs_prepare_ioend,
};

/* iomap_dio_rw(), telling whether a dio (and so its end_io) was started. */
ssize_t rnwfs_dio_rw(struct kiocb *iocb, struct iov_iter *iter, unsigned int dio_flags,
		     void *private, bool *submitted)
{
	const struct iomap_dio_ops *dops = iov_iter_rw(iter) == WRITE ?
		&rnwfs_dio_write_ops : &rnwfs_dio_read_ops;
	struct iomap_dio *dio;

	dio = __iomap_dio_rw(iocb, iter, &rnwfs_iomap_ops, dops, dio_flags, private, 0);
	if (IS_ERR_OR_NULL(dio)) {
		*submitted = dio == ERR_PTR(-EIOCBQUEUED);
		return PTR_ERR_OR_ZERO(dio);
	}
	*submitted = true;
	return iomap_dio_complete(dio);
}

ssize_t rnwfs_buffered_write(struct kiocb *iocb, struct iov_iter *from, void *private)
{
	return iomap_file_buffered_write(iocb, from, &rnwfs_iomap_ops, private);
}

int rnwfs_zero_range(struct inode *inode, u64 pos, u64 len)
{
	return iomap_zero_range(inode, pos, len, NULL, &rnwfs_iomap_ops);
}

int rnwfs_truncate_page(struct inode *inode, u64 pos)
{
	bool did_zero;

	return iomap_truncate_page(inode, pos, &did_zero, &rnwfs_iomap_ops);
}

loff_t rnwfs_seek_data_hole(struct inode *inode, loff_t offset, int whence)
{
	if (whence == SEEK_DATA)
		return iomap_seek_data(inode, offset, &rnwfs_iomap_ops);
	return iomap_seek_hole(inode, offset, &rnwfs_iomap_ops);
}

static int rnwfs_read_folio(struct file *file, struct folio *folio)
{
	return iomap_read_folio(folio, &rnwfs_iomap_ops);
}

static void rnwfs_readahead(struct readahead_control *rac)
{
	iomap_readahead(rac, &rnwfs_iomap_ops);
}

static int rnwfs_writepages(struct address_space *mapping, struct writeback_control *wbc)
{
	struct iomap_writepage_ctx wpc = {};

	return iomap_writepages(mapping, wbc, &wpc, &rnwfs_writeback_ops);
}

static sector_t rnwfs_bmap(struct address_space *mapping, sector_t block)
{
	return iomap_bmap(mapping, block, &rnwfs_iomap_ops);
}

static const struct address_space_operations rnwfs_aops = {
	.read_folio = rnwfs_read_folio,
	.readahead = rnwfs_readahead,
	.writepages = rnwfs_writepages,
	.dirty_folio = iomap_dirty_folio,
	.release_folio = iomap_release_folio,
	.invalidate_folio = iomap_invalidate_folio,
	.migrate_folio = filemap_migrate_folio,
	.is_partially_uptodate = iomap_is_partially_uptodate,
	.error_remove_folio = generic_error_remove_folio,
	.bmap = rnwfs_bmap,
};

/* The standard iomap write fault: freeze protection, then allocate under the shared
 * invalidate lock so that truncate and hole punching cannot race with it. */
static vm_fault_t rnwfs_page_mkwrite(struct vm_fault *vmf)
{
	struct inode *inode = file_inode(vmf->vma->vm_file);
	vm_fault_t ret;

	sb_start_pagefault(inode->i_sb);
	file_update_time(vmf->vma->vm_file);
	filemap_invalidate_lock_shared(inode->i_mapping);
	ret = iomap_page_mkwrite(vmf, &rnwfs_iomap_ops);
	filemap_invalidate_unlock_shared(inode->i_mapping);
	sb_end_pagefault(inode->i_sb);
	return ret;
}

static const struct vm_operations_struct rnwfs_vm_ops = {
	.fault = filemap_fault,
	.map_pages = filemap_map_pages,
	.page_mkwrite = rnwfs_page_mkwrite,
};

static int rnwfs_mmap(struct file *file, struct vm_area_struct *vma)
{
	file_accessed(file);
	vma->vm_ops = &rnwfs_vm_ops;
	return 0;
}

static int rnwfs_file_open(struct inode *inode, struct file *file)
{
	file->f_mode |= FMODE_NOWAIT | FMODE_CAN_ODIRECT;
	return generic_file_open(inode, file);
}

/* ---- operation tables ---- */

static const struct file_operations rnwfs_file_ops = {
	.llseek = rnwfs_llseek,
	.read_iter = rnwfs_read_iter,
	.write_iter = rnwfs_write_iter,
	.splice_read = filemap_splice_read,
	.splice_write = iter_file_splice_write,
	.mmap = rnwfs_mmap,
	.open = rnwfs_file_open,
	.fsync = rnwfs_fsync,
	.fallocate = rnwfs_fallocate,
	.unlocked_ioctl = rnwfs_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.iopoll = iocb_bio_iopoll,
	.fop_flags = FOP_BUFFER_RASYNC | FOP_BUFFER_WASYNC | FOP_DIO_PARALLEL_WRITE,
};

/* The layer's hook (rnwk_ffi.h): regular files' ->fiemap. */
int rnwk_fs_fiemap(struct inode *inode, struct fiemap_extent_info *fieinfo, u64 start,
		   u64 len)
{
	int ret;

	inode_lock_shared(inode);
	ret = iomap_fiemap(inode, fieinfo, start, len, &rnwfs_iomap_ops);
	inode_unlock_shared(inode);
	return ret;
}

static const struct file_operations rnwfs_dir_file_ops = {
	.llseek = generic_file_llseek,
	.read = generic_read_dir,
	.iterate_shared = rnwfs_iterate,
	.fsync = rnwfs_fsync,
	.unlocked_ioctl = rnwfs_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

/* The layer's hook (rnwk_ffi.h): a new inode's file and address space tables, by type. */
void rnwk_fs_set_data_ops(struct inode *inode)
{
	switch (inode->i_mode & S_IFMT) {
	case S_IFDIR:
		inode->i_fop = &rnwfs_dir_file_ops;
		break;
	case S_IFLNK:
		inode_nohighmem(inode);
		break;
	default:
		inode->i_fop = &rnwfs_file_ops;
		inode->i_mapping->a_ops = &rnwfs_aops;
		break;
	}
}
