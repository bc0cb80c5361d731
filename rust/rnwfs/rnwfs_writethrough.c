// SPDX-License-Identifier: GPL-2.0
/*
 * Writethrough buffered writes (Documentation/writethrough.rst): the mechanism, in C
 * because it is page cache and workqueue plumbing; when a write goes through it, and the
 * nowait checks, are decided in Rust (file.rs).
 *
 * A writethrough write copies into the page cache like any buffered write, then writes
 * its range back with WB_SYNC_ALL writeback (the mapping has stable writes: a folio under
 * writeback is not changed until it is on the device).
 *
 * Every writethrough write is on the super block's list from before its copy until its
 * writeback ended. While any is, every writeback bio of the filesystem ends through
 * rnwfs_wt_end_bio (in the bio's completion context, no workqueue hop: only unwritten
 * conversion needs process context), which gives the bio's error to the writes whose range
 * it overlaps, ends the folios' writeback, and afterwards completes the async writes over
 * that range which have no folio under writeback left.
 *
 * - Synchronous: waits for its range's writeback, returns the byte count or the error.
 * - Asynchronous (aio, io_uring): returns -EIOCBQUEUED once the writeback is submitted;
 *   its completion is queued on the super block's dio_done workqueue
 *   (sb_init_dio_done_wq): O_DSYNC flush, inode_dio_end, ki_complete. inode_dio_begin/end
 *   around it make truncate and inode_dio_wait wait for it, as for direct I/O.
 */
#include <linux/debugfs.h>
#include <linux/bio.h>
#include <linux/fs.h>
#include <linux/iomap.h>
#include <linux/pagemap.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/wait_bit.h>
#include "rnwfs_ffi.h"
#include "rnwfs_c.h"

/* An asynchronous writethrough write between submission and completion. */
struct rnwfs_wt {
	struct list_head list;	/* on the super block's wt_pending */
	struct kiocb *iocb;
	struct inode *inode;	/* held (ihold) until completion */
	loff_t start, end;	/* the written range, end inclusive */
	ssize_t written;
	int error;		/* the first writeback error in the range */
	bool async;
	bool submitted;		/* its writeback was started: its range can be checked */
	struct work_struct work;
};

void rnwfs_wt_sb_init(struct rnwfs_sb *rsb)
{
	spin_lock_init(&rsb->wt_lock);
	INIT_LIST_HEAD(&rsb->wt_pending);
	atomic_set(&rsb->wt_nr_pending, 0);
	atomic_set(&rsb->wt_bios, 0);
}

bool rnwfs_wt_waiting(struct super_block *sb)
{
	return atomic_read(&RNWFS_SB(sb)->wt_nr_pending) > 0;
}

static void rnwfs_wt_complete_work(struct work_struct *work)
{
	struct rnwfs_wt *wt = container_of(work, struct rnwfs_wt, work);
	struct kiocb *iocb = wt->iocb;
	struct inode *inode = wt->inode;
	struct rnwfs_sb *rsb = RNWFS_SB(inode->i_sb);
	ssize_t ret = wt->error ?: wt->written;

	/* O_DSYNC: the inode and the device's cache too (rnwfs_fsync). */
	if (ret > 0)
		ret = generic_write_sync(iocb, ret);
	atomic64_inc(&rsb->wt_aio_done_on_wq);
	if (ret < 0)
		atomic64_inc(&rsb->wt_errors);
	inode_dio_end(inode);
	kfree(wt);
	iput(inode);
	iocb->ki_complete(iocb, ret);
}

void rnwfs_wt_writeback_done(struct super_block *sb, struct inode *inode, loff_t offset,
			     size_t size)
{
	struct rnwfs_sb *rsb = RNWFS_SB(sb);
	struct rnwfs_wt *wt, *next;
	unsigned long flags;

	if (!rnwfs_wt_waiting(sb))
		return;
	spin_lock_irqsave(&rsb->wt_lock, flags);
	list_for_each_entry_safe(wt, next, &rsb->wt_pending, list) {
		/* `inode` is only compared: it may be gone, it is then no write's. */
		if (!wt->async || !wt->submitted || wt->inode != inode ||
		    wt->end < offset || offset + (loff_t)size <= wt->start ||
		    filemap_range_has_writeback(wt->inode->i_mapping, wt->start, wt->end))
			continue;
		list_del_init(&wt->list);
		atomic_dec(&rsb->wt_nr_pending);
		queue_work(sb->s_dio_done_wq, &wt->work);
	}
	spin_unlock_irqrestore(&rsb->wt_lock, flags);
}

/*
 * iomap's own completion of a writeback bio (static in fs/iomap/buffered-io.c, so taken
 * from the first ioend hooked). It ends the folios' writeback in any context, unlike
 * iomap_finish_ioends(), which may sleep.
 *
 * The invariant this relies on (6.12): iomap_alloc_ioend() gives every writeback ioend's
 * bio the one end_io, iomap_writepage_end_bio(), and ->prepare_ioend runs before the bio
 * is submitted, with that end_io still in place; rnwfs replaces it only on unwritten
 * ioends, which are never hooked. rnwfs_wt_hook_ioend() checks it on every ioend: a WARN
 * (which fails any test run) says an iomap change broke it. The writethrough engine the
 * RFC describes (issue: writethrough the RFC v2 way) owns its bios and drops this.
 */
static bio_end_io_t *rnwfs_iomap_end_bio;

static void rnwfs_wt_end_bio(struct bio *bio)
{
	struct iomap_ioend *ioend = iomap_ioend_from_bio(bio);
	struct inode *inode = ioend->io_inode;
	struct super_block *sb = inode->i_sb;
	struct rnwfs_sb *rsb = RNWFS_SB(sb);
	loff_t offset = ioend->io_offset;
	size_t size = ioend->io_size;
	int error = blk_status_to_errno(bio->bi_status);

	/* Before the folios' writeback ends, which is what sync writers wait for. */
	if (error)
		rnwfs_wt_ioend_error(inode, offset, size, error);
	READ_ONCE(rnwfs_iomap_end_bio)(bio); /* frees the ioend */
	rnwfs_wt_writeback_done(sb, inode, offset, size);
	/* Last: once no hooked bio is left, the super block may go (rnwfs_wt_sb_drain). */
	if (atomic_dec_and_test(&rsb->wt_bios))
		wake_up_var(&rsb->wt_bios);
}

void rnwfs_wt_hook_ioend(struct iomap_ioend *ioend)
{
	struct rnwfs_sb *rsb = RNWFS_SB(ioend->io_inode->i_sb);

	bio_end_io_t *iomap_end_bio = ioend->io_bio.bi_end_io;
	bio_end_io_t *seen = READ_ONCE(rnwfs_iomap_end_bio);

	WARN_ON_ONCE(iomap_end_bio == rnwfs_wt_end_bio || (seen && seen != iomap_end_bio));
	WRITE_ONCE(rnwfs_iomap_end_bio, iomap_end_bio);
	atomic_inc(&rsb->wt_bios);
	ioend->io_bio.bi_end_io = rnwfs_wt_end_bio;
}

void rnwfs_wt_sb_drain(struct rnwfs_sb *rsb)
{
	/* umount waited for the folios' writeback, not for the hooks' last steps. */
	wait_var_event(&rsb->wt_bios, !atomic_read(&rsb->wt_bios));
}

void rnwfs_wt_ioend_error(struct inode *inode, loff_t offset, size_t size, int error)
{
	struct rnwfs_sb *rsb = RNWFS_SB(inode->i_sb);
	struct rnwfs_wt *wt;
	unsigned long flags;

	spin_lock_irqsave(&rsb->wt_lock, flags);
	list_for_each_entry(wt, &rsb->wt_pending, list) {
		if (wt->inode == inode && wt->start < offset + (loff_t)size &&
		    offset <= wt->end && !wt->error)
			wt->error = error;
	}
	spin_unlock_irqrestore(&rsb->wt_lock, flags);
}

static void rnwfs_wt_unlist(struct rnwfs_sb *rsb, struct rnwfs_wt *wt)
{
	spin_lock_irq(&rsb->wt_lock);
	list_del_init(&wt->list);
	atomic_dec(&rsb->wt_nr_pending);
	spin_unlock_irq(&rsb->wt_lock);
}

/*
 * Writes [pos, pos + written) of `iocb`'s file, just copied into the page cache, to the
 * device; `prepared` is from rnwfs_wt_prepare, before the copy. Sync: returns `written`
 * once it is there, or the error. Async: returns -EIOCBQUEUED.
 */
ssize_t rnwfs_wt_write_back(struct kiocb *iocb, void *prepared, loff_t pos, ssize_t written)
{
	struct inode *inode = file_inode(iocb->ki_filp);
	struct rnwfs_sb *rsb = RNWFS_SB(inode->i_sb);
	struct address_space *mapping = inode->i_mapping;
	struct rnwfs_wt *wt = prepared;
	int ret;

	spin_lock_irq(&rsb->wt_lock);
	wt->end = pos + written - 1; /* the copy may have been short */
	spin_unlock_irq(&rsb->wt_lock);
	wt->written = written;
	ret = filemap_fdatawrite_range(mapping, wt->start, wt->end);
	if (!wt->async) {
		/* Errors come from the ioends (wt->error), not the mapping's shared state. */
		filemap_fdatawait_range_keep_errors(mapping, wt->start, wt->end);
		rnwfs_wt_unlist(rsb, wt);
		ret = ret ?: wt->error;
		atomic64_inc(&rsb->wt_sync);
		if (ret)
			atomic64_inc(&rsb->wt_errors);
		kfree(wt);
		return ret ?: written;
	}
	spin_lock_irq(&rsb->wt_lock);
	if (ret && !wt->error)
		wt->error = ret; /* the submission failed (no memory) */
	wt->submitted = true;
	spin_unlock_irq(&rsb->wt_lock);
	atomic64_inc(&rsb->wt_aio_queued);
	/* It may all be on the device already. */
	rnwfs_wt_writeback_done(inode->i_sb, inode, pos, written);
	return -EIOCBQUEUED;
}

/*
 * Before the copy of a writethrough write of [pos, pos + len): makes the mapping's writes stable, registers
 * the write (so that the writeback of its range, whoever starts it, completes where it is
 * looked for) and, for an async one, starts its dio accounting. An ERR_PTR on failure.
 */
void *rnwfs_wt_prepare(struct kiocb *iocb, loff_t pos, size_t len)
{
	struct inode *inode = file_inode(iocb->ki_filp);
	struct super_block *sb = inode->i_sb;
	struct rnwfs_sb *rsb = RNWFS_SB(sb);
	bool nowait = iocb->ki_flags & IOCB_NOWAIT;
	struct rnwfs_wt *wt;
	int ret;

	/* Writes wait for a folio's writeback instead of changing it under I/O. */
	mapping_set_stable_writes(inode->i_mapping);
	if (!is_sync_kiocb(iocb) && !sb->s_dio_done_wq) {
		if (nowait)
			return ERR_PTR(-EAGAIN); /* creating the workqueue sleeps */
		ret = sb_init_dio_done_wq(sb);
		if (ret)
			return ERR_PTR(ret);
	}
	wt = kzalloc(sizeof(*wt), nowait ? GFP_NOWAIT : GFP_KERNEL);
	if (!wt)
		return ERR_PTR(nowait ? -EAGAIN : -ENOMEM);
	wt->iocb = iocb;
	wt->inode = inode;
	wt->async = !is_sync_kiocb(iocb);
	wt->start = pos;
	wt->end = pos + len - 1;
	INIT_WORK(&wt->work, rnwfs_wt_complete_work);
	if (wt->async) {
		ihold(inode);
		inode_dio_begin(inode);
	}
	spin_lock_irq(&rsb->wt_lock);
	list_add_tail(&wt->list, &rsb->wt_pending);
	atomic_inc(&rsb->wt_nr_pending);
	spin_unlock_irq(&rsb->wt_lock);
	return wt;
}

/* The copy wrote nothing: forget a prepared write. */
void rnwfs_wt_cancel(void *prepared)
{
	struct rnwfs_wt *wt = prepared;

	rnwfs_wt_unlist(RNWFS_SB(wt->inode->i_sb), wt);
	if (wt->async) {
		inode_dio_end(wt->inode);
		iput(wt->inode);
	}
	kfree(wt);
}

static int rnwfs_wt_stats_show(struct seq_file *m, void *v)
{
	struct rnwfs_sb *rsb = RNWFS_SB(m->private);

	seq_printf(m, "sync %lld\n", atomic64_read(&rsb->wt_sync));
	seq_printf(m, "aio_queued %lld\n", atomic64_read(&rsb->wt_aio_queued));
	seq_printf(m, "aio_completed_on_dio_done_wq %lld\n",
		   atomic64_read(&rsb->wt_aio_done_on_wq));
	seq_printf(m, "errors %lld\n", atomic64_read(&rsb->wt_errors));
	seq_printf(m, "aio_pending %d\n", atomic_read(&rsb->wt_nr_pending));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(rnwfs_wt_stats);

void rnwfs_wt_debugfs(struct super_block *sb, struct dentry *dir)
{
	debugfs_create_file("writethrough_stats", 0444, dir, sb, &rnwfs_wt_stats_fops);
}
