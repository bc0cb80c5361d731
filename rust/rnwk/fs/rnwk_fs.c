// SPDX-License-Identifier: GPL-2.0
/*
 * rnwk's wrappers of the VFS, iomap and bio static inlines (declared in rnwk_ffi.h). One
 * expression each; the Rust side (fs/, iomap/, bio.rs) states what they are safe for.
 */
#include <linux/blkdev.h>
#include <linux/buffer_head.h>
#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/fs_parser.h>
#include <linux/iomap.h>
#include <linux/kdev_t.h>
#include <linux/mount.h>
#include <linux/pagemap.h>
#include <linux/pagevec.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
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

struct buffer_head *rnwk_sb_bread(struct super_block *sb, u64 block)
{
	return sb_bread(sb, block);
}

struct buffer_head *rnwk_sb_getblk(struct super_block *sb, u64 block)
{
	return sb_getblk(sb, block);
}

void *rnwk_bh_data(struct buffer_head *bh)
{
	return bh->b_data;
}

size_t rnwk_bh_size(struct buffer_head *bh)
{
	return bh->b_size;
}

void rnwk_brelse(struct buffer_head *bh)
{
	brelse(bh);
}

void rnwk_lock_buffer(struct buffer_head *bh)
{
	lock_buffer(bh);
}

void rnwk_unlock_buffer(struct buffer_head *bh)
{
	unlock_buffer(bh);
}

void rnwk_set_buffer_uptodate(struct buffer_head *bh)
{
	set_buffer_uptodate(bh);
}

void rnwk_mark_buffer_dirty(struct buffer_head *bh)
{
	mark_buffer_dirty(bh);
}

int rnwk_sync_dirty_buffer(struct buffer_head *bh)
{
	return sync_dirty_buffer(bh);
}

void rnwk_clean_bdev_aliases(struct block_device *bdev, sector_t block, sector_t len)
{
	clean_bdev_aliases(bdev, block, len);
}

u64 rnwk_bdev_nr_bytes(struct block_device *bdev)
{
	return bdev_nr_bytes(bdev);
}

int rnwk_blkdev_zeroout_nofs(struct block_device *bdev, sector_t sector, sector_t nr_sects)
{
	return blkdev_issue_zeroout(bdev, sector, nr_sects, GFP_NOFS, 0);
}

loff_t rnwk_i_size_read(const struct inode *inode)
{
	return i_size_read(inode);
}

void rnwk_i_size_write(struct inode *inode, loff_t size)
{
	i_size_write(inode, size);
}

void rnwk_inode_lock(struct inode *inode)
{
	inode_lock(inode);
}

void rnwk_inode_lock_shared(struct inode *inode)
{
	inode_lock_shared(inode);
}

bool rnwk_inode_trylock(struct inode *inode)
{
	return inode_trylock(inode);
}

bool rnwk_inode_trylock_shared(struct inode *inode)
{
	return inode_trylock_shared(inode);
}

void rnwk_inode_unlock(struct inode *inode)
{
	inode_unlock(inode);
}

void rnwk_inode_unlock_shared(struct inode *inode)
{
	inode_unlock_shared(inode);
}

void rnwk_filemap_invalidate_lock(struct inode *inode)
{
	filemap_invalidate_lock(inode->i_mapping);
}

void rnwk_filemap_invalidate_unlock(struct inode *inode)
{
	filemap_invalidate_unlock(inode->i_mapping);
}

struct timespec64 rnwk_inode_get_mtime(const struct inode *inode)
{
	return inode_get_mtime(inode);
}

struct timespec64 rnwk_inode_get_ctime(const struct inode *inode)
{
	return inode_get_ctime(inode);
}

void rnwk_inode_set_mtime_ctime(struct inode *inode, struct timespec64 ts)
{
	inode_set_mtime_to_ts(inode, inode_set_ctime_to_ts(inode, ts));
}

void rnwk_inode_set_ctime_current(struct inode *inode)
{
	inode_set_ctime_current(inode);
}

void rnwk_mark_inode_dirty(struct inode *inode)
{
	mark_inode_dirty(inode);
}

void rnwk_mark_inode_dirty_sync(struct inode *inode)
{
	mark_inode_dirty_sync(inode);
}

bool rnwk_inode_dirty_datasync(struct inode *inode)
{
	return inode->i_state & I_DIRTY_DATASYNC;
}

int rnwk_inode_dio_count(struct inode *inode)
{
	return atomic_read(&inode->i_dio_count);
}

bool rnwk_range_has_page(struct inode *inode, loff_t start, loff_t end)
{
	return filemap_range_has_page(inode->i_mapping, start, end);
}

bool rnwk_range_has_writeback(struct inode *inode, loff_t start, loff_t end)
{
	return filemap_range_has_writeback(inode->i_mapping, start, end);
}

int rnwk_write_and_wait_range(struct inode *inode, loff_t start, loff_t end)
{
	return filemap_write_and_wait_range(inode->i_mapping, start, end);
}

unsigned long rnwk_invalidate_mapping_pages(struct inode *inode, pgoff_t start, pgoff_t end)
{
	return invalidate_mapping_pages(inode->i_mapping, start, end);
}

void rnwk_lru_add_drain_this_cpu(void)
{
	struct folio_batch none;

	folio_batch_init(&none);
	__folio_batch_release(&none);
}

bool rnwk_dir_emit(struct dir_context *ctx, const char *name, int len, u64 ino,
		   unsigned int type)
{
	return dir_emit(ctx, name, len, ino, type);
}

bool rnwk_fc_wants_rdonly(struct fs_context *fc)
{
	return fc->sb_flags & SB_RDONLY;
}

struct super_block *rnwk_fc_root_sb(struct fs_context *fc)
{
	return fc->root ? fc->root->d_sb : NULL;
}

void rnwk_fc_error(struct fs_context *fc, const char *fs, const char *msg, int len)
{
	errorf(fc, "%s: %s: %.*s", fs, fc->source ?: "?", len, msg);
}

const unsigned char *rnwk_dentry_name(struct dentry *dentry, unsigned int *len)
{
	*len = dentry->d_name.len;
	return dentry->d_name.name;
}

/* ---- inodes being born, names, symlink bodies ---- */

void rnwk_inode_set_attrs(struct inode *inode, const struct rnwk_inode_attrs *a)
{
	inode->i_mode = a->mode;
	i_uid_write(inode, a->uid);
	i_gid_write(inode, a->gid);
	set_nlink(inode, a->nlink);
	i_size_write(inode, a->size);
	inode_set_atime(inode, a->atime_sec, a->atime_nsec);
	inode_set_mtime(inode, a->mtime_sec, a->mtime_nsec);
	inode_set_ctime(inode, a->ctime_sec, a->ctime_nsec);
	inode->i_generation = a->generation;
}

void rnwk_inode_get_attrs(struct inode *inode, struct rnwk_inode_attrs *a)
{
	struct timespec64 t;

	a->mode = inode->i_mode;
	a->uid = i_uid_read(inode);
	a->gid = i_gid_read(inode);
	a->nlink = inode->i_nlink;
	a->size = i_size_read(inode);
	t = inode_get_atime(inode);
	a->atime_sec = t.tv_sec;
	a->atime_nsec = t.tv_nsec;
	t = inode_get_mtime(inode);
	a->mtime_sec = t.tv_sec;
	a->mtime_nsec = t.tv_nsec;
	t = inode_get_ctime(inode);
	a->ctime_sec = t.tv_sec;
	a->ctime_nsec = t.tv_nsec;
	a->generation = inode->i_generation;
}

bool rnwk_inode_is_new(struct inode *inode)
{
	return inode->i_state & I_NEW;
}

void rnwk_set_delayed_call_kfree_link(struct delayed_call *done, void *body)
{
	set_delayed_call(done, kfree_link, body);
}

void rnwk_inode_nohighmem(struct inode *inode)
{
	inode_nohighmem(inode);
}

void rnwk_file_accessed(struct file *file)
{
	file_accessed(file);
}

void rnwk_file_add_fmode(struct file *file, unsigned int fmode)
{
	file->f_mode |= (__force fmode_t)fmode;
}

/* Only with the options that define them (the Rust tables use them under the same cfg). */
#ifdef CONFIG_COMPAT
long rnwk_compat_ptr_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	return compat_ptr_ioctl(file, cmd, arg);
}
#endif

#ifdef CONFIG_MIGRATION
int rnwk_filemap_migrate_folio(struct address_space *mapping, struct folio *dst,
			       struct folio *src, enum migrate_mode mode)
{
	return filemap_migrate_folio(mapping, dst, src, mode);
}
#endif

void rnwk_seq_show_flag(struct seq_file *m, const char *name)
{
	seq_printf(m, ",%s", name);
}

int rnwk_fs_parse(struct fs_context *fc, const struct fs_parameter_spec *desc,
		  struct fs_parameter *param, struct fs_parse_result *result)
{
	return fs_parse(fc, desc, param, result);
}

struct kmem_cache *rnwk_inode_cache_create(const char *name, unsigned int size,
					   unsigned int align, void (*ctor)(void *))
{
	return kmem_cache_create(name, size, align, SLAB_RECLAIM_ACCOUNT | SLAB_ACCOUNT, ctor);
}

void *rnwk_alloc_inode_sb(struct super_block *sb, struct kmem_cache *cache)
{
	return alloc_inode_sb(sb, cache, GFP_KERNEL);
}

/* ---- iomap glue (rnwk::iomap): a dio's direction, write faults ---- */
bool rnwk_iov_iter_is_write(const struct iov_iter *iter)
{
	return iov_iter_rw(iter) == WRITE;
}

struct file *rnwk_vmf_file(struct vm_fault *vmf)
{
	return vmf->vma->vm_file;
}

void rnwk_sb_start_pagefault(struct super_block *sb)
{
	sb_start_pagefault(sb);
}

void rnwk_sb_end_pagefault(struct super_block *sb)
{
	sb_end_pagefault(sb);
}

void rnwk_filemap_invalidate_lock_shared(struct inode *inode)
{
	filemap_invalidate_lock_shared(inode->i_mapping);
}

void rnwk_filemap_invalidate_unlock_shared(struct inode *inode)
{
	filemap_invalidate_unlock_shared(inode->i_mapping);
}
/* ---- end of the iomap glue ---- */

/* ---- writethrough I/O (rnwk::iomap::writethrough) ---- */

void rnwk_folio_lock(struct folio *folio)
{
	folio_lock(folio);
}

void rnwk_folio_put(struct folio *folio)
{
	folio_put(folio);
}

size_t rnwk_folio_size(struct folio *folio)
{
	return folio_size(folio);
}

loff_t rnwk_folio_pos(struct folio *folio)
{
	return folio_pos(folio);
}

bool rnwk_folio_test_uptodate(struct folio *folio)
{
	return folio_test_uptodate(folio);
}

bool rnwk_folio_test_dirty(struct folio *folio)
{
	return folio_test_dirty(folio);
}

void rnwk_folio_zero_segment(struct folio *folio, size_t start, size_t end)
{
	folio_zero_segment(folio, start, end);
}

void rnwk_mapping_set_stable_writes(struct address_space *mapping)
{
	mapping_set_stable_writes(mapping);
}

void rnwk_mapping_clear_stable_writes(struct address_space *mapping)
{
	mapping_clear_stable_writes(mapping);
}

void rnwk_mapping_set_error(struct address_space *mapping, int error)
{
	mapping_set_error(mapping, error);
}

void rnwk_inode_dio_begin(struct inode *inode)
{
	inode_dio_begin(inode);
}

void rnwk_inode_dio_end(struct inode *inode)
{
	inode_dio_end(inode);
}

bool rnwk_iocb_is_dsync(const struct kiocb *iocb)
{
	return iocb_is_dsync(iocb);
}

void rnwk_init_completion(struct completion *done)
{
	init_completion(done);
}
