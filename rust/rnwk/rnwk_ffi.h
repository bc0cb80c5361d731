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
#include <linux/configfs.h>	/* not in 6.12's bindings: bindgen reads it from here */
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

#endif
