// SPDX-License-Identifier: GPL-2.0
/*
 * rnwk's wrappers of block-layer macros and static inlines (declared in rnwk_ffi.h). One
 * expression each; the Rust side (block/) states what they are safe for.
 */
#include <linux/blk-mq.h>
#include <linux/blkdev.h>
#include "../rnwk_ffi.h"

int rnwk_register_blkdev(const char *name)
{
	return register_blkdev(0, name);
}

struct gendisk *rnwk_blk_mq_alloc_disk(struct blk_mq_tag_set *set, struct queue_limits *lim,
				       void *queuedata)
{
	return blk_mq_alloc_disk(set, lim, queuedata);
}

struct request *rnwk_rq_list_pop(struct rq_list *list)
{
	return rq_list_pop(list);
}

void rnwk_rq_list_add_tail(struct rq_list *list, struct request *rq)
{
	rq_list_add_tail(list, rq);
}

void rnwk_blk_mq_set_request_complete(struct request *rq)
{
	blk_mq_set_request_complete(rq);
}

bool rnwk_blk_mq_add_to_batch(struct request *rq, struct io_comp_batch *iob,
			      blk_status_t status)
{
	return blk_mq_add_to_batch(rq, iob, (__force int)status, blk_mq_end_request_batch);
}

bool rnwk_bio_next_segment(struct bio *bio, struct bvec_iter *iter, struct bio_vec *bv)
{
	/* One step of bio_for_each_segment(): single-page segments. */
	if (!iter->bi_size)
		return false;
	*bv = bio_iter_iovec(bio, *iter);
	bio_advance_iter_single(bio, iter, bv->bv_len);
	return true;
}
