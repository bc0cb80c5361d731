// SPDX-License-Identifier: GPL-2.0
/*
 * rnwblk on its raw device node: data integrity, discard and write-zeroes, every source of
 * BLK_STS_AGAIN checked from both sides (EAGAIN when the request would block, success when
 * it would not), fault injection, io_uring, libaio and IOPOLL. Each test starts from an
 * empty device with default knobs. Runs as root in the guest with rnwblk loaded
 * (poll_queues >= 1).
 */
#include <errno.h>
#include <fcntl.h>
#include <libaio.h>
#include <liburing.h>
#include <linux/fs.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "rnw_test.h"

#define DEV "rnwblk0"
#define DEV_PATH "/dev/" DEV
#define MiB (1024 * 1024)

static const char *const knob_defaults[][2] = {
	{ "irqmode", "1" },	{ "completion_nsec", "10000" }, { "max_inflight", "0" },
	{ "fail_every", "0" },	{ "again_every", "0" },	 { "congested", "0" },
	{ "nowait_alloc", "0" },
};

static void reset_knobs(void)
{
	for (size_t i = 0; i < sizeof(knob_defaults) / sizeof(knob_defaults[0]); i++)
		rnwblk_knob_set(DEV, knob_defaults[i][0], strtoull(knob_defaults[i][1], NULL, 0));
}

FIXTURE(dev)
{
	int fd;		/* O_DIRECT */
	void *buf;	/* 1 MiB, page aligned */
	void *buf2;
};

FIXTURE_SETUP(dev)
{
	uint64_t range[2] = { 0, 0 };

	reset_knobs();
	self->fd = open(DEV_PATH, O_RDWR | O_DIRECT | O_CLOEXEC);
	ASSERT_GE(self->fd, 0) TH_LOG("open %s: %s", DEV_PATH, strerror(errno));
	ASSERT_EQ(0, ioctl(self->fd, BLKGETSIZE64, &range[1]));
	/* Start empty: discard frees every backing page. */
	ASSERT_EQ(0, ioctl(self->fd, BLKDISCARD, range));
	ASSERT_EQ(0, posix_memalign(&self->buf, 4096, MiB));
	ASSERT_EQ(0, posix_memalign(&self->buf2, 4096, MiB));
}

FIXTURE_TEARDOWN(dev)
{
	reset_knobs();
	close(self->fd);
	free(self->buf);
	free(self->buf2);
}

static ssize_t rw_nowait(int fd, int write, void *buf, size_t len, off_t pos)
{
	struct iovec iov = { .iov_base = buf, .iov_len = len };

	return write ? pwritev2(fd, &iov, 1, pos, RWF_NOWAIT) : preadv2(fd, &iov, 1, pos, RWF_NOWAIT);
}

/* Patterns of several sizes at several alignments survive a write and a read back. */
TEST_F(dev, direct_io_integrity_across_sizes)
{
	static const size_t sizes[] = { 512, 4096, 8192, 65536, MiB };
	static const off_t offsets[] = { 0, 512 * 3, 4096 * 7, 2 * MiB + 1536 };

	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		for (size_t o = 0; o < sizeof(offsets) / sizeof(offsets[0]); o++) {
			size_t len = sizes[s];
			off_t pos = offsets[o] + s * 4 * MiB;

			rnw_fill(self->buf, len, pos, 0xA5);
			ASSERT_EQ((ssize_t)len, pwrite(self->fd, self->buf, len, pos));
			memset(self->buf2, 0xEE, len);
			ASSERT_EQ((ssize_t)len, pread(self->fd, self->buf2, len, pos));
			ASSERT_EQ(-1, rnw_check(self->buf2, len, pos, 0xA5))
				TH_LOG("size %zu at %lld", len, (long long)pos);
		}
	}
}

/* Buffered writes reach the device (seen through O_DIRECT) after fsync; data survives close. */
TEST_F(dev, buffered_writes_reach_device_and_survive_reopen)
{
	int bfd = open(DEV_PATH, O_RDWR | O_CLOEXEC);
	off_t pos = 8 * MiB + 4096;

	ASSERT_GE(bfd, 0);
	rnw_fill(self->buf, 3 * 4096, pos, 0x11);
	ASSERT_EQ(3 * 4096, pwrite(bfd, self->buf, 3 * 4096, pos));
	ASSERT_EQ(0, fsync(bfd));
	close(bfd);
	close(self->fd);
	self->fd = open(DEV_PATH, O_RDWR | O_DIRECT | O_CLOEXEC);
	ASSERT_GE(self->fd, 0);
	ASSERT_EQ(3 * 4096, pread(self->fd, self->buf2, 3 * 4096, pos));
	ASSERT_EQ(-1, rnw_check(self->buf2, 3 * 4096, pos, 0x11));
}

/* Unwritten sectors read as zeros and reading allocates nothing. */
TEST_F(dev, unwritten_reads_zero_without_allocating)
{
	long long pages = rnwblk_counter(DEV, "pages");

	memset(self->buf, 0xFF, MiB);
	ASSERT_EQ(MiB, pread(self->fd, self->buf, MiB, 16 * MiB));
	ASSERT_TRUE(rnw_all_zero(self->buf, MiB));
	ASSERT_EQ(pages, rnwblk_counter(DEV, "pages"));
}

/* Discard zeroes the range and frees its backing pages; a partial page is zeroed in place. */
TEST_F(dev, discard_zeroes_and_frees_pages)
{
	uint64_t range[2] = { 20 * MiB, MiB };
	uint64_t partial[2] = { 22 * MiB + 512, 1024 };
	long long before = rnwblk_counter(DEV, "pages");

	rnw_fill(self->buf, MiB, 20 * MiB, 0x22);
	ASSERT_EQ(MiB, pwrite(self->fd, self->buf, MiB, 20 * MiB));
	ASSERT_EQ(before + 256, rnwblk_counter(DEV, "pages"));
	ASSERT_EQ(0, ioctl(self->fd, BLKDISCARD, range));
	ASSERT_EQ(before, rnwblk_counter(DEV, "pages"));
	ASSERT_EQ(MiB, pread(self->fd, self->buf2, MiB, 20 * MiB));
	ASSERT_TRUE(rnw_all_zero(self->buf2, MiB));

	rnw_fill(self->buf, 4096, 22 * MiB, 0x23);
	ASSERT_EQ(4096, pwrite(self->fd, self->buf, 4096, 22 * MiB));
	ASSERT_EQ(0, ioctl(self->fd, BLKDISCARD, partial));
	ASSERT_EQ(4096, pread(self->fd, self->buf2, 4096, 22 * MiB));
	ASSERT_EQ(-1, rnw_check(self->buf2, 512, 22 * MiB, 0x23));
	ASSERT_TRUE(rnw_all_zero((char *)self->buf2 + 512, 1024));
	ASSERT_EQ(-1, rnw_check((char *)self->buf2 + 1536, 4096 - 1536, 22 * MiB + 1536, 0x23));
}

TEST_F(dev, write_zeroes_zeroes_range)
{
	uint64_t range[2] = { 24 * MiB + 4096, 8192 };

	rnw_fill(self->buf, 4 * 4096, 24 * MiB, 0x33);
	ASSERT_EQ(4 * 4096, pwrite(self->fd, self->buf, 4 * 4096, 24 * MiB));
	ASSERT_EQ(0, ioctl(self->fd, BLKZEROOUT, range));
	ASSERT_EQ(4 * 4096, pread(self->fd, self->buf2, 4 * 4096, 24 * MiB));
	ASSERT_EQ(-1, rnw_check(self->buf2, 4096, 24 * MiB, 0x33));
	ASSERT_TRUE(rnw_all_zero((char *)self->buf2 + 4096, 8192));
	ASSERT_EQ(-1, rnw_check((char *)self->buf2 + 3 * 4096, 4096, 24 * MiB + 3 * 4096, 0x33));
}

/* The driver says it supports nowait and polling; the queue agrees about polling. */
TEST(config_advertises_nowait_and_poll)
{
	char path[] = RNWBLK_DEBUGFS "/" DEV "/config";

	ASSERT_EQ(1, rnw_named_value(path, "nowait"));
	ASSERT_EQ(1, rnw_named_value(path, "poll"));
	ASSERT_TRUE(rnw_file_contains("/sys/block/" DEV "/queue/io_poll", "1"));
}

/* Idle device, written range: nowait read and write both succeed without any AGAIN. */
TEST_F(dev, nowait_succeeds_when_nothing_would_block)
{
	long long again = rnwblk_counter(DEV, "again_alloc") + rnwblk_counter(DEV, "again_budget");
	long long nowait = rnwblk_counter(DEV, "nowait_requests");

	rnw_fill(self->buf, 65536, 0, 0x44);
	ASSERT_EQ(65536, pwrite(self->fd, self->buf, 65536, 0));
	ASSERT_EQ(65536, rw_nowait(self->fd, 1, self->buf, 65536, 0));
	ASSERT_EQ(65536, rw_nowait(self->fd, 0, self->buf2, 65536, 0));
	ASSERT_EQ(-1, rnw_check(self->buf2, 65536, 0, 0x44));
	ASSERT_GE(rnwblk_counter(DEV, "nowait_requests"), nowait + 2);
	ASSERT_EQ(again, rnwblk_counter(DEV, "again_alloc") + rnwblk_counter(DEV, "again_budget"));
}

/* A nowait write that needs a backing page fails fast; a blocking one allocates and then
 * the same nowait write succeeds. */
TEST_F(dev, nowait_write_needing_allocation_gets_eagain)
{
	long long again = rnwblk_counter(DEV, "again_alloc");
	off_t pos = 40 * MiB;

	rnw_fill(self->buf, 8192, pos, 0x55);
	errno = 0;
	ASSERT_EQ(-1, rw_nowait(self->fd, 1, self->buf, 8192, pos));
	ASSERT_EQ(EAGAIN, errno);
	ASSERT_EQ(again + 1, rnwblk_counter(DEV, "again_alloc"));
	/* Nothing was written. */
	ASSERT_EQ(8192, pread(self->fd, self->buf2, 8192, pos));
	ASSERT_TRUE(rnw_all_zero(self->buf2, 8192));

	ASSERT_EQ(8192, pwrite(self->fd, self->buf, 8192, pos));
	ASSERT_EQ(8192, rw_nowait(self->fd, 1, self->buf, 8192, pos));
	ASSERT_EQ(again + 1, rnwblk_counter(DEV, "again_alloc"));
}

/* A nowait write over a written page and a missing one is refused whole: the written page
 * keeps its data, the missing one stays unwritten. */
TEST_F(dev, nowait_write_refused_writes_nothing)
{
	long long again = rnwblk_counter(DEV, "again_alloc");
	off_t pos = 48 * MiB;

	rnw_fill(self->buf, 4096, pos, 0x57);
	ASSERT_EQ(4096, pwrite(self->fd, self->buf, 4096, pos));
	rnw_fill(self->buf, 8192, pos, 0x58);
	errno = 0;
	ASSERT_EQ(-1, rw_nowait(self->fd, 1, self->buf, 8192, pos));
	ASSERT_EQ(EAGAIN, errno);
	ASSERT_EQ(again + 1, rnwblk_counter(DEV, "again_alloc"));
	ASSERT_EQ(8192, pread(self->fd, self->buf2, 8192, pos));
	ASSERT_EQ(-1, rnw_check(self->buf2, 4096, pos, 0x57));
	ASSERT_TRUE(rnw_all_zero((char *)self->buf2 + 4096, 4096));
}

/* nowait_alloc=1 lets nowait writes allocate with a non-sleeping allocator. */
TEST_F(dev, nowait_alloc_knob_allows_atomic_allocation)
{
	ASSERT_EQ(0, rnwblk_knob_set(DEV, "nowait_alloc", 1));
	rnw_fill(self->buf, 4096, 44 * MiB, 0x56);
	ASSERT_EQ(4096, rw_nowait(self->fd, 1, self->buf, 4096, 44 * MiB));
	ASSERT_EQ(4096, pread(self->fd, self->buf2, 4096, 44 * MiB));
	ASSERT_EQ(-1, rnw_check(self->buf2, 4096, 44 * MiB, 0x56));
}

/* Injected congestion: nowait gets EAGAIN, a blocking request is served (by the worker). */
TEST_F(dev, congestion_fails_nowait_and_serves_blocking)
{
	long long again = rnwblk_counter(DEV, "again_congested");
	long long punted = rnwblk_counter(DEV, "punted");

	rnw_fill(self->buf, 4096, 0, 0x66);
	ASSERT_EQ(4096, pwrite(self->fd, self->buf, 4096, 0));
	ASSERT_EQ(0, rnwblk_knob_set(DEV, "congested", 1));
	errno = 0;
	ASSERT_EQ(-1, rw_nowait(self->fd, 0, self->buf2, 4096, 0));
	ASSERT_EQ(EAGAIN, errno);
	ASSERT_EQ(again + 1, rnwblk_counter(DEV, "again_congested"));
	ASSERT_EQ(4096, pread(self->fd, self->buf2, 4096, 0));
	ASSERT_EQ(-1, rnw_check(self->buf2, 4096, 0, 0x66));
	ASSERT_GE(rnwblk_counter(DEV, "punted"), punted + 1);

	ASSERT_EQ(0, rnwblk_knob_set(DEV, "congested", 0));
	ASSERT_EQ(4096, rw_nowait(self->fd, 0, self->buf2, 4096, 0));
}

struct blocking_read {
	int fd;
	void *buf;
	off_t pos;
	ssize_t ret;
};

static void *do_blocking_read(void *arg)
{
	struct blocking_read *r = arg;

	r->ret = pread(r->fd, r->buf, 4096, r->pos);
	return NULL;
}

/* With the in-flight budget held by a slow blocking read: a nowait read fails with EAGAIN,
 * a second blocking read waits for room and then succeeds. */
TEST_F(dev, exhausted_budget_fails_nowait_and_delays_blocking)
{
	struct blocking_read holder = { .fd = self->fd, .buf = self->buf, .pos = 0 };
	struct blocking_read waiter = { .fd = self->fd, .buf = self->buf2, .pos = 4096 };
	long long again = rnwblk_counter(DEV, "again_budget");
	long long waits = rnwblk_counter(DEV, "budget_waits");
	pthread_t t1, t2;
	void *nb;
	int i;

	ASSERT_EQ(0, posix_memalign(&nb, 4096, 4096));
	ASSERT_EQ(0, rnwblk_knob_set(DEV, "irqmode", 2));
	ASSERT_EQ(0, rnwblk_knob_set(DEV, "completion_nsec", 400000000)); /* 400 ms */
	ASSERT_EQ(0, rnwblk_knob_set(DEV, "max_inflight", 1));

	ASSERT_EQ(0, pthread_create(&t1, NULL, do_blocking_read, &holder));
	for (i = 0; i < 2000 && rnwblk_counter(DEV, "inflight") < 1; i++)
		usleep(1000);
	ASSERT_EQ(1, rnwblk_counter(DEV, "inflight")) TH_LOG("the holder never got in flight");

	errno = 0;
	EXPECT_EQ(-1, rw_nowait(self->fd, 0, nb, 4096, 8192));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(again + 1, rnwblk_counter(DEV, "again_budget"));

	ASSERT_EQ(0, pthread_create(&t2, NULL, do_blocking_read, &waiter));
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	EXPECT_EQ(4096, holder.ret);
	EXPECT_EQ(4096, waiter.ret);
	EXPECT_GE(rnwblk_counter(DEV, "budget_waits"), waits + 1);
	EXPECT_EQ(0, rnwblk_counter(DEV, "inflight"));
	free(nb);
}

/* again_every=2: exactly every second nowait request fails, blocking ones never do. */
TEST_F(dev, again_every_injects_on_nowait_only)
{
	long long again = rnwblk_counter(DEV, "again_injected");
	int fails = 0;

	ASSERT_EQ(0, rnwblk_knob_set(DEV, "again_every", 2));
	for (int i = 0; i < 10; i++) {
		ssize_t r = rw_nowait(self->fd, 0, self->buf, 4096, 0);

		if (r < 0) {
			ASSERT_EQ(EAGAIN, errno);
			fails++;
		} else {
			ASSERT_EQ(4096, r);
		}
	}
	ASSERT_EQ(5, fails);
	ASSERT_EQ(again + 5, rnwblk_counter(DEV, "again_injected"));
	for (int i = 0; i < 4; i++)
		ASSERT_EQ(4096, pread(self->fd, self->buf, 4096, 0));
}

/* fail_every=3: every third request fails with EIO, which reaches userspace; nothing hangs. */
TEST_F(dev, fail_every_injects_eio)
{
	long long eio = rnwblk_counter(DEV, "eio_injected");
	int fails = 0;

	ASSERT_EQ(0, rnwblk_knob_set(DEV, "fail_every", 3));
	for (int i = 0; i < 9; i++) {
		ssize_t r = pread(self->fd, self->buf, 4096, 0);

		if (r < 0) {
			ASSERT_EQ(EIO, errno);
			fails++;
		}
	}
	ASSERT_EQ(3, fails);
	ASSERT_EQ(eio + 3, rnwblk_counter(DEV, "eio_injected"));
}

TEST_F(dev, knob_rejects_out_of_range_values)
{
	ASSERT_EQ(-EINVAL, rnwblk_knob_set(DEV, "irqmode", 3));
	ASSERT_EQ(1, rnwblk_knob_get(DEV, "irqmode"));
	ASSERT_EQ(-EINVAL, rnwblk_knob_set(DEV, "completion_nsec", 2000000000ULL));
	ASSERT_EQ(10000, rnwblk_knob_get(DEV, "completion_nsec"));
}

/* Every completion mode delivers the right data. */
TEST_F(dev, all_completion_modes_deliver)
{
	for (int mode = 0; mode <= 2; mode++) {
		off_t pos = (48 + mode) * MiB;

		ASSERT_EQ(0, rnwblk_knob_set(DEV, "irqmode", mode));
		rnw_fill(self->buf, 65536, pos, mode);
		ASSERT_EQ(65536, pwrite(self->fd, self->buf, 65536, pos));
		ASSERT_EQ(65536, pread(self->fd, self->buf2, 65536, pos));
		ASSERT_EQ(-1, rnw_check(self->buf2, 65536, pos, mode)) TH_LOG("irqmode %d", mode);
	}
}

static int uring_rw(struct io_uring *ring, int fd, int write, void *buf, unsigned int len,
		    off_t pos, int rw_flags)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
	struct io_uring_cqe *cqe;
	int res;

	if (write)
		io_uring_prep_write(sqe, fd, buf, len, pos);
	else
		io_uring_prep_read(sqe, fd, buf, len, pos);
	sqe->rw_flags = rw_flags;
	if (io_uring_submit(ring) != 1 || io_uring_wait_cqe(ring, &cqe))
		return -EIO;
	res = cqe->res;
	io_uring_cqe_seen(ring, cqe);
	return res;
}

/* io_uring: with RWF_NOWAIT the user sees -EAGAIN; without it io_uring tries nowait first
 * (the device counts the AGAIN), then retries blocking and succeeds. */
TEST_F(dev, io_uring_nowait_and_retry)
{
	struct io_uring ring;
	long long again;

	ASSERT_EQ(0, io_uring_queue_init(4, &ring, 0));
	rnw_fill(self->buf, 4096, 0, 0x77);
	ASSERT_EQ(4096, uring_rw(&ring, self->fd, 1, self->buf, 4096, 0, 0));
	ASSERT_EQ(4096, uring_rw(&ring, self->fd, 0, self->buf2, 4096, 0, RWF_NOWAIT));
	ASSERT_EQ(-1, rnw_check(self->buf2, 4096, 0, 0x77));

	ASSERT_EQ(0, rnwblk_knob_set(DEV, "congested", 1));
	again = rnwblk_counter(DEV, "again_congested");
	ASSERT_EQ(-EAGAIN, uring_rw(&ring, self->fd, 0, self->buf2, 4096, 0, RWF_NOWAIT));
	ASSERT_EQ(again + 1, rnwblk_counter(DEV, "again_congested"));
	memset(self->buf2, 0, 4096);
	ASSERT_EQ(4096, uring_rw(&ring, self->fd, 0, self->buf2, 4096, 0, 0));
	ASSERT_EQ(-1, rnw_check(self->buf2, 4096, 0, 0x77));
	ASSERT_GE(rnwblk_counter(DEV, "again_congested"), again + 2);
	io_uring_queue_exit(&ring);
}

/* libaio with aio_rw_flags = RWF_NOWAIT: -EAGAIN in the event when congested, data when not. */
TEST_F(dev, libaio_nowait)
{
	struct iocb cb, *cbs[1] = { &cb };
	struct io_event ev;
	io_context_t ctx = 0;

	ASSERT_EQ(0, io_setup(4, &ctx));
	rnw_fill(self->buf, 4096, 0, 0x78);
	ASSERT_EQ(4096, pwrite(self->fd, self->buf, 4096, 0));

	io_prep_pread(&cb, self->fd, self->buf2, 4096, 0);
	cb.aio_rw_flags = RWF_NOWAIT;
	ASSERT_EQ(1, io_submit(ctx, 1, cbs));
	ASSERT_EQ(1, io_getevents(ctx, 1, 1, &ev, NULL));
	ASSERT_EQ(4096, (long)ev.res);
	ASSERT_EQ(-1, rnw_check(self->buf2, 4096, 0, 0x78));

	ASSERT_EQ(0, rnwblk_knob_set(DEV, "congested", 1));
	io_prep_pread(&cb, self->fd, self->buf2, 4096, 0);
	cb.aio_rw_flags = RWF_NOWAIT;
	/* The block layer may refuse at submission or in the completion event. */
	int ret = io_submit(ctx, 1, cbs);

	if (ret == 1) {
		ASSERT_EQ(1, io_getevents(ctx, 1, 1, &ev, NULL));
		ASSERT_EQ(-EAGAIN, (long)ev.res);
	} else {
		ASSERT_EQ(-EAGAIN, ret);
	}
	io_destroy(ctx);
}

/* IORING_SETUP_IOPOLL on the poll queue: reads and writes complete by polling. */
TEST_F(dev, io_uring_iopoll)
{
	long long polled = rnwblk_counter(DEV, "polled");
	struct io_uring ring;

	ASSERT_EQ(0, io_uring_queue_init(4, &ring, IORING_SETUP_IOPOLL));
	for (int i = 0; i < 8; i++) {
		off_t pos = 56 * MiB + i * 65536;

		rnw_fill(self->buf, 65536, pos, i);
		ASSERT_EQ(65536, uring_rw(&ring, self->fd, 1, self->buf, 65536, pos, 0));
		ASSERT_EQ(65536, uring_rw(&ring, self->fd, 0, self->buf2, 65536, pos, 0));
		ASSERT_EQ(-1, rnw_check(self->buf2, 65536, pos, i));
	}
	ASSERT_GE(rnwblk_counter(DEV, "polled"), polled + 16);
	io_uring_queue_exit(&ring);
}

TEST_HARNESS_MAIN
