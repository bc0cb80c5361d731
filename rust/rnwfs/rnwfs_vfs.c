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

/* ---- data path: iomap ----
 * rnwfs' iomap_ops, iomap_dio_ops and iomap_writeback_ops are Rust constants built by the
 * layer (rnwk::iomap::Operations, implemented in iomap_ops.rs); the page-cache and fault
 * entry points below are Rust functions that call iomap with them.
 */

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
