// SPDX-License-Identifier: GPL-2.0
/*
 * What of rnwfs is still C: the super block's container of the Rust info. Every operation
 * table is built in Rust by the layer (rnwk::fs, rnwk::iomap).
 */
#include <linux/buffer_head.h>
#include <linux/fs.h>
#include <linux/slab.h>
#include "rnwfs_ffi.h"
#include "rnwfs_c.h"

/* ---- super block ---- */

int rnwfs_sb_setup(struct super_block *sb, void *fs_info, bool read_only)
{
	struct rnwfs_sb *rsb = kzalloc(sizeof(*rsb), GFP_KERNEL);

	if (!rsb)
		return -ENOMEM;
	rsb->info = fs_info;
	rsb->sb = sb;
	sb->s_fs_info = rsb;
	sb->s_magic = RNWFS_MAGIC;
	sb->s_max_links = 65000;
	if (read_only)
		sb->s_flags |= SB_RDONLY;
	return 0;
}

void *rnwfs_sb_teardown(struct super_block *sb)
{
	struct rnwfs_sb *rsb = RNWFS_SB(sb);
	void *info;

	if (!rsb)
		return NULL;
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
