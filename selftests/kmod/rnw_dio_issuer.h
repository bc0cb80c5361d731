/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * Test-only ABI of rnw_dio_issuer.ko: one direct write issued from the kernel the way an
 * asynchronous issuer (io_uring, aio) does it, optionally with IOCB_DIO_CALLER_COMP, and
 * everything observed about its completion. Shared by the module and the selftest.
 *
 * /dev/rnw_dio_issuer, ioctl RNW_DIO_IOC_WRITE with a struct rnw_dio_write: the module
 * writes `len` bytes of `fill` at `pos` of the regular file `fd` (open for writing; the
 * filesystem must take O_DIRECT), waits for the completion and fills in the outputs.
 * With RNW_DIO_HOLD, a completion handed back to the issuer (iocb->dio_complete set) is
 * kept pending: the ioctl returns with RNW_DIO_S_HELD, and RNW_DIO_IOC_FINISH (or closing
 * the device file) runs it. The struct is versioned and fixed-size.
 */
#ifndef RNW_DIO_ISSUER_H
#define RNW_DIO_ISSUER_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define RNW_DIO_ISSUER_DEV	"/dev/rnw_dio_issuer"
#define RNW_DIO_WRITE_VERSION	1
#define RNW_DIO_MAX_LEN		(1U << 20)

/* in: flags */
#define RNW_DIO_CALLER_COMP	(1U << 0)	/* IOCB_DIO_CALLER_COMP */
#define RNW_DIO_DSYNC		(1U << 1)	/* IOCB_DSYNC (as O_DSYNC / RWF_DSYNC) */
#define RNW_DIO_SYNC		(1U << 2)	/* IOCB_SYNC | IOCB_DSYNC (as O_SYNC) */
#define RNW_DIO_NOWAIT		(1U << 3)	/* IOCB_NOWAIT (as RWF_NOWAIT) */
#define RNW_DIO_HOLD		(1U << 4)	/* keep a caller completion pending (see above) */
#define RNW_DIO_FLAGS_ALL	0x1fU

/* out: status */
#define RNW_DIO_S_QUEUED	(1U << 0)	/* ->write_iter returned -EIOCBQUEUED */
#define RNW_DIO_S_KI_COMPLETE	(1U << 1)	/* ->ki_complete was called */
#define RNW_DIO_S_DIO_COMPLETE	(1U << 2)	/* ... with iocb->dio_complete set */
#define RNW_DIO_S_CALLED	(1U << 3)	/* the issuer called dio_complete (task context) */
#define RNW_DIO_S_HELD		(1U << 4)	/* pending: RNW_DIO_IOC_FINISH completes it */
#define RNW_DIO_S_FLAG_KEPT	(1U << 5)	/* ki_flags still had CALLER_COMP at ki_complete */
#define RNW_DIO_S_DRAINED	(1U << 6)	/* i_dio_count reached 0 in time; inode_dio_wait returned */

/* out: ctx, where ->ki_complete ran */
#define RNW_DIO_CTX_HARDIRQ	(1U << 0)
#define RNW_DIO_CTX_SOFTIRQ	(1U << 1)	/* serving a softirq */
#define RNW_DIO_CTX_TASK	(1U << 2)	/* in_task() */
#define RNW_DIO_CTX_WORKER	(1U << 3)	/* a workqueue worker (the fs's s_dio_done_wq) */
#define RNW_DIO_CTX_ISSUER	(1U << 4)	/* the issuing task itself */
#define RNW_DIO_CTX_IRQS_OFF	(1U << 5)

struct rnw_dio_write {
	__u32 version;		/* RNW_DIO_WRITE_VERSION */
	__u32 size;		/* sizeof(struct rnw_dio_write) */
	/* in */
	__s32 fd;
	__u32 flags;		/* RNW_DIO_* */
	__u64 pos;		/* multiple of 512 */
	__u64 len;		/* multiple of 512, at most RNW_DIO_MAX_LEN */
	__u32 fill;		/* the byte written */
	__u32 timeout_ms;	/* wait for ->ki_complete (0: 30000) */
	__u32 drain_ms;		/* bound on waiting for i_dio_count to drain (0: 10000) */
	__u32 pad0;
	/* out */
	__s64 submit_ret;	/* ->write_iter (vfs_iocb_iter_write) return */
	__s64 complete_res;	/* res passed to ->ki_complete */
	__s64 dio_complete_ret;	/* dio_complete()'s return, if the issuer called it */
	__s64 result;		/* the request's result, whichever path produced it */
	__u32 status;		/* RNW_DIO_S_* */
	__u32 ctx;		/* RNW_DIO_CTX_*, of ->ki_complete */
	char comm[16];		/* current->comm in ->ki_complete, if in task context */
	__s32 dio_count_at_complete;	/* i_dio_count seen in ->ki_complete */
	__s32 dio_count_after;	/* i_dio_count once the issuer is done */
	__s64 size_before;	/* i_size before submission */
	__s64 size_at_complete;	/* i_size seen in ->ki_complete */
	__s64 size_after;	/* i_size once the issuer is done */
	__s64 pos_after;	/* iocb->ki_pos once the issuer is done */
	__s32 drain_ret;	/* 0, or -ETIMEDOUT if i_dio_count did not drain in drain_ms */
	__u32 pad1;
	__u64 reserved[4];
};

#define RNW_DIO_IOC_WRITE	_IOWR('R', 0xd1, struct rnw_dio_write)
#define RNW_DIO_IOC_FINISH	_IOWR('R', 0xd2, struct rnw_dio_write)

#endif /* RNW_DIO_ISSUER_H */
