// SPDX-License-Identifier: GPL-2.0
/*
 * rnwblk runtime devices through configfs (/sys/kernel/config/rnwblk/<name>/): create,
 * configure, power on and off, delete; geometry is fixed while powered; bad values are
 * refused; knobs act on the live device; data survives power cycles (a volatile cache's
 * only once flushed); deleting a device with I/O in flight drains it. Runs as root in the
 * guest with rnwblk loaded.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <linux/fs.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "rnw_test.h"

#define CFS "/sys/kernel/config/rnwblk"
#define MiB (1024 * 1024)

static int attr_write(const char *item, const char *attr, const char *val)
{
	char path[256];
	int fd, ret = 0;
	ssize_t n = strlen(val);

	snprintf(path, sizeof(path), CFS "/%s/%s", item, attr);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, val, n) != n)
		ret = -errno;
	close(fd);
	return ret;
}

static long long attr_read(const char *item, const char *attr)
{
	char path[256], buf[64];

	snprintf(path, sizeof(path), CFS "/%s/%s", item, attr);
	if (rnw_read_file(path, buf, sizeof(buf)))
		return -1;
	if (!strncmp(buf, "none", 4))
		return -2;
	return strtoll(buf, NULL, 0);
}

/* The /dev node of a powered item ("" if none). */
static void dev_path(const char *item, char *out, size_t size)
{
	long long index = attr_read(item, "index");

	if (index < 0)
		snprintf(out, size, "%s", "");
	else
		snprintf(out, size, "/dev/rnwblk%lld", index);
}

FIXTURE(item)
{
	char name[32];
	char dev[64];
	void *buf;
};

FIXTURE_SETUP(item)
{
	char path[128];

	snprintf(self->name, sizeof(self->name), "t%d", getpid());
	snprintf(path, sizeof(path), CFS "/%s", self->name);
	ASSERT_EQ(0, mkdir(path, 0755)) TH_LOG("mkdir %s: %s", path, strerror(errno));
	ASSERT_EQ(0, posix_memalign(&self->buf, 4096, MiB));
}

FIXTURE_TEARDOWN(item)
{
	char path[128];

	snprintf(path, sizeof(path), CFS "/%s", self->name);
	rmdir(path); /* powers off if needed */
	free(self->buf);
}

/* A new item starts powered off, from the module's defaults; power creates the disk with
 * the configured geometry and removes it again. */
TEST_F(item, create_configure_power_cycle)
{
	uint64_t bytes = 0;
	int bs = 0, fd;
	struct stat st;

	EXPECT_EQ(0, attr_read(self->name, "power"));
	EXPECT_EQ(-2, attr_read(self->name, "index"));
	ASSERT_EQ(0, attr_write(self->name, "size", "64"));
	ASSERT_EQ(0, attr_write(self->name, "blocksize", "4096"));
	ASSERT_EQ(0, attr_write(self->name, "power", "1"));
	ASSERT_EQ(1, attr_read(self->name, "power"));
	dev_path(self->name, self->dev, sizeof(self->dev));
	ASSERT_NE(0, self->dev[0]);

	fd = open(self->dev, O_RDWR | O_DIRECT);
	ASSERT_GE(fd, 0) TH_LOG("open %s: %s", self->dev, strerror(errno));
	ASSERT_EQ(0, ioctl(fd, BLKGETSIZE64, &bytes));
	ASSERT_EQ(0, ioctl(fd, BLKSSZGET, &bs));
	EXPECT_EQ(64ULL * MiB, bytes);
	EXPECT_EQ(4096, bs);
	/* 4096-byte blocks: a 512-byte direct write is refused. */
	EXPECT_EQ(-1, pwrite(fd, self->buf, 512, 0));
	EXPECT_EQ(EINVAL, errno);
	close(fd);

	ASSERT_EQ(0, attr_write(self->name, "power", "0"));
	EXPECT_EQ(-1, stat(self->dev, &st));
	EXPECT_EQ(-2, attr_read(self->name, "index"));
}

/*
 * The item's directory holds exactly its attribute files: read-write ones 0644, `index`
 * 0444 and not writable (configfs refuses to open it for writing, even for root).
 */
TEST_F(item, attribute_files_and_modes)
{
	static const char *const read_write[] = {
		"size", "blocksize", "submit_queues", "poll_queues", "hw_queue_depth",
		"discard", "volatile_cache", "irqmode", "completion_nsec", "max_inflight",
		"fail_every", "again_every", "congested", "nowait_alloc", "power",
	};
	const size_t count = sizeof(read_write) / sizeof(read_write[0]);
	char path[256];
	struct dirent *entry;
	struct stat st;
	size_t files = 0;
	DIR *dir;

	for (size_t i = 0; i < count; i++) {
		snprintf(path, sizeof(path), CFS "/%s/%s", self->name, read_write[i]);
		ASSERT_EQ(0, stat(path, &st)) TH_LOG("%s: %s", path, strerror(errno));
		EXPECT_EQ(0100644u, st.st_mode) TH_LOG("%s: mode %o", read_write[i], st.st_mode);
		EXPECT_GE(attr_read(self->name, read_write[i]), 0) TH_LOG("%s", read_write[i]);
	}
	snprintf(path, sizeof(path), CFS "/%s/index", self->name);
	ASSERT_EQ(0, stat(path, &st));
	EXPECT_EQ(0100444u, st.st_mode);
	EXPECT_EQ(-EACCES, attr_write(self->name, "index", "3"));

	snprintf(path, sizeof(path), CFS "/%s", self->name);
	dir = opendir(path);
	ASSERT_NE(NULL, dir);
	while ((entry = readdir(dir)))
		files += entry->d_name[0] != '.';
	closedir(dir);
	EXPECT_EQ(count + 1, files);
}

/* Written data is still there after power off and on (the item keeps the store). */
TEST_F(item, data_survives_power_cycle)
{
	int fd;

	ASSERT_EQ(0, attr_write(self->name, "size", "32"));
	ASSERT_EQ(0, attr_write(self->name, "power", "1"));
	dev_path(self->name, self->dev, sizeof(self->dev));
	fd = open(self->dev, O_RDWR | O_DIRECT);
	ASSERT_GE(fd, 0);
	rnw_fill(self->buf, MiB, 5 * MiB, 0xC0);
	ASSERT_EQ(MiB, pwrite(fd, self->buf, MiB, 5 * MiB));
	close(fd);

	ASSERT_EQ(0, attr_write(self->name, "power", "0"));
	ASSERT_EQ(0, attr_write(self->name, "power", "1"));
	dev_path(self->name, self->dev, sizeof(self->dev));
	fd = open(self->dev, O_RDWR | O_DIRECT);
	ASSERT_GE(fd, 0);
	memset(self->buf, 0, MiB);
	ASSERT_EQ(MiB, pread(fd, self->buf, MiB, 5 * MiB));
	ASSERT_EQ(-1, rnw_check(self->buf, MiB, 5 * MiB, 0xC0));
	close(fd);
}

/* Geometry is refused while powered (EBUSY); bad values are refused (EINVAL) and change
 * nothing; knobs apply to the live device at once. */
TEST_F(item, geometry_busy_bad_values_refused_knobs_live)
{
	char name[32];

	ASSERT_EQ(-EINVAL, attr_write(self->name, "blocksize", "1000"));
	ASSERT_EQ(-EINVAL, attr_write(self->name, "size", "0"));
	ASSERT_EQ(-EINVAL, attr_write(self->name, "irqmode", "7"));
	ASSERT_EQ(-EINVAL, attr_write(self->name, "hw_queue_depth", "banana"));
	EXPECT_EQ(512, attr_read(self->name, "blocksize"));
	EXPECT_EQ(1, attr_read(self->name, "irqmode"));

	ASSERT_EQ(0, attr_write(self->name, "power", "1"));
	EXPECT_EQ(-EBUSY, attr_write(self->name, "size", "128"));
	EXPECT_EQ(-EBUSY, attr_write(self->name, "submit_queues", "2"));

	snprintf(name, sizeof(name), "rnwblk%lld", attr_read(self->name, "index"));
	ASSERT_EQ(0, attr_write(self->name, "again_every", "3"));
	EXPECT_EQ(3, rnwblk_knob_get(name, "again_every"));
	ASSERT_EQ(0, attr_write(self->name, "congested", "1"));
	EXPECT_EQ(1, rnwblk_knob_get(name, "congested"));
}

/*
 * A knob has one value: set through debugfs while powered, configfs shows it, and it stays
 * across a power cycle (it used to change only the live device and revert at power on).
 */
TEST_F(item, debugfs_knob_kept_across_power_cycle)
{
	char name[32];

	ASSERT_EQ(0, attr_write(self->name, "power", "1"));
	snprintf(name, sizeof(name), "rnwblk%lld", attr_read(self->name, "index"));
	ASSERT_EQ(0, rnwblk_knob_set(name, "max_inflight", 5));
	EXPECT_EQ(5, attr_read(self->name, "max_inflight"));
	ASSERT_EQ(0, attr_write(self->name, "power", "0"));
	EXPECT_EQ(5, attr_read(self->name, "max_inflight"));
	ASSERT_EQ(0, attr_write(self->name, "power", "1"));
	snprintf(name, sizeof(name), "rnwblk%lld", attr_read(self->name, "index"));
	EXPECT_EQ(5, rnwblk_knob_get(name, "max_inflight"));
	EXPECT_EQ(5, attr_read(self->name, "max_inflight"));
}

/* A blocking read of 4096 bytes at `pos`, on its own descriptor. */
struct slow_read {
	const char *dev;
	off_t pos;
	ssize_t ret;
	int err;
};

static void *do_slow_read(void *arg)
{
	struct slow_read *r = arg;
	void *buf;
	int fd = open(r->dev, O_RDONLY | O_DIRECT);

	if (fd < 0 || posix_memalign(&buf, 4096, 4096)) {
		r->err = errno;
		return NULL;
	}
	r->ret = pread(fd, buf, 4096, r->pos);
	r->err = errno;
	close(fd);
	free(buf);
	return NULL;
}

/* Powering off with a request in flight (timer mode, 500 ms) waits for it: the read
 * completes successfully and the device is gone afterwards. */
TEST_F(item, power_off_drains_inflight_io)
{
	struct slow_read r = { .ret = -1 };
	pthread_t t;
	char name[32];
	struct stat st;
	int i;

	ASSERT_EQ(0, attr_write(self->name, "irqmode", "2"));
	ASSERT_EQ(0, attr_write(self->name, "completion_nsec", "500000000"));
	ASSERT_EQ(0, attr_write(self->name, "power", "1"));
	dev_path(self->name, self->dev, sizeof(self->dev));
	snprintf(name, sizeof(name), "%s", self->dev + 5);
	r.dev = self->dev;

	ASSERT_EQ(0, pthread_create(&t, NULL, do_slow_read, &r));
	for (i = 0; i < 3000 && rnwblk_counter(name, "inflight") < 1; i++)
		usleep(1000);
	ASSERT_EQ(1, rnwblk_counter(name, "inflight"));
	ASSERT_EQ(0, attr_write(self->name, "power", "0"));
	pthread_join(t, NULL);
	EXPECT_EQ(4096, r.ret) TH_LOG("read: %s", strerror(r.err));
	EXPECT_EQ(-1, stat(self->dev, &st));
}

/* Powers a volatile-cache item on; its disk name (rnwblkN) in `name`. */
static int power_volatile(const char *item, char *dev, size_t dsize, char *name, size_t nsize)
{
	if (attr_write(item, "size", "32") || attr_write(item, "volatile_cache", "1") ||
	    attr_write(item, "power", "1"))
		return -1;
	dev_path(item, dev, dsize);
	snprintf(name, nsize, "%s", dev + 5);
	return 0;
}

/* Powers the item off and on; the new disk opened for O_DIRECT I/O, or -1. */
static int power_cycle_open(const char *item, char *dev, size_t dsize)
{
	if (attr_write(item, "power", "0") || attr_write(item, "power", "1"))
		return -1;
	dev_path(item, dev, dsize);
	return open(dev, O_RDWR | O_DIRECT);
}

/*
 * A volatile cache advertises a write-back cache without FUA. A power cut (power 0) loses
 * what was written since the last flush, overwrites, new pages and discards alike; flushed
 * data stays, and data written before a flush is stable after it.
 */
TEST_F(item, volatile_cache_power_cut_loses_only_unflushed_writes)
{
	char name[32], path[128], text[32];
	uint64_t range[2];
	int fd;

	ASSERT_EQ(-EINVAL, attr_write(self->name, "volatile_cache", "2"));
	ASSERT_EQ(0, power_volatile(self->name, self->dev, sizeof(self->dev), name, sizeof(name)));
	EXPECT_EQ(-EBUSY, attr_write(self->name, "volatile_cache", "0"));
	snprintf(path, sizeof(path), "/sys/block/%s/queue/write_cache", name);
	ASSERT_EQ(0, rnw_read_file(path, text, sizeof(text)));
	EXPECT_EQ(0, strncmp(text, "write back", 10)) TH_LOG("write_cache: %s", text);
	snprintf(path, sizeof(path), "/sys/block/%s/queue/fua", name);
	ASSERT_EQ(0, rnw_read_file(path, text, sizeof(text)));
	EXPECT_EQ('0', text[0]);

	fd = open(self->dev, O_RDWR | O_DIRECT);
	ASSERT_GE(fd, 0);
	rnw_fill(self->buf, 65536, 0, 0xA1);
	ASSERT_EQ(65536, pwrite(fd, self->buf, 65536, 0));
	ASSERT_EQ(0, fsync(fd)); /* a flush: stable */
	EXPECT_EQ(0, rnwblk_counter(name, "saved_pages"));
	rnw_fill(self->buf, 8192, 0, 0xB2);
	ASSERT_EQ(8192, pwrite(fd, self->buf, 8192, 0)); /* overwrites two flushed pages */
	rnw_fill(self->buf, 65536, 2 * MiB, 0xC3);
	ASSERT_EQ(65536, pwrite(fd, self->buf, 65536, 2 * MiB)); /* new pages */
	EXPECT_EQ(2, rnwblk_counter(name, "saved_pages"));
	close(fd);

	fd = power_cycle_open(self->name, self->dev, sizeof(self->dev));
	ASSERT_GE(fd, 0);
	ASSERT_EQ(65536, pread(fd, self->buf, 65536, 0));
	EXPECT_EQ(-1, rnw_check(self->buf, 65536, 0, 0xA1));
	ASSERT_EQ(65536, pread(fd, self->buf, 65536, 2 * MiB));
	EXPECT_TRUE(rnw_all_zero(self->buf, 65536));

	rnw_fill(self->buf, 8192, 0, 0xB2);
	ASSERT_EQ(8192, pwrite(fd, self->buf, 8192, 0));
	ASSERT_EQ(0, fsync(fd));
	close(fd);
	fd = power_cycle_open(self->name, self->dev, sizeof(self->dev));
	ASSERT_GE(fd, 0);
	ASSERT_EQ(8192, pread(fd, self->buf, 8192, 0));
	EXPECT_EQ(-1, rnw_check(self->buf, 8192, 0, 0xB2));

	/* An unflushed discard is undone too. */
	range[0] = 0, range[1] = 8192;
	ASSERT_EQ(0, ioctl(fd, BLKDISCARD, range)) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(8192, pread(fd, self->buf, 8192, 0));
	EXPECT_TRUE(rnw_all_zero(self->buf, 8192));
	close(fd);
	fd = power_cycle_open(self->name, self->dev, sizeof(self->dev));
	ASSERT_GE(fd, 0);
	ASSERT_EQ(8192, pread(fd, self->buf, 8192, 0));
	EXPECT_EQ(-1, rnw_check(self->buf, 8192, 0, 0xB2));
	close(fd);
}

/*
 * The first write to a flushed page must copy it, which a nowait write cannot allocate
 * (nowait_alloc 0): EAGAIN, nothing written, counted as again_alloc. A blocking write saves
 * the page; from then until the next flush, nowait writes to it go through.
 */
TEST_F(item, volatile_cache_nowait_write_needing_a_copy_eagain)
{
	struct iovec iov = { self->buf, 4096 };
	char name[32];
	long long again;
	int fd;

	ASSERT_EQ(0, attr_write(self->name, "nowait_alloc", "0"));
	ASSERT_EQ(0, power_volatile(self->name, self->dev, sizeof(self->dev), name, sizeof(name)));
	fd = open(self->dev, O_RDWR | O_DIRECT);
	ASSERT_GE(fd, 0);
	rnw_fill(self->buf, 4096, 0, 0xD4);
	ASSERT_EQ(4096, pwrite(fd, self->buf, 4096, 0));
	ASSERT_EQ(0, fsync(fd));
	again = rnwblk_counter(name, "again_alloc");

	rnw_fill(self->buf, 4096, 0, 0xE5);
	EXPECT_EQ(-1, pwritev2(fd, &iov, 1, 0, RWF_NOWAIT));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(again + 1, rnwblk_counter(name, "again_alloc"));
	ASSERT_EQ(4096, pread(fd, self->buf, 4096, 0));
	EXPECT_EQ(-1, rnw_check(self->buf, 4096, 0, 0xD4));

	rnw_fill(self->buf, 4096, 0, 0xE5);
	ASSERT_EQ(4096, pwrite(fd, self->buf, 4096, 0));
	EXPECT_EQ(1, rnwblk_counter(name, "saved_pages"));
	rnw_fill(self->buf, 4096, 0, 0xF6);
	EXPECT_EQ(4096, pwritev2(fd, &iov, 1, 0, RWF_NOWAIT)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(again + 1, rnwblk_counter(name, "again_alloc"));
	ASSERT_EQ(4096, pread(fd, self->buf, 4096, 0));
	EXPECT_EQ(-1, rnw_check(self->buf, 4096, 0, 0xF6));
	close(fd);
}

/*
 * A nowait request blk-mq dispatches after its submitter has moved on is served, not
 * refused. io_uring submits a batch under one plug; a plug holding requests for two
 * devices is flushed queue by queue through blk_mq_insert_requests(), which runs a
 * dispatch-busy queue's nowait requests from kblockd. Here the item (one hardware queue,
 * a one-request budget) is made busy by a slow blocking read holding the budget and a
 * second one requeued for room, and one batch reads the item between two reads of
 * rnwblk0. io_uring's first attempt at a read is nowait (REQ_NOWAIT) though its user did
 * not ask, and it retries an EAGAIN only in the submitting task: an AGAIN from kblockd
 * reached the application. The read must succeed, counted as a deferred nowait request.
 */
TEST_F(item, io_uring_read_dispatched_from_kblockd_not_refused)
{
	struct slow_read holder = { .pos = 0 }, waiter = { .pos = 4096 };
	long long waits, deferred;
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	struct io_uring ring;
	int fd, other, i, res = -EIO;
	pthread_t t1, t2;
	char name[32];
	void *obuf;

	ASSERT_EQ(0, attr_write(self->name, "submit_queues", "1"));
	ASSERT_EQ(0, attr_write(self->name, "poll_queues", "0"));
	ASSERT_EQ(0, attr_write(self->name, "power", "1"));
	dev_path(self->name, self->dev, sizeof(self->dev));
	snprintf(name, sizeof(name), "%s", self->dev + 5);
	holder.dev = waiter.dev = self->dev;
	fd = open(self->dev, O_RDWR | O_DIRECT);
	ASSERT_GE(fd, 0);
	other = open("/dev/rnwblk0", O_RDONLY | O_DIRECT);
	ASSERT_GE(other, 0) TH_LOG("/dev/rnwblk0 (the module's first device): %s", strerror(errno));
	ASSERT_EQ(0, posix_memalign(&obuf, 4096, 8192));
	rnw_fill(self->buf, 4096, 8192, 0x78);
	ASSERT_EQ(4096, pwrite(fd, self->buf, 4096, 8192));
	ASSERT_EQ(0, attr_write(self->name, "irqmode", "2"));
	ASSERT_EQ(0, attr_write(self->name, "completion_nsec", "300000000")); /* 300 ms */
	ASSERT_EQ(0, attr_write(self->name, "max_inflight", "1"));
	waits = rnwblk_counter(name, "budget_waits");
	deferred = rnwblk_counter(name, "nowait_deferred");

	ASSERT_EQ(0, pthread_create(&t1, NULL, do_slow_read, &holder));
	for (i = 0; i < 2000 && rnwblk_counter(name, "inflight") < 1; i++)
		usleep(1000);
	ASSERT_EQ(1, rnwblk_counter(name, "inflight")) TH_LOG("the holder never got in flight");
	ASSERT_EQ(0, pthread_create(&t2, NULL, do_slow_read, &waiter));
	for (i = 0; i < 2000 && rnwblk_counter(name, "budget_waits") <= waits; i++)
		usleep(1000);
	ASSERT_GT(rnwblk_counter(name, "budget_waits"), waits) TH_LOG("the waiter never waited");

	/* Three entries: io_uring plugs a batch of more than two. */
	ASSERT_EQ(0, io_uring_queue_init(4, &ring, 0));
	memset(self->buf, 0, 4096);
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_read(sqe, other, obuf, 4096, 0);
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_read(sqe, fd, self->buf, 4096, 8192);
	sqe->user_data = 1;
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_read(sqe, other, (char *)obuf + 4096, 4096, 4096);
	ASSERT_EQ(3, io_uring_submit(&ring));
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, io_uring_wait_cqe(&ring, &cqe));
		if (cqe->user_data == 1)
			res = cqe->res;
		else
			EXPECT_EQ(4096, cqe->res);
		io_uring_cqe_seen(&ring, cqe);
	}
	EXPECT_EQ(4096, res) TH_LOG("read: %s (refused for budget: %lld)", strerror(-res),
				    rnwblk_counter(name, "again_budget"));
	EXPECT_EQ(-1, rnw_check(self->buf, 4096, 8192, 0x78));
	EXPECT_GE(rnwblk_counter(name, "nowait_deferred"), deferred + 1);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	EXPECT_EQ(4096, holder.ret);
	EXPECT_EQ(4096, waiter.ret);
	io_uring_queue_exit(&ring);
	free(obuf);
	close(other);
	close(fd);
}

/* rmdir of a powered item deletes its disk. */
TEST_F(item, rmdir_deletes_powered_device)
{
	char path[128];
	struct stat st;

	ASSERT_EQ(0, attr_write(self->name, "power", "1"));
	dev_path(self->name, self->dev, sizeof(self->dev));
	ASSERT_EQ(0, stat(self->dev, &st));
	snprintf(path, sizeof(path), CFS "/%s", self->name);
	ASSERT_EQ(0, rmdir(path));
	EXPECT_EQ(-1, stat(self->dev, &st));
}

TEST_HARNESS_MAIN
