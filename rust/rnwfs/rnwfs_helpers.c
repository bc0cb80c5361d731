// SPDX-License-Identifier: GPL-2.0
/*
 * Wrappers for the VFS, page-cache and locking macros and static inlines rnwfs' Rust code
 * uses. One line of kernel API each; no rnwfs policy.
 */
#include <linux/blkdev.h>
#include <linux/buffer_head.h>
#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/pagemap.h>
#include <linux/pagevec.h>
#include <linux/sched/mm.h>
#include "rnwfs_ffi.h"
#include "rnwfs_c.h"

void rnwfs_mount_error(struct fs_context *fc, const char *msg, int len)
{
	errorf(fc, "rnwfs: %s: %.*s", fc->source ?: "?", len, msg);
}

bool rnwfs_fc_wants_rdonly(struct fs_context *fc)
{
	return fc->sb_flags & SB_RDONLY;
}

struct super_block *rnwfs_fc_sb(struct fs_context *fc)
{
	return fc->root->d_sb;
}

/* ---- inodes ---- */

void rnwfs_inode_init(struct inode *inode, const struct rnwfs_inode_attrs *a)
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
	rnwfs_inode_set_ops(inode);
}

void rnwfs_inode_get_attrs(struct inode *inode, struct rnwfs_inode_attrs *a)
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

bool rnwfs_inode_is_new(struct inode *inode)
{
	return inode->i_state & I_NEW;
}

void rnwfs_mark_dirty(struct inode *inode)
{
	mark_inode_dirty(inode);
}

void rnwfs_mark_dirty_sync(struct inode *inode)
{
	mark_inode_dirty_sync(inode);
}

void rnwfs_touch_ctime(struct inode *inode)
{
	inode_set_ctime_current(inode);
}

int rnwfs_dio_count(struct inode *inode)
{
	return atomic_read(&inode->i_dio_count);
}

bool rnwfs_inode_dirty_datasync(struct inode *inode)
{
	return inode->i_state & I_DIRTY_DATASYNC;
}

struct inode *rnwfs_file_inode(struct file *file)
{
	return file_inode(file);
}

struct inode *rnwfs_d_inode(struct dentry *dentry)
{
	return d_inode(dentry);
}

/* ---- data path ---- */

int rnwfs_write_and_wait(struct inode *inode, u64 start, u64 end_inclusive)
{
	return filemap_write_and_wait_range(inode->i_mapping, start, end_inclusive);
}

void rnwfs_drop_clean_cache(struct inode *inode, u64 start, u64 end_inclusive)
{
	struct folio_batch none;

	if (!filemap_range_has_page(inode->i_mapping, start, end_inclusive))
		return;
	/*
	 * A folio still in this CPU's LRU-add batch holds a reference that makes it look
	 * busy. Drain the batch first, as fadvise(DONTNEED) does: releasing a fresh folio
	 * batch runs lru_add_drain(), which is not exported and never sleeps. Folios in
	 * another CPU's batch stay (draining those waits): the write gets EAGAIN.
	 */
	folio_batch_init(&none);
	__folio_batch_release(&none);
	invalidate_mapping_pages(inode->i_mapping, start >> PAGE_SHIFT, end_inclusive >> PAGE_SHIFT);
}

int rnwfs_init_dio_done_wq(struct super_block *sb)
{
	return sb->s_dio_done_wq ? 0 : sb_init_dio_done_wq(sb);
}

bool rnwfs_range_writeback(struct inode *inode, u64 start, u64 end_inclusive)
{
	return filemap_range_has_writeback(inode->i_mapping, start, end_inclusive);
}

bool rnwfs_range_cached(struct inode *inode, u64 start, u64 end_inclusive)
{
	return filemap_range_has_page(inode->i_mapping, start, end_inclusive);
}

void rnwfs_set_iomap(struct iomap *iomap, struct super_block *sb, u16 type, u16 flags,
		     u64 offset, u64 length, u64 addr)
{
	iomap->bdev = sb->s_bdev;
	iomap->type = type;
	iomap->flags = flags;
	iomap->offset = offset;
	iomap->length = length;
	iomap->addr = addr;
}

/* ---- directories and links ---- */

bool rnwfs_dir_emit(struct dir_context *ctx, const char *name, int len, u64 ino,
		    unsigned int type)
{
	return dir_emit(ctx, name, len, ino, type);
}

const unsigned char *rnwfs_dentry_name(struct dentry *dentry, unsigned int *len)
{
	*len = dentry->d_name.len;
	return dentry->d_name.name;
}

void rnwfs_set_link_kfree(struct delayed_call *done, void *body)
{
	set_delayed_call(done, kfree_link, body);
}
