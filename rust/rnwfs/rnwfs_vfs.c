// SPDX-License-Identifier: GPL-2.0
/*
 * rnwfs' VFS and iomap tables (static operation tables are what C states best), the inode
 * cache, and the super block's C side: the queue on which writeback of unwritten blocks
 * completes. Every operation that decides anything forwards to Rust.
 */
#include <linux/blkdev.h>
#include <linux/buffer_head.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/fs_parser.h>
#include <linux/iomap.h>
#include <linux/module.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/statfs.h>
#include <linux/workqueue.h>
#include "rnwfs_ffi.h"
#include "rnwfs_c.h"

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

static int rnwfs_write_inode_c(struct inode *inode, struct writeback_control *wbc)
{
	return rnwfs_write_inode(inode, wbc->sync_mode == WB_SYNC_ALL);
}

static void rnwfs_evict_inode(struct inode *inode)
{
	truncate_inode_pages_final(&inode->i_data);
	if (!inode->i_nlink && !is_bad_inode(inode))
		rnwfs_evict_unlinked(inode);
	clear_inode(inode);
}

/* ---- super block ---- */

static int rnwfs_statfs_c(struct dentry *dentry, struct kstatfs *buf)
{
	struct super_block *sb = dentry->d_sb;
	struct rnwfs_statfs st;

	rnwfs_statfs_info(sb, &st);
	buf->f_type = RNWFS_MAGIC;
	buf->f_bsize = sb->s_blocksize;
	buf->f_blocks = st.blocks;
	buf->f_bfree = st.bfree;
	buf->f_bavail = st.bfree;
	buf->f_files = st.files;
	buf->f_ffree = st.ffree;
	buf->f_namelen = 56;
	buf->f_fsid = u64_to_fsid(huge_encode_dev(sb->s_bdev->bd_dev));
	return 0;
}

static const struct super_operations rnwfs_super_ops = {
	.alloc_inode = rnwfs_alloc_inode,
	.free_inode = rnwfs_free_inode,
	.write_inode = rnwfs_write_inode_c,
	.evict_inode = rnwfs_evict_inode,
	.put_super = rnwfs_put_super,
	.sync_fs = rnwfs_sync_fs,
	.statfs = rnwfs_statfs_c,
};

static int rnwfs_nowait_stats_show(struct seq_file *m, void *v)
{
	static const char *const causes[RNWFS_NOWAIT_NR_CAUSES] = {
		"alloc", "lock", "cache", "writeback", "device", "other"
	};
	struct super_block *sb = m->private;
	struct rnwfs_nowait_stats st;
	int i;

	rnwfs_nowait_stats_get(sb, NULL, &st);
	seq_printf(m, "read_ok %llu\n", st.read_ok);
	for (i = 0; i < RNWFS_NOWAIT_NR_CAUSES; i++)
		seq_printf(m, "read_eagain_%s %llu\n", causes[i], st.read_eagain[i]);
	seq_printf(m, "write_ok %llu\n", st.write_ok);
	for (i = 0; i < RNWFS_NOWAIT_NR_CAUSES; i++)
		seq_printf(m, "write_eagain_%s %llu\n", causes[i], st.write_eagain[i]);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(rnwfs_nowait_stats);

/* debugfs rnwfs/<device>/nowait_stats; none if debugfs or the module's directory is absent. */
static void rnwfs_sb_debugfs(struct super_block *sb, struct rnwfs_sb *rsb)
{
	struct dentry *root = debugfs_lookup("rnwfs", NULL);

	if (IS_ERR_OR_NULL(root))
		return;
	rsb->debugfs = debugfs_create_dir(sb->s_id, root);
	dput(root);
	debugfs_create_file("nowait_stats", 0444, rsb->debugfs, sb, &rnwfs_nowait_stats_fops);
	rnwfs_wt_debugfs(sb, rsb->debugfs);
}

static void rnwfs_ioend_work(struct work_struct *work)
{
	struct rnwfs_sb *rsb = container_of(work, struct rnwfs_sb, ioend_work);
	struct iomap_ioend *ioend;
	LIST_HEAD(done);

	spin_lock_irq(&rsb->ioend_lock);
	list_splice_init(&rsb->ioends, &done);
	spin_unlock_irq(&rsb->ioend_lock);
	while ((ioend = list_first_entry_or_null(&done, struct iomap_ioend, io_list))) {
		int error = blk_status_to_errno(ioend->io_bio.bi_status);
		struct inode *inode = ioend->io_inode;
		loff_t offset = ioend->io_offset;
		size_t size = ioend->io_size;

		list_del_init(&ioend->io_list);
		if (!error && ioend->io_type == IOMAP_UNWRITTEN)
			error = rnwfs_convert_unwritten(inode, offset, size);
		if (error && rnwfs_wt_waiting(rsb->sb))
			rnwfs_wt_ioend_error(inode, offset, size, error);
		iomap_finish_ioends(ioend, error); /* frees the ioend */
		rnwfs_wt_writeback_done(rsb->sb, inode, offset, size);
	}
}

/* Completion in process context: unwritten conversion (and the writethrough writes over it). */
static void rnwfs_deferred_end_bio(struct bio *bio)
{
	struct iomap_ioend *ioend = iomap_ioend_from_bio(bio);
	struct rnwfs_sb *rsb = RNWFS_SB(ioend->io_inode->i_sb);
	unsigned long flags;

	spin_lock_irqsave(&rsb->ioend_lock, flags);
	list_add_tail(&ioend->io_list, &rsb->ioends);
	spin_unlock_irqrestore(&rsb->ioend_lock, flags);
	queue_work(rsb->wq, &rsb->ioend_work);
}

int rnwfs_sb_setup(struct super_block *sb, void *fs_info, bool read_only)
{
	struct rnwfs_sb *rsb = kzalloc(sizeof(*rsb), GFP_KERNEL);

	if (!rsb)
		return -ENOMEM;
	rsb->wq = alloc_workqueue("rnwfs-endio/%s", WQ_MEM_RECLAIM | WQ_FREEZABLE, 0, sb->s_id);
	if (!rsb->wq) {
		kfree(rsb);
		return -ENOMEM;
	}
	rsb->info = fs_info;
	spin_lock_init(&rsb->ioend_lock);
	INIT_LIST_HEAD(&rsb->ioends);
	INIT_WORK(&rsb->ioend_work, rnwfs_ioend_work);
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
	rnwfs_sb_debugfs(sb, rsb);
	return 0;
}

void *rnwfs_sb_teardown(struct super_block *sb)
{
	struct rnwfs_sb *rsb = RNWFS_SB(sb);
	void *info;

	if (!rsb)
		return NULL;
	debugfs_remove(rsb->debugfs);
	destroy_workqueue(rsb->wq);
	rnwfs_wt_sb_drain(rsb);
	info = rsb->info;
	kfree(rsb);
	sb->s_fs_info = NULL;
	return info;
}

void *rnwfs_sb_info(struct super_block *sb)
{
	return RNWFS_SB(sb) ? RNWFS_SB(sb)->info : NULL;
}

/* ---- data path: iomap ---- */

static const struct iomap_ops rnwfs_iomap_ops = {
	.iomap_begin = rnwfs_iomap_begin,
};

/*
 * 6.12's iomap never sets REQ_NOWAIT (a nowait dio of several bios could end half done).
 * A synchronous nowait dio that is one bio can carry it: the device's BLK_STS_AGAIN then
 * reaches the caller as EAGAIN, with nothing written. (rnwfs_dio_is_whole is false for
 * async dios: their refusal would come too late for io_uring to retry; see Attempt::set_dio.)
 */
static void rnwfs_dio_submit_io(const struct iomap_iter *iter, struct bio *bio,
				loff_t file_offset)
{
	if ((iter->flags & IOMAP_NOWAIT) && bdev_nowait(bio->bi_bdev) &&
	    rnwfs_dio_is_whole(iter->private, file_offset, bio->bi_iter.bi_size))
		bio->bi_opf |= REQ_NOWAIT;
	submit_bio(bio);
}

static const struct iomap_dio_ops rnwfs_dio_write_ops = {
	.end_io = rnwfs_dio_end_io,
	.submit_io = rnwfs_dio_submit_io,
};

static const struct iomap_dio_ops rnwfs_dio_read_ops = {
	.end_io = rnwfs_dio_read_end_io,
	.submit_io = rnwfs_dio_submit_io,
};

static int rnwfs_prepare_ioend(struct iomap_ioend *ioend, int status)
{
	if (ioend->io_type == IOMAP_UNWRITTEN)
		ioend->io_bio.bi_end_io = rnwfs_deferred_end_bio;
	else if (rnwfs_wt_waiting(ioend->io_inode->i_sb))
		rnwfs_wt_hook_ioend(ioend);
	return status;
}

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

void *rnwfs_iomap_private(struct iomap *iomap)
{
	return container_of(iomap, struct iomap_iter, iomap)->private;
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

static long rnwfs_setflags(struct file *file, u32 __user *arg)
{
	struct inode *inode = file_inode(file);
	u32 flags;
	int ret;

	if (get_user(flags, arg))
		return -EFAULT;
	if (!inode_owner_or_capable(file_mnt_idmap(file), inode))
		return -EPERM;
	ret = mnt_want_write_file(file);
	if (ret)
		return ret;
	inode_lock(inode);
	ret = rnwfs_set_flags(inode, flags);
	inode_unlock(inode);
	mnt_drop_write_file(file);
	return ret;
}

static long rnwfs_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct rnwfs_nowait_stats st;

	switch (cmd) {
	case RNWFS_IOC_GETFLAGS:
		return put_user(rnwfs_get_flags(file_inode(file)), (u32 __user *)arg);
	case RNWFS_IOC_SETFLAGS:
		return rnwfs_setflags(file, (u32 __user *)arg);
	case RNWFS_IOC_NOWAIT_STATS:
	case RNWFS_IOC_SB_NOWAIT_STATS:
		rnwfs_nowait_stats_get(file_inode(file)->i_sb,
				       cmd == RNWFS_IOC_NOWAIT_STATS ? file_inode(file) : NULL, &st);
		return copy_to_user((void __user *)arg, &st, sizeof(st)) ? -EFAULT : 0;
	}
	return -ENOTTY;
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

static int rnwfs_fiemap(struct inode *inode, struct fiemap_extent_info *fieinfo, u64 start,
			u64 len)
{
	int ret;

	inode_lock_shared(inode);
	ret = iomap_fiemap(inode, fieinfo, start, len, &rnwfs_iomap_ops);
	inode_unlock_shared(inode);
	return ret;
}

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

void rnwfs_inode_set_ops(struct inode *inode)
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
