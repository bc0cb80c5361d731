/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The C half of rnwk, rnw's kernel abstraction layer: one-line wrappers of the kernel's
 * macros and static inlines that Rust cannot call. bindgen reads this header (see Kbuild);
 * only rust/rnwk/bindings.rs includes what it generates, so no module's policy code sees
 * these declarations.
 */
#ifndef RNWK_FFI_H
#define RNWK_FFI_H

#include <linux/blk-mq.h>
#include <linux/completion.h>
#include <linux/buffer_head.h>
#include <linux/configfs.h>	/* not in 6.12's bindings: bindgen reads it from here */
#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/fs_parser.h>
#include <linux/iomap.h>
#include <linux/pagemap.h>
#include <linux/statfs.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

/* ---- rnwk_kernel.c: context, per-CPU data, work items ---- */
bool rnwk_in_task(void);
bool rnwk_current_is_wq_worker(void);
void rnwk_cond_resched(void);

/* n u64 per CPU. The pointer is a __percpu one, opaque to Rust: only these use it. */
u64 *rnwk_percpu_u64_alloc(unsigned int n);
void rnwk_percpu_u64_free(u64 *c);
void rnwk_percpu_u64_add(u64 *c, unsigned int i, u64 v);
void rnwk_percpu_u64_add2(u64 *c, unsigned int i, u64 v, unsigned int j, u64 w);
u64 rnwk_percpu_u64_sum(u64 *c, unsigned int i);

/* A scope in which allocations do not recurse into filesystem reclaim. */
unsigned int rnwk_memalloc_nofs_save(void);
void rnwk_memalloc_nofs_restore(unsigned int flags);

void rnwk_init_work(struct work_struct *work, work_func_t fn);
struct workqueue_struct *rnwk_alloc_workqueue(const char *name, unsigned int flags);
bool rnwk_queue_work(struct workqueue_struct *wq, struct work_struct *work);

/* ---- block/rnwk_blk.c: the block layer ---- */
int rnwk_register_blkdev(const char *name);
struct gendisk *rnwk_blk_mq_alloc_disk(struct blk_mq_tag_set *set, struct queue_limits *lim,
				       void *queuedata);
struct request *rnwk_rq_list_pop(struct rq_list *list);
void rnwk_rq_list_add_tail(struct rq_list *list, struct request *rq);
void rnwk_blk_mq_set_request_complete(struct request *rq);
bool rnwk_blk_mq_add_to_batch(struct request *rq, struct io_comp_batch *iob,
			      blk_status_t status);

/* One step of bio_for_each_segment(): false when the bio's data is done, else the next
 * single-page segment in *bv, with *iter advanced past it. */
bool rnwk_bio_next_segment(struct bio *bio, struct bvec_iter *iter, struct bio_vec *bv);

/* ---- rnwk_mm.c: RCU read-side sections, xarrays, pages ---- */
void rnwk_rcu_read_lock(void);
void rnwk_rcu_read_unlock(void);
void rnwk_xa_init(struct xarray *xa);
bool rnwk_xa_empty(struct xarray *xa);
void *rnwk_xa_cmpxchg(struct xarray *xa, unsigned long index, void *old, void *entry, gfp_t gfp);
int rnwk_xa_err(void *entry);
void *rnwk_xa_mk_value(unsigned long v);
bool rnwk_xa_is_value(const void *entry);
struct page *rnwk_alloc_page(gfp_t gfp);
void rnwk_free_page(struct page *page);
/* __free_page() after an RCU grace period (through page->rcu_head). */
void rnwk_free_page_after_rcu(struct page *page);
void rnwk_memcpy_page(struct page *dst, size_t dst_off, struct page *src, size_t src_off,
		      size_t len);
void rnwk_memzero_page(struct page *page, size_t off, size_t len);
void rnwk_copy_highpage(struct page *to, struct page *from);

/* ---- fs/rnwk_fs.c: the VFS, iomap and bios (static inlines) ---- */
/* kiocb and iattr flags (bindgen cannot evaluate the kiocb ones' __force casts). */
enum {
	RNWK_IOCB_NOWAIT = IOCB_NOWAIT,
	RNWK_IOCB_DIRECT = IOCB_DIRECT,
	RNWK_IOCB_APPEND = IOCB_APPEND,
	RNWK_IOCB_NOIO = IOCB_NOIO,
	RNWK_IOCB_WAITQ = IOCB_WAITQ,
	RNWK_ATTR_SIZE = ATTR_SIZE,
	RNWK_SB_RDONLY = SB_RDONLY,
};
/* Buffer heads: kernel::bindings has neither their layout nor buffer_head.h's functions. */
struct buffer_head *rnwk_sb_bread(struct super_block *sb, u64 block);
struct buffer_head *rnwk_sb_getblk(struct super_block *sb, u64 block);
void *rnwk_bh_data(struct buffer_head *bh);
size_t rnwk_bh_size(struct buffer_head *bh);
void rnwk_brelse(struct buffer_head *bh);
void rnwk_lock_buffer(struct buffer_head *bh);
void rnwk_unlock_buffer(struct buffer_head *bh);
void rnwk_set_buffer_uptodate(struct buffer_head *bh);
void rnwk_mark_buffer_dirty(struct buffer_head *bh);
int rnwk_sync_dirty_buffer(struct buffer_head *bh);
void rnwk_clean_bdev_aliases(struct block_device *bdev, sector_t block, sector_t len);
u64 rnwk_bdev_nr_bytes(struct block_device *bdev);
/* blkdev_issue_zeroout with GFP_NOFS (a filesystem's own allocations must not recurse). */
int rnwk_blkdev_zeroout_nofs(struct block_device *bdev, sector_t sector, sector_t nr_sects);
/* Inodes: their size, i_rwsem, the mapping's invalidate lock, timestamps. */
loff_t rnwk_i_size_read(const struct inode *inode);
void rnwk_i_size_write(struct inode *inode, loff_t size);
void rnwk_inode_lock(struct inode *inode);
void rnwk_inode_lock_shared(struct inode *inode);
bool rnwk_inode_trylock(struct inode *inode);
bool rnwk_inode_trylock_shared(struct inode *inode);
void rnwk_inode_unlock(struct inode *inode);
void rnwk_inode_unlock_shared(struct inode *inode);
void rnwk_filemap_invalidate_lock(struct inode *inode);
void rnwk_filemap_invalidate_unlock(struct inode *inode);
struct timespec64 rnwk_inode_get_mtime(const struct inode *inode);
struct timespec64 rnwk_inode_get_ctime(const struct inode *inode);
void rnwk_inode_set_mtime_ctime(struct inode *inode, struct timespec64 ts);
void rnwk_inode_set_ctime_current(struct inode *inode);
void rnwk_mark_inode_dirty(struct inode *inode);
void rnwk_mark_inode_dirty_sync(struct inode *inode);
bool rnwk_inode_dirty_datasync(struct inode *inode);
int rnwk_inode_dio_count(struct inode *inode);
/* The page cache of an inode's mapping, [start, end] in bytes. */
bool rnwk_range_has_page(struct inode *inode, loff_t start, loff_t end);
bool rnwk_range_has_writeback(struct inode *inode, loff_t start, loff_t end);
int rnwk_write_and_wait_range(struct inode *inode, loff_t start, loff_t end);
unsigned long rnwk_invalidate_mapping_pages(struct inode *inode, pgoff_t start, pgoff_t end);
/*
 * Drains this CPU's LRU-add folio batch, as fadvise(DONTNEED) does: releasing a fresh
 * folio batch runs lru_add_drain(), which is not exported and never sleeps.
 */
void rnwk_lru_add_drain_this_cpu(void);
/* Mount contexts (fs_context.h's layout is not in kernel::bindings). */
bool rnwk_fc_wants_rdonly(struct fs_context *fc);
/* The super block of a remount (NULL while a new one is being set up). */
struct super_block *rnwk_fc_root_sb(struct fs_context *fc);
/* A mount error for the mount(2)/fsconfig(2) caller and the kernel log: "fs: source: msg". */
void rnwk_fc_error(struct fs_context *fc, const char *fs, const char *msg, int len);
/* Exported by fs/super.c but declared only in fs/internal.h. */
int sb_init_dio_done_wq(struct super_block *sb);
/* A dentry's name (not NUL-terminated) and its length. */
const unsigned char *rnwk_dentry_name(struct dentry *dentry, unsigned int *len);
bool rnwk_dir_emit(struct dir_context *ctx, const char *name, int len, u64 ino,
		   unsigned int type);
size_t rnwk_iov_iter_count(const struct iov_iter *iter);
ssize_t rnwk_generic_write_sync(struct kiocb *iocb, ssize_t count);
struct inode *rnwk_file_inode(struct file *file);
struct mnt_idmap *rnwk_file_mnt_idmap(struct file *file);
/* The f_fsid statfs reports for a filesystem on a block device: its encoded dev_t. */
__kernel_fsid_t rnwk_sb_bdev_fsid(struct super_block *sb);
bool rnwk_bdev_nowait(struct block_device *bdev);
struct iomap_ioend *rnwk_iomap_ioend_from_bio(struct bio *bio);
void rnwk_init_list_head(struct list_head *list);

/* ---- fs/rnwk_fs.c: writethrough I/O (rnwk::iomap::writethrough): folios, bios, waits ---- */
/* Flags bindgen cannot evaluate (__force casts). */
enum {
	RNWK_FGP_LOCK = FGP_LOCK,
	RNWK_GFP_NOFS = GFP_NOFS,
};
void rnwk_folio_lock(struct folio *folio);
void rnwk_folio_put(struct folio *folio);
size_t rnwk_folio_size(struct folio *folio);
loff_t rnwk_folio_pos(struct folio *folio);
bool rnwk_folio_test_uptodate(struct folio *folio);
bool rnwk_folio_test_dirty(struct folio *folio);
void rnwk_folio_zero_segment(struct folio *folio, size_t start, size_t end);
void rnwk_mapping_set_stable_writes(struct address_space *mapping);
void rnwk_mapping_clear_stable_writes(struct address_space *mapping);
void rnwk_mapping_set_error(struct address_space *mapping, int error);
void rnwk_inode_dio_begin(struct inode *inode);
void rnwk_inode_dio_end(struct inode *inode);
bool rnwk_iocb_is_dsync(const struct kiocb *iocb);
void rnwk_init_completion(struct completion *done);

/* ---- fs/rnwk_fs.c: inodes being born, names, symlink bodies ---- */
/* An inode's attributes as a filesystem stores them (owners in the initial namespace). */
struct rnwk_inode_attrs {
	umode_t mode;
	u32 uid, gid, nlink;
	u64 size;
	s64 atime_sec, mtime_sec, ctime_sec;
	u32 atime_nsec, mtime_nsec, ctime_nsec;
	u32 generation;
};
void rnwk_inode_set_attrs(struct inode *inode, const struct rnwk_inode_attrs *attrs);
void rnwk_inode_get_attrs(struct inode *inode, struct rnwk_inode_attrs *attrs);
bool rnwk_inode_is_new(struct inode *inode);
void rnwk_set_delayed_call_kfree_link(struct delayed_call *done, void *body);
/* ->show_options: ",name" into the /proc/mounts line. */
void rnwk_seq_show_flag(struct seq_file *m, const char *name);
/* fs_parse() for a context's mount option. */
int rnwk_fs_parse(struct fs_context *fc, const struct fs_parameter_spec *desc,
		  struct fs_parameter *param, struct fs_parse_result *result);
/* A filesystem's inode cache (objects of `size` bytes, `ctor` making their VFS inode). */
struct kmem_cache *rnwk_inode_cache_create(const char *name, unsigned int size,
					   unsigned int align, void (*ctor)(void *));
void *rnwk_alloc_inode_sb(struct super_block *sb, struct kmem_cache *cache);
/* File operation flags and open modes (bindgen cannot evaluate their __force casts). */
enum {
	RNWK_FOP_BUFFER_RASYNC = FOP_BUFFER_RASYNC,
	RNWK_FOP_BUFFER_WASYNC = FOP_BUFFER_WASYNC,
	RNWK_FOP_DIO_PARALLEL_WRITE = FOP_DIO_PARALLEL_WRITE,
	RNWK_FMODE_NOWAIT = FMODE_NOWAIT,
	RNWK_FMODE_CAN_ODIRECT = FMODE_CAN_ODIRECT,
};
void rnwk_file_accessed(struct file *file);
void rnwk_inode_nohighmem(struct inode *inode);
void rnwk_file_add_fmode(struct file *file, unsigned int fmode);
/* Table entries the kernel's headers define away without CONFIG_COMPAT, CONFIG_MIGRATION:
 * defined only with them, used by the Rust tables under the same cfg. */
long rnwk_compat_ptr_ioctl(struct file *file, unsigned int cmd, unsigned long arg);
int rnwk_filemap_migrate_folio(struct address_space *mapping, struct folio *dst,
			       struct folio *src, enum migrate_mode mode);

/* ---- fs/rnwk_fs.c: iomap glue (rnwk::iomap): a dio's direction, write faults ---- */
bool rnwk_iov_iter_is_write(const struct iov_iter *iter);
struct file *rnwk_vmf_file(struct vm_fault *vmf);
void rnwk_sb_start_pagefault(struct super_block *sb);
void rnwk_sb_end_pagefault(struct super_block *sb);
void rnwk_filemap_invalidate_lock_shared(struct inode *inode);
void rnwk_filemap_invalidate_unlock_shared(struct inode *inode);
/* ---- end of the iomap glue ---- */

#endif
