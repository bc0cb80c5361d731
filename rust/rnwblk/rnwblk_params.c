// SPDX-License-Identifier: GPL-2.0
/*
 * rnwblk's module parameters: a table only. Declared in C because 6.12's Rust `module!` has
 * no parameter support; read by name through rnwk::module_param (which checks each one's
 * type against the Rust reader) and validated in Rust (params.rs), which refuses to load on
 * a bad value. Names follow null_blk where the concept is the same.
 */
#include <linux/module.h>

static unsigned int nr_devices = 1;
module_param(nr_devices, uint, 0444);
MODULE_PARM_DESC(nr_devices, "Number of devices to create at load (0-64). Default: 1");

static unsigned long size = 1024;
module_param(size, ulong, 0444);
MODULE_PARM_DESC(size, "Device size in MiB (sparse: memory is used only where written). Default: 1024");

static unsigned int bs = 512;
module_param(bs, uint, 0444);
MODULE_PARM_DESC(bs, "Logical block size in bytes: 512, 1024, 2048 or 4096. Default: 512");

static unsigned int submit_queues = 1;
module_param(submit_queues, uint, 0444);
MODULE_PARM_DESC(submit_queues, "Number of submission (hardware) queues. Default: 1");

static unsigned int poll_queues = 1;
module_param(poll_queues, uint, 0444);
MODULE_PARM_DESC(poll_queues, "Number of IOPOLL queues (io_uring IORING_SETUP_IOPOLL, fio hipri). Default: 1");

static unsigned int hw_queue_depth = 64;
module_param(hw_queue_depth, uint, 0444);
MODULE_PARM_DESC(hw_queue_depth, "Queue depth of each hardware queue (1-4096). Default: 64");

static unsigned int irqmode = 1;
module_param(irqmode, uint, 0444);
MODULE_PARM_DESC(irqmode, "Completion: 0-inline, 1-softirq, 2-timer (completion_nsec). Default: 1");

static unsigned long completion_nsec = 10000;
module_param(completion_nsec, ulong, 0444);
MODULE_PARM_DESC(completion_nsec, "Completion latency in ns for irqmode=2. Default: 10000");

static unsigned int max_inflight;
module_param(max_inflight, uint, 0444);
MODULE_PARM_DESC(max_inflight, "Budget: requests in flight per device before nowait ones get BLK_STS_AGAIN and others wait. Default: 0 (no budget)");

static unsigned int fail_every;
module_param(fail_every, uint, 0444);
MODULE_PARM_DESC(fail_every, "Fault injection: fail every Nth request with EIO. Default: 0 (off)");

static unsigned int again_every;
module_param(again_every, uint, 0444);
MODULE_PARM_DESC(again_every, "Fault injection: BLK_STS_AGAIN for every Nth nowait request. Default: 0 (off)");

static bool nowait_alloc;
module_param(nowait_alloc, bool, 0444);
MODULE_PARM_DESC(nowait_alloc, "Let nowait writes allocate backing pages without sleeping (GFP_NOWAIT) instead of failing with BLK_STS_AGAIN. Default: false");

static bool discard = true;
module_param(discard, bool, 0444);
MODULE_PARM_DESC(discard, "Support discard and write-zeroes (frees backing pages). Default: true");

static bool volatile_cache;
module_param(volatile_cache, bool, 0444);
MODULE_PARM_DESC(volatile_cache, "A volatile write cache: written data is stable only once flushed; a configfs power-off loses what was not. Default: false");
