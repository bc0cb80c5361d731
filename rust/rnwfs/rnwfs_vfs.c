// SPDX-License-Identifier: GPL-2.0
/*
 * rnwfs' VFS tables (static operation tables are what C states best) and wrappers for VFS
 * macros and static inlines. Every operation forwards to Rust; no policy lives here.
 */
#include <linux/blkdev.h>
#include <linux/buffer_head.h>
#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/module.h>
#include <linux/statfs.h>
#include "rnwfs_ffi.h"

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
	.put_super = rnwfs_put_super,
	.statfs = rnwfs_statfs_c,
};

static const struct inode_operations rnwfs_dir_inode_ops = {
	.lookup = rnwfs_lookup,
};

static const struct file_operations rnwfs_dir_file_ops = {
	.llseek = generic_file_llseek,
	.read = generic_read_dir,
	.iterate_shared = rnwfs_iterate,
};

static int rnwfs_get_tree(struct fs_context *fc)
{
	return get_tree_bdev(fc, rnwfs_fill_super);
}

static const struct fs_context_operations rnwfs_context_ops = {
	.get_tree = rnwfs_get_tree,
};

static int rnwfs_init_fs_context(struct fs_context *fc)
{
	fc->ops = &rnwfs_context_ops;
	return 0;
}

static struct file_system_type rnwfs_fs_type = {
	.owner = THIS_MODULE,
	.name = "rnwfs",
	.init_fs_context = rnwfs_init_fs_context,
	.kill_sb = kill_block_super,
	.fs_flags = FS_REQUIRES_DEV,
};
MODULE_ALIAS_FS("rnwfs");

int rnwfs_register(void)
{
	return register_filesystem(&rnwfs_fs_type);
}

void rnwfs_unregister(void)
{
	unregister_filesystem(&rnwfs_fs_type);
}

void rnwfs_sb_setup(struct super_block *sb, void *fs_info)
{
	sb->s_fs_info = fs_info;
	sb->s_op = &rnwfs_super_ops;
	sb->s_magic = RNWFS_MAGIC;
	sb->s_maxbytes = MAX_LFS_FILESIZE;
	sb->s_time_gran = 1;
	/* Read-only until the write path exists. */
	sb->s_flags |= SB_RDONLY;
}

void *rnwfs_sb_info(struct super_block *sb)
{
	return sb->s_fs_info;
}

u64 rnwfs_device_blocks(struct super_block *sb)
{
	return bdev_nr_bytes(sb->s_bdev) >> 12;
}

int rnwfs_read_block(struct super_block *sb, u64 block, void *buf)
{
	struct buffer_head *bh = sb_bread(sb, block);

	if (!bh)
		return -EIO;
	memcpy(buf, bh->b_data, 4096);
	brelse(bh);
	return 0;
}

void rnwfs_mount_error(struct fs_context *fc, const char *msg, int len)
{
	errorf(fc, "rnwfs: %s: %.*s", fc->source ?: "?", len, msg);
}

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
	if (S_ISDIR(a->mode)) {
		inode->i_op = &rnwfs_dir_inode_ops;
		inode->i_fop = &rnwfs_dir_file_ops;
	}
}

bool rnwfs_inode_is_new(struct inode *inode)
{
	return inode->i_state & I_NEW;
}

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
