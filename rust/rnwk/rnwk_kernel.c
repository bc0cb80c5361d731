// SPDX-License-Identifier: GPL-2.0
/*
 * rnwk's wrappers of kernel macros and static inlines outside the block layer (declared in
 * rnwk_ffi.h): the running context, per-CPU u64 arrays, NOFS scopes, work items. One expression each; the
 * Rust side (task.rs, percpu.rs, workqueue.rs) states what they are safe for.
 */
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include "rnwk_ffi.h"

bool rnwk_in_task(void)
{
	return in_task();
}

bool rnwk_current_is_wq_worker(void)
{
	return current->flags & PF_WQ_WORKER;
}

void rnwk_cond_resched(void)
{
	cond_resched();
}

u64 *rnwk_percpu_u64_alloc(unsigned int n)
{
	return (u64 __force *)__alloc_percpu(n * sizeof(u64), sizeof(u64));
}

void rnwk_percpu_u64_free(u64 *c)
{
	free_percpu((u64 __percpu __force *)c);
}

void rnwk_percpu_u64_add(u64 *c, unsigned int i, u64 v)
{
	this_cpu_add(((u64 __percpu __force *)c)[i], v);
}

/* Two adds in one call: the I/O path counts a request and its bytes together. */
void rnwk_percpu_u64_add2(u64 *c, unsigned int i, u64 v, unsigned int j, u64 w)
{
	this_cpu_add(((u64 __percpu __force *)c)[i], v);
	this_cpu_add(((u64 __percpu __force *)c)[j], w);
}

/* for_each_possible_cpu is a macro: the sum is its one-line body. */
u64 rnwk_percpu_u64_sum(u64 *c, unsigned int i)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu_ptr((u64 __percpu __force *)c, cpu)[i];
	return sum;
}

unsigned int rnwk_memalloc_nofs_save(void)
{
	return memalloc_nofs_save();
}

void rnwk_memalloc_nofs_restore(unsigned int flags)
{
	memalloc_nofs_restore(flags);
}

void rnwk_init_work(struct work_struct *work, work_func_t fn)
{
	INIT_WORK(work, fn);
}

struct workqueue_struct *rnwk_alloc_workqueue(const char *name, unsigned int flags)
{
	return alloc_workqueue("%s", flags, 0, name);
}

bool rnwk_queue_work(struct workqueue_struct *wq, struct work_struct *work)
{
	return queue_work(wq, work);
}
