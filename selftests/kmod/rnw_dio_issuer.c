// SPDX-License-Identifier: GPL-2.0
/*
 * Test-only issuer of IOCB_DIO_CALLER_COMP direct writes, never shipped.
 *
 * Nothing in Linux 6.12 sets IOCB_DIO_CALLER_COMP (io_uring stopped in 838b35bb6a89), so
 * the filesystems' side of that contract goes untested. This module is the missing issuer:
 * it writes a kernel buffer (ITER_BVEC) to a file with an asynchronous kiocb, as io_uring
 * did, and reports what the completion looked like. The contract, as 6.12 implements it
 * (include/linux/fs.h, fs/iomap/direct-io.c):
 *
 *  - the issuer may set IOCB_DIO_CALLER_COMP only on an asynchronous kiocb (ki_complete
 *    set) and only if it can run a completion handler from task context later;
 *  - the filesystem may then, when the I/O ends, set iocb->dio_complete and iocb->private
 *    and call ->ki_complete(iocb, res) where res means nothing (iomap passes 0), from
 *    whatever context the bio ended in (hard or soft interrupt);
 *  - ->ki_complete must check for dio_complete (only meaningful with the flag set: it
 *    shares storage with ki_waitq) and must not run it there; the issuer calls
 *    dio_complete(private) once, from task context, and its return value is the result
 *    of the write. Until then the write holds the inode's i_dio_count, so truncate and
 *    anything else in inode_dio_wait() waits for the issuer;
 *  - a filesystem that needs post-I/O work it will not run from the issuer's context
 *    (iomap: unwritten conversion, IOMAP_F_NEW zeroing, a segment at or past EOF, a cache
 *    flush for O_DSYNC) completes as usual: ->ki_complete(iocb, result) with
 *    dio_complete left NULL (iomap: from its s_dio_done_wq worker); a write the
 *    filesystem finishes during submission returns its result from ->write_iter and
 *    ->ki_complete is never called.
 *
 * Freeze protection: vfs_iocb_iter_write() takes it (kiocb_start_write); for a queued
 * write the issuer ends it (kiocb_end_write). This module does that after dio_complete, so
 * the filesystem's completion work stays inside it, as on the workqueue path; io_uring ended
 * it in ->ki_complete instead, because a ring owner can itself sit in freeze_super() with
 * its completions unrun. Here the issuer only ever waits for its own completion.
 */
#include <linux/bvec.h>
#include <linux/completion.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/fsnotify.h>
#include <linux/jiffies.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/uaccess.h>
#include <linux/uio.h>
#include <linux/wait_bit.h>
#include <linux/workqueue.h>

#include "rnw_dio_issuer.h"

#define ISSUER_TIMEOUT_MS	30000
#define ISSUER_DRAIN_MS		10000
#define ISSUER_MAX_WAIT_MS	600000

/* Requests whose issuer gave up waiting; module exit waits for them to finish. */
static atomic_t issuer_abandoned = ATOMIC_INIT(0);
static struct workqueue_struct *issuer_wq;

struct issuer_req {
	struct kiocb iocb;
	struct file *file;
	const struct task_struct *issuer;	/* compared, never dereferenced */
	struct bio_vec *bvecs;
	unsigned int nr_pages;

	spinlock_t lock;		/* completed, abandoned */
	bool completed;			/* ->ki_complete ran */
	bool abandoned;			/* the issuer gave up: the work item finishes it */
	struct completion done;
	struct work_struct work;

	/* What ->ki_complete handed back. */
	ssize_t (*dio_complete)(void *data);
	void *dio_data;

	struct rnw_dio_write out;
};

/* Per open file of the device: at most one held (pending) caller completion. */
struct issuer_file {
	struct mutex lock;		/* one ioctl at a time; held */
	struct issuer_req *held;
};

static void issuer_req_free(struct issuer_req *req)
{
	unsigned int i;

	for (i = 0; i < req->nr_pages; i++)
		__free_page(req->bvecs[i].bv_page);
	kvfree(req->bvecs);
	if (req->file)
		fput(req->file);
	kfree(req);
}

static struct issuer_req *issuer_req_alloc(unsigned int len, u8 fill)
{
	unsigned int nr = DIV_ROUND_UP(len, PAGE_SIZE), i;
	struct issuer_req *req;

	req = kzalloc(sizeof(*req), GFP_KERNEL);
	if (!req)
		return NULL;
	req->bvecs = kvcalloc(nr, sizeof(*req->bvecs), GFP_KERNEL);
	if (!req->bvecs) {
		kfree(req);
		return NULL;
	}
	for (i = 0; i < nr; i++) {
		struct page *page = alloc_page(GFP_KERNEL);
		unsigned int n = min_t(unsigned int, len - i * PAGE_SIZE, PAGE_SIZE);

		if (!page) {
			issuer_req_free(req);
			return NULL;
		}
		memset(page_address(page), fill, PAGE_SIZE);
		bvec_set_page(&req->bvecs[i], page, n, 0);
		req->nr_pages++;
	}
	spin_lock_init(&req->lock);
	init_completion(&req->done);
	return req;
}

static u32 issuer_context(const struct issuer_req *req)
{
	u32 ctx = 0;

	if (in_hardirq())
		ctx |= RNW_DIO_CTX_HARDIRQ;
	if (in_serving_softirq())
		ctx |= RNW_DIO_CTX_SOFTIRQ;
	if (in_task()) {
		ctx |= RNW_DIO_CTX_TASK;
		if (current->flags & PF_WQ_WORKER)
			ctx |= RNW_DIO_CTX_WORKER;
		if (current == req->issuer)
			ctx |= RNW_DIO_CTX_ISSUER;
	}
	if (irqs_disabled())
		ctx |= RNW_DIO_CTX_IRQS_OFF;
	return ctx;
}

/*
 * ->ki_complete: any context (iomap calls it from the bio's end_io for a caller
 * completion). Records, never completes the dio itself: dio_complete may sleep.
 */
static void issuer_ki_complete(struct kiocb *iocb, long res)
{
	struct issuer_req *req = container_of(iocb, struct issuer_req, iocb);
	struct inode *inode = file_inode(iocb->ki_filp);
	struct rnw_dio_write *out = &req->out;
	unsigned long flags;
	bool abandoned;

	out->complete_res = res;
	out->ctx = issuer_context(req);
	if (in_task())
		get_task_comm(out->comm, current);
	out->status |= RNW_DIO_S_KI_COMPLETE;
	if (iocb->ki_flags & IOCB_DIO_CALLER_COMP) {
		out->status |= RNW_DIO_S_FLAG_KEPT;
		/* Only with the flag set is the union member dio_complete, not ki_waitq. */
		if (iocb->dio_complete) {
			out->status |= RNW_DIO_S_DIO_COMPLETE;
			req->dio_complete = iocb->dio_complete;
			req->dio_data = iocb->private;
		}
	}
	out->dio_count_at_complete = atomic_read(&inode->i_dio_count);
	out->size_at_complete = i_size_read(inode);

	/*
	 * complete() under the lock: the issuer takes the lock before it frees the request,
	 * so nothing here touches it after the issuer may have moved on.
	 */
	spin_lock_irqsave(&req->lock, flags);
	req->completed = true;
	abandoned = req->abandoned;
	if (!abandoned)
		complete(&req->done);
	spin_unlock_irqrestore(&req->lock, flags);
	if (abandoned)
		queue_work(issuer_wq, &req->work);
}

/* After the write is complete: what the inode looks like, and a bounded dio drain. */
static void issuer_observe(struct issuer_req *req, unsigned int drain_ms)
{
	struct inode *inode = file_inode(req->file);
	struct rnw_dio_write *out = &req->out;

	out->pos_after = req->iocb.ki_pos;
	out->size_after = i_size_read(inode);
	out->dio_count_after = atomic_read(&inode->i_dio_count);
	/*
	 * inode_dio_wait() has no bound: wait for the count with one first (the wake-up
	 * is inode_dio_end()'s), then call it, which must return at once.
	 */
	if (wait_var_event_timeout(&inode->i_dio_count, inode_dio_finished(inode),
				   msecs_to_jiffies(drain_ms))) {
		inode_dio_wait(inode);
		out->drain_ret = 0;
		out->status |= RNW_DIO_S_DRAINED;
	} else {
		out->drain_ret = -ETIMEDOUT;
	}
}

/*
 * Task context, after ->ki_complete of a queued write: run the filesystem's deferred
 * completion if it handed one back, then end freeze protection.
 */
static void issuer_finish(struct issuer_req *req)
{
	struct rnw_dio_write *out = &req->out;
	ssize_t ret = out->complete_res;

	might_sleep();
	if (req->dio_complete) {
		ret = req->dio_complete(req->dio_data);
		out->dio_complete_ret = ret;
		out->status |= RNW_DIO_S_CALLED;
	}
	out->status &= ~RNW_DIO_S_HELD;
	out->result = ret;
	kiocb_end_write(&req->iocb);
	if (ret > 0)
		fsnotify_modify(req->file);
}

/* A completion whose issuer had given up waiting: finish it here, in task context. */
static void issuer_abandoned_work(struct work_struct *work)
{
	struct issuer_req *req = container_of(work, struct issuer_req, work);

	issuer_finish(req);
	pr_err("rnw_dio_issuer: late completion of an abandoned write: result %lld\n",
	       req->out.result);
	issuer_req_free(req);
	if (atomic_dec_and_test(&issuer_abandoned))
		wake_up_var(&issuer_abandoned);
}

static int issuer_check_args(const struct rnw_dio_write *args)
{
	if (args->version != RNW_DIO_WRITE_VERSION || args->size != sizeof(*args))
		return -EINVAL;
	if (args->flags & ~RNW_DIO_FLAGS_ALL)
		return -EINVAL;
	if (!args->len || args->len > RNW_DIO_MAX_LEN || (args->len | args->pos) & 511)
		return -EINVAL;
	if (args->pos > LLONG_MAX - args->len || args->fill > 0xff)
		return -EINVAL;
	if (args->timeout_ms > ISSUER_MAX_WAIT_MS || args->drain_ms > ISSUER_MAX_WAIT_MS)
		return -EINVAL;
	return 0;
}

static struct file *issuer_get_file(const struct rnw_dio_write *args)
{
	struct file *file = fget(args->fd);
	int err;

	if (!file)
		return ERR_PTR(-EBADF);
	err = -EINVAL;
	if (!S_ISREG(file_inode(file)->i_mode))
		goto out;
	err = -EBADF;
	if (!(file->f_mode & FMODE_WRITE))
		goto out;
	err = -EINVAL;
	if (!(file->f_mode & FMODE_CAN_ODIRECT))
		goto out;
	/* As kiocb_set_rw_flags() refuses RWF_NOWAIT. */
	err = -EOPNOTSUPP;
	if ((args->flags & RNW_DIO_NOWAIT) && !(file->f_mode & FMODE_NOWAIT))
		goto out;
	return file;
out:
	fput(file);
	return ERR_PTR(err);
}

/* Issues the write and waits for it; 0 with the outputs in *args, or -errno. */
static int issuer_write(struct issuer_file *ifile, struct rnw_dio_write *args)
{
	unsigned int timeout_ms = args->timeout_ms ?: ISSUER_TIMEOUT_MS;
	unsigned int drain_ms = args->drain_ms ?: ISSUER_DRAIN_MS;
	struct issuer_req *req;
	struct iov_iter iter;
	struct kiocb *iocb;
	struct file *file;
	long left;
	ssize_t ret;

	if (ifile->held)
		return -EBUSY;
	file = issuer_get_file(args);
	if (IS_ERR(file))
		return PTR_ERR(file);
	req = issuer_req_alloc(args->len, args->fill);
	if (!req) {
		fput(file);
		return -ENOMEM;
	}
	req->file = file;
	req->issuer = current;
	INIT_WORK(&req->work, issuer_abandoned_work);
	req->out = *args;
	req->out.size_before = i_size_read(file_inode(file));

	iocb = &req->iocb;
	init_sync_kiocb(iocb, file);
	iocb->ki_pos = args->pos;
	iocb->ki_complete = issuer_ki_complete;	/* asynchronous from here on */
	iocb->ki_flags |= IOCB_DIRECT | IOCB_WRITE;
	if (args->flags & RNW_DIO_CALLER_COMP)
		iocb->ki_flags |= IOCB_DIO_CALLER_COMP;
	if (args->flags & RNW_DIO_DSYNC)
		iocb->ki_flags |= IOCB_DSYNC;
	if (args->flags & RNW_DIO_SYNC)
		iocb->ki_flags |= IOCB_DSYNC | IOCB_SYNC;
	if (args->flags & RNW_DIO_NOWAIT)
		iocb->ki_flags |= IOCB_NOWAIT;
	iov_iter_bvec(&iter, ITER_SOURCE, req->bvecs, req->nr_pages, args->len);

	/* Freeze protection, rw_verify_area, ->write_iter, and fsnotify if it finished. */
	ret = vfs_iocb_iter_write(file, iocb, &iter);
	req->out.submit_ret = ret;
	if (ret != -EIOCBQUEUED) {
		/* Finished (or refused) in submission: ->ki_complete will not be called. */
		req->out.result = ret;
		goto observe;
	}
	req->out.status |= RNW_DIO_S_QUEUED;

	left = wait_for_completion_killable_timeout(&req->done,
						    msecs_to_jiffies(timeout_ms));
	spin_lock_irq(&req->lock);
	if (!req->completed) {
		/* Timed out or killed: the request outlives this call (see ->ki_complete). */
		req->abandoned = true;
		atomic_inc(&issuer_abandoned);
		spin_unlock_irq(&req->lock);
		pr_err("rnw_dio_issuer: no completion for a write at %llu within %u ms%s\n",
		       args->pos, timeout_ms, left < 0 ? " (interrupted)" : "");
		return left < 0 ? -EINTR : -ETIMEDOUT;
	}
	spin_unlock_irq(&req->lock);

	if ((args->flags & RNW_DIO_HOLD) && req->dio_complete) {
		/* The dio stays pending (i_dio_count held) until RNW_DIO_IOC_FINISH. */
		req->out.status |= RNW_DIO_S_HELD;
		ifile->held = req;
		*args = req->out;
		return 0;
	}
	issuer_finish(req);
observe:
	issuer_observe(req, drain_ms);
	*args = req->out;
	issuer_req_free(req);
	return 0;
}

static int issuer_finish_held(struct issuer_file *ifile, struct rnw_dio_write *args)
{
	struct issuer_req *req = ifile->held;
	unsigned int drain_ms = args->drain_ms ?: ISSUER_DRAIN_MS;

	if (!req)
		return -ENOENT;
	if (args->drain_ms > ISSUER_MAX_WAIT_MS)
		return -EINVAL;
	ifile->held = NULL;
	issuer_finish(req);
	issuer_observe(req, drain_ms);
	*args = req->out;
	issuer_req_free(req);
	return 0;
}

static long issuer_ioctl(struct file *filp, unsigned int cmd, unsigned long arg)
{
	struct issuer_file *ifile = filp->private_data;
	void __user *uarg = (void __user *)arg;
	struct rnw_dio_write args;
	int ret;

	if (cmd != RNW_DIO_IOC_WRITE && cmd != RNW_DIO_IOC_FINISH)
		return -ENOTTY;
	if (copy_from_user(&args, uarg, sizeof(args)))
		return -EFAULT;
	if (args.version != RNW_DIO_WRITE_VERSION || args.size != sizeof(args))
		return -EINVAL;

	mutex_lock(&ifile->lock);
	if (cmd == RNW_DIO_IOC_WRITE) {
		ret = issuer_check_args(&args);
		if (!ret)
			ret = issuer_write(ifile, &args);
	} else {
		ret = issuer_finish_held(ifile, &args);
	}
	mutex_unlock(&ifile->lock);
	if (!ret && copy_to_user(uarg, &args, sizeof(args)))
		ret = -EFAULT;
	return ret;
}

static int issuer_open(struct inode *inode, struct file *filp)
{
	struct issuer_file *ifile = kzalloc(sizeof(*ifile), GFP_KERNEL);

	if (!ifile)
		return -ENOMEM;
	mutex_init(&ifile->lock);
	filp->private_data = ifile;
	return 0;
}

/* Last close: a completion still held is run now (task context: __fput). */
static int issuer_release(struct inode *inode, struct file *filp)
{
	struct issuer_file *ifile = filp->private_data;
	struct issuer_req *req = ifile->held;

	if (req) {
		issuer_finish(req);
		issuer_req_free(req);
	}
	mutex_destroy(&ifile->lock);
	kfree(ifile);
	return 0;
}

static const struct file_operations issuer_fops = {
	.owner = THIS_MODULE,
	.open = issuer_open,
	.release = issuer_release,
	.unlocked_ioctl = issuer_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static struct miscdevice issuer_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "rnw_dio_issuer",
	.fops = &issuer_fops,
	.mode = 0600,
};

static int __init issuer_init(void)
{
	int ret;

	issuer_wq = alloc_workqueue("rnw_dio_issuer", WQ_UNBOUND, 0);
	if (!issuer_wq)
		return -ENOMEM;
	ret = misc_register(&issuer_misc);
	if (ret)
		destroy_workqueue(issuer_wq);
	return ret;
}

static void __exit issuer_exit(void)
{
	misc_deregister(&issuer_misc);
	/* Abandoned writes still hold their file and pages until their I/O ends. */
	wait_var_event(&issuer_abandoned, !atomic_read(&issuer_abandoned));
	destroy_workqueue(issuer_wq);
}

module_init(issuer_init);
module_exit(issuer_exit);
MODULE_DESCRIPTION("rnw test fixture: issues IOCB_DIO_CALLER_COMP direct writes");
MODULE_LICENSE("GPL");
