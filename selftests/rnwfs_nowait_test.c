// SPDX-License-Identifier: GPL-2.0
/*
 * rnwfs honours IOCB_NOWAIT, each case from both sides: EAGAIN where the read or write
 * would block (page-cache miss, block allocation, dirty cache under a direct write), success
 * where it would not (cached data, allocated or preallocated blocks, timestamp updates).
 * Each test gets a fresh filesystem on /dev/rnwblk0. Runs as root in the guest with rnwblk
 * and rnwfs loaded; $RNW_ROOT has the tools. The nowait statistics (per file and per
 * filesystem, include/uapi/linux/rnwfs.h) must count what userspace saw.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>
#include <linux/rnwfs.h>
#include <liburing.h>

#include "kselftest_harness.h"
#include "rnw_test.h"

#define MNT "/tmp/rnwfs-nowait"
#define SZ (1024 * 1024)

static int sh(const char *fmt, const char *arg)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), fmt, arg, arg, arg);
	return system(cmd);
}

static ssize_t pwrite_nowait(int fd, const void *buf, size_t len, off_t off)
{
	struct iovec iov = { (void *)buf, len };

	return pwritev2(fd, &iov, 1, off, RWF_NOWAIT);
}

static ssize_t pread_nowait(int fd, void *buf, size_t len, off_t off)
{
	struct iovec iov = { buf, len };

	return preadv2(fd, &iov, 1, off, RWF_NOWAIT);
}

/* Counters of `fd` (or of its filesystem) since `base`, checked against the expected ones. */
static int stats_since(int fd, unsigned long cmd, const struct rnwfs_nowait_stats *base,
		       struct rnwfs_nowait_stats *delta)
{
	struct rnwfs_nowait_stats now;
	int i;

	if (ioctl(fd, cmd, &now) || now.version != RNWFS_NOWAIT_STATS_VERSION ||
	    now.size != sizeof(now))
		return -1;
	delta->read_ok = now.read_ok - base->read_ok;
	delta->write_ok = now.write_ok - base->write_ok;
	for (i = 0; i < RNWFS_NOWAIT_NR_CAUSES; i++) {
		delta->read_eagain[i] = now.read_eagain[i] - base->read_eagain[i];
		delta->write_eagain[i] = now.write_eagain[i] - base->write_eagain[i];
	}
	return 0;
}

/* Asserts that file `fd` and its filesystem counted exactly: reads done, reads refused for
 * `rcause` (rn of them), writes done, writes refused for `wcause` (wn). */
#define EXPECT_STATS(fd, base, sbbase, rok, rcause, rn, wok, wcause, wn)			\
	do {										\
		const struct rnwfs_nowait_stats *b_[2] = { &(base), &(sbbase) };	\
		unsigned long c_[2] = { RNWFS_IOC_NOWAIT_STATS, RNWFS_IOC_SB_NOWAIT_STATS };\
		for (int k_ = 0; k_ < 2; k_++) {					\
			struct rnwfs_nowait_stats d_;					\
			__u64 rsum_ = 0, wsum_ = 0;					\
			ASSERT_EQ(0, stats_since(fd, c_[k_], b_[k_], &d_));		\
			for (int i_ = 0; i_ < RNWFS_NOWAIT_NR_CAUSES; i_++) {		\
				rsum_ += d_.read_eagain[i_];				\
				wsum_ += d_.write_eagain[i_];				\
			}								\
			EXPECT_EQ((__u64)(rok), d_.read_ok);					\
			EXPECT_EQ((__u64)(rn), d_.read_eagain[rcause]);				\
			EXPECT_EQ((__u64)(rn), rsum_);						\
			EXPECT_EQ((__u64)(wok), d_.write_ok);					\
			EXPECT_EQ((__u64)(wn), d_.write_eagain[wcause]);				\
			EXPECT_EQ((__u64)(wn), wsum_);						\
		}									\
	} while (0)

/* Both baselines of `fd`. */
#define STATS_BASE(fd, base, sbbase)							\
	do {										\
		ASSERT_EQ(0, ioctl(fd, RNWFS_IOC_NOWAIT_STATS, &(base))) TH_LOG("%s", strerror(errno)); \
		ASSERT_EQ(0, ioctl(fd, RNWFS_IOC_SB_NOWAIT_STATS, &(sbbase)));	\
	} while (0)

FIXTURE(fs)
{
	void *buf;
};

FIXTURE_SETUP(fs)
{
	mkdir(MNT, 0755);
	/* A test killed by its timeout leaves its mount behind: not a reason to fail the next. */
	ASSERT_EQ(0, sh("umount -q " MNT " 2>/dev/null; blkdiscard -f /dev/rnwblk0 2>/dev/null && "
			"%s/target/bin/mkfs.rnwfs -q /dev/rnwblk0 && mount -t rnwfs /dev/rnwblk0 " MNT,
			rnw_root()));
	ASSERT_EQ(0, posix_memalign(&self->buf, 4096, SZ));
	/* Clean cache under a nowait direct write must be droppable (rnw_test.h). */
	ASSERT_EQ(0, rnw_pin_cpu());
}

FIXTURE_TEARDOWN(fs)
{
	free(self->buf);
	EXPECT_EQ(0, system("umount " MNT));
	EXPECT_EQ(0, sh("%s/target/bin/fsck.rnwfs -q /dev/rnwblk0", rnw_root()));
}

/* A file with SZ bytes of pattern `seed`, written back to its (allocated) blocks. */
static int make_file(const char *name, void *buf, unsigned int seed)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), MNT "/%s", name);
	fd = open(path, O_RDWR | O_CREAT, 0644);
	if (fd < 0)
		return -1;
	rnw_fill(buf, SZ, 0, seed);
	if (pwrite(fd, buf, SZ, 0) != SZ || fsync(fd)) {
		close(fd);
		return -1;
	}
	return fd;
}

TEST_F(fs, nowait_overwrite_accepted_and_updates_mtime)
{
	struct stat before, after;
	int fd = make_file("f", self->buf, 1);

	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, fstat(fd, &before));
	/* Not EOPNOTSUPP: the file advertises FMODE_NOWAIT. The timestamps must change, which
	 * xfs refuses under nowait (ext4 has no nowait buffered writes at all); rnwfs updates
	 * them in memory. */
	ASSERT_EQ(4096, pwrite_nowait(fd, self->buf, 4096, 8192)) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(0, fstat(fd, &after));
	EXPECT_TRUE(after.st_mtim.tv_sec > before.st_mtim.tv_sec ||
		    after.st_mtim.tv_nsec != before.st_mtim.tv_nsec);
	close(fd);
}

TEST_F(fs, buffered_read_cached_served_uncached_eagain)
{
	struct rnwfs_nowait_stats base, sbbase;
	int fd = make_file("f", self->buf, 2);

	ASSERT_GE(fd, 0);
	STATS_BASE(fd, base, sbbase);
	ASSERT_EQ(SZ, pread(fd, self->buf, SZ, 0));
	EXPECT_EQ(SZ, pread_nowait(fd, self->buf, SZ, 0));
	EXPECT_EQ(-1, rnw_check(self->buf, SZ, 0, 2));
	ASSERT_EQ(0, posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED));
	EXPECT_EQ(-1, pread_nowait(fd, self->buf, 4096, 0));
	EXPECT_EQ(EAGAIN, errno);
	/* The blocking retry reads it in; now it is served without waiting. */
	ASSERT_EQ(4096, pread(fd, self->buf, 4096, 0));
	EXPECT_EQ(4096, pread_nowait(fd, self->buf, 4096, 0));
	EXPECT_EQ(-1, rnw_check(self->buf, 4096, 0, 2));
	/* Two nowait reads served, one refused on a cache miss; blocking ones not counted. */
	EXPECT_STATS(fd, base, sbbase, 2, RNWFS_NOWAIT_CACHE, 1, 0, RNWFS_NOWAIT_ALLOC, 0);
	close(fd);
}

TEST_F(fs, buffered_write_needing_allocation_eagain)
{
	struct rnwfs_nowait_stats base, sbbase;
	int fd = open(MNT "/f", O_RDWR | O_CREAT, 0644);

	ASSERT_GE(fd, 0);
	STATS_BASE(fd, base, sbbase);
	rnw_fill(self->buf, 8192, 0, 3);
	EXPECT_EQ(-1, pwrite_nowait(fd, self->buf, 8192, 0));
	EXPECT_EQ(EAGAIN, errno);
	/* Blocking: allocates. Then the same range takes a nowait overwrite. */
	ASSERT_EQ(8192, pwrite(fd, self->buf, 8192, 0));
	EXPECT_EQ(8192, pwrite_nowait(fd, self->buf, 8192, 0));
	/* Preallocated space needs no allocation either, even past EOF. */
	ASSERT_EQ(0, fallocate(fd, FALLOC_FL_KEEP_SIZE, 8192, 65536));
	EXPECT_EQ(8192, pwrite_nowait(fd, self->buf, 8192, 8192)) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(16384, pread(fd, self->buf, 16384, 0));
	EXPECT_EQ(-1, rnw_check(self->buf, 8192, 0, 3));
	EXPECT_STATS(fd, base, sbbase, 0, RNWFS_NOWAIT_CACHE, 0, 2, RNWFS_NOWAIT_ALLOC, 1);
	close(fd);
}

TEST_F(fs, direct_write_overwrite_ok_hole_eagain)
{
	/* Its clean page cache stays: rnwfs drops it without waiting (xfs/ext4 refuse). */
	struct rnwfs_nowait_stats base, sbbase;
	int fd = make_file("f", self->buf, 4);

	ASSERT_GE(fd, 0);
	close(fd);
	fd = open(MNT "/f", O_RDWR | O_DIRECT);
	ASSERT_GE(fd, 0);
	STATS_BASE(fd, base, sbbase);
	rnw_fill(self->buf, 65536, 0, 5);
	EXPECT_EQ(65536, pwrite_nowait(fd, self->buf, 65536, 0)) TH_LOG("%s", strerror(errno));
	/* Past EOF: blocks to allocate. */
	EXPECT_EQ(-1, pwrite_nowait(fd, self->buf, 65536, SZ));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(65536, pwrite(fd, self->buf, 65536, SZ));
	ASSERT_EQ(65536, pread(fd, self->buf, 65536, SZ));
	EXPECT_EQ(-1, rnw_check(self->buf, 65536, 0, 5));
	EXPECT_STATS(fd, base, sbbase, 0, RNWFS_NOWAIT_CACHE, 0, 1, RNWFS_NOWAIT_ALLOC, 1);
	close(fd);
}

/*
 * A nowait direct I/O must be one extent (as on xfs): iomap submits an extent's bios before
 * it maps the next, so a refusal at the second (its lock busy) would end an I/O half
 * submitted with EAGAIN. Two extents of one file, made apart by a second file's blocks in
 * between: each alone goes nowait, both at once are refused (cause "other"), and go
 * without nowait.
 */
TEST_F(fs, direct_io_over_two_extents_eagain_over_one_ok)
{
	struct rnwfs_nowait_stats base, sbbase;
	int fd, other;

	fd = open(MNT "/f", O_RDWR | O_CREAT | O_DIRECT, 0644);
	other = open(MNT "/g", O_RDWR | O_CREAT | O_DIRECT, 0644);
	ASSERT_GE(fd, 0);
	ASSERT_GE(other, 0);
	rnw_fill(self->buf, 8192, 0, 9);
	ASSERT_EQ(4096, pwrite(fd, self->buf, 4096, 0));
	ASSERT_EQ(4096, pwrite(other, self->buf, 4096, 0));
	ASSERT_EQ(4096, pwrite(fd, (char *)self->buf + 4096, 4096, 4096));
	close(other);
	STATS_BASE(fd, base, sbbase);
	EXPECT_EQ(4096, pwrite_nowait(fd, self->buf, 4096, 0)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(4096, pwrite_nowait(fd, (char *)self->buf + 4096, 4096, 4096)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(-1, pwrite_nowait(fd, self->buf, 8192, 0));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(4096, pread_nowait(fd, self->buf, 4096, 4096)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(-1, pread_nowait(fd, self->buf, 8192, 0));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_STATS(fd, base, sbbase, 1, RNWFS_NOWAIT_OTHER, 1, 2, RNWFS_NOWAIT_OTHER, 1);
	memset(self->buf, 0, 8192);
	EXPECT_EQ(8192, pread(fd, self->buf, 8192, 0));
	EXPECT_EQ(-1, rnw_check(self->buf, 8192, 0, 9));
	close(fd);
}

TEST_F(fs, direct_write_over_dirty_cache_eagain)
{
	struct rnwfs_nowait_stats base, sbbase;
	int fd = make_file("f", self->buf, 6), dfd;

	ASSERT_GE(fd, 0);
	dfd = open(MNT "/f", O_RDWR | O_DIRECT);
	ASSERT_GE(dfd, 0);
	STATS_BASE(dfd, base, sbbase);
	ASSERT_EQ(4096, pwrite(fd, self->buf, 4096, 0)); /* dirty, not written back */
	EXPECT_EQ(-1, pwrite_nowait(dfd, self->buf, 4096, 0));
	EXPECT_EQ(EAGAIN, errno);
	ASSERT_EQ(0, fsync(fd)); /* clean now */
	EXPECT_EQ(4096, pwrite_nowait(dfd, self->buf, 4096, 0)) TH_LOG("%s", strerror(errno));
	EXPECT_STATS(dfd, base, sbbase, 0, RNWFS_NOWAIT_CACHE, 0, 1, RNWFS_NOWAIT_WRITEBACK, 1);
	close(dfd);
	close(fd);
}

/*
 * A clean folio made on this CPU and written back from another (whose fsync drained only
 * its own LRU-add batch) still has this CPU's batch's reference: rnwfs drains the batch,
 * then drops the folio, and the nowait direct write proceeds.
 */
TEST_F(fs, direct_write_drains_this_cpus_lru_batch)
{
	struct rnwfs_nowait_stats base, sbbase;
	int here = sched_getcpu(), there = here ? 0 : 1, fd, dfd;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		SKIP(return, "needs two CPUs");
	fd = make_file("f", self->buf, 8);
	ASSERT_GE(fd, 0);
	dfd = open(MNT "/f", O_RDWR | O_DIRECT);
	ASSERT_GE(dfd, 0);
	ASSERT_EQ(0, posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED));
	STATS_BASE(dfd, base, sbbase);
	rnw_fill(self->buf, 4096, 0, 9);
	ASSERT_EQ(4096, pwrite(fd, self->buf, 4096, 0)); /* a new folio, in this CPU's batch */
	ASSERT_EQ(0, rnw_run_on(there));
	ASSERT_EQ(0, fsync(fd));
	ASSERT_EQ(0, rnw_run_on(here));
	rnw_fill(self->buf, 4096, 0, 10);
	EXPECT_EQ(4096, pwrite_nowait(dfd, self->buf, 4096, 0)) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(4096, pread(fd, self->buf, 4096, 0));
	EXPECT_EQ(-1, rnw_check(self->buf, 4096, 0, 10));
	EXPECT_STATS(dfd, base, sbbase, 0, RNWFS_NOWAIT_CACHE, 0, 1, RNWFS_NOWAIT_WRITEBACK, 0);
	close(dfd);
	close(fd);
}

/* The device refuses (rnwblk again_every=1): the block layer's EAGAIN, counted as such. */
TEST_F(fs, direct_write_device_again_counted)
{
	struct rnwfs_nowait_stats base, sbbase;
	int fd = make_file("f", self->buf, 7);

	ASSERT_GE(fd, 0);
	close(fd);
	fd = open(MNT "/f", O_RDWR | O_DIRECT);
	ASSERT_GE(fd, 0);
	STATS_BASE(fd, base, sbbase);
	ASSERT_EQ(0, rnwblk_knob_set("rnwblk0", "again_every", 1));
	EXPECT_EQ(-1, pwrite_nowait(fd, self->buf, 4096, 0));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(-1, pread_nowait(fd, self->buf, 4096, 0));
	EXPECT_EQ(EAGAIN, errno);
	ASSERT_EQ(0, rnwblk_knob_set("rnwblk0", "again_every", 0));
	EXPECT_EQ(4096, pwrite_nowait(fd, self->buf, 4096, 0)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(4096, pread_nowait(fd, self->buf, 4096, 0)) TH_LOG("%s", strerror(errno));
	EXPECT_STATS(fd, base, sbbase, 1, RNWFS_NOWAIT_DEVICE, 1, 1, RNWFS_NOWAIT_DEVICE, 1);
	close(fd);
}

/*
 * io_uring's first attempt at a read or write is nowait (IOCB_NOWAIT) even when the user
 * did not ask for RWF_NOWAIT, and io_uring retries it from a worker on EAGAIN: so the
 * EAGAIN must reach it while it submits. Several writes submitted at once are plugged,
 * reach the device after write_iter has returned, and (async direct writes) complete on the
 * dio workqueue, where io_uring cannot retry (io_rw_should_reissue): a device refusal there
 * would reach the application as EAGAIN for a write it never asked to be nowait. rnwfs puts
 * REQ_NOWAIT only on synchronous nowait direct I/O; here the device refuses every nowait
 * request, and all writes must succeed with the right data.
 */
TEST_F(fs, uring_queued_direct_writes_on_refusing_device_succeed)
{
	const unsigned int n = 4, len = 8192;
	struct io_uring ring;
	struct io_uring_cqe *cqe;
	int fd = make_file("f", self->buf, 7);

	ASSERT_GE(fd, 0);
	close(fd);
	fd = open(MNT "/f", O_RDWR | O_DIRECT);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, io_uring_queue_init(8, &ring, 0));
	rnw_fill(self->buf, n * len, 0, 8);
	ASSERT_EQ(0, rnwblk_knob_set("rnwblk0", "again_every", 1));
	for (unsigned int i = 0; i < n; i++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);

		ASSERT_NE(NULL, sqe);
		io_uring_prep_write(sqe, fd, (char *)self->buf + i * len, len, i * len);
		sqe->user_data = i;
	}
	/* One io_uring_enter for all: io_uring plugs a batch of more than two. */
	EXPECT_EQ((int)n, io_uring_submit(&ring));
	for (unsigned int i = 0; i < n; i++) {
		ASSERT_EQ(0, io_uring_wait_cqe(&ring, &cqe));
		EXPECT_EQ((int)len, cqe->res) TH_LOG("write %llu: %s", (unsigned long long)cqe->user_data,
						     cqe->res < 0 ? strerror(-cqe->res) : "short");
		io_uring_cqe_seen(&ring, cqe);
	}
	ASSERT_EQ(0, rnwblk_knob_set("rnwblk0", "again_every", 0));
	io_uring_queue_exit(&ring);
	memset(self->buf, 0, n * len);
	ASSERT_EQ((ssize_t)(n * len), pread(fd, self->buf, n * len, 0));
	EXPECT_EQ(-1, rnw_check(self->buf, n * len, 0, 8));
	/* The other side: a synchronous nowait direct write is still refused by the device. */
	ASSERT_EQ(0, rnwblk_knob_set("rnwblk0", "again_every", 1));
	EXPECT_EQ(-1, pwrite_nowait(fd, self->buf, 4096, 0));
	EXPECT_EQ(EAGAIN, errno);
	ASSERT_EQ(0, rnwblk_knob_set("rnwblk0", "again_every", 0));
	close(fd);
}

/*
 * An async nowait direct read is counted once, when it completes: iomap ends reads where
 * their last bio ended (interrupt context for an async one), and rnwfs counts it there,
 * through the layer's DioReadEnd; read_iter, which saw the read queued, does not.
 */
TEST_F(fs, async_nowait_direct_reads_counted_at_completion)
{
	const unsigned int n = 4, len = 8192;
	struct rnwfs_nowait_stats base, sbbase;
	struct io_uring ring;
	struct io_uring_cqe *cqe;
	int fd = make_file("f", self->buf, 9);

	ASSERT_GE(fd, 0);
	close(fd);
	fd = open(MNT "/f", O_RDONLY | O_DIRECT);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, io_uring_queue_init(8, &ring, 0));
	STATS_BASE(fd, base, sbbase);
	memset(self->buf, 0, n * len);
	for (unsigned int i = 0; i < n; i++) {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);

		ASSERT_NE(NULL, sqe);
		io_uring_prep_read(sqe, fd, (char *)self->buf + i * len, len, i * len);
		sqe->rw_flags = RWF_NOWAIT;
		sqe->user_data = i;
	}
	EXPECT_EQ((int)n, io_uring_submit(&ring));
	for (unsigned int i = 0; i < n; i++) {
		ASSERT_EQ(0, io_uring_wait_cqe(&ring, &cqe));
		EXPECT_EQ((int)len, cqe->res) TH_LOG("read %llu: %s", (unsigned long long)cqe->user_data,
						     cqe->res < 0 ? strerror(-cqe->res) : "short");
		io_uring_cqe_seen(&ring, cqe);
	}
	io_uring_queue_exit(&ring);
	EXPECT_EQ(-1, rnw_check(self->buf, n * len, 0, 9));
	EXPECT_STATS(fd, base, sbbase, n, RNWFS_NOWAIT_DEVICE, 0, 0, RNWFS_NOWAIT_DEVICE, 0);
	close(fd);
}

/*
 * The statistics answer only to rnwfs' own ioctl numbers (uapi version 2): the version-1
 * numbers, 'r' 0x10-0x13, sit in FAT's registered range and get ENOTTY like any unknown one.
 */
TEST_F(fs, stats_ioctl_numbers_outside_fats_range)
{
	struct rnwfs_nowait_stats st;
	__u32 flags;
	int fd = make_file("f", self->buf, 1);

	ASSERT_GE(fd, 0);
	EXPECT_EQ((unsigned long)RNWFS_IOC_MAGIC, (unsigned long)_IOC_TYPE(RNWFS_IOC_NOWAIT_STATS));
	EXPECT_NE((unsigned long)'r', (unsigned long)_IOC_TYPE(RNWFS_IOC_GETFLAGS));
	ASSERT_EQ(0, ioctl(fd, RNWFS_IOC_NOWAIT_STATS, &st)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ((__u32)RNWFS_NOWAIT_STATS_VERSION, st.version);
	ASSERT_EQ(0, ioctl(fd, RNWFS_IOC_GETFLAGS, &flags));
	EXPECT_EQ(-1, ioctl(fd, _IOR('r', 0x10, struct rnwfs_nowait_stats), &st));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, ioctl(fd, _IOR('r', 0x12, __u32), &flags));
	EXPECT_EQ(ENOTTY, errno);
	close(fd);
}

TEST_HARNESS_MAIN
