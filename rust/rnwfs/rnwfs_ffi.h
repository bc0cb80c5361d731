/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The C side of rnwfs that Rust calls: the VFS tables' registration and wrappers for VFS
 * macros and static inlines. bindgen reads this header (see Kbuild). No policy in C.
 */
#ifndef RNWFS_FFI_H
#define RNWFS_FFI_H

#include <linux/fs.h>
#include <linux/fs_context.h>

#define RNWFS_MAGIC 0x524e5746 /* "RNWF" */

/* ---- registration (rnwfs_vfs.c) ---- */
int rnwfs_register(void);
void rnwfs_unregister(void);

/* ---- super block ---- */
void rnwfs_sb_setup(struct super_block *sb, void *fs_info);
void *rnwfs_sb_info(struct super_block *sb);
u64 rnwfs_device_blocks(struct super_block *sb);
/* Reads whole block `block` (4096 bytes) of the filesystem into buf. */
int rnwfs_read_block(struct super_block *sb, u64 block, void *buf);
/* A mount error for the mount(2)/fsconfig(2) caller (and the kernel log). */
void rnwfs_mount_error(struct fs_context *fc, const char *msg, int len);

/* ---- inodes ---- */
struct rnwfs_inode_attrs {
	umode_t mode;
	u32 uid, gid, nlink;
	u64 size;
	s64 atime_sec, mtime_sec, ctime_sec;
	u32 atime_nsec, mtime_nsec, ctime_nsec;
	u32 generation;
};
/* Fills a new inode's attributes and, for directories, rnwfs' directory operations. */
void rnwfs_inode_init(struct inode *inode, const struct rnwfs_inode_attrs *attrs);
bool rnwfs_inode_is_new(struct inode *inode);

/* ---- directories ---- */
bool rnwfs_dir_emit(struct dir_context *ctx, const char *name, int len, u64 ino,
		    unsigned int type);
/* dentry name (not NUL-terminated) and its length. */
const unsigned char *rnwfs_dentry_name(struct dentry *dentry, unsigned int *len);

struct rnwfs_statfs {
	u64 blocks, bfree, files, ffree;
};

#ifndef __BINDGEN__
/* Implemented in Rust. */
int rnwfs_fill_super(struct super_block *sb, struct fs_context *fc);
void rnwfs_put_super(struct super_block *sb);
void rnwfs_statfs_info(struct super_block *sb, struct rnwfs_statfs *out);
int rnwfs_iterate(struct file *file, struct dir_context *ctx);
struct dentry *rnwfs_lookup(struct inode *dir, struct dentry *dentry, unsigned int flags);
#endif

#endif
