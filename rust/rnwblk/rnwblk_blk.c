// SPDX-License-Identifier: GPL-2.0
/*
 * Wrappers for the block layer's macros and static inlines, timers and work items, for
 * rnwblk's Rust code (declared in rnwblk_ffi.h). Each is a one-liner or a loop the C macros
 * express best; decisions are made in Rust.
 */
#include <linux/blk-mq.h>
#include <linux/blkdev.h>
#include <linux/percpu.h>
#include <linux/sched.h>
#include "rnwblk_ffi.h"

int rnwblk_register_major(const char *name)
{
	return register_blkdev(0, name);
}

void rnwblk_unregister_major(unsigned int major, const char *name)
{
	unregister_blkdev(major, name);
}

struct gendisk *rnwblk_alloc_disk(struct blk_mq_tag_set *set, struct queue_limits *lim,
				  void *queuedata)
{
	return blk_mq_alloc_disk(set, lim, queuedata);
}

int rnwblk_add_disk(struct gendisk *disk)
{
	return add_disk(disk);
}

void rnwblk_map_queues(struct blk_mq_tag_set *set, unsigned int submit_queues,
		       unsigned int poll_queues)
{
	unsigned int offset = 0;
	int i;

	for (i = 0; i < set->nr_maps; i++) {
		struct blk_mq_queue_map *map = &set->map[i];

		switch (i) {
		case HCTX_TYPE_DEFAULT:
			map->nr_queues = submit_queues;
			break;
		case HCTX_TYPE_POLL:
			map->nr_queues = poll_queues;
			break;
		default:
			map->nr_queues = 0;
			continue;
		}
		map->queue_offset = offset;
		offset += map->nr_queues;
		blk_mq_map_queues(map);
	}
}

void rnwblk_queue_rqs(struct rq_list *rqlist,
		      blk_status_t (*queue_one)(struct blk_mq_hw_ctx *hctx, struct request *rq))
{
	struct rq_list requeue_list = {};
	struct request *rq;

	while ((rq = rq_list_pop(rqlist))) {
		blk_status_t ret = queue_one(rq->mq_hctx, rq);

		switch (ret) {
		case BLK_STS_OK:
			break;
		case BLK_STS_RESOURCE:
		case BLK_STS_DEV_RESOURCE:
			/* blk-mq issues what is left one by one (and requeues it if need be). */
			rq_list_add_tail(&requeue_list, rq);
			break;
		default:
			/* What blk-mq does with a ->queue_rq error: the request never started. */
			blk_mq_end_request(rq, ret);
			break;
		}
	}
	*rqlist = requeue_list;
}

bool rnwblk_dispatch_is_deferred(void)
{
	return !in_task() || (current->flags & PF_WQ_WORKER);
}

void rnwblk_end_polled(struct request *rq, struct io_comp_batch *iob, blk_status_t status)
{
	if (!blk_mq_add_to_batch(rq, iob, (__force int)status, blk_mq_end_request_batch))
		blk_mq_end_request(rq, status);
}

void rnwblk_poll_list_init(struct rnwblk_poll_list *pl)
{
	spin_lock_init(&pl->lock);
	INIT_LIST_HEAD(&pl->rqs);
}

void rnwblk_poll_list_add(struct rnwblk_poll_list *pl, struct request *rq)
{
	spin_lock(&pl->lock);
	list_add_tail(&rq->queuelist, &pl->rqs);
	spin_unlock(&pl->lock);
}

void rnwblk_poll_list_take(struct rnwblk_poll_list *pl, struct list_head *out)
{
	struct request *rq;

	INIT_LIST_HEAD(out);
	spin_lock(&pl->lock);
	list_splice_init(&pl->rqs, out);
	list_for_each_entry(rq, out, queuelist)
		blk_mq_set_request_complete(rq);
	spin_unlock(&pl->lock);
}

struct request *rnwblk_poll_list_next(struct list_head *taken)
{
	struct request *rq = list_first_entry_or_null(taken, struct request, queuelist);

	if (rq)
		list_del_init(&rq->queuelist);
	return rq;
}

void rnwblk_timer_init(struct hrtimer *timer, enum hrtimer_restart (*fn)(struct hrtimer *))
{
	hrtimer_init(timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	timer->function = fn;
}

void rnwblk_timer_start(struct hrtimer *timer, u64 nsec)
{
	hrtimer_start(timer, ns_to_ktime(nsec), HRTIMER_MODE_REL);
}

void rnwblk_work_init(struct work_struct *work, void (*fn)(struct work_struct *))
{
	INIT_WORK(work, fn);
}

struct workqueue_struct *rnwblk_alloc_workqueue(const char *name)
{
	/* WQ_MEM_RECLAIM: it allocates backing pages for writeback of the device's users. */
	return alloc_workqueue("%s", WQ_MEM_RECLAIM | WQ_UNBOUND, 0, name);
}

bool rnwblk_queue_work(struct workqueue_struct *wq, struct work_struct *work)
{
	return queue_work(wq, work);
}

u64 *rnwblk_counters_alloc(unsigned int n)
{
	return (u64 __force *)__alloc_percpu(n * sizeof(u64), sizeof(u64));
}

void rnwblk_counters_free(u64 *c)
{
	free_percpu((u64 __percpu __force *)c);
}

void rnwblk_counter_add(u64 *c, unsigned int i, u64 v)
{
	this_cpu_add(((u64 __percpu __force *)c)[i], v);
}

void rnwblk_counter_add2(u64 *c, unsigned int i, u64 v, unsigned int j, u64 w)
{
	u64 __percpu *pc = (u64 __percpu __force *)c;

	this_cpu_add(pc[i], v);
	this_cpu_add(pc[j], w);
}

u64 rnwblk_counter_sum(u64 *c, unsigned int i)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu_ptr((u64 __percpu __force *)c, cpu)[i];
	return sum;
}
