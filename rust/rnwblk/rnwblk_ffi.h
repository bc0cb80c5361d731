/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The C side of rnwblk that is not yet in the abstraction layer (rust/rnwk/): the module
 * parameters. bindgen reads this header (see Kbuild) so Rust never restates a C layout by
 * hand. No policy lives in C.
 */
#ifndef RNWBLK_FFI_H
#define RNWBLK_FFI_H

#include <linux/types.h>

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

#endif
