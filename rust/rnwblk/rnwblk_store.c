// SPDX-License-Identifier: GPL-2.0
/*
 * rnwblk's sparse backing store: an xarray of pages, one per PAGE_SIZE of the device.
 * Readers look pages up under RCU and never allocate; pages are freed after a grace period,
 * so a read racing a discard copies from a page that is still there. Whether an allocation
 * may sleep is the caller's decision (the gfp it passes): that is rnwblk's nowait policy,
 * and it lives in Rust.
 */
#include <linux/highmem.h>
#include <linux/rcupdate.h>
#include "rnwblk_ffi.h"

void rnwblk_store_init(struct xarray *xa)
{
	xa_init(xa);
}

void rnwblk_store_read(struct xarray *xa, u64 pos, void *dst, unsigned int len)
{
	unsigned int off = offset_in_page(pos);
	struct page *page;

	rcu_read_lock();
	page = xa_load(xa, pos >> PAGE_SHIFT);
	if (page)
		memcpy_from_page(dst, page, off, len);
	else
		memset(dst, 0, len);
	rcu_read_unlock();
}

int rnwblk_store_write(struct xarray *xa, u64 pos, const void *src, unsigned int len)
{
	unsigned int off = offset_in_page(pos);
	struct page *page;

	rcu_read_lock();
	page = xa_load(xa, pos >> PAGE_SHIFT);
	if (page)
		memcpy_to_page(page, off, src, len);
	rcu_read_unlock();
	return page ? 0 : -ENOENT;
}

bool rnwblk_store_present(struct xarray *xa, u64 pos)
{
	return xa_load(xa, pos >> PAGE_SHIFT) != NULL;
}

int rnwblk_store_populate(struct xarray *xa, u64 pos, bool may_sleep)
{
	gfp_t gfp = may_sleep ? GFP_NOIO : GFP_NOWAIT;
	pgoff_t idx = pos >> PAGE_SHIFT;
	struct page *page, *old;

	if (xa_load(xa, idx))
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

unsigned long rnwblk_store_discard(struct xarray *xa, u64 pos, u64 len)
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
			page = xa_load(xa, pos >> PAGE_SHIFT);
			if (page)
				memzero_page(page, off, chunk);
			rcu_read_unlock();
		}
		pos += chunk;
	}
	return freed;
}

void rnwblk_store_destroy(struct xarray *xa)
{
	unsigned long idx;
	struct page *page;

	/* The disk is gone: no reader or writer is left, so no grace period is needed. */
	xa_for_each(xa, idx, page)
		__free_page(page);
	xa_destroy(xa);
}
