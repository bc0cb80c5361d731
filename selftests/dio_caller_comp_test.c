// SPDX-License-Identifier: GPL-2.0
/*
 * IOCB_DIO_CALLER_COMP, the contract from the filesystem's side, on rnwfs, xfs and ext4.
 * Nothing in 6.12 issues such writes, so selftests/kmod/rnw_dio_issuer.ko does (see its
 * header for the contract); this program loads it and, on a fresh filesystem on
 * /dev/rnwblk0 per test, checks:
 *
 *  - every write, whichever way it completes: the right result, the issuer gets a
 *    deferred completion only if it asked, a completion handed back still holds
 *    i_dio_count at ->ki_complete, one the filesystem ran itself ran in task context and
 *    had finished, i_dio_count drains to 0 afterwards, ki_pos advanced by the result;
 *  - the data (read back with O_DIRECT, and after a remount where the write changed
 *    metadata), the size, allocation; truncate and fsync afterwards; a clean fsck;
 *  - which path each case takes: on rnwfs as iomap's rules and rnwfs's mappings say (a
 *    pure overwrite is completed by the issuer; a write into a hole, at EOF or with O_SYNC
 *    by the filesystem); on xfs and ext4 the path is recorded, not required.
 *
 * rnwblk0 completes from a timer (irqmode=2) 20 ms after submission during the tests, so a
 * write is still in flight when ->write_iter returns: that is what makes it asynchronous.
 * A table of what happened per filesystem is printed at the end.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "rnw_test.h"
#include "kmod/rnw_dio_issuer.h"

#define MNT "/tmp/rnw-dio-cc"
#define DEV "/dev/rnwblk0"
#define BLKDEV "rnwblk0"
#define MODULE_NAME "rnw_dio_issuer"
#define K64 65536
#define FSZ (1024 * 1024)
#define COMPLETION_NS 20000000ULL	/* rnwblk timer completion during the tests */

/* ---- the results table, shared by the test processes (each test runs in a fork) ---- */

struct row {
	char fs[8];
	char what[40];
	char outcome[200];
};

static struct shared {
	int loaded_module;	/* this program loaded rnw_dio_issuer.ko */
	int nrows;
	struct row rows[96];
} *shared;
static pid_t main_pid;

static void record(const char *fs, const char *what, const char *fmt, ...)
{
	struct row *r;
	va_list ap;

	if (!shared || shared->nrows >= (int)ARRAY_SIZE(shared->rows))
		return;
	r = &shared->rows[shared->nrows++];
	snprintf(r->fs, sizeof(r->fs), "%s", fs);
	snprintf(r->what, sizeof(r->what), "%s", what);
	va_start(ap, fmt);
	vsnprintf(r->outcome, sizeof(r->outcome), fmt, ap);
	va_end(ap);
	ksft_print_msg("%s %s: %s\n", r->fs, r->what, r->outcome);
}

static void print_table(void)
{
	if (getpid() != main_pid || !shared)
		return;
	if (shared->nrows) {
		ksft_print_msg("IOCB_DIO_CALLER_COMP: what each filesystem did\n");
		for (int i = 0; i < shared->nrows; i++)
			ksft_print_msg("  %-6s %-26s %s\n", shared->rows[i].fs, shared->rows[i].what,
				       shared->rows[i].outcome);
	}
	if (shared->loaded_module)
		syscall(SYS_delete_module, MODULE_NAME, O_NONBLOCK);
}

static void __attribute__((constructor)) setup_shared(void)
{
	shared = mmap(NULL, sizeof(*shared), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		      -1, 0);
	if (shared == MAP_FAILED)
		shared = NULL;
	main_pid = getpid();
	atexit(print_table);
}

/* ---- commands ---- */

/* Runs a shell command; on failure shows its output (as KTAP comments). 0 if it succeeded. */
static int run(const char *fmt, ...)
{
	char cmd[1024], line[512];
	va_list ap;
	FILE *p;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	strncat(cmd, " 2>&1", sizeof(cmd) - strlen(cmd) - 1);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	/* Keep the output only for a failure. */
	char *out = NULL;
	size_t outlen = 0;
	FILE *mem = open_memstream(&out, &outlen);

	while (fgets(line, sizeof(line), p))
		if (mem)
			fputs(line, mem);
	st = pclose(p);
	if (mem)
		fclose(mem);
	if (st != 0) {
		ksft_print_msg("'%s' failed (status %d)\n", cmd, st);
		for (char *s = out, *e; s && *s; s = e ? e + 1 : NULL) {
			e = strchr(s, '\n');
			if (e)
				*e = '\0';
			ksft_print_msg("  %s\n", s);
		}
	}
	free(out);
	return st;
}

/* Loads the issuer module: 0, or a reason to skip (environment) / fail. */
enum { LOAD_OK, LOAD_SKIP, LOAD_FAIL };

static int load_issuer(char *why, size_t n)
{
	char path[512];
	int fd, ret;

	if (access("/sys/module/" MODULE_NAME, F_OK) == 0)
		return LOAD_OK;
	snprintf(path, sizeof(path), "%s/selftests/kmod/" MODULE_NAME ".ko", rnw_root());
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, n, "%s: %s (run scripts/build-modules.sh)", path, strerror(errno));
		return errno == ENOENT ? LOAD_SKIP : LOAD_FAIL;
	}
	ret = syscall(SYS_finit_module, fd, "", 0);
	ret = ret ? errno : 0;
	close(fd);
	if (!ret) {
		if (shared)
			shared->loaded_module = 1;
		return LOAD_OK;
	}
	if (ret == EEXIST)
		return LOAD_OK;
	snprintf(why, n, "loading %s: %s", path, strerror(ret));
	/* No module support, or not allowed to load one: the environment, not the test. */
	return ret == ENOSYS || ret == EPERM ? LOAD_SKIP : LOAD_FAIL;
}

static int fs_known(const char *fs)
{
	char want[32];

	snprintf(want, sizeof(want), "\t%s\n", fs);
	return rnw_file_contains("/proc/filesystems", want);
}

/* ---- the fixture: a fresh filesystem per test ---- */

FIXTURE(cc)
{
	int issuer;		/* /dev/rnw_dio_issuer */
	int mounted;
	long long old_irqmode, old_completion_nsec;
	void *buf;		/* FSZ, aligned: userspace O_DIRECT I/O */
};

FIXTURE_VARIANT(cc)
{
	const char *fs;
};

FIXTURE_VARIANT_ADD(cc, rnwfs)
{
	.fs = "rnwfs",
};

FIXTURE_VARIANT_ADD(cc, xfs)
{
	.fs = "xfs",
};

FIXTURE_VARIANT_ADD(cc, ext4)
{
	.fs = "ext4",
};

static int is_rnwfs(const FIXTURE_VARIANT(cc) *variant)
{
	return !strcmp(variant->fs, "rnwfs");
}

static int do_mkfs(const char *fs)
{
	if (run("blkdiscard -f " DEV))
		return -1;
	if (!strcmp(fs, "rnwfs"))
		return run("%s/target/bin/mkfs.rnwfs -q " DEV, rnw_root());
	if (!strcmp(fs, "xfs"))
		return run("mkfs.xfs -q -f " DEV);
	return run("mkfs.ext4 -q -F " DEV);
}

static int do_mount(const char *fs)
{
	/* As selftests/lib/fs.sh: no speculative preallocation past EOF on xfs. */
	return mount(DEV, MNT, fs, 0, !strcmp(fs, "xfs") ? "allocsize=4k" : NULL) ? -errno : 0;
}

static int do_fsck(const char *fs)
{
	if (!strcmp(fs, "rnwfs"))
		return run("%s/target/bin/fsck.rnwfs -q " DEV, rnw_root());
	if (!strcmp(fs, "xfs"))
		return run("xfs_repair -n " DEV);
	return run("e2fsck -fn " DEV);
}

FIXTURE_SETUP(cc)
{
	const char *tool = NULL;
	char why[600];
	int ret;

	self->issuer = -1;
	self->old_irqmode = self->old_completion_nsec = -1;
	switch (load_issuer(why, sizeof(why))) {
	case LOAD_SKIP:
		SKIP(return, "%s", why);
	case LOAD_FAIL:
		ASSERT_TRUE(0) TH_LOG("%s", why);
	}
	self->issuer = open(RNW_DIO_ISSUER_DEV, O_RDWR | O_CLOEXEC);
	ASSERT_GE(self->issuer, 0) TH_LOG(RNW_DIO_ISSUER_DEV ": %s", strerror(errno));

	if (!strcmp(variant->fs, "xfs"))
		tool = "command -v mkfs.xfs >/dev/null && command -v xfs_repair >/dev/null";
	else if (!strcmp(variant->fs, "ext4"))
		tool = "command -v mkfs.ext4 >/dev/null && command -v e2fsck >/dev/null";
	if (!fs_known(variant->fs) || (tool && system(tool)))
		SKIP(return, "%s: not in this kernel or its tools are not installed", variant->fs);

	ASSERT_EQ(0, access(DEV, F_OK)) TH_LOG(DEV " missing: is rnwblk loaded?");
	ASSERT_EQ(0, posix_memalign(&self->buf, 4096, FSZ));
	if (access(RNWBLK_DEBUGFS, F_OK))
		mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
	self->old_irqmode = rnwblk_knob_get(BLKDEV, "irqmode");
	self->old_completion_nsec = rnwblk_knob_get(BLKDEV, "completion_nsec");
	ASSERT_GE(self->old_irqmode, 0) TH_LOG("rnwblk debugfs knobs missing");
	ASSERT_GE(self->old_completion_nsec, 0) TH_LOG("rnwblk debugfs knobs missing");
	mkdir(MNT, 0755);
	ASSERT_EQ(0, do_mkfs(variant->fs));
	ret = do_mount(variant->fs);
	ASSERT_EQ(0, ret) TH_LOG("mount -t %s " DEV ": %s", variant->fs, strerror(-ret));
	self->mounted = 1;

	/*
	 * Timer completions: the write is in flight when ->write_iter returns. Last, and
	 * undone here on failure: the teardown runs only after a setup that completed.
	 */
	if (rnwblk_knob_set(BLKDEV, "completion_nsec", COMPLETION_NS) ||
	    rnwblk_knob_set(BLKDEV, "irqmode", 2)) {
		rnwblk_knob_set(BLKDEV, "completion_nsec", self->old_completion_nsec);
		umount(MNT);
		ASSERT_TRUE(0) TH_LOG("cannot set rnwblk0's irqmode/completion_nsec");
	}
}

FIXTURE_TEARDOWN(cc)
{
	if (self->old_irqmode >= 0)
		rnwblk_knob_set(BLKDEV, "irqmode", self->old_irqmode);
	if (self->old_completion_nsec >= 0)
		rnwblk_knob_set(BLKDEV, "completion_nsec", self->old_completion_nsec);
	if (self->issuer >= 0)
		close(self->issuer);
	free(self->buf);
	if (self->mounted) {
		EXPECT_EQ(0, umount(MNT)) TH_LOG("umount: %s", strerror(errno));
		EXPECT_EQ(0, do_fsck(variant->fs));
	}
}

/* ---- helpers ---- */

static int remount(const char *fs)
{
	if (umount(MNT))
		return -errno;
	return do_mount(fs);
}

/*
 * A file of `size` bytes of pattern `seed`, written with O_DIRECT and fsync'd: allocated,
 * written blocks and no page cache. Returns an O_DIRECT descriptor.
 */
static int make_file(const char *name, void *buf, size_t size, unsigned int seed)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), MNT "/%s", name);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_DIRECT | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	rnw_fill(buf, size, 0, seed);
	if (size && (pwrite(fd, buf, size, 0) != (ssize_t)size || fsync(fd))) {
		close(fd);
		return -1;
	}
	return fd;
}

static int open_file(const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), MNT "/%s", name);
	return open(path, O_RDWR | O_DIRECT | O_CLOEXEC);
}

/* [pos, pos + len) of fd holds `fill` (O_DIRECT read). */
static int holds_fill(int fd, void *buf, off_t pos, size_t len, int fill)
{
	const unsigned char *p = buf;

	if (pread(fd, buf, len, pos) != (ssize_t)len)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (p[i] != fill)
			return 0;
	return 1;
}

static int holds_pattern(int fd, void *buf, off_t pos, size_t len, unsigned int seed)
{
	if (pread(fd, buf, len, pos) != (ssize_t)len)
		return 0;
	return rnw_check(buf, len, pos, seed) == -1;
}

static int holds_zeros(int fd, void *buf, off_t pos, size_t len)
{
	if (pread(fd, buf, len, pos) != (ssize_t)len)
		return 0;
	return rnw_all_zero(buf, len);
}

static off_t file_size(int fd)
{
	struct stat st;

	return fstat(fd, &st) ? -1 : st.st_size;
}

enum { M_REFUSED, M_SUBMIT, M_ISSUER, M_FS };

static int mode_of(const struct rnw_dio_write *w)
{
	if (!(w->status & RNW_DIO_S_QUEUED))
		return w->submit_ret < 0 ? M_REFUSED : M_SUBMIT;
	return w->status & RNW_DIO_S_DIO_COMPLETE ? M_ISSUER : M_FS;
}

static const char *ctx_name(const struct rnw_dio_write *w, char *buf, size_t n)
{
	if (w->ctx & RNW_DIO_CTX_HARDIRQ)
		return "hardirq";
	if ((w->ctx & RNW_DIO_CTX_SOFTIRQ) && !(w->ctx & RNW_DIO_CTX_TASK))
		return "softirq";
	snprintf(buf, n, "%s%.16s%s%s", w->ctx & RNW_DIO_CTX_SOFTIRQ ? "softirq in " : "task ",
		 w->comm, w->ctx & RNW_DIO_CTX_WORKER ? " (workqueue)" : "",
		 w->ctx & RNW_DIO_CTX_ISSUER ? " (the issuer)" : "");
	return buf;
}

/* One line on how the write completed. */
static const char *describe(const struct rnw_dio_write *w, char *out, size_t n)
{
	char ctx[64];

	switch (mode_of(w)) {
	case M_REFUSED:
		snprintf(out, n, "refused in submission: %s", strerror((int)-w->submit_ret));
		break;
	case M_SUBMIT:
		snprintf(out, n, "completed in submission (->write_iter returned %lld, no ki_complete)",
			 (long long)w->submit_ret);
		break;
	case M_ISSUER:
		if (w->status & RNW_DIO_S_HELD) {
			snprintf(out, n, "issuer-completed: ki_complete(%lld) in %s, i_dio_count %d there; dio_complete() held back",
				 (long long)w->complete_res, ctx_name(w, ctx, sizeof(ctx)),
				 w->dio_count_at_complete);
			break;
		}
		snprintf(out, n, "issuer-completed: ki_complete(%lld) in %s, i_dio_count %d there; dio_complete() in the issuer = %lld",
			 (long long)w->complete_res, ctx_name(w, ctx, sizeof(ctx)),
			 w->dio_count_at_complete, (long long)w->result);
		break;
	case M_FS:
		snprintf(out, n, "fs-completed: ki_complete(%lld) in %s",
			 (long long)w->complete_res, ctx_name(w, ctx, sizeof(ctx)));
		break;
	}
	return out;
}

static const char *mode_name(int m)
{
	static const char *const names[] = {
		[M_REFUSED] = "refused in submission", [M_SUBMIT] = "completed in submission",
		[M_ISSUER] = "issuer-completed", [M_FS] = "fs-completed",
	};

	return names[m];
}

/* The issuer's write; 0 or -errno of the ioctl, with w filled in. */
static int issue(int issuer, int fd, off_t pos, size_t len, int fill, unsigned int flags,
		 struct rnw_dio_write *w)
{
	memset(w, 0, sizeof(*w));
	w->version = RNW_DIO_WRITE_VERSION;
	w->size = sizeof(*w);
	w->fd = fd;
	w->flags = flags;
	w->pos = pos;
	w->len = len;
	w->fill = fill;
	return ioctl(issuer, RNW_DIO_IOC_WRITE, w) ? -errno : 0;
}

/*
 * What holds for every write, whichever way it completed: the contract from the
 * filesystem's side, and a result that matches what was asked.
 */
static void check_contract(struct __test_metadata *_metadata, const struct rnw_dio_write *w,
			   const char *what)
{
	int m = mode_of(w);

	if (!(w->status & RNW_DIO_S_QUEUED)) {
		EXPECT_FALSE(!!(w->status & RNW_DIO_S_KI_COMPLETE))
			TH_LOG("%s: ki_complete for a write ->write_iter finished", what);
		EXPECT_EQ(w->submit_ret, w->result);
	} else {
		EXPECT_TRUE(!!(w->status & RNW_DIO_S_KI_COMPLETE)) TH_LOG("%s", what);
	}
	if (m == M_ISSUER) {
		/* Handed back only to an issuer that asked. */
		EXPECT_TRUE(!!(w->flags & RNW_DIO_CALLER_COMP))
			TH_LOG("%s: dio_complete set without IOCB_DIO_CALLER_COMP", what);
		/* The dio has not ended yet: it still counts in i_dio_count. */
		EXPECT_GE(w->dio_count_at_complete, 1) TH_LOG("%s", what);
		if (!(w->status & RNW_DIO_S_HELD)) {
			EXPECT_TRUE(!!(w->status & RNW_DIO_S_CALLED)) TH_LOG("%s", what);
			EXPECT_EQ(w->dio_complete_ret, w->result);
		}
	}
	if (m == M_FS) {
		/*
		 * Completion work the filesystem ran itself ran where it may sleep, and was
		 * done when the issuer heard of it (no other direct I/O runs here).
		 */
		EXPECT_TRUE(!!(w->ctx & RNW_DIO_CTX_TASK))
			TH_LOG("%s: filesystem completion in interrupt context (ctx %#x)", what,
			       w->ctx);
		EXPECT_EQ(0, w->dio_count_at_complete) TH_LOG("%s", what);
		EXPECT_EQ(w->complete_res, w->result);
	}
	if (!(w->status & RNW_DIO_S_HELD)) {
		EXPECT_TRUE(!!(w->status & RNW_DIO_S_DRAINED))
			TH_LOG("%s: i_dio_count %d does not drain (inode_dio_wait would hang)",
			       what, w->dio_count_after);
		EXPECT_EQ(0, w->dio_count_after) TH_LOG("%s", what);
		if (w->result > 0)
			EXPECT_EQ((long long)(w->pos + w->result), w->pos_after) TH_LOG("%s: ki_pos", what);
	}
}

/* What a test passes to write_case(). */
struct env {
	struct __test_metadata *md;
	const char *fs;
	int issuer;
	void *buf;		/* FSZ, aligned */
};

#define ENV { _metadata, variant->fs, self->issuer, self->buf }
#define ANY_RESULT LLONG_MIN

/*
 * One write through the issuer: checks the contract, the result (`want`; 0 for len), and
 * after a full write the data (O_DIRECT read back); records the outcome. Returns the mode.
 */
static int write_case(const struct env *e, int fd, const char *what, off_t pos, size_t len,
		      int fill, unsigned int flags, long long want, struct rnw_dio_write *w)
{
	struct __test_metadata *_metadata = e->md;
	char line[200];
	int ret = issue(e->issuer, fd, pos, len, fill, flags, w);

	EXPECT_EQ(0, ret) TH_LOG("%s: ioctl: %s", what, strerror(-ret));
	if (ret) {
		record(e->fs, what, "ioctl failed: %s", strerror(-ret));
		return -1;
	}
	check_contract(_metadata, w, what);
	record(e->fs, what, "%s", describe(w, line, sizeof(line)));
	if (!want)
		want = len;
	if (want != ANY_RESULT)
		EXPECT_EQ(want, w->result) TH_LOG("%s", what);
	if (w->result == (long long)len && !(w->status & RNW_DIO_S_HELD))
		EXPECT_TRUE(holds_fill(fd, e->buf, pos, len, fill)) TH_LOG("%s: data", what);
	return mode_of(w);
}

/* On rnwfs the path is required; elsewhere only recorded. */
#define EXPECT_MODE(want, got, what)							\
	do {										\
		if (is_rnwfs(variant))							\
			EXPECT_EQ(want, got) TH_LOG("%s: %s, expected %s", what,	\
						    mode_name(got), mode_name(want)); \
	} while (0)

/* Truncate and fsync after the writes must not hang, and must work. */
static void truncate_and_fsync(struct __test_metadata *_metadata, int fd, off_t size)
{
	EXPECT_EQ(0, fsync(fd)) TH_LOG("fsync: %s", strerror(errno));
	EXPECT_EQ(0, ftruncate(fd, size)) TH_LOG("ftruncate: %s", strerror(errno));
	EXPECT_EQ(0, fsync(fd)) TH_LOG("fsync: %s", strerror(errno));
	EXPECT_EQ(size, file_size(fd));
}

/* ---- the cases ---- */

/*
 * A pure overwrite (allocated, written blocks inside i_size, no O_SYNC): iomap hands the
 * completion back; the result comes from dio_complete in the issuer's task. Without the
 * flag the same write completes on the filesystem's workqueue.
 */
TEST_F_TIMEOUT(cc, overwrite, 600)
{
	const struct env e = ENV;
	struct rnw_dio_write w;
	int fd = make_file("f", self->buf, FSZ, 1);
	int m;

	ASSERT_GE(fd, 0) TH_LOG("%s", strerror(errno));
	m = write_case(&e, fd, "overwrite", 256 * 1024, K64, 0xa1, RNW_DIO_CALLER_COMP, 0, &w);
	EXPECT_MODE(M_ISSUER, m, "overwrite");
	EXPECT_EQ(FSZ, w.size_at_complete);
	EXPECT_EQ(FSZ, w.size_after);
	EXPECT_TRUE(holds_pattern(fd, self->buf, 0, 256 * 1024, 1));
	EXPECT_TRUE(holds_pattern(fd, self->buf, 320 * 1024, FSZ - 320 * 1024, 1));

	m = write_case(&e, fd, "overwrite, flag not set", 512 * 1024, K64, 0xa2, 0, 0, &w);
	EXPECT_NE(M_ISSUER, m);
	EXPECT_MODE(M_FS, m, "overwrite, flag not set");

	/* rnwblk's default completion (softirq): recorded, whatever the path. */
	ASSERT_EQ(0, rnwblk_knob_set(BLKDEV, "irqmode", 1));
	write_case(&e, fd, "overwrite, softirq device", 768 * 1024, K64, 0xa3,
		   RNW_DIO_CALLER_COMP, 0, &w);
	ASSERT_EQ(0, rnwblk_knob_set(BLKDEV, "irqmode", 2));

	/*
	 * A device error: iomap does not take a caller completion back on error (only the
	 * inline one), so an error that arrives at completion reaches the issuer through
	 * dio_complete too. rnwblk fails the request in ->queue_rq: recorded.
	 */
	ASSERT_EQ(0, rnwblk_knob_set(BLKDEV, "fail_every", 1));
	write_case(&e, fd, "overwrite, device EIO", 128 * 1024, K64, 0xa4, RNW_DIO_CALLER_COMP,
		   -EIO, &w);
	ASSERT_EQ(0, rnwblk_knob_set(BLKDEV, "fail_every", 0));

	truncate_and_fsync(_metadata, fd, FSZ / 2);
	close(fd);
}

struct truncater {
	int fd;
	off_t size;
	int done;
	int ret;
};

static void *truncate_thread(void *arg)
{
	struct truncater *t = arg;

	t->ret = ftruncate(t->fd, t->size) ? errno : 0;
	__atomic_store_n(&t->done, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

static int truncater_done(struct truncater *t)
{
	return __atomic_load_n(&t->done, __ATOMIC_SEQ_CST);
}

/*
 * Until the issuer calls dio_complete, the write holds i_dio_count: truncate (which
 * waits in inode_dio_wait) waits for the issuer. This is why an issuer must never block
 * on such a wait before running its pending completions (838b35bb6a89: io_uring's
 * ftruncate deadlock). Here another thread truncates; the issuer completes 300 ms later.
 */
TEST_F_TIMEOUT(cc, held_completion_blocks_truncate, 600)
{
	const struct env e = ENV;
	struct truncater t = { .size = FSZ / 2 };
	struct rnw_dio_write w;
	pthread_t thread;
	int blocked, m;
	int fd = make_file("f", self->buf, FSZ, 2);

	ASSERT_GE(fd, 0) TH_LOG("%s", strerror(errno));
	t.fd = fd;
	m = write_case(&e, fd, "overwrite, held", 0, K64, 0xb1,
		       RNW_DIO_CALLER_COMP | RNW_DIO_HOLD, ANY_RESULT, &w);
	EXPECT_MODE(M_ISSUER, m, "overwrite, held");
	if (m != M_ISSUER) {
		close(fd);
		return;
	}
	ASSERT_TRUE(!!(w.status & RNW_DIO_S_HELD));
	ASSERT_EQ(0, pthread_create(&thread, NULL, truncate_thread, &t));
	usleep(300 * 1000);
	blocked = !truncater_done(&t);
	EXPECT_TRUE(blocked) TH_LOG("truncate finished while the write's completion was pending");

	memset(&w, 0, sizeof(w));
	w.version = RNW_DIO_WRITE_VERSION;
	w.size = sizeof(w);
	ASSERT_EQ(0, ioctl(self->issuer, RNW_DIO_IOC_FINISH, &w)) TH_LOG("%s", strerror(errno));
	check_contract(_metadata, &w, "overwrite, held: finish");
	EXPECT_EQ(K64, w.result);
	/* The truncate goes on now. */
	for (int i = 0; i < 1000 && !truncater_done(&t); i++)
		usleep(10 * 1000);
	ASSERT_TRUE(truncater_done(&t)) TH_LOG("truncate still blocked 10 s after dio_complete");
	pthread_join(thread, NULL);
	EXPECT_EQ(0, t.ret) TH_LOG("ftruncate: %s", strerror(t.ret));
	record(variant->fs, "truncate vs held completion", "%s",
	       blocked ? "ftruncate waited for the issuer's dio_complete, then finished"
		       : "ftruncate did NOT wait for the pending completion");
	EXPECT_EQ(FSZ / 2, file_size(fd));
	EXPECT_TRUE(holds_fill(fd, self->buf, 0, K64, 0xb1));
	EXPECT_TRUE(holds_pattern(fd, self->buf, K64, FSZ / 2 - K64, 2));
	truncate_and_fsync(_metadata, fd, FSZ / 4);
	close(fd);
}

/*
 * A write into a hole inside i_size: allocation (rnwfs: a new unwritten extent, converted
 * at completion). The filesystem completes it; the data must be there after a remount.
 */
TEST_F_TIMEOUT(cc, hole, 600)
{
	const struct env e = ENV;
	struct rnw_dio_write w;
	struct stat st;
	int m;
	int fd = make_file("f", self->buf, 0, 0);

	ASSERT_GE(fd, 0) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(0, ftruncate(fd, FSZ));
	m = write_case(&e, fd, "hole", 256 * 1024, K64, 0xc1, RNW_DIO_CALLER_COMP, 0, &w);
	EXPECT_NE(M_ISSUER, m) TH_LOG("a write that allocates was handed to the issuer");
	EXPECT_MODE(M_FS, m, "hole");
	EXPECT_EQ(FSZ, w.size_after);
	EXPECT_TRUE(holds_zeros(fd, self->buf, 0, 256 * 1024));
	ASSERT_EQ(0, fstat(fd, &st));
	EXPECT_GE(st.st_blocks, K64 / 512);
	EXPECT_EQ(256 * 1024, lseek(fd, 0, SEEK_DATA));
	EXPECT_EQ(320 * 1024, lseek(fd, 256 * 1024, SEEK_HOLE));
	close(fd);

	ASSERT_EQ(0, remount(variant->fs));
	fd = open_file("f");
	ASSERT_GE(fd, 0);
	EXPECT_EQ(FSZ, file_size(fd));
	EXPECT_TRUE(holds_fill(fd, self->buf, 256 * 1024, K64, 0xc1)) TH_LOG("after remount");
	EXPECT_TRUE(holds_zeros(fd, self->buf, 320 * 1024, FSZ - 320 * 1024));
	truncate_and_fsync(_metadata, fd, 288 * 1024);
	close(fd);
}

/*
 * Preallocated space: inside i_size (xfs, ext4: unwritten extents, completed by the
 * filesystem; rnwfs preallocates zeroed *written* blocks, so the write is a pure
 * overwrite), and past EOF with KEEP_SIZE (a write at EOF: never the issuer's).
 */
TEST_F_TIMEOUT(cc, prealloc, 600)
{
	const struct env e = ENV;
	struct rnw_dio_write w;
	int m;
	int fd = make_file("f", self->buf, 0, 0);

	ASSERT_GE(fd, 0) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(0, fallocate(fd, 0, 0, FSZ)) TH_LOG("%s", strerror(errno));
	m = write_case(&e, fd, "preallocated", 256 * 1024, K64, 0xd1, RNW_DIO_CALLER_COMP, 0, &w);
	EXPECT_MODE(M_ISSUER, m, "preallocated (rnwfs: written blocks)");
	EXPECT_EQ(FSZ, w.size_after);
	EXPECT_TRUE(holds_zeros(fd, self->buf, 0, 256 * 1024));

	ASSERT_EQ(0, fallocate(fd, FALLOC_FL_KEEP_SIZE, FSZ, 4 * K64)) TH_LOG("%s", strerror(errno));
	m = write_case(&e, fd, "preallocated past EOF", FSZ, K64, 0xd2, RNW_DIO_CALLER_COMP, 0,
		       &w);
	EXPECT_NE(M_ISSUER, m) TH_LOG("a write at EOF was handed to the issuer");
	EXPECT_MODE(M_FS, m, "preallocated past EOF");
	EXPECT_EQ(FSZ + K64, w.size_after);
	EXPECT_EQ(FSZ + K64, file_size(fd));
	close(fd);

	ASSERT_EQ(0, remount(variant->fs));
	fd = open_file("f");
	ASSERT_GE(fd, 0);
	EXPECT_EQ(FSZ + K64, file_size(fd));
	EXPECT_TRUE(holds_fill(fd, self->buf, 256 * 1024, K64, 0xd1)) TH_LOG("after remount");
	EXPECT_TRUE(holds_fill(fd, self->buf, FSZ, K64, 0xd2)) TH_LOG("after remount");
	truncate_and_fsync(_metadata, fd, FSZ / 2);
	close(fd);
}

/*
 * Extending writes. At EOF (into new blocks): the filesystem completes. Straddling EOF
 * inside the last, already allocated block: iomap's rule only looks at where each mapped
 * segment starts (pos < i_size, mapped, not new), so the completion, and with it the size
 * update, is the issuer's: i_size is still old at ki_complete and right after dio_complete.
 */
TEST_F_TIMEOUT(cc, extend, 600)
{
	const off_t old = 64 * 1024 + 2048;	/* i_size inside the block [64K, 68K) */
	const struct env e = ENV;
	struct rnw_dio_write w;
	int m;
	int fd = make_file("f", self->buf, K64, 3), fd2;

	ASSERT_GE(fd, 0) TH_LOG("%s", strerror(errno));
	m = write_case(&e, fd, "extend at EOF", K64, K64, 0xe1, RNW_DIO_CALLER_COMP, 0, &w);
	EXPECT_NE(M_ISSUER, m) TH_LOG("a write at EOF was handed to the issuer");
	EXPECT_MODE(M_FS, m, "extend at EOF");
	EXPECT_EQ(2 * K64, w.size_after);
	EXPECT_EQ(2 * K64, file_size(fd));
	EXPECT_TRUE(holds_pattern(fd, self->buf, 0, K64, 3));

	fd2 = make_file("g", self->buf, K64 + 4096, 4);
	ASSERT_GE(fd2, 0) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(0, ftruncate(fd2, old));
	ASSERT_EQ(0, fsync(fd2));
	m = write_case(&e, fd2, "extend across EOF", K64, 4096, 0xe2, RNW_DIO_CALLER_COMP, 0, &w);
	EXPECT_MODE(M_ISSUER, m, "extend across EOF (mapped last block)");
	if (m == M_ISSUER) {
		EXPECT_EQ(old, w.size_at_complete) TH_LOG("i_size raised before dio_complete");
		record(variant->fs, "extend across EOF: i_size",
		       "%lld at ki_complete, %lld after the issuer's dio_complete",
		       (long long)w.size_at_complete, (long long)w.size_after);
	}
	EXPECT_EQ(K64 + 4096, w.size_after);
	EXPECT_EQ(K64 + 4096, file_size(fd2));
	EXPECT_TRUE(holds_pattern(fd2, self->buf, 0, K64, 4));
	close(fd);
	close(fd2);

	ASSERT_EQ(0, remount(variant->fs));
	fd = open_file("f");
	fd2 = open_file("g");
	ASSERT_GE(fd, 0);
	ASSERT_GE(fd2, 0);
	EXPECT_EQ(2 * K64, file_size(fd)) TH_LOG("after remount");
	EXPECT_EQ(K64 + 4096, file_size(fd2)) TH_LOG("after remount");
	EXPECT_TRUE(holds_fill(fd, self->buf, K64, K64, 0xe1)) TH_LOG("after remount");
	EXPECT_TRUE(holds_fill(fd2, self->buf, K64, 4096, 0xe2)) TH_LOG("after remount");
	truncate_and_fsync(_metadata, fd, K64);
	truncate_and_fsync(_metadata, fd2, 4096);
	close(fd);
	close(fd2);
}

/* A 64 KiB synchronous write; records what it cost on the device (writes, flushes). */
static int dsync_case(const struct env *e, int fd, const char *what, off_t pos, int fill,
		      unsigned int flags, struct rnw_dio_write *w)
{
	long long writes = rnwblk_counter(BLKDEV, "writes");
	long long flushes = rnwblk_counter(BLKDEV, "flushes");
	int m = write_case(e, fd, what, pos, K64, fill, RNW_DIO_CALLER_COMP | flags, 0, w);

	record(e->fs, what, "  device: %lld write request(s), %lld flush(es)",
	       rnwblk_counter(BLKDEV, "writes") - writes,
	       rnwblk_counter(BLKDEV, "flushes") - flushes);
	return m;
}

/*
 * O_DSYNC and O_SYNC overwrites. O_SYNC always needs generic_write_sync at completion:
 * the filesystem's. O_DSYNC may go out as FUA writes (rnwblk has a write cache and FUA)
 * when the filesystem reports no metadata the data depends on (no IOMAP_F_DIRTY): then
 * nothing is left to sync and the completion may be the issuer's (rnwfs: must be, as
 * timestamps are not datasync metadata); otherwise the filesystem's. The mtime changes for these writes (the test waits a few ticks first).
 */
TEST_F_TIMEOUT(cc, dsync, 600)
{
	const struct env e = ENV;
	struct rnw_dio_write w;
	int m;
	int fd = make_file("f", self->buf, FSZ, 5);

	ASSERT_GE(fd, 0) TH_LOG("%s", strerror(errno));
	usleep(20 * 1000);
	m = dsync_case(&e, fd, "overwrite O_DSYNC", 128 * 1024, 0xf1, RNW_DIO_DSYNC, &w);
	EXPECT_TRUE(m == M_ISSUER || m == M_FS) TH_LOG("%s", mode_name(m));
	/* rnwfs: only timestamps changed, which O_DSYNC need not write: a FUA write. */
	EXPECT_MODE(M_ISSUER, m, "overwrite O_DSYNC");

	usleep(20 * 1000);
	m = dsync_case(&e, fd, "overwrite O_SYNC", 256 * 1024, 0xf2, RNW_DIO_SYNC, &w);
	EXPECT_NE(M_ISSUER, m) TH_LOG("an O_SYNC write (needs a flush) was handed to the issuer");
	EXPECT_MODE(M_FS, m, "overwrite O_SYNC");

	/* Into a hole with O_DSYNC: allocation, conversion and a flush. */
	ASSERT_EQ(0, ftruncate(fd, 2 * FSZ));
	m = dsync_case(&e, fd, "hole O_DSYNC", FSZ + K64, 0xf3, RNW_DIO_DSYNC, &w);
	EXPECT_NE(M_ISSUER, m);
	EXPECT_MODE(M_FS, m, "hole O_DSYNC");
	truncate_and_fsync(_metadata, fd, FSZ);
	close(fd);
}

/*
 * IOCB_NOWAIT with IOCB_DIO_CALLER_COMP. An overwrite succeeds on rnwfs (timestamps change
 * in memory) and is the issuer's to complete; xfs and ext4 refuse a nowait write that must
 * update timestamps (EAGAIN), which it must here. Into a hole: EAGAIN in submission, with
 * nothing left behind.
 */
TEST_F_TIMEOUT(cc, nowait, 600)
{
	const struct env e = ENV;
	struct rnw_dio_write w;
	int m;
	int fd = make_file("f", self->buf, FSZ, 6);

	ASSERT_GE(fd, 0) TH_LOG("%s", strerror(errno));
	m = write_case(&e, fd, "nowait overwrite", K64, K64, 0x11,
		       RNW_DIO_CALLER_COMP | RNW_DIO_NOWAIT, ANY_RESULT, &w);
	EXPECT_MODE(M_ISSUER, m, "nowait overwrite");
	if (m == M_REFUSED) {
		EXPECT_EQ(-EAGAIN, w.submit_ret);
		EXPECT_TRUE(holds_pattern(fd, self->buf, K64, K64, 6));
	} else {
		EXPECT_EQ(K64, w.result);
	}

	ASSERT_EQ(0, ftruncate(fd, 2 * FSZ));
	m = write_case(&e, fd, "nowait hole", FSZ + K64, K64, 0x12,
		       RNW_DIO_CALLER_COMP | RNW_DIO_NOWAIT, -EAGAIN, &w);
	EXPECT_EQ(M_REFUSED, m);
	EXPECT_TRUE(holds_zeros(fd, self->buf, FSZ + K64, K64));
	truncate_and_fsync(_metadata, fd, FSZ);
	close(fd);
}

TEST_HARNESS_MAIN
