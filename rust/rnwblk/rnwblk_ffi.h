/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The C side of rnwblk that Rust calls: wrappers for kernel macros and static inlines, the
 * module parameters, and the RCU-protected page store primitives. bindgen reads this header
 * (see Kbuild) so Rust never restates a C layout by hand. No policy lives in C.
 */
#ifndef RNWBLK_FFI_H
#define RNWBLK_FFI_H

#include <linux/blk-mq.h>
#include <linux/configfs.h>
#include <linux/hrtimer.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

/* ---- module parameters (rnwblk_params.c), as given at load time ---- */
struct rnwblk_module_params {
	unsigned int nr_devices;
	unsigned long size;		/* MiB */
	unsigned int bs;
	unsigned int submit_queues;
	unsigned int poll_queues;
	unsigned int hw_queue_depth;
	unsigned int irqmode;
	unsigned long completion_nsec;
	unsigned int max_inflight;
	unsigned int fail_every;
	unsigned int again_every;
	bool nowait_alloc;
	bool discard;
	bool volatile_cache;
};
void rnwblk_get_module_params(struct rnwblk_module_params *p);

/* ---- block layer (rnwblk_blk.c) ---- */
int rnwblk_register_major(const char *name);
void rnwblk_unregister_major(unsigned int major, const char *name);
struct gendisk *rnwblk_alloc_disk(struct blk_mq_tag_set *set, struct queue_limits *lim,
				  void *queuedata);
int rnwblk_add_disk(struct gendisk *disk);
/* Maps default and poll queues; nr_maps tells which exist. */
void rnwblk_map_queues(struct blk_mq_tag_set *set, unsigned int submit_queues,
		       unsigned int poll_queues);
/*
 * ->queue_rqs: calls queue_one for each request of a plug list, as ->queue_rq would be
 * called; ends those it fails (any status but OK and RESOURCE) and leaves the RESOURCE ones
 * on the list for blk-mq to issue one by one.
 */
void rnwblk_queue_rqs(struct rq_list *rqlist,
		      blk_status_t (*queue_one)(struct blk_mq_hw_ctx *hctx, struct request *rq));
/*
 * Whether ->queue_rq runs outside any submitter: in a workqueue (kblockd: a queue rerun or
 * requeue, an async run after a budget wait or with an I/O scheduler) or in interrupt or
 * softirq context (in_task() is false, current->flags has PF_WQ_WORKER).
 */
bool rnwblk_dispatch_is_deferred(void);
/* Ends rq through the poller's completion batch if it can, else on its own. */
void rnwblk_end_polled(struct request *rq, struct io_comp_batch *iob, blk_status_t status);

/* Requests a poll queue holds until ->poll reaps them. */
struct rnwblk_poll_list {
	spinlock_t lock;
	struct list_head rqs;
};
void rnwblk_poll_list_init(struct rnwblk_poll_list *pl);
void rnwblk_poll_list_add(struct rnwblk_poll_list *pl, struct request *rq);
/* Moves every held request to out (marking them complete); returns them one by one. */
void rnwblk_poll_list_take(struct rnwblk_poll_list *pl, struct list_head *out);
struct request *rnwblk_poll_list_next(struct list_head *taken);

/*
 * ---- per-CPU counters (rnwblk_blk.c): n u64 per CPU, added to without atomics on the
 * submitting CPU, summed over the CPUs when read. The pointer is a __percpu one (opaque to
 * Rust: only these functions use it).
 */
u64 *rnwblk_counters_alloc(unsigned int n);
void rnwblk_counters_free(u64 *c);
void rnwblk_counter_add(u64 *c, unsigned int i, u64 v);
/* Two counters at once: a request and its bytes, one call on the I/O path. */
void rnwblk_counter_add2(u64 *c, unsigned int i, u64 v, unsigned int j, u64 w);
u64 rnwblk_counter_sum(u64 *c, unsigned int i);

/* ---- timers and work (rnwblk_blk.c) ---- */
void rnwblk_timer_init(struct hrtimer *timer, enum hrtimer_restart (*fn)(struct hrtimer *));
void rnwblk_timer_start(struct hrtimer *timer, u64 nsec);
void rnwblk_work_init(struct work_struct *work, void (*fn)(struct work_struct *));
struct workqueue_struct *rnwblk_alloc_workqueue(const char *name);
bool rnwblk_queue_work(struct workqueue_struct *wq, struct work_struct *work);

/* ---- sparse page store (rnwblk_store.c): one page per PAGE_SIZE of the device ---- */
void rnwblk_store_init(struct xarray *xa);
/*
 * Copies the request's data out of the store (write false: unwritten pages read as zeros) or
 * into it (write true: all or nothing, -ENOENT without writing anything if a page does not
 * exist). One RCU read-side section for the whole request.
 */
int rnwblk_store_xfer(struct xarray *xa, struct request *rq, bool write);
/*
 * Makes sure pos has a page: GFP_NOIO if may_sleep, else GFP_NOWAIT. 1 if it inserted one,
 * 0 if one was there, -errno.
 */
int rnwblk_store_populate(struct xarray *xa, u64 pos, bool may_sleep);
/* Zeroes [pos, pos+len); frees the pages it covers whole (after an RCU grace period) and
 * returns how many it freed. */
unsigned long rnwblk_store_discard(struct xarray *xa, u64 pos, u64 len);
void rnwblk_store_destroy(struct xarray *xa);

/*
 * The volatile write cache: `saved` holds, for each page written since the last flush, its
 * content at that flush (a page, or a marker for a page that did not exist).
 */
enum rnwblk_alloc {
	RNWBLK_ALLOC_NONE,	/* fail with -ENOMEM rather than allocate */
	RNWBLK_ALLOC_NOWAIT,	/* GFP_NOWAIT */
	RNWBLK_ALLOC_NOIO,	/* GFP_NOIO: worker context only */
};
/*
 * Saves the flushed content of every page of [pos, pos+len) not saved since the last flush.
 * 0, or -ENOMEM (-errno) if an allocation was needed and failed or not allowed; pages saved
 * by then stay saved (their saved content is still the flushed one). *pages: saved copies
 * added.
 */
int rnwblk_store_save(struct xarray *xa, struct xarray *saved, u64 pos, u64 len,
		      enum rnwblk_alloc alloc, unsigned long *pages);
bool rnwblk_store_saved_empty(struct xarray *saved);
/* A flush: forgets every saved page (the store's content is the flushed one now). May sleep.
 * Returns the copies freed. */
unsigned long rnwblk_store_forget(struct xarray *saved);
/*
 * A power cut: puts every saved page back (removing pages that did not exist), emptying
 * `saved`. No I/O may be in flight. May sleep. *copies: saved copies it used up; returns the
 * change in the store's page count.
 */
long rnwblk_store_roll_back(struct xarray *xa, struct xarray *saved, unsigned long *copies);

/* ---- configfs (rnwblk_configfs.c): /sys/kernel/config/rnwblk/<name>/ ---- */
enum rnwblk_cfs_attr {
	RNWBLK_CFS_SIZE,
	RNWBLK_CFS_BLOCKSIZE,
	RNWBLK_CFS_SUBMIT_QUEUES,
	RNWBLK_CFS_POLL_QUEUES,
	RNWBLK_CFS_HW_QUEUE_DEPTH,
	RNWBLK_CFS_DISCARD,
	RNWBLK_CFS_VOLATILE_CACHE,
	RNWBLK_CFS_IRQMODE,
	RNWBLK_CFS_COMPLETION_NSEC,
	RNWBLK_CFS_MAX_INFLIGHT,
	RNWBLK_CFS_FAIL_EVERY,
	RNWBLK_CFS_AGAIN_EVERY,
	RNWBLK_CFS_CONGESTED,
	RNWBLK_CFS_NOWAIT_ALLOC,
	RNWBLK_CFS_POWER,
	RNWBLK_CFS_INDEX,
};
int rnwblk_configfs_register(void);
void rnwblk_configfs_unregister(void);
/* Initialises a new device item (embedded in Rust's item) with the device item type. */
void rnwblk_cfs_item_init(struct config_item *item, const char *name);

#ifndef __BINDGEN__
/* Implemented in Rust (configfs.rs). */
ssize_t rnwblk_cfs_show(struct config_item *item, enum rnwblk_cfs_attr attr, char *page);
ssize_t rnwblk_cfs_store(struct config_item *item, enum rnwblk_cfs_attr attr,
			 const char *page, size_t count);
struct config_item *rnwblk_cfs_make_item(const char *name);
void rnwblk_cfs_drop_item(struct config_item *item);
void rnwblk_cfs_release_item(struct config_item *item);
#endif

#endif
