// SPDX-License-Identifier: GPL-2.0
/*
 * rnwfs direct I/O against the EOF: a write beyond EOF zeroes the tail of the old EOF
 * block through the page cache, and an async direct write that extends the file moves EOF
 * only when it completes. A write beyond EOF issued while such a write is in flight must
 * wait for it (as xfs does: inode_dio_wait before zeroing past EOF), or it reads and zeroes
 * the old EOF block under the in-flight write: the block's dirty folio then holds the old
 * data, the direct write's page-cache invalidation fails ("Page cache invalidation failure
 * on direct I/O", and a later fsync returns EIO), and writeback puts the old bytes back.
 *
 * Each test gets a fresh rnwfs on /dev/rnwblk0, which completes from a timer
 * (irqmode=2) COMPLETION_MS after submission, so the first write is surely in flight when
 * the second one starts. Runs as root in the guest with rnwblk and rnwfs loaded.
 */
#include <errno.h>
#include <fcntl.h>
#include <libaio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "rnw_test.h"

#define MNT "/tmp/rnwfs-dio"
#define OLD_SIZE 1000			/* the old EOF: inside the first block */
#define A_LEN (64 * 1024)		/* the extending write, over the old EOF block */
#define B_POS (128 * 1024)		/* the write beyond EOF */
#define B_LEN 4096
#define COMPLETION_MS 100

static int sh(const char *fmt, const char *arg)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), fmt, arg, arg, arg);
	return system(cmd);
}

FIXTURE(fs)
{
	void *buf;
	io_context_t ctx;
	int fd;
};

FIXTURE_SETUP(fs)
{
	char *p;

	mkdir(MNT, 0755);
	ASSERT_EQ(0, sh("umount -q " MNT " 2>/dev/null; %s/target/bin/mkfs.rnwfs -q /dev/rnwblk0 && "
			"mount -t rnwfs /dev/rnwblk0 " MNT, rnw_root()));
	ASSERT_EQ(0, posix_memalign(&self->buf, 4096, B_POS + B_LEN));
	p = self->buf;
	/* The old file: OLD_SIZE bytes of pattern 1, on the device. */
	self->fd = open(MNT "/f", O_RDWR | O_CREAT, 0644);
	ASSERT_GE(self->fd, 0);
	rnw_fill(p, 1024, 0, 1);
	ASSERT_EQ(OLD_SIZE, pwrite(self->fd, p, OLD_SIZE, 0));
	ASSERT_EQ(0, fsync(self->fd));
	close(self->fd);
	/* Nothing of it cached: the zeroing must read the block. */
	ASSERT_EQ(0, system("umount " MNT " && mount -t rnwfs /dev/rnwblk0 " MNT));
	self->fd = open(MNT "/f", O_RDWR | O_DIRECT);
	ASSERT_GE(self->fd, 0);
	memset(&self->ctx, 0, sizeof(self->ctx));
	ASSERT_EQ(0, io_setup(4, &self->ctx));
	ASSERT_EQ(0, rnwblk_knob_set("rnwblk0", "completion_nsec", COMPLETION_MS * 1000000ULL));
	ASSERT_EQ(0, rnwblk_knob_set("rnwblk0", "irqmode", 2));
}

FIXTURE_TEARDOWN(fs)
{
	EXPECT_EQ(0, rnwblk_knob_set("rnwblk0", "irqmode", 0));
	io_destroy(self->ctx);
	close(self->fd);
	free(self->buf);
	EXPECT_EQ(0, system("umount " MNT));
	EXPECT_EQ(0, sh("%s/target/bin/fsck.rnwfs -q /dev/rnwblk0", rnw_root()));
}

/* Submits the extending direct write [0, A_LEN) of pattern 2; returns io_submit's result. */
static int submit_extending_write(io_context_t ctx, int fd, void *buf, struct iocb *cb)
{
	struct iocb *cbs[1] = { cb };

	rnw_fill(buf, A_LEN, 0, 2);
	io_prep_pwrite(cb, fd, buf, A_LEN, 0);
	return io_submit(ctx, 1, cbs);
}

/* Waits for `n` completions, each of which must have written everything it was given. */
static int reap(io_context_t ctx, int n)
{
	struct io_event ev[2];
	int got = 0, r;

	while (got < n) {
		r = io_getevents(ctx, n - got, n - got, ev + got, NULL);
		if (r < 0)
			return r;
		got += r;
	}
	for (int i = 0; i < n; i++) {
		long res = (long)ev[i].res;	/* a negative errno, or the bytes written */

		if (res != (long)((struct iocb *)ev[i].obj)->u.c.nbytes)
			return res < 0 ? (int)res : -EIO;
	}
	return 0;
}

/* What the file must hold afterwards: A's data, zeros up to B, B's data (pattern 3). */
static void check_file(struct __test_metadata *_metadata, int fd, char *buf)
{
	memset(buf, 0xff, B_POS + B_LEN);
	ASSERT_EQ(B_POS + B_LEN, pread(fd, buf, B_POS + B_LEN, 0));
	EXPECT_EQ(-1, rnw_check(buf, A_LEN, 0, 2));
	EXPECT_TRUE(rnw_all_zero(buf + A_LEN, B_POS - A_LEN));
	EXPECT_EQ(-1, rnw_check(buf + B_POS, B_LEN, B_POS, 3));
}

/* Two async direct writes in flight: the one beyond EOF waits for the extending one. */
TEST_F(fs, aio_direct_write_beyond_eof_during_extending_write)
{
	struct iocb a, b, *cbs[1] = { &b };
	char *p = self->buf;

	ASSERT_EQ(1, submit_extending_write(self->ctx, self->fd, p, &a));
	rnw_fill(p + B_POS, B_LEN, B_POS, 3);
	io_prep_pwrite(&b, self->fd, p + B_POS, B_LEN, B_POS);
	ASSERT_EQ(1, io_submit(self->ctx, 1, cbs));
	ASSERT_EQ(0, reap(self->ctx, 2));
	EXPECT_EQ(0, fsync(self->fd)) TH_LOG("fsync: %s", strerror(errno));
	check_file(_metadata, self->fd, p);
	/* And from the device, not only the cache. */
	close(self->fd);
	ASSERT_EQ(0, system("umount " MNT " && mount -t rnwfs /dev/rnwblk0 " MNT));
	self->fd = open(MNT "/f", O_RDWR | O_DIRECT);
	ASSERT_GE(self->fd, 0);
	check_file(_metadata, self->fd, p);
}

/* The same with a buffered write beyond EOF (it zeroes the old EOF block the same way). */
TEST_F(fs, buffered_write_beyond_eof_during_extending_direct_write)
{
	char *p = self->buf;
	struct iocb a;
	int bfd = open(MNT "/f", O_RDWR);

	ASSERT_GE(bfd, 0);
	ASSERT_EQ(1, submit_extending_write(self->ctx, self->fd, p, &a));
	rnw_fill(p + B_POS, B_LEN, B_POS, 3);
	ASSERT_EQ(B_LEN, pwrite(bfd, p + B_POS, B_LEN, B_POS));
	ASSERT_EQ(0, reap(self->ctx, 1));
	EXPECT_EQ(0, fsync(bfd)) TH_LOG("fsync: %s", strerror(errno));
	close(bfd);
	check_file(_metadata, self->fd, p);
	close(self->fd);
	ASSERT_EQ(0, system("umount " MNT " && mount -t rnwfs /dev/rnwblk0 " MNT));
	self->fd = open(MNT "/f", O_RDWR | O_DIRECT);
	ASSERT_GE(self->fd, 0);
	check_file(_metadata, self->fd, p);
}

TEST_HARNESS_MAIN
