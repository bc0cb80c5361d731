// SPDX-License-Identifier: GPL-2.0
/*
 * rnwk's wrappers of memory-management macros and static inlines (declared in rnwk_ffi.h):
 * xarrays, pages, RCU read-side sections. One expression each (and the RCU callback that
 * frees a page); the Rust side (sync.rs, block/ram_store.rs) states what they are safe for.
 */
#include <linux/highmem.h>
#include <linux/rcupdate.h>
#include <linux/xarray.h>
#include "rnwk_ffi.h"

void rnwk_rcu_read_lock(void)
{
	rcu_read_lock();
}

void rnwk_rcu_read_unlock(void)
{
	rcu_read_unlock();
}

void rnwk_xa_init(struct xarray *xa)
{
	xa_init(xa);
}

bool rnwk_xa_empty(struct xarray *xa)
{
	return xa_empty(xa);
}

void *rnwk_xa_cmpxchg(struct xarray *xa, unsigned long index, void *old, void *entry, gfp_t gfp)
{
	return xa_cmpxchg(xa, index, old, entry, gfp);
}

int rnwk_xa_err(void *entry)
{
	return xa_err(entry);
}

void *rnwk_xa_mk_value(unsigned long v)
{
	return xa_mk_value(v);
}

bool rnwk_xa_is_value(const void *entry)
{
	return xa_is_value(entry);
}

struct page *rnwk_alloc_page(gfp_t gfp)
{
	return alloc_page(gfp);
}

void rnwk_free_page(struct page *page)
{
	__free_page(page);
}

static void free_page_rcu(struct rcu_head *head)
{
	__free_page(container_of(head, struct page, rcu_head));
}

void rnwk_free_page_after_rcu(struct page *page)
{
	call_rcu(&page->rcu_head, free_page_rcu);
}

void rnwk_memcpy_page(struct page *dst, size_t dst_off, struct page *src, size_t src_off,
		      size_t len)
{
	memcpy_page(dst, dst_off, src, src_off, len);
}

void rnwk_memzero_page(struct page *page, size_t off, size_t len)
{
	memzero_page(page, off, len);
}

void rnwk_copy_highpage(struct page *to, struct page *from)
{
	copy_highpage(to, from);
}
