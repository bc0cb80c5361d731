// SPDX-License-Identifier: GPL-2.0
/*
 * rnwk's sparse page store (rnwblk's backing store): an xarray of pages, one per PAGE_SIZE
 * of the device. Readers look pages up under RCU and never allocate; pages are freed after a
 * grace period, so a read racing a discard or a power cut's roll-back copies from a page
 * that is still there. Whether an allocation may sleep is the caller's decision: that is
 * rnwblk's nowait policy, and it lives in Rust. The safe API is block/ram_store.rs; this
 * file moves to Rust in a later step of issue 15.
 */
#include <linux/blk-mq.h>
#include <linux/highmem.h>
#include <linux/radix-tree.h>
#include <linux/rcupdate.h>
#include "../rnwk_ffi.h"

void rnwk_store_init(struct xarray *xa)
{
	xa_init(xa);
}

/*
 * The page at idx, or NULL. The caller holds rcu_read_lock(). radix_tree_lookup() walks the
 * same nodes as xa_load() (the radix tree API is the xarray's), with rcu_dereference_raw():
 * under PROVE_RCU, xa_load()'s checked dereferences ask lockdep twice per tree level (is
 * xa_lock held? is RCU?), which was the largest single cost of rnwblk's I/O path on the
 * test kernel. Pages are freed only after a grace period (rnwk_store_discard), so the
 * page stays valid while the caller's read-side section lasts.
 */
static struct page *store_lookup(struct xarray *xa, pgoff_t idx)
{
	return radix_tree_lookup(xa, idx);
}

/* Whether every page of [pos, pos+len) exists. The caller holds rcu_read_lock(). */
static bool store_present(struct xarray *xa, u64 pos, u64 len)
{
	pgoff_t idx = pos >> PAGE_SHIFT, last = (pos + max_t(u64, len, 1) - 1) >> PAGE_SHIFT;

	for (; idx <= last; idx++)
		if (!store_lookup(xa, idx))
			return false;
	return true;
}

/*
 * A write is all or nothing, so that a nowait write refused for want of a page (AGAIN)
 * leaves the device as it was: a request over several pages checks them all first, in the
 * same read-side section as the copy. A page that vanishes after the copy began was
 * discarded concurrently; skipping it orders that discard after this write.
 */
int rnwk_store_xfer(struct xarray *xa, struct request *rq, bool write)
{
	u64 pos = (u64)blk_rq_pos(rq) << SECTOR_SHIFT;
	unsigned int len = blk_rq_bytes(rq);
	bool copied = false;
	struct req_iterator iter;
	struct bio_vec bv;
	int ret = 0;

	/* One read-side section per request, not per page. */
	rcu_read_lock();
	if (write && offset_in_page(pos) + len > PAGE_SIZE && !store_present(xa, pos, len)) {
		ret = -ENOENT;
		goto out;
	}
	rq_for_each_segment(bv, rq, iter) {
		void *buf = bvec_kmap_local(&bv);
		unsigned int done = 0;

		while (done < bv.bv_len) {
			unsigned int off = offset_in_page(pos);
			unsigned int n = min_t(unsigned int, PAGE_SIZE - off, bv.bv_len - done);
			struct page *page = store_lookup(xa, pos >> PAGE_SHIFT);

			if (write) {
				if (!page && !copied) {
					ret = -ENOENT;
					break;
				}
				if (page)
					memcpy_to_page(page, off, buf + done, n);
				copied = true;
			} else if (page) {
				memcpy_from_page(buf + done, page, off, n);
			} else {
				memset(buf + done, 0, n);
			}
			done += n;
			pos += n;
		}
		kunmap_local(buf);
		if (ret)
			break;
	}
out:
	rcu_read_unlock();
	return ret;
}

int rnwk_store_populate(struct xarray *xa, u64 pos, bool may_sleep)
{
	gfp_t gfp = may_sleep ? GFP_NOIO : GFP_NOWAIT;
	pgoff_t idx = pos >> PAGE_SHIFT;
	struct page *page, *old;

	rcu_read_lock();
	page = store_lookup(xa, idx);
	rcu_read_unlock();
	if (page)
		return 0;
	/* With GFP_NOWAIT neither this allocation nor the xarray node's can sleep. */
	page = alloc_page(gfp | __GFP_ZERO | __GFP_NOWARN);
	if (!page)
		return -ENOMEM;
	old = xa_cmpxchg(xa, idx, NULL, page, gfp);
	if (old) {
		/* Lost a race (another queue populated it) or the xarray node allocation failed. */
		__free_page(page);
		return xa_is_err(old) ? xa_err(old) : 0;
	}
	return 1;
}

static void free_page_rcu(struct rcu_head *head)
{
	__free_page(container_of(head, struct page, rcu_head));
}

unsigned long rnwk_store_discard(struct xarray *xa, u64 pos, u64 len)
{
	unsigned long freed = 0;
	u64 end = pos + len;

	while (pos < end) {
		unsigned int off = offset_in_page(pos);
		unsigned int chunk = min_t(u64, PAGE_SIZE - off, end - pos);
		struct page *page;

		if (chunk == PAGE_SIZE) {
			page = xa_erase(xa, pos >> PAGE_SHIFT);
			if (page) {
				call_rcu(&page->rcu_head, free_page_rcu);
				freed++;
			}
		} else {
			rcu_read_lock();
			page = store_lookup(xa, pos >> PAGE_SHIFT);
			if (page)
				memzero_page(page, off, chunk);
			rcu_read_unlock();
		}
		pos += chunk;
	}
	return freed;
}

/* ---- the volatile write cache ---- */

/* Saved for a page that did not exist at the last flush. */
#define ABSENT xa_mk_value(0)

static gfp_t alloc_gfp(enum rnwk_store_alloc alloc)
{
	return alloc == RNWK_STORE_ALLOC_NOIO ? GFP_NOIO : GFP_NOWAIT;
}

/*
 * Writers save a page before they change it, so whichever of two racing savers inserts first
 * copied the flushed content; the loser's copy (maybe of the winner's data) is dropped.
 */
static int save_one(struct xarray *xa, struct xarray *saved, pgoff_t idx,
		    enum rnwk_store_alloc alloc, unsigned long *pages)
{
	struct page *page, *copy = NULL;
	void *entry = ABSENT, *old;
	bool present;

	if (xa_load(saved, idx))
		return 0;
	if (alloc == RNWK_STORE_ALLOC_NONE)
		return -ENOMEM;
	rcu_read_lock();
	present = store_lookup(xa, idx);
	rcu_read_unlock();
	if (present) {
		copy = alloc_page(alloc_gfp(alloc) | __GFP_NOWARN);
		if (!copy)
			return -ENOMEM;
		rcu_read_lock();
		page = store_lookup(xa, idx);
		if (page) {
			copy_highpage(copy, page);
			entry = copy;
		}
		rcu_read_unlock();
	}
	old = xa_cmpxchg(saved, idx, NULL, entry, alloc_gfp(alloc) | __GFP_NOWARN);
	if (old || entry == ABSENT) {
		if (copy)
			__free_page(copy);
		if (!old)
			return 0;
		return xa_is_err(old) ? xa_err(old) : 0;
	}
	(*pages)++;
	return 0;
}

int rnwk_store_save(struct xarray *xa, struct xarray *saved, u64 pos, u64 len,
		      enum rnwk_store_alloc alloc, unsigned long *pages)
{
	pgoff_t idx = pos >> PAGE_SHIFT, last = (pos + max_t(u64, len, 1) - 1) >> PAGE_SHIFT;
	int ret = 0;

	for (; idx <= last && !ret; idx++) {
		ret = save_one(xa, saved, idx, alloc, pages);
		if (alloc == RNWK_STORE_ALLOC_NOIO)
			cond_resched();
	}
	return ret;
}

bool rnwk_store_saved_empty(struct xarray *saved)
{
	return xa_empty(saved);
}

unsigned long rnwk_store_forget(struct xarray *saved)
{
	unsigned long idx, freed = 0;
	void *entry;

	/* Only this and a roll-back dereference saved pages; xa_erase() says which one frees. */
	xa_for_each(saved, idx, entry) {
		entry = xa_erase(saved, idx);
		if (entry && !xa_is_value(entry)) {
			__free_page(entry);
			freed++;
		}
		cond_resched();
	}
	return freed;
}

long rnwk_store_roll_back(struct xarray *xa, struct xarray *saved, unsigned long *copies)
{
	unsigned long idx;
	long delta = 0;
	void *entry, *old;

	xa_for_each(saved, idx, entry) {
		entry = xa_erase(saved, idx);
		if (!entry)
			continue;
		if (xa_is_value(entry)) {
			old = xa_erase(xa, idx);
		} else {
			/* A node for a page discarded since: small, so it may not fail. */
			old = xa_store(xa, idx, entry, GFP_KERNEL | __GFP_NOFAIL);
			(*copies)++;
			delta++;
		}
		if (old) {
			/*
			 * After a grace period, like a discard: the safe API cannot promise that
			 * no reader is in flight (the power cut freezes the queue, but another
			 * holder of the store could still read it).
			 */
			call_rcu(&((struct page *)old)->rcu_head, free_page_rcu);
			delta--;
		}
		cond_resched();
	}
	return delta;
}

void rnwk_store_destroy(struct xarray *xa)
{
	unsigned long idx;
	struct page *page;

	/* The disk is gone: no reader or writer is left, so no grace period is needed. */
	xa_for_each(xa, idx, page)
		__free_page(page);
	xa_destroy(xa);
}
