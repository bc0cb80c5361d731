// SPDX-License-Identifier: GPL-2.0
/*
 * rnwfs writethrough buffered writes (Documentation/writethrough.rst): when a write
 * completes its data is on the device (read back raw from /dev/rnwblk0 where FIEMAP, which
 * flushes nothing, says the block is), and a plain buffered write's is not; async writes
 * (libaio, io_uring) complete on the super block's dio_done workqueue (debugfs
 * writethrough_stats counts them); the per-file flag persists; errors reach the writer;
 * nowait refuses only what would block, and a congested device's refusal leaves the data
 * dirty in the cache; the page cache has stable writes only while writes are in flight;
 * O_DSYNC writes survive a power cut of a volatile-cache device (plain ones need not).
 * Each test gets a fresh filesystem on /dev/rnwblk0 (rnwblk and rnwfs loaded); the power
 * cut and the 64-writer tests use their own configfs device.
 */
#include <errno.h>
#include <fcntl.h>
#include <libaio.h>
#include <liburing.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
#include <linux/rnwfs.h>

#include "kselftest_harness.h"
#include "rnw_test.h"

#define DEV "/dev/rnwblk0"
#define MNT "/tmp/rnwfs-wt"
#define STATS "/sys/kernel/debug/rnwfs/rnwblk0/writethrough_stats"
#define BLK 4096

static int sh(const char *fmt, const char *arg)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), fmt, arg, arg, arg);
	return system(cmd);
}

static int mount_fs(const char *opts)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "mount -t rnwfs %s%s " DEV " " MNT, opts ? "-o " : "",
		 opts ? opts : "");
	return system(cmd);
}

static int set_flags(int fd, __u32 flags)
{
	return ioctl(fd, RNWFS_IOC_SETFLAGS, &flags);
}

static long long wt_stat(const char *name)
{
	return rnw_named_value(STATS, name);
}

/* The device address of file block `fblk` (FIEMAP without FIEMAP_FLAG_SYNC: nothing is
 * written back by asking); -1 for a hole, 0 for an unwritten (never converted) block. */
static long long dev_addr(int fd, unsigned int fblk)
{
	struct {
		struct fiemap fm;
		struct fiemap_extent ext[1];
	} f;
	unsigned long long start = (unsigned long long)fblk * BLK;
	struct fiemap_extent *e = &f.ext[0];

	memset(&f, 0, sizeof(f));
	f.fm.fm_start = start;
	f.fm.fm_length = BLK;
	f.fm.fm_extent_count = 1;
	if (ioctl(fd, FS_IOC_FIEMAP, &f) || f.fm.fm_mapped_extents != 1 ||
	    e->fe_logical > start || e->fe_logical + e->fe_length <= start)
		return -1;
	if (e->fe_flags & FIEMAP_EXTENT_UNWRITTEN)
		return 0;
	return e->fe_physical + (start - e->fe_logical);
}

/* Whether the device holds pattern `seed` for bytes [from, to) of file block `fblk` of
 * `fd` (read raw with O_DIRECT); -1 if it could not tell, 0 if the block is unwritten. */
static int on_device_part(int fd, unsigned int fblk, unsigned int from, unsigned int to,
			  unsigned int seed)
{
	long long addr = dev_addr(fd, fblk);
	int dev = open(DEV, O_RDONLY | O_DIRECT);
	char *buf;
	int ret = addr == 0 ? 0 : -1;

	if (dev < 0 || addr <= 0 || posix_memalign((void **)&buf, BLK, BLK))
		goto out;
	if (pread(dev, buf, BLK, addr) == BLK)
		ret = rnw_check(buf + from, to - from, (unsigned long long)fblk * BLK + from,
				seed) == -1;
	free(buf);
out:
	if (dev >= 0)
		close(dev);
	return ret;
}

static int on_device(int fd, unsigned int fblk, unsigned int seed)
{
	return on_device_part(fd, fblk, 0, BLK, seed);
}

FIXTURE(fs)
{
	void *buf;
};

FIXTURE_SETUP(fs)
{
	mkdir(MNT, 0755);
	/* A test killed by its timeout leaves its mount behind: not a reason to fail the next. */
	ASSERT_EQ(0, sh("umount -q " MNT " 2>/dev/null; blkdiscard -f " DEV
			" 2>/dev/null && %s/target/bin/mkfs.rnwfs -q " DEV, rnw_root()));
	ASSERT_EQ(0, mount_fs(NULL));
	ASSERT_EQ(0, posix_memalign(&self->buf, BLK, 1 << 20));
}

FIXTURE_TEARDOWN(fs)
{
	free(self->buf);
	rnwblk_knob_set("rnwblk0", "fail_every", 0);
	EXPECT_EQ(0, system("umount " MNT));
	EXPECT_EQ(0, sh("%s/target/bin/fsck.rnwfs -q " DEV, rnw_root()));
}

/* A file of `blocks` blocks of pattern `seed`, on the device, caches dropped. */
static int make_file(const char *path, void *buf, int blocks, unsigned int seed)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);

	if (fd < 0)
		return -1;
	rnw_fill(buf, (size_t)blocks * BLK, 0, seed);
	if (pwrite(fd, buf, (size_t)blocks * BLK, 0) != blocks * BLK || fsync(fd) ||
	    posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED)) {
		close(fd);
		return -1;
	}
	return fd;
}

TEST_F(fs, sync_write_is_on_the_device_when_it_returns)
{
	int fd = make_file(MNT "/f", self->buf, 4, 1);
	long long before = wt_stat("sync");

	ASSERT_GE(fd, 0);
	/* Plain buffered write: in the page cache only. */
	rnw_fill(self->buf, BLK, BLK, 2);
	ASSERT_EQ(BLK, pwrite(fd, self->buf, BLK, BLK));
	EXPECT_EQ(0, on_device(fd, 1, 2));
	EXPECT_EQ(1, on_device(fd, 1, 1));
	/* Writethrough: on the device when pwrite returns, also a sub-block write. */
	ASSERT_EQ(0, set_flags(fd, RNWFS_FL_WRITETHROUGH));
	rnw_fill(self->buf, BLK, 2 * BLK, 3);
	ASSERT_EQ(BLK, pwrite(fd, self->buf, BLK, 2 * BLK));
	EXPECT_EQ(1, on_device(fd, 2, 3));
	rnw_fill(self->buf, 512, 3 * BLK + 1024, 4);
	ASSERT_EQ(512, pwrite(fd, self->buf, 512, 3 * BLK + 1024));
	EXPECT_EQ(1, on_device_part(fd, 3, 0, 1024, 1));
	EXPECT_EQ(1, on_device_part(fd, 3, 1024, 1536, 4));
	EXPECT_EQ(1, on_device_part(fd, 3, 1536, BLK, 1));
	EXPECT_EQ(before + 2, wt_stat("sync"));
	/* An extending write into new blocks: converted and sized when it returns. */
	rnw_fill(self->buf, 2 * BLK, 4 * BLK, 5);
	ASSERT_EQ(2 * BLK, pwrite(fd, self->buf, 2 * BLK, 4 * BLK));
	EXPECT_EQ(1, on_device(fd, 4, 5));
	EXPECT_EQ(1, on_device(fd, 5, 5));
	EXPECT_EQ(6 * BLK, lseek(fd, 0, SEEK_END));
	close(fd);
}

TEST_F(fs, flag_persists_and_refuses_bad_values)
{
	int fd = open(MNT "/f", O_RDWR | O_CREAT, 0644), dfd;
	__u32 flags = 0xff;

	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, ioctl(fd, RNWFS_IOC_GETFLAGS, &flags));
	EXPECT_EQ(0U, flags);
	EXPECT_EQ(-1, set_flags(fd, 0x80));
	EXPECT_EQ(EINVAL, errno);
	dfd = open(MNT, O_RDONLY | O_DIRECTORY);
	ASSERT_GE(dfd, 0);
	EXPECT_EQ(-1, set_flags(dfd, RNWFS_FL_WRITETHROUGH));
	EXPECT_EQ(EINVAL, errno);
	close(dfd);
	ASSERT_EQ(0, set_flags(fd, RNWFS_FL_WRITETHROUGH));
	close(fd);
	ASSERT_EQ(0, system("umount " MNT));
	ASSERT_EQ(0, mount_fs(NULL));
	fd = open(MNT "/f", O_RDWR);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, ioctl(fd, RNWFS_IOC_GETFLAGS, &flags));
	EXPECT_EQ((__u32)RNWFS_FL_WRITETHROUGH, flags);
	ASSERT_EQ(0, set_flags(fd, 0));
	ASSERT_EQ(0, ioctl(fd, RNWFS_IOC_GETFLAGS, &flags));
	EXPECT_EQ(0U, flags);
	close(fd);
}

TEST_F(fs, mount_option_applies_to_every_file)
{
	int fd;

	ASSERT_EQ(0, system("umount " MNT));
	ASSERT_EQ(0, mount_fs("writethrough"));
	fd = make_file(MNT "/f", self->buf, 2, 1);
	ASSERT_GE(fd, 0);
	rnw_fill(self->buf, BLK, 0, 6);
	ASSERT_EQ(BLK, pwrite(fd, self->buf, BLK, 0));
	EXPECT_EQ(1, on_device(fd, 0, 6));
	/* Remounted without it: buffered again. */
	ASSERT_EQ(0, system("mount -o remount,nowritethrough " MNT));
	rnw_fill(self->buf, BLK, BLK, 7);
	ASSERT_EQ(BLK, pwrite(fd, self->buf, BLK, BLK));
	EXPECT_EQ(0, on_device(fd, 1, 7));
	close(fd);
	/* Unknown options still refuse the mount. */
	ASSERT_EQ(0, system("umount " MNT));
	EXPECT_NE(0, mount_fs("writethrough,bogus"));
	ASSERT_EQ(0, mount_fs(NULL));
}

/* NR async writes of one block each at blocks 0, 2, 4...; returns how many completed OK. */
#define NR 16
static int libaio_writes(int fd, void *buf, unsigned int seed)
{
	struct iocb cbs[NR], *list[NR];
	struct io_event ev[NR];
	io_context_t ctx = 0;
	int i, ok = 0, got = 0, r;

	if (io_setup(NR, &ctx))
		return -1;
	for (i = 0; i < NR; i++) {
		char *b = (char *)buf + i * BLK;

		rnw_fill(b, BLK, (unsigned long long)2 * i * BLK, seed);
		io_prep_pwrite(&cbs[i], fd, b, BLK, (long long)2 * i * BLK);
		list[i] = &cbs[i];
	}
	if (io_submit(ctx, NR, list) != NR)
		goto out;
	while (got < NR) {
		r = io_getevents(ctx, 1, NR - got, ev + got, NULL);
		if (r <= 0)
			goto out;
		got += r;
	}
	for (i = 0; i < NR; i++)
		ok += ev[i].res == BLK;
out:
	io_destroy(ctx);
	return ok;
}

TEST_F(fs, libaio_completes_on_dio_done_workqueue)
{
	int fd = make_file(MNT "/f", self->buf, 2 * NR, 1), i;
	long long queued = wt_stat("aio_queued"), done = wt_stat("aio_completed_on_dio_done_wq");

	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, set_flags(fd, RNWFS_FL_WRITETHROUGH));
	ASSERT_EQ(NR, libaio_writes(fd, self->buf, 8));
	EXPECT_EQ(queued + NR, wt_stat("aio_queued"));
	EXPECT_EQ(done + NR, wt_stat("aio_completed_on_dio_done_wq"));
	EXPECT_EQ(0, wt_stat("aio_pending"));
	for (i = 0; i < NR; i++) {
		EXPECT_EQ(1, on_device(fd, 2 * i, 8)) TH_LOG("block %d", 2 * i);
		EXPECT_EQ(1, on_device(fd, 2 * i + 1, 1)) TH_LOG("block %d", 2 * i + 1);
	}
	close(fd);
}

TEST_F(fs, io_uring_completes_on_dio_done_workqueue)
{
	int fd = make_file(MNT "/f", self->buf, NR, 1), i;
	long long done = wt_stat("aio_completed_on_dio_done_wq");
	struct io_uring ring;
	struct io_uring_cqe *cqe;

	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, set_flags(fd, RNWFS_FL_WRITETHROUGH));
	ASSERT_EQ(0, io_uring_queue_init(2 * NR, &ring, 0));
	/* Half overwrite allocated blocks, half extend the file (allocation: io_uring retries
	 * the nowait attempt from a worker); all complete through the workqueue. */
	for (i = 0; i < 2 * NR; i++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
		char *b = (char *)self->buf + i * BLK;

		rnw_fill(b, BLK, (unsigned long long)i * BLK, 9);
		io_uring_prep_write(sqe, fd, b, BLK, (unsigned long long)i * BLK);
	}
	ASSERT_EQ(2 * NR, io_uring_submit(&ring));
	for (i = 0; i < 2 * NR; i++) {
		ASSERT_EQ(0, io_uring_wait_cqe(&ring, &cqe));
		EXPECT_EQ(BLK, cqe->res) TH_LOG("%s", strerror(-cqe->res));
		io_uring_cqe_seen(&ring, cqe);
	}
	io_uring_queue_exit(&ring);
	EXPECT_EQ(done + 2 * NR, wt_stat("aio_completed_on_dio_done_wq"));
	for (i = 0; i < 2 * NR; i++)
		EXPECT_EQ(1, on_device(fd, i, 9)) TH_LOG("block %d", i);
	close(fd);
}

struct writer {
	int fd, id;
	void *buf;
	int ok;
};

/* 8 rounds of NR async writes into the writer's own 64 KiB-strided region. */
static void *aio_writer(void *arg)
{
	struct writer *w = arg;
	io_context_t ctx = 0;
	int round, i;

	if (io_setup(NR, &ctx))
		return NULL;
	for (round = 0; round < 8; round++) {
		struct iocb cbs[NR], *list[NR];
		struct io_event ev[NR];
		int got = 0, r;

		for (i = 0; i < NR; i++) {
			long long off = ((long long)w->id * NR + i) * BLK;
			char *b = (char *)w->buf + i * BLK;

			rnw_fill(b, BLK, off, 100 + round);
			io_prep_pwrite(&cbs[i], w->fd, b, BLK, off);
			list[i] = &cbs[i];
		}
		if (io_submit(ctx, NR, list) != NR)
			break;
		while (got < NR && (r = io_getevents(ctx, 1, NR - got, ev + got, NULL)) > 0)
			got += r;
		for (i = 0; i < got; i++)
			w->ok += ev[i].res == BLK;
	}
	io_destroy(ctx);
	return NULL;
}

TEST_F(fs, nowait_write_refused_by_a_congested_device_stays_cached)
{
	int fd = make_file(MNT "/f", self->buf, 2, 1);
	struct iovec iov = { self->buf, BLK };
	long long refused = wt_stat("refused_by_device");

	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, set_flags(fd, RNWFS_FL_WRITETHROUGH));
	ASSERT_EQ(2 * BLK, pread(fd, self->buf, 2 * BLK, 0)); /* cached: only the device refuses */
	ASSERT_EQ(0, rnwblk_knob_set("rnwblk0", "congested", 1));
	/* Nowait: the device refuses the one bio; nothing reached it, the data stays dirty in
	 * the page cache (a read sees it). */
	rnw_fill(self->buf, BLK, 0, 16);
	EXPECT_EQ(-1, pwritev2(fd, &iov, 1, 0, RWF_NOWAIT));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(refused + 1, wt_stat("refused_by_device"));
	EXPECT_EQ(1, on_device(fd, 0, 1));
	/* Blocking: the device serves it from its worker; on the device when it returns. */
	rnw_fill(self->buf, BLK, BLK, 17);
	EXPECT_EQ(BLK, pwrite(fd, self->buf, BLK, BLK)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(1, on_device(fd, 1, 17));
	ASSERT_EQ(0, rnwblk_knob_set("rnwblk0", "congested", 0));
	ASSERT_EQ(BLK, pread(fd, self->buf, BLK, 0));
	EXPECT_EQ(-1, rnw_check(self->buf, BLK, 0, 16));
	/* The refused write's data was left dirty: writeback takes it to the device. */
	ASSERT_EQ(0, fsync(fd));
	EXPECT_EQ(1, on_device(fd, 0, 16));
	close(fd);
}

TEST_F(fs, stable_writes_only_while_writes_are_in_flight)
{
	int fd = make_file(MNT "/f", self->buf, 2 * NR, 1), i, got = 0, r;
	long long old_nsec = rnwblk_knob_get("rnwblk0", "completion_nsec");
	long long old_irqmode = rnwblk_knob_get("rnwblk0", "irqmode");
	struct iocb cbs[NR], *list[NR];
	struct io_event ev[NR];
	io_context_t ctx = 0;

	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, set_flags(fd, RNWFS_FL_WRITETHROUGH));
	EXPECT_EQ(0, wt_stat("stable_write_files"));
	ASSERT_EQ(0, io_setup(NR, &ctx));
	/* Completions one second after submission (timer mode): the writes are in flight
	 * while the counter is read. */
	ASSERT_EQ(0, rnwblk_knob_set("rnwblk0", "completion_nsec", 1000000000ULL));
	ASSERT_EQ(0, rnwblk_knob_set("rnwblk0", "irqmode", 2));
	for (i = 0; i < NR; i++) {
		char *b = (char *)self->buf + i * BLK;

		rnw_fill(b, BLK, (unsigned long long)i * BLK, 18);
		io_prep_pwrite(&cbs[i], fd, b, BLK, (long long)i * BLK);
		list[i] = &cbs[i];
	}
	EXPECT_EQ(NR, io_submit(ctx, NR, list));
	EXPECT_EQ(1, wt_stat("stable_write_files"));
	while (got < NR && (r = io_getevents(ctx, 1, NR - got, ev + got, NULL)) > 0)
		got += r;
	rnwblk_knob_set("rnwblk0", "irqmode", old_irqmode);
	rnwblk_knob_set("rnwblk0", "completion_nsec", old_nsec);
	io_destroy(ctx);
	EXPECT_EQ(NR, got);
	/* The last write ended: the mapping lost stable writes. */
	EXPECT_EQ(0, wt_stat("stable_write_files"));
	EXPECT_EQ(0, wt_stat("aio_pending"));
	close(fd);
}

/*
 * A runtime rnwblk device with a volatile cache (configfs, 64 MiB): a power cut loses what
 * was not flushed. cut_device_make() creates it powered off; cut_device_up() powers it on
 * and gives its /dev path in `dev`.
 */
#define CUT_ITEM "/sys/kernel/config/rnwblk/wtcut"
#define CUT_MNT "/tmp/rnwfs-wtcut"
static void cut_device_remove(void);

static int cut_device_make(void)
{
	cut_device_remove(); /* what a test stopped by an assertion left */
	mkdir(CUT_MNT, 0755);
	if (mkdir(CUT_ITEM, 0755))
		return -1;
	return rnw_write_file(CUT_ITEM "/size", "64") ||
	       rnw_write_file(CUT_ITEM "/volatile_cache", "1");
}

static int cut_device_up(char *dev, size_t size)
{
	char index[16];

	if (rnw_write_file(CUT_ITEM "/power", "1") ||
	    rnw_read_file(CUT_ITEM "/index", index, sizeof(index)) < 0)
		return -1;
	index[strcspn(index, "\n")] = 0;
	snprintf(dev, size, "/dev/rnwblk%s", index);
	return 0;
}

static void cut_device_remove(void)
{
	system("umount " CUT_MNT " 2>/dev/null");
	rnw_write_file(CUT_ITEM "/power", "0");
	rmdir(CUT_ITEM);
}

/* Runs the rnwfs tool `tool` (mkfs.rnwfs, fsck.rnwfs) on `dev`; its exit status. */
static int cut_tool(const char *tool, const char *dev)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "%s/target/bin/%s -q %s", rnw_root(), tool, dev);
	return system(cmd);
}

static int cut_mount(const char *dev)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "mount -t rnwfs %s " CUT_MNT, dev);
	return system(cmd);
}

TEST_F(fs, o_dsync_writes_survive_a_power_cut)
{
	char dev[32];
	struct iovec iov = { self->buf, BLK };
	struct stat st;
	int fd;

	ASSERT_EQ(0, cut_device_make());
	ASSERT_EQ(0, cut_device_up(dev, sizeof(dev)));
	ASSERT_EQ(0, cut_tool("mkfs.rnwfs", dev));
	ASSERT_EQ(0, cut_mount(dev));
	fd = make_file(CUT_MNT "/f", self->buf, 4, 1); /* fsynced: survives */
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, set_flags(fd, RNWFS_FL_WRITETHROUGH));
	ASSERT_EQ(0, fsync(fd));
	/* O_DSYNC overwrite (FUA alone) and O_DSYNC extension (new blocks: the inode too). */
	rnw_fill(self->buf, BLK, 0, 20);
	EXPECT_EQ(BLK, pwritev2(fd, &iov, 1, 0, RWF_DSYNC)) TH_LOG("%s", strerror(errno));
	rnw_fill(self->buf, BLK, 4 * BLK, 21);
	EXPECT_EQ(BLK, pwritev2(fd, &iov, 1, 4 * BLK, RWF_DSYNC)) TH_LOG("%s", strerror(errno));
	/* The other side: without O_DSYNC a writethrough write is in the device's cache only. */
	rnw_fill(self->buf, BLK, 2 * BLK, 22);
	EXPECT_EQ(BLK, pwrite(fd, self->buf, BLK, 2 * BLK));
	close(fd);
	/* The cut, then the unmount (its writes fail) and power back on. */
	ASSERT_EQ(0, rnw_write_file(CUT_ITEM "/power", "0"));
	system("umount " CUT_MNT " 2>/dev/null");
	ASSERT_EQ(0, cut_device_up(dev, sizeof(dev)));
	ASSERT_EQ(0, cut_mount(dev));
	fd = open(CUT_MNT "/f", O_RDONLY);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, fstat(fd, &st));
	EXPECT_EQ(5 * BLK, st.st_size);
	ASSERT_EQ(5 * BLK, pread(fd, self->buf, 5 * BLK, 0));
	EXPECT_EQ(-1, rnw_check(self->buf, BLK, 0, 20));
	EXPECT_EQ(-1, rnw_check((char *)self->buf + BLK, BLK, BLK, 1));
	EXPECT_EQ(-1, rnw_check((char *)self->buf + 2 * BLK, BLK, 2 * BLK, 1));
	EXPECT_EQ(-1, rnw_check((char *)self->buf + 4 * BLK, BLK, 4 * BLK, 21));
	close(fd);
	cut_device_remove();
}

/*
 * A write that extends a file inside its last block allocates nothing and converts nothing:
 * only i_size changes, and iomap moves it in memory only. fdatasync must still write the
 * inode (the size is needed to read the data back), so the write marks the inode dirty for
 * datasync; before that fix this test lost both extensions at the cut. A plain file and a
 * writethrough file, each fdatasynced; a third extended file, not synced, loses its
 * extension (the other side: the cut is real).
 */
TEST_F(fs, fdatasync_keeps_a_size_extended_within_the_last_block)
{
	static const char *const names[] = { CUT_MNT "/plain", CUT_MNT "/wt", CUT_MNT "/nosync" };
	char dev[32];
	struct stat st;
	int fd, i;

	ASSERT_EQ(0, cut_device_make());
	ASSERT_EQ(0, cut_device_up(dev, sizeof(dev)));
	ASSERT_EQ(0, cut_tool("mkfs.rnwfs", dev));
	ASSERT_EQ(0, cut_mount(dev));
	for (i = 0; i < 3; i++) {
		fd = open(names[i], O_RDWR | O_CREAT, 0644);
		ASSERT_GE(fd, 0);
		if (i == 1)
			ASSERT_EQ(0, set_flags(fd, RNWFS_FL_WRITETHROUGH));
		rnw_fill(self->buf, 1000, 0, 30 + i);
		ASSERT_EQ(1000, pwrite(fd, self->buf, 1000, 0));
		ASSERT_EQ(0, fsync(fd));
		rnw_fill(self->buf, 1000, 1000, 30 + i);
		ASSERT_EQ(1000, pwrite(fd, self->buf, 1000, 1000));
		if (i < 2)
			ASSERT_EQ(0, fdatasync(fd));
		close(fd);
	}
	ASSERT_EQ(0, rnw_write_file(CUT_ITEM "/power", "0"));
	system("umount " CUT_MNT " 2>/dev/null");
	ASSERT_EQ(0, cut_device_up(dev, sizeof(dev)));
	ASSERT_EQ(0, cut_mount(dev));
	for (i = 0; i < 3; i++) {
		fd = open(names[i], O_RDONLY);
		ASSERT_GE(fd, 0);
		ASSERT_EQ(0, fstat(fd, &st));
		EXPECT_EQ(i < 2 ? 2000 : 1000, st.st_size) TH_LOG("%s", names[i]);
		EXPECT_EQ(st.st_size, pread(fd, self->buf, BLK, 0));
		EXPECT_EQ(-1, rnw_check(self->buf, st.st_size, 0, 30 + i)) TH_LOG("%s", names[i]);
		close(fd);
	}
	cut_device_remove();
}

/* Each writer: 8 rounds of NR async writes into its own region of `fd` (seed 100 + round). */
static int run_aio_writers(int fd, int writers)
{
	struct writer *w = calloc(writers, sizeof(*w));
	pthread_t *t = calloc(writers, sizeof(*t));
	int i, bad = 0;
	off_t region = (off_t)writers * NR * BLK;

	if (!w || !t)
		return -1;
	for (i = 0; i < writers; i++) {
		w[i] = (struct writer){ .fd = fd, .id = i, .ok = 0 };
		if (posix_memalign(&w[i].buf, BLK, NR * BLK) ||
		    pthread_create(&t[i], NULL, aio_writer, &w[i]))
			return -1;
	}
	/* Truncates beyond the writers' region, up and down, while they run: each waits for
	 * the writethrough writes in flight (inode_dio_wait) and must not hang. */
	for (i = 0; i < 64; i++)
		bad += ftruncate(fd, region + (i % 2 ? 1 << 20 : 0)) != 0;
	for (i = 0; i < writers; i++) {
		pthread_join(t[i], NULL);
		bad += w[i].ok != 8 * NR;
		free(w[i].buf);
	}
	free(w);
	free(t);
	return bad;
}

TEST_F(fs, concurrent_aio_writers_and_truncates)
{
	enum { WRITERS = 4 };
	int fd = open(MNT "/f", O_RDWR | O_CREAT, 0644), i;
	off_t region = (off_t)WRITERS * NR * BLK;

	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, set_flags(fd, RNWFS_FL_WRITETHROUGH));
	ASSERT_EQ(0, ftruncate(fd, region));
	EXPECT_EQ(0, run_aio_writers(fd, WRITERS));
	EXPECT_EQ(0, wt_stat("aio_pending"));
	ASSERT_EQ(0, ftruncate(fd, region));
	ASSERT_EQ(region, pread(fd, self->buf, region, 0));
	EXPECT_EQ(-1, rnw_check(self->buf, region, 0, 107));
	for (i = 0; i < WRITERS * NR; i += 7)
		EXPECT_EQ(1, on_device(fd, i, 107)) TH_LOG("block %d", i);
	close(fd);
}

/* 64 writers on a volatile-cache device: every write on the device (its cache) when it
 * completes, all of it after an fsync (the flush), and fsck clean. */
TEST_F_TIMEOUT(fs, sixty_four_aio_writers_and_truncates_on_a_volatile_cache, 600)
{
	enum { WRITERS = 64 };
	off_t region = (off_t)WRITERS * NR * BLK;
	char dev[32];
	char *buf = NULL;
	int fd;

	ASSERT_EQ(0, cut_device_make());
	ASSERT_EQ(0, cut_device_up(dev, sizeof(dev)));
	ASSERT_EQ(0, cut_tool("mkfs.rnwfs", dev));
	ASSERT_EQ(0, cut_mount(dev));
	fd = open(CUT_MNT "/f", O_RDWR | O_CREAT, 0644);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, set_flags(fd, RNWFS_FL_WRITETHROUGH));
	ASSERT_EQ(0, ftruncate(fd, region));
	EXPECT_EQ(0, run_aio_writers(fd, WRITERS));
	ASSERT_EQ(0, ftruncate(fd, region));
	ASSERT_EQ(0, fsync(fd));
	ASSERT_EQ(0, posix_memalign((void **)&buf, BLK, region));
	ASSERT_EQ(region, pread(fd, buf, region, 0));
	EXPECT_EQ(-1, rnw_check(buf, region, 0, 107));
	free(buf);
	close(fd);
	EXPECT_EQ(0, system("umount " CUT_MNT));
	EXPECT_EQ(0, cut_tool("fsck.rnwfs", dev));
	cut_device_remove();
}

struct racer {
	int fd;
	volatile int stop;
	int torn; /* blocks that were neither all old nor all new data */
	int reads;
};

/* O_DIRECT reads of the first 2*NR blocks until told to stop: each block must hold the old
 * pattern (seed 1) or a writer's new one (seed 8), never zeros or a mix. */
static void *direct_reader(void *arg)
{
	struct racer *r = arg;
	char *buf;
	int fd = -1, i;

	if (posix_memalign((void **)&buf, BLK, 2 * NR * BLK))
		return NULL;
	fd = open(MNT "/f", O_RDONLY | O_DIRECT);
	while (fd >= 0 && !r->stop) {
		if (pread(fd, buf, 2 * NR * BLK, 0) != 2 * NR * BLK) {
			r->torn++;
			break;
		}
		for (i = 0; i < 2 * NR; i++) {
			char *b = buf + i * BLK;
			unsigned long long pos = (unsigned long long)i * BLK;

			if (rnw_check(b, BLK, pos, 1) != -1 && rnw_check(b, BLK, pos, 8) != -1)
				r->torn++;
		}
		r->reads++;
	}
	if (fd >= 0)
		close(fd);
	free(buf);
	return NULL;
}

TEST_F(fs, direct_reads_racing_aio_writes_see_old_or_new)
{
	int fd = make_file(MNT "/f", self->buf, 2 * NR, 1), round;
	struct racer r = { .fd = fd };
	pthread_t t;

	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, set_flags(fd, RNWFS_FL_WRITETHROUGH));
	ASSERT_EQ(0, pthread_create(&t, NULL, direct_reader, &r));
	for (round = 0; round < 4; round++)
		EXPECT_EQ(NR, libaio_writes(fd, self->buf, 8));
	r.stop = 1;
	ASSERT_EQ(0, pthread_join(t, NULL));
	EXPECT_EQ(0, r.torn);
	EXPECT_GT(r.reads, 0);
	close(fd);
}

TEST_F(fs, device_error_reaches_the_writer)
{
	int fd = make_file(MNT "/f", self->buf, 2 * NR, 1);
	long long errors = wt_stat("errors");

	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, set_flags(fd, RNWFS_FL_WRITETHROUGH));
	ASSERT_EQ(0, rnwblk_knob_set("rnwblk0", "fail_every", 1));
	rnw_fill(self->buf, BLK, 0, 11);
	EXPECT_EQ(-1, pwrite(fd, self->buf, BLK, 0));
	EXPECT_EQ(EIO, errno);
	EXPECT_EQ(0, libaio_writes(fd, self->buf, 12));
	ASSERT_EQ(0, rnwblk_knob_set("rnwblk0", "fail_every", 0));
	EXPECT_EQ(errors + 1 + NR, wt_stat("errors"));
	EXPECT_EQ(0, wt_stat("aio_pending"));
	/* The device is fine again: the same writes go through. */
	rnw_fill(self->buf, BLK, 0, 13);
	ASSERT_EQ(BLK, pwrite(fd, self->buf, BLK, 0)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(1, on_device(fd, 0, 13));
	EXPECT_EQ(NR, libaio_writes(fd, self->buf, 14));
	EXPECT_EQ(1, on_device(fd, 2, 14));
	close(fd);
}

TEST_F(fs, nowait_refuses_only_what_would_block)
{
	int fd = make_file(MNT "/f", self->buf, 2, 1);
	struct iovec iov = { self->buf, BLK };
	struct stat st;

	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, set_flags(fd, RNWFS_FL_WRITETHROUGH));
	ASSERT_EQ(2 * BLK, pread(fd, self->buf, 2 * BLK, 0)); /* cached */
	/* Allocated and cached: done, and on the device. */
	rnw_fill(self->buf, BLK, 0, 15);
	EXPECT_EQ(BLK, pwritev2(fd, &iov, 1, 0, RWF_NOWAIT)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(1, on_device(fd, 0, 15));
	/* Past EOF: blocks to allocate. Refused, nothing changed. */
	EXPECT_EQ(-1, pwritev2(fd, &iov, 1, 4 * BLK, RWF_NOWAIT));
	EXPECT_EQ(EAGAIN, errno);
	ASSERT_EQ(0, fstat(fd, &st));
	EXPECT_EQ(2 * BLK, st.st_size);
	close(fd);
}

TEST_F_TIMEOUT(fs, fio_verify_on_writethrough_mount, 600)
{
	ASSERT_EQ(0, system("umount " MNT));
	ASSERT_EQ(0, mount_fs("writethrough"));
	/* libaio and io_uring, random 4-64 KiB writes, each verified (crc32c). */
	EXPECT_EQ(0, system("cd " MNT " && fio --output=/dev/null --name=wt-libaio "
			    "--filename=a --size=4M --ioengine=libaio --iodepth=16 --rw=randwrite "
			    "--bsrange=4k-64k --verify=crc32c --verify_fatal=1 "
			    "--name=wt-uring --filename=b --size=4M --ioengine=io_uring "
			    "--iodepth=16 --rw=randwrite --bsrange=4k-64k --verify=crc32c "
			    "--verify_fatal=1"));
	EXPECT_GT(wt_stat("aio_completed_on_dio_done_wq"), 0);
	EXPECT_EQ(0, wt_stat("aio_pending"));
}

TEST_HARNESS_MAIN
