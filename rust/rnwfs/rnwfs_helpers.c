// SPDX-License-Identifier: GPL-2.0
/*
 * What rnwfs' Rust code still reaches through C of its own (the rest is the layer's,
 * rust/rnwk/): the inode attribute adapters, dentries, the iomap mapping it reports, and
 * the writethrough engine's dio_done workqueue. No rnwfs policy.
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

struct inode *rnwfs_file_inode(struct file *file)
{
	return file_inode(file);
}

struct inode *rnwfs_d_inode(struct dentry *dentry)
{
	return d_inode(dentry);
}

/* ---- data path ---- */

int rnwfs_init_dio_done_wq(struct super_block *sb)
{
	return sb->s_dio_done_wq ? 0 : sb_init_dio_done_wq(sb);
}

/* ---- directories and links ---- */

const unsigned char *rnwfs_dentry_name(struct dentry *dentry, unsigned int *len)
{
	*len = dentry->d_name.len;
	return dentry->d_name.name;
}

void rnwfs_set_link_kfree(struct delayed_call *done, void *body)
{
	set_delayed_call(done, kfree_link, body);
}
