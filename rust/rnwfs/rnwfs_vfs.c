// SPDX-License-Identifier: GPL-2.0
/*
 * rnwfs' VFS and iomap tables (static operation tables are what C states best), the inode
 * cache, and the super block's C container (the Rust info and the writethrough engine's
 * state, until issue 16 moves the engine to Rust). Every operation that decides anything
 * forwards to Rust.
 */
#include <linux/blkdev.h>
#include <linux/buffer_head.h>
#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/fs_parser.h>
#include <linux/iomap.h>
#include <linux/module.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/slab.h>
#include "rnwfs_ffi.h"
#include "rnwfs_c.h"
#include "../rnwk/rnwk_ffi.h"

/* ---- in-core inodes: the VFS inode plus the Rust part ---- */

static struct kmem_cache *rnwfs_inode_cachep;

void *rnwfs_inode_info(struct inode *inode)
{
	return RNWFS_I(inode)->info;
}

static void rnwfs_inode_init_once(void *p)
{
	struct rnwfs_inode *ri = p;

	inode_init_once(&ri->vfs_inode);
}

static struct inode *rnwfs_alloc_inode(struct super_block *sb)
{
	struct rnwfs_inode *ri = alloc_inode_sb(sb, rnwfs_inode_cachep, GFP_KERNEL);

	if (!ri)
		return NULL;
	ri->info = rnwfs_inode_info_new();
	if (!ri->info) {
		kmem_cache_free(rnwfs_inode_cachep, ri);
		return NULL;
	}
	return &ri->vfs_inode;
}

static void rnwfs_free_inode(struct inode *inode)
{
	struct rnwfs_inode *ri = RNWFS_I(inode);

	rnwfs_inode_info_free(ri->info);
	kmem_cache_free(rnwfs_inode_cachep, ri);
}

/* ---- super block ---- */

static const struct super_operations rnwfs_super_ops = {
	.alloc_inode = rnwfs_alloc_inode,
	.free_inode = rnwfs_free_inode,
	.write_inode = rnwfs_write_inode,
	.evict_inode = rnwfs_evict_inode,
	.put_super = rnwfs_put_super,
	.sync_fs = rnwfs_sync_fs,
	.statfs = rnwfs_statfs,
};

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
	sb->s_op = &rnwfs_super_ops;
	sb->s_magic = RNWFS_MAGIC;
	sb->s_maxbytes = MAX_LFS_FILESIZE;
	sb->s_time_gran = 1;
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
 * layer (rnwk::iomap::Operations, implemented in iomap_ops.rs); the page-cache, fault and
 * fiemap entry points below are Rust functions that call iomap with them.
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

static const struct inode_operations rnwfs_file_inode_ops = {
	.setattr = rnwfs_setattr,
	.fiemap = rnwfs_fiemap,
};

static const struct inode_operations rnwfs_dir_inode_ops = {
	.lookup = rnwfs_lookup,
	.create = rnwfs_create,
	.mkdir = rnwfs_mkdir,
	.symlink = rnwfs_symlink,
	.link = rnwfs_link,
	.unlink = rnwfs_unlink,
	.rmdir = rnwfs_rmdir,
	.rename = rnwfs_rename,
	.setattr = rnwfs_setattr,
};

static const struct file_operations rnwfs_dir_file_ops = {
	.llseek = generic_file_llseek,
	.read = generic_read_dir,
	.iterate_shared = rnwfs_iterate,
	.fsync = rnwfs_fsync,
	.unlocked_ioctl = rnwfs_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static const struct inode_operations rnwfs_symlink_inode_ops = {
	.get_link = rnwfs_get_link,
	.setattr = rnwfs_setattr,
};

/* The layer's hook (rnwk_ffi.h): a new inode's tables, by its type. */
void rnwk_fs_set_inode_ops(struct inode *inode)
{
	switch (inode->i_mode & S_IFMT) {
	case S_IFDIR:
		inode->i_op = &rnwfs_dir_inode_ops;
		inode->i_fop = &rnwfs_dir_file_ops;
		break;
	case S_IFLNK:
		inode->i_op = &rnwfs_symlink_inode_ops;
		inode_nohighmem(inode);
		break;
	default:
		inode->i_op = &rnwfs_file_inode_ops;
		inode->i_fop = &rnwfs_file_ops;
		inode->i_mapping->a_ops = &rnwfs_aops;
		break;
	}
}

/* ---- filesystem type ---- */

static int rnwfs_get_tree(struct fs_context *fc)
{
	return get_tree_bdev(fc, rnwfs_fill_super);
}

enum { RNWFS_OPT_WRITETHROUGH };

static const struct fs_parameter_spec rnwfs_param_specs[] = {
	fsparam_flag_no("writethrough", RNWFS_OPT_WRITETHROUGH),
	{}
};

/* Mount options as given: -1 for an option not given. */
struct rnwfs_fc_opts {
	int writethrough;
};

static int rnwfs_parse_param(struct fs_context *fc, struct fs_parameter *param)
{
	struct rnwfs_fc_opts *opts = fc->fs_private;
	struct fs_parse_result result;
	int opt = fs_parse(fc, rnwfs_param_specs, param, &result);

	if (opt < 0)
		return opt;
	if (opt == RNWFS_OPT_WRITETHROUGH)
		opts->writethrough = !result.negated;
	return 0;
}

int rnwfs_fc_writethrough(struct fs_context *fc)
{
	return ((struct rnwfs_fc_opts *)fc->fs_private)->writethrough;
}

static void rnwfs_free_fc(struct fs_context *fc)
{
	kfree(fc->fs_private);
}

static const struct fs_context_operations rnwfs_context_ops = {
	.parse_param = rnwfs_parse_param,
	.get_tree = rnwfs_get_tree,
	.reconfigure = rnwfs_reconfigure,
	.free = rnwfs_free_fc,
};

static int rnwfs_init_fs_context(struct fs_context *fc)
{
	struct rnwfs_fc_opts *opts = kzalloc(sizeof(*opts), GFP_KERNEL);

	if (!opts)
		return -ENOMEM;
	opts->writethrough = -1;
	fc->fs_private = opts;
	fc->ops = &rnwfs_context_ops;
	return 0;
}

static struct file_system_type rnwfs_fs_type = {
	.owner = THIS_MODULE,
	.name = "rnwfs",
	.init_fs_context = rnwfs_init_fs_context,
	.kill_sb = kill_block_super,
	.parameters = rnwfs_param_specs,
	.fs_flags = FS_REQUIRES_DEV,
};
MODULE_ALIAS_FS("rnwfs");

int rnwfs_register(void)
{
	int ret;

	rnwfs_inode_cachep = kmem_cache_create("rnwfs_inode", sizeof(struct rnwfs_inode), 0,
					       SLAB_RECLAIM_ACCOUNT | SLAB_ACCOUNT,
					       rnwfs_inode_init_once);
	if (!rnwfs_inode_cachep)
		return -ENOMEM;
	ret = register_filesystem(&rnwfs_fs_type);
	if (ret)
		kmem_cache_destroy(rnwfs_inode_cachep);
	return ret;
}

void rnwfs_unregister(void)
{
	unregister_filesystem(&rnwfs_fs_type);
	/* Inodes are freed after an RCU grace period. */
	rcu_barrier();
	kmem_cache_destroy(rnwfs_inode_cachep);
}
