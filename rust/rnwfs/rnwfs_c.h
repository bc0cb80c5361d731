/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What rnwfs' C file keeps and Rust never sees: the super block's container.
 */
#ifndef RNWFS_C_H
#define RNWFS_C_H

#include <linux/fs.h>

struct rnwfs_sb {
	void *info; /* Rust SbInfo */
	struct super_block *sb;
};

static inline struct rnwfs_sb *RNWFS_SB(struct super_block *sb)
{
	return sb->s_fs_info;
}

#endif
