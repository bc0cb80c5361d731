/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The C side of rnwblk that is not yet in the abstraction layer (rust/rnwk/): the module
 * parameters and the configfs tables. bindgen reads this header (see Kbuild) so Rust never
 * restates a C layout by hand. No policy lives in C.
 */
#ifndef RNWBLK_FFI_H
#define RNWBLK_FFI_H

#include <linux/configfs.h>
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
