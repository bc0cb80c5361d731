// SPDX-License-Identifier: GPL-2.0
/*
 * nowait conformance (issue #5): what RWF_NOWAIT does on one mounted filesystem, condition
 * by condition, from both sides: EAGAIN where the read or write would block, success with
 * the right data where it would not. Each condition goes through preadv2/pwritev2, libaio
 * (aio_rw_flags) and io_uring (sqe->rw_flags) where it applies.
 *
 *   nowait_conformance MOUNTPOINT FSTYPE BLOCKDEV    KTAP, one result per condition x interface
 *   nowait_conformance --count | --list              how many results that is, their names
 *
 * FSTYPE picks the column of the expectation table below (rnwfs, xfs, ext4; anything else
 * is recorded, not judged). BLOCKDEV is an rnwblk device (its debugfs knobs and counters are
 * used). Runs as root in the guest; selftests/nowait_conformance_test.sh makes the
 * filesystems and prints the condition x filesystem table from the "# cell" lines.
 *
 * Determinism, without timing assertions:
 *  - cache state is made and checked: fsync + a blocking read + POSIX_FADV_DONTNEED, then
 *    cachestat(2) must count no page; an exact cached range comes from a POSIX_FADV_RANDOM
 *    read (no readahead, no PG_readahead marks);
 *  - i_rwsem is held by a thread whose buffered write() faults on a userfaultfd page: it
 *    holds the lock once the fault event is read, until UFFDIO_COPY;
 *  - xfs refuses every nowait write whose c/mtime must change. Where a row is about
 *    something else, the write is made with the timestamps current (futimens, then the
 *    write) and an EAGAIN counts only if the coarse clock (what current_time() reads) did
 *    not move between futimens and the end of the write; otherwise it is tried again.
 */
#include <errno.h>
#include <fcntl.h>
#include <libaio.h>
#include <liburing.h>
#include <linux/rnwfs.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

/* A helper program, not a harness test. */
#define RNW_TEST_NO_HARNESS
#include "rnw_test.h"

#define KiB 1024
#define FILE_SIZE (256 * KiB)
#define PAGE 4096
#define TS_TRIES 200	/* attempts to get a write within one clock tick (xfs) */

#ifndef __NR_cachestat
#define __NR_cachestat 451
#endif

/* ---- interfaces ------------------------------------------------------------------------- */

enum { PV2, AIO, URING, NIFC };
static const char *const ifc_name[NIFC] = { "pv2", "aio", "uring" };
#define F_PV2 (1u << PV2)
#define F_ALL ((1u << NIFC) - 1)
#define F_NONE 0u	/* one result, no interface dimension */

/* ---- the expectation table -------------------------------------------------------------- */

/*
 * Accepted outcomes per filesystem: "a|b" alternatives; a leading '!' marks an outcome as
 * needless (EAGAIN where nothing would have blocked); "uring=X;Y" gives io_uring X and the
 * other interfaces Y; "*" records whatever happens; "n/a" skips the row. Outcomes: ok
 * (everything, right data), short (exactly the cached part), short+ (more than that),
 * read-in (a nowait read of uncached data returned it all: it did the I/O itself), an
 * errno name (EAGAIN, EOPNOTSUPP, ...), and per row: none/readahead, inline/deferred,
 * blocking-bio (the device got no REQ_NOWAIT request: the nowait attempt could wait there).
 */
enum { FS_RNWFS, FS_XFS, FS_EXT4, NFS };
static const char *const fs_names[NFS] = { "rnwfs", "xfs", "ext4" };
/* Does the filesystem refuse nowait writes that must update c/mtime (generic
 * kiocb_modified)? Then rows about something else use the same-tick protocol above. */
static const bool fs_ts_refuses[NFS] = { false, true, false };

enum group { G_ADV, G_BREAD, G_BWRITE, G_DWRITE, G_LOCK, G_DEV, G_MTIME, G_URING, G_STATS };

struct row {
	const char *id;
	enum group group;
	unsigned int ifcs;
	const char *exp[NFS];
};

#define EXT4_BWRITE_OK "uring=!EAGAIN;!EOPNOTSUPP"	/* ext4: no nowait buffered writes */
#define EXT4_BWRITE_BLOCK "uring=EAGAIN;EOPNOTSUPP"
#define STATS_ROW(name) { "stats." name, G_STATS, F_NONE, { "ok", "n/a", "n/a" } }

static const struct row rows[] = {
	/* 1. the file advertises nowait (FMODE_NOWAIT). Controls, recorded: a procfs file (no
	 * FMODE_NOWAIT: EOPNOTSUPP) and a pipe (FMODE_NOWAIT since 5.x, like eventfd) */
	{ "advertise", G_ADV, F_ALL, { "ok", "ok", "ok" } },
	{ "control.procfs", G_ADV, F_PV2, { "EOPNOTSUPP", "EOPNOTSUPP", "EOPNOTSUPP" } },
	{ "control.pipe", G_ADV, F_PV2, { "ok", "ok", "ok" } },
	/* 2. buffered reads. xfs and ext4 start synchronous readahead on a nowait miss (6.12's
	 * filemap_get_pages without IOCB_NOIO) and may find it done. */
	{ "bread.cached", G_BREAD, F_ALL, { "ok", "ok", "ok" } },
	{ "bread.uncached", G_BREAD, F_ALL, { "EAGAIN", "EAGAIN|short|read-in", "EAGAIN|short|read-in" } },
	{ "bread.no-readahead", G_BREAD, F_ALL, { "none", "readahead", "readahead" } },
	{ "bread.partial", G_BREAD, F_ALL, { "short", "short|short+|read-in", "short|short+|read-in" } },
	/* 3. buffered writes. xfs reserves delalloc blocks for a hole without blocking; ext4
	 * refuses every nowait buffered write (EOPNOTSUPP; io_uring: EAGAIN, no FOP_BUFFER_WASYNC) */
	{ "bwrite.overwrite", G_BWRITE, F_ALL, { "ok", "ok", EXT4_BWRITE_OK } },
	{ "bwrite.prealloc", G_BWRITE, F_ALL, { "ok", "ok", EXT4_BWRITE_OK } },
	{ "bwrite.hole", G_BWRITE, F_ALL, { "EAGAIN", "ok", EXT4_BWRITE_BLOCK } },
	/* 4. O_DIRECT writes: iomap refuses any cached page over the range; rnwfs drops clean ones */
	{ "dwrite.overwrite", G_DWRITE, F_ALL, { "ok", "ok", "ok" } },
	{ "dwrite.hole", G_DWRITE, F_ALL, { "EAGAIN", "EAGAIN", "EAGAIN" } },
	{ "dwrite.dirty-cache", G_DWRITE, F_ALL, { "EAGAIN", "EAGAIN", "EAGAIN" } },
	{ "dwrite.clean-cache", G_DWRITE, F_ALL, { "ok", "!EAGAIN", "!EAGAIN" } },
	/* 5. i_rwsem held by a buffered writer stalled on a userfaultfd page */
	{ "lock.bwrite", G_LOCK, F_ALL, { "EAGAIN", "EAGAIN", EXT4_BWRITE_BLOCK } },
	{ "lock.dwrite", G_LOCK, F_ALL, { "EAGAIN", "EAGAIN", "EAGAIN" } },
	{ "lock.bread-cached", G_LOCK, F_ALL, { "ok", "!EAGAIN", "ok" } },
	{ "lock.dread", G_LOCK, F_ALL, { "EAGAIN", "EAGAIN", "EAGAIN" } },
	{ "lock.writer", G_LOCK, F_NONE, { "ok", "ok", "ok" } },
	{ "lock.after-bwrite", G_LOCK, F_ALL, { "ok", "ok", EXT4_BWRITE_OK } },
	{ "lock.after-dwrite", G_LOCK, F_ALL, { "ok", "ok", "ok" } },
	/* 6. the device refuses nowait requests (rnwblk again_every=1, congested=1). 6.12's
	 * iomap submits direct I/O bios without REQ_NOWAIT: xfs and ext4 never see the AGAIN.
	 * rnwfs sets it on synchronous ones only (pv2): an async one's refusal would arrive
	 * too late for io_uring to retry its own nowait attempt. */
	{ "dev.again.dwrite", G_DEV, F_ALL, { "pv2=EAGAIN;blocking-bio", "blocking-bio", "blocking-bio" } },
	{ "dev.again.dread", G_DEV, F_ALL, { "pv2=EAGAIN;blocking-bio", "blocking-bio", "blocking-bio" } },
	{ "dev.again.blocking", G_DEV, F_NONE, { "ok", "ok", "ok" } },
	{ "dev.congested.dwrite", G_DEV, F_ALL, { "pv2=EAGAIN;blocking-bio", "blocking-bio", "blocking-bio" } },
	{ "dev.congested.dread", G_DEV, F_ALL, { "pv2=EAGAIN;blocking-bio", "blocking-bio", "blocking-bio" } },
	{ "dev.off.dwrite", G_DEV, F_ALL, { "pv2=ok;blocking-bio", "blocking-bio", "blocking-bio" } },
	{ "dev.off.dread", G_DEV, F_ALL, { "pv2=ok;blocking-bio", "blocking-bio", "blocking-bio" } },
	/* 7. c/mtime updates: xfs refuses nowait there; ext4 updates them blocking (file_modified) */
	{ "mtime.stale.bwrite", G_MTIME, F_ALL, { "ok", "!EAGAIN", EXT4_BWRITE_OK } },
	{ "mtime.stale.dwrite", G_MTIME, F_ALL, { "ok", "!EAGAIN", "ok" } },
	{ "mtime.current.bwrite", G_MTIME, F_ALL, { "ok", "ok", EXT4_BWRITE_OK } },
	{ "mtime.current.dwrite", G_MTIME, F_ALL, { "ok", "ok", "ok" } },
	{ "mtime.blocking", G_MTIME, F_NONE, { "ok", "ok", "ok" } },
	/* 8. io_uring: inline completion of cached reads, retried misses, IOPOLL */
	{ "uring.inline", G_URING, F_NONE, { "inline", "inline", "inline" } },
	{ "uring.miss", G_URING, F_NONE, { "ok", "ok", "ok" } },
	{ "uring.iopoll.dwrite", G_URING, F_NONE, { "ok", "ok", "ok" } },
	{ "uring.iopoll.dread", G_URING, F_NONE, { "ok", "ok", "ok" } },
	/* 9. rnwfs per-file and per-filesystem nowait statistics (pwritev2/preadv2 attempts) */
	STATS_ROW("abi"),
	STATS_ROW("read_ok"),
	STATS_ROW("read_eagain.cache"),
	STATS_ROW("read_eagain.lock"),
	STATS_ROW("read_eagain.device"),
	STATS_ROW("write_ok"),
	STATS_ROW("write_eagain.alloc"),
	STATS_ROW("write_eagain.lock"),
	STATS_ROW("write_eagain.writeback"),
	STATS_ROW("write_eagain.device"),
	STATS_ROW("sb"),
};
#define NROWS (sizeof(rows) / sizeof(rows[0]))

/* ---- results ---------------------------------------------------------------------------- */

struct slot {
	const struct row *row;
	int ifc;		/* -1: none */
	char name[64];
	char outcome[48];	/* empty: not reported */
	bool failed;		/* an extra check failed */
	char skip[200];		/* non-empty: skipped, with the reason */
	int checks;		/* aggregated rows (stats): checks made */
};

static struct slot slots[NROWS * NIFC];
static int nslots;
static int fs = -1;		/* index into fs_names, -1: other (recorded only) */
static int ktap_n, ktap_failed;

static void diag(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("# ");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	fflush(stdout);
}

static void build_slots(void)
{
	for (size_t r = 0; r < NROWS; r++) {
		if (r && rows[r].group < rows[r - 1].group) {
			fprintf(stderr, "rows[] must be ordered by group (%s)\n", rows[r].id);
			exit(2);
		}
		for (int i = rows[r].ifcs ? 0 : -1; i < NIFC; i++) {
			struct slot *s;

			if (i >= 0 && !(rows[r].ifcs & (1u << i)))
				continue;
			s = &slots[nslots++];
			s->row = &rows[r];
			s->ifc = i;
			snprintf(s->name, sizeof(s->name), "%s%s%s", rows[r].id, i >= 0 ? "/" : "",
				 i >= 0 ? ifc_name[i] : "");
			if (i < 0)
				break;
		}
	}
}

static struct slot *S_opt(const char *id, int ifc)
{
	for (int i = 0; i < nslots; i++)
		if (!strcmp(slots[i].row->id, id) && slots[i].ifc == (slots[i].row->ifcs ? ifc : -1))
			return &slots[i];
	return NULL;
}

static struct slot *S(const char *id, int ifc)
{
	struct slot *s = S_opt(id, ifc);

	if (!s) {
		fprintf(stderr, "no result slot %s/%d\n", id, ifc);
		exit(2);
	}
	return s;
}

static void sfail(struct slot *s, const char *fmt, ...)
{
	va_list ap;

	s->failed = true;
	va_start(ap, fmt);
	printf("# %s: FAIL: ", s->name);
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	fflush(stdout);
}

static void snote(struct slot *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("# %s: ", s->name);
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	fflush(stdout);
}

static void sskip(struct slot *s, const char *reason)
{
	snprintf(s->skip, sizeof(s->skip), "%s", reason);
}

static void set_outcome(struct slot *s, const char *label)
{
	snprintf(s->outcome, sizeof(s->outcome), "%s", label);
}

static const char *errname(int err)
{
	static char buf[16];
	const char *n = strerrorname_np(err);

	if (n)
		return n;
	snprintf(buf, sizeof(buf), "E%d", err);
	return buf;
}

/* ok / short / errno name for a read or write of len bytes that returned r (or -errno). */
static const char *label_of(ssize_t r, size_t len)
{
	if (r < 0)
		return errname((int)-r);
	return (size_t)r == len ? "ok" : "short";
}

/* The expectation for this filesystem and interface: "a|!b" (see the table). */
static const char *expectation(const struct slot *s, char *buf, size_t size)
{
	const char *e = fs >= 0 ? s->row->exp[fs] : (!strncmp(s->row->id, "stats.", 6) ? "n/a" : "*");
	const char *p = e;

	/* "ifc=X;Y": the part for this interface, else the last (default) part */
	while (p && *p) {
		const char *semi = strchr(p, ';'), *eq = strchr(p, '=');
		size_t n = semi ? (size_t)(semi - p) : strlen(p);

		if (eq && (!semi || eq < semi)) {
			if (s->ifc >= 0 && !strncmp(p, ifc_name[s->ifc], eq - p) &&
			    strlen(ifc_name[s->ifc]) == (size_t)(eq - p)) {
				snprintf(buf, size, "%.*s", (int)(n - (eq + 1 - p)), eq + 1);
				return buf;
			}
		} else {
			snprintf(buf, size, "%.*s", (int)n, p);
			return buf;
		}
		p = semi ? semi + 1 : NULL;
	}
	snprintf(buf, size, "%s", e);
	return buf;
}

/* Is outcome one of the alternatives; *needless if it is marked '!'. */
static bool accepted(const char *alts, const char *outcome, bool *needless)
{
	const char *p = alts;

	*needless = false;
	if (!strcmp(alts, "*"))
		return true;
	while (*p) {
		size_t n = strcspn(p, "|");
		bool bang = *p == '!';

		if (n - bang == strlen(outcome) && !strncmp(p + bang, outcome, n - bang)) {
			*needless = bang;
			return true;
		}
		p += n + (p[n] == '|');
	}
	return false;
}

/* Prints the results of one group, in table order: "# cell NAME TEXT" then the KTAP line. */
static void flush_group(enum group g, const char *why_not_run)
{
	for (int i = 0; i < nslots; i++) {
		struct slot *s = &slots[i];
		char exp[64], cell[96];
		bool needless, ok;

		if (s->row->group != g)
			continue;
		ktap_n++;
		expectation(s, exp, sizeof(exp));
		if (!strcmp(exp, "n/a") && !s->outcome[0] && !s->skip[0])
			snprintf(s->skip, sizeof(s->skip), "n/a on %s: %s",
				 fs >= 0 ? fs_names[fs] : "this filesystem",
				 g == G_STATS ? "the nowait statistics are an rnwfs ioctl" : "does not apply");
		if (!s->outcome[0] && !s->skip[0] && why_not_run)
			snprintf(s->skip, sizeof(s->skip), "%s", why_not_run);
		if (s->skip[0]) {
			printf("# cell %s %s\n", s->name, !strncmp(s->skip, "n/a", 3) ? "n/a" : "SKIP");
			printf("ok %d %s # SKIP %s\n", ktap_n, s->name, s->skip);
			continue;
		}
		if (!s->outcome[0]) {
			printf("# %s: not reported (the case stopped before it)\n", s->name);
			printf("# cell %s FAIL:none\n", s->name);
			printf("not ok %d %s\n", ktap_n, s->name);
			ktap_failed++;
			continue;
		}
		if (s->checks)
			printf("# %s: %d attempt(s) checked\n", s->name, s->checks);
		ok = accepted(exp, s->outcome, &needless);
		if (!ok)
			printf("# %s: got %s, expected %s on %s\n", s->name, s->outcome, exp,
			       fs >= 0 ? fs_names[fs] : "?");
		ok = ok && !s->failed;
		snprintf(cell, sizeof(cell), "%s%s%s", ok ? "" : "FAIL:", s->outcome,
			 ok && needless ? " (needless)" : "");
		printf("# cell %s %s\n", s->name, cell);
		printf("%s %d %s\n", ok ? "ok" : "not ok", ktap_n, s->name);
		if (!ok)
			ktap_failed++;
	}
	fflush(stdout);
}

/* ---- environment ------------------------------------------------------------------------ */

static const char *mnt, *devname_;	/* mountpoint; rnwblk device name (rnwblk0) */
static void *buf, *buf2, *vbuf;		/* 1 MiB each, page aligned */
static struct io_uring ring;
static io_context_t aioctx;
static bool stats_on;			/* rnwfs: check the statistics ioctls */

static const char *path_of(const char *name)
{
	static char p[4][512];
	static int i;

	i = (i + 1) % 4;
	snprintf(p[i], sizeof(p[i]), "%s/%s", mnt, name);
	return p[i];
}

static int open_file(const char *name, int flags)
{
	int fd = open(path_of(name), flags | O_CLOEXEC);

	if (fd < 0)
		diag("open %s: %s", path_of(name), strerror(errno));
	return fd;
}

/* name: size bytes of pattern seed, written buffered and fsynced: allocated, cached, clean. */
static int make_file(const char *name, size_t size, unsigned int seed)
{
	int fd = open(path_of(name), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int ret = 0;

	if (fd < 0)
		return -errno;
	rnw_fill(buf, size, 0, seed);
	if (pwrite(fd, buf, size, 0) != (ssize_t)size || fsync(fd))
		ret = errno ? -errno : -EIO;
	close(fd);
	if (ret)
		diag("make_file %s: %s", name, strerror(-ret));
	return ret;
}

struct cache_state {
	long long cached, dirty, writeback;	/* pages; dirty/writeback -1 if unknown */
};

/* Page-cache pages of fd in [off, off+len) (len 0: to EOF): cachestat(2), else mincore. */
static int cache_state(int fd, off_t off, size_t len, struct cache_state *cs)
{
	struct { uint64_t off, len; } range = { off, len };
	struct { uint64_t nr_cache, nr_dirty, nr_writeback, nr_evicted, nr_recent; } st;
	unsigned char vec[1024];
	struct stat sb;
	void *p;

	if (syscall(__NR_cachestat, fd, &range, &st, 0) == 0) {
		cs->cached = st.nr_cache;
		cs->dirty = st.nr_dirty;
		cs->writeback = st.nr_writeback;
		return 0;
	}
	if (errno != ENOSYS || fstat(fd, &sb))
		return -errno;
	if (!len)
		len = sb.st_size - off;
	if (len / PAGE > sizeof(vec))
		return -E2BIG;
	p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, off);
	if (p == MAP_FAILED)
		return -errno;
	if (mincore(p, len, vec)) {
		munmap(p, len);
		return -errno;
	}
	munmap(p, len);
	cs->cached = 0;
	for (size_t i = 0; i < (len + PAGE - 1) / PAGE; i++)
		cs->cached += vec[i] & 1;
	cs->dirty = cs->writeback = -1;
	return 0;
}

static long long cached_pages(int fd, off_t off, size_t len)
{
	struct cache_state cs;

	return cache_state(fd, off, len, &cs) ? -1 : cs.cached;
}

/*
 * No page of name cached: fsync, a blocking read of it all (which also waits for readahead
 * in flight), then POSIX_FADV_DONTNEED. 0, or -1 with the reason in *why.
 */
static int drop_cache(const char *name, const char **why)
{
	static char msg[160];
	int fd = open_file(name, O_RDONLY);
	struct stat st;
	long long left = -1;

	*why = msg;
	if (fd < 0 || fstat(fd, &st) || fsync(fd)) {
		snprintf(msg, sizeof(msg), "drop cache of %s: open/fstat/fsync: %s", name, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	for (off_t off = 0; off < st.st_size; off += 1024 * KiB)
		if (pread(fd, vbuf, 1024 * KiB, off) < 0) {
			snprintf(msg, sizeof(msg), "drop cache of %s: read: %s", name, strerror(errno));
			close(fd);
			return -1;
		}
	for (int i = 0; i < 3 && left != 0; i++) {
		posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
		left = cached_pages(fd, 0, 0);
	}
	close(fd);
	if (left == 0)
		return 0;
	snprintf(msg, sizeof(msg), "precondition: %lld page(s) of %s still cached after fsync + "
		 "POSIX_FADV_DONTNEED", left, name);
	return -1;
}

/* Exactly [off, off+len) of name cached, read without readahead (POSIX_FADV_RANDOM). */
static int cache_exact(const char *name, off_t off, size_t len)
{
	int fd = open_file(name, O_RDONLY);
	int ret = -1;

	if (fd < 0)
		return -1;
	if (!posix_fadvise(fd, 0, 0, POSIX_FADV_RANDOM) && pread(fd, vbuf, len, off) == (ssize_t)len)
		ret = 0;
	close(fd);
	return ret;
}

static bool ts_eq(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

static struct timespec coarse_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME_COARSE, &t);
	return t;
}

/* ---- one read or write through an interface ------------------------------------------- */

static ssize_t do_io(int ifc, int fd, bool wr, void *b, size_t len, off_t off, int rwf)
{
	switch (ifc) {
	case PV2: {
		struct iovec iov = { b, len };
		ssize_t r = wr ? pwritev2(fd, &iov, 1, off, rwf) : preadv2(fd, &iov, 1, off, rwf);

		return r < 0 ? -errno : r;
	}
	case AIO: {
		struct iocb cb, *cbs[1] = { &cb };
		struct io_event ev;
		int r;

		if (wr)
			io_prep_pwrite(&cb, fd, b, len, off);
		else
			io_prep_pread(&cb, fd, b, len, off);
		cb.aio_rw_flags = rwf;
		r = io_submit(aioctx, 1, cbs);	/* libaio: -errno */
		if (r != 1)
			return r < 0 ? r : -EIO;
		r = io_getevents(aioctx, 1, 1, &ev, NULL);
		if (r != 1)
			return r < 0 ? r : -EIO;
		return (long)ev.res;
	}
	case URING: {
		struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
		struct io_uring_cqe *cqe;
		int r;

		if (!sqe)
			return -EBUSY;
		if (wr)
			io_uring_prep_write(sqe, fd, b, len, off);
		else
			io_uring_prep_read(sqe, fd, b, len, off);
		sqe->rw_flags = rwf;
		if (io_uring_submit(&ring) != 1 || io_uring_wait_cqe(&ring, &cqe))
			return -EIO;
		r = cqe->res;
		io_uring_cqe_seen(&ring, cqe);
		return r;
	}
	}
	return -EINVAL;
}

/* ---- rnwfs statistics ------------------------------------------------------------------- */

static const char *const cause_name[RNWFS_NOWAIT_NR_CAUSES] = {
	"alloc", "lock", "cache", "writeback", "device", "other",
};

struct snap {
	int err;
	struct rnwfs_nowait_stats f, sb;
};

static void stats_snap(int fd, struct snap *s)
{
	memset(s, 0, sizeof(*s));
	if (ioctl(fd, RNWFS_IOC_NOWAIT_STATS, &s->f))
		s->err = errno;
	else if (ioctl(fd, RNWFS_IOC_SB_NOWAIT_STATS, &s->sb))
		s->err = errno;
}

/* The counters as one vector: read_ok, write_ok, read_eagain[], write_eagain[]. */
#define NCTR (2 + 2 * RNWFS_NOWAIT_NR_CAUSES)
static void stats_vec(const struct rnwfs_nowait_stats *st, long long *v)
{
	v[0] = st->read_ok;
	v[1] = st->write_ok;
	for (int c = 0; c < RNWFS_NOWAIT_NR_CAUSES; c++) {
		v[2 + c] = st->read_eagain[c];
		v[2 + RNWFS_NOWAIT_NR_CAUSES + c] = st->write_eagain[c];
	}
}

static void ctr_name(int i, char *b, size_t n)
{
	if (i < 2)
		snprintf(b, n, "%s", i ? "write_ok" : "read_ok");
	else if (i < 2 + RNWFS_NOWAIT_NR_CAUSES)
		snprintf(b, n, "read_eagain.%s", cause_name[i - 2]);
	else
		snprintf(b, n, "write_eagain.%s", cause_name[i - 2 - RNWFS_NOWAIT_NR_CAUSES]);
}

/* One check of an aggregated row: ok so far, or the first failure decides the outcome. */
static void agg(struct slot *s, bool pass, const char *outcome_if_failed)
{
	s->checks++;
	if (!s->outcome[0] || (!strcmp(s->outcome, "ok") && !pass))
		set_outcome(s, pass ? "ok" : outcome_if_failed);
}

/*
 * After one nowait attempt on rnwfs that userspace saw return r: the file's counters moved
 * by exactly one, the one for what happened (a served read or write, even short; or EAGAIN
 * for `cause`), and the filesystem's by the same.
 */
static void stats_check(int fd, const struct snap *before, bool wr, ssize_t r, int cause,
			const char *what)
{
	long long b[NCTR], a[NCTR], sb_b[NCTR], sb_a[NCTR], want[NCTR] = { 0 };
	char row[48], n[40];
	struct snap after;
	struct slot *s, *sb;
	int k;

	if (r < 0 && r != -EAGAIN)
		return;	/* no nowait attempt the statistics describe */
	if (r >= 0)
		k = wr;
	else
		k = 2 + wr * RNWFS_NOWAIT_NR_CAUSES + cause;
	want[k] = 1;
	ctr_name(k, n, sizeof(n));
	snprintf(row, sizeof(row), "stats.%s", n);
	s = S_opt(row, -1);
	sb = S("stats.sb", -1);
	if (!s) {
		diag("%s: %s: no statistics row for %s (not checked)", what, label_of(r, 1), n);
		return;
	}
	if (before->err || (stats_snap(fd, &after), after.err)) {
		int err = before->err ? before->err : after.err;

		if (!s->failed)
			sfail(s, "the statistics ioctls: %s", strerror(err));
		if (!sb->failed)
			sfail(sb, "the statistics ioctls: %s", strerror(err));
		agg(s, false, errname(err));
		agg(sb, false, errname(err));
		return;
	}
	stats_vec(&before->f, b);
	stats_vec(&after.f, a);
	stats_vec(&before->sb, sb_b);
	stats_vec(&after.sb, sb_a);
	bool pass = true, sb_pass = true;

	for (int i = 0; i < NCTR; i++) {
		ctr_name(i, n, sizeof(n));
		if (a[i] - b[i] != want[i]) {
			sfail(s, "%s: file counter %s moved by %lld, expected %lld", what, n,
			      a[i] - b[i], want[i]);
			pass = false;
		}
		if (sb_a[i] - sb_b[i] != a[i] - b[i]) {
			sfail(sb, "%s: filesystem counter %s moved by %lld, the file's by %lld", what,
			      n, sb_a[i] - sb_b[i], a[i] - b[i]);
			sb_pass = false;
		}
	}
	agg(s, pass, "mismatch");
	agg(sb, sb_pass, "mismatch");
}

/* ---- a nowait attempt ------------------------------------------------------------------- */

struct op {
	int ifc, fd;
	bool wr;
	void *b;
	size_t len;
	off_t off;
	int cause;		/* rnwfs statistics cause if EAGAIN; -1: not checked */
	bool fresh_ts;		/* timestamps made current first (same-tick protocol) */
	const char *what;	/* for diagnostics */
	const char *ctr;	/* rnwblk counter to measure around the final attempt, or NULL */
	const char *ctr2;
	long long ctr_delta, ctr2_delta, nowait_delta;
	bool unattributed;	/* EAGAIN every time, never within one tick */
	int tries;
};

static ssize_t nowait(struct op *o)
{
	int tries = o->fresh_ts && fs_ts_refuses[fs >= 0 ? fs : FS_XFS] ? TS_TRIES : 1;
	ssize_t r = -EAGAIN;

	o->unattributed = false;
	for (o->tries = 1; o->tries <= tries; o->tries++) {
		struct timespec t0, t1;
		struct stat st;
		long long c0 = 0, c2 = 0, nw;
		struct snap snap;
		bool stats = stats_on && o->ifc == PV2 && o->cause >= 0;

		/* Counters first: between futimens and the end of the write as little as can be. */
		if (stats)
			stats_snap(o->fd, &snap);
		if (o->ctr)
			c0 = rnwblk_counter(devname_, o->ctr);
		if (o->ctr2)
			c2 = rnwblk_counter(devname_, o->ctr2);
		nw = rnwblk_counter(devname_, "nowait_requests");
		if (o->fresh_ts && futimens(o->fd, NULL))
			return -errno;
		t0 = coarse_now();
		r = do_io(o->ifc, o->fd, o->wr, o->b, o->len, o->off, RWF_NOWAIT);
		t1 = coarse_now();
		if (o->ctr)
			o->ctr_delta = rnwblk_counter(devname_, o->ctr) - c0;
		if (o->ctr2)
			o->ctr2_delta = rnwblk_counter(devname_, o->ctr2) - c2;
		o->nowait_delta = rnwblk_counter(devname_, "nowait_requests") - nw;
		if (stats)
			stats_check(o->fd, &snap, o->wr, r, o->cause, o->what);
		if (!o->fresh_ts || r != -EAGAIN || tries == 1)
			return r;
		/* A refused write changes no timestamp: mtime and ctime are still futimens' "now".
		 * Equal to the coarse clock before and after the write, they were current for it. */
		if (fstat(o->fd, &st))
			return -errno;
		if (ts_eq(&st.st_mtim, &t0) && ts_eq(&st.st_ctim, &t0) && ts_eq(&t0, &t1))
			return r;
	}
	o->tries = tries;
	o->unattributed = true;
	return r;
}

/* Records a nowait attempt's outcome in s (a skip if its EAGAIN could not be attributed). */
static void record(struct slot *s, struct op *o, ssize_t r)
{
	if (o->unattributed) {
		char why[160];

		snprintf(why, sizeof(why), "EAGAIN in %d attempts, none within one clock tick: "
			 "cannot tell the condition from the c/mtime refusal", o->tries);
		sskip(s, why);
		return;
	}
	set_outcome(s, label_of(r, o->len));
	if (o->tries > 1)
		snote(s, "%s after %d attempts (timestamps changed under the earlier ones)",
		      label_of(r, o->len), o->tries);
}

/*
 * After a write attempt of [off, off+len) with pattern new_seed that returned r, over data
 * of old_seed (< 0: zeros): the written part has the new data, the rest the old. Read back
 * (blocking) with O_DIRECT through a new open of fd's file: that caches nothing (a buffered
 * read would read ahead into ranges later rows need uncached) and writes dirty pages first.
 */
static void check_written(struct slot *s, int fd, off_t off, size_t len, ssize_t r,
			  int new_seed, int old_seed)
{
	size_t done = r > 0 ? (size_t)r : 0;
	char self[64];
	int rfd;
	ssize_t n;
	long bad;

	snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
	rfd = open(self, O_RDONLY | O_DIRECT | O_CLOEXEC);
	if (rfd < 0) {
		sfail(s, "reopening for the read back: %s", strerror(errno));
		return;
	}
	n = pread(rfd, vbuf, len, off);
	close(rfd);
	if (n != (ssize_t)len) {
		sfail(s, "reading back [%lld, +%zu): %s", (long long)off, len,
		      n < 0 ? strerror(errno) : "short");
		return;
	}
	bad = rnw_check(vbuf, done, off, new_seed);
	if (bad >= 0) {
		sfail(s, "written data wrong at %lld", (long long)off + bad);
		return;
	}
	if (old_seed < 0)
		bad = rnw_all_zero((char *)vbuf + done, len - done) ? -1 : 0;
	else
		bad = rnw_check((char *)vbuf + done, len - done, off + done, old_seed);
	if (bad >= 0)
		sfail(s, "%s changed the data it did not write (at %lld)",
		      r < 0 ? "a refused write" : "a short write", (long long)(off + done + bad));
}

/* A read that returned r into b: the bytes it returned are pattern seed. */
static void check_read(struct slot *s, const void *b, ssize_t r, off_t off, int seed)
{
	long bad;

	if (r <= 0)
		return;
	bad = rnw_check(b, r, off, seed);
	if (bad >= 0)
		sfail(s, "read returned wrong data at %lld", (long long)off + bad);
}

/* A nowait write of pattern new_seed over old_seed (< 0: zeros), recorded in s and checked. */
static ssize_t try_write(struct slot *s, struct op *o, int new_seed, int old_seed)
{
	ssize_t r;

	rnw_fill(o->b, o->len, o->off, new_seed);
	r = nowait(o);
	record(s, o, r);
	check_written(s, o->fd, o->off, o->len, r, new_seed, old_seed);
	return r;
}

/* A nowait read of pattern seed, recorded in s and checked. */
static ssize_t try_read(struct slot *s, struct op *o, int seed)
{
	ssize_t r = nowait(o);

	record(s, o, r);
	check_read(s, o->b, r, o->off, seed);
	return r;
}

/* ---- 1. advertise ----------------------------------------------------------------------- */

static void case_advertise(void)
{
	int fd, p[2];

	if (make_file("adv", FILE_SIZE, 1) || (fd = open_file("adv", O_RDONLY)) < 0)
		return;
	for (int i = 0; i < NIFC; i++) {
		struct slot *s = S("advertise", i);
		ssize_t r = do_io(i, fd, false, buf2, 16 * KiB, 0, RWF_NOWAIT);

		set_outcome(s, label_of(r, 16 * KiB));
		check_read(s, buf2, r, 0, 1);
	}
	close(fd);

	fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t r = do_io(PV2, fd, false, buf2, 4096, 0, RWF_NOWAIT);

		set_outcome(S("control.procfs", PV2), r >= 0 ? "ok" : errname(-r));
		close(fd);
	}
	if (!pipe(p)) {
		ssize_t r;

		if (write(p[1], "x", 1) == 1) {
			r = do_io(PV2, p[0], false, buf2, 1, -1, RWF_NOWAIT);	/* -1: no offset */
			set_outcome(S("control.pipe", PV2), label_of(r, 1));
		}
		close(p[0]);
		close(p[1]);
	}
}

/* ---- 2. buffered reads ------------------------------------------------------------------ */

static void case_bread(void)
{
	for (int i = 0; i < NIFC; i++) {
		char name[32];
		const char *why;
		int fd, seed = 10 + i;
		ssize_t r;
		struct slot *s;
		struct op o = { .ifc = i, .b = buf2 };

		snprintf(name, sizeof(name), "bread-%s", ifc_name[i]);
		if (make_file(name, FILE_SIZE, seed) || (fd = open_file(name, O_RDONLY)) < 0)
			continue;
		o.fd = fd;

		/* cached (by the write that made the file) */
		s = S("bread.cached", i);
		o.len = 64 * KiB, o.off = 0, o.cause = RNWFS_NOWAIT_CACHE, o.what = "cached read";
		try_read(s, &o, seed);

		/* uncached: EAGAIN, and nothing read in */
		s = S("bread.uncached", i);
		if (drop_cache(name, &why)) {
			sfail(s, "%s", why);
			sfail(S("bread.no-readahead", i), "%s", why);
		}
		o.len = 16 * KiB, o.off = 64 * KiB, o.what = "uncached read", o.ctr = "reads";
		r = try_read(s, &o, seed);
		if (r == (ssize_t)o.len)
			set_outcome(s, "read-in");	/* the nowait read did the I/O itself */
		long long pages = cached_pages(fd, 0, 0);

		/* no I/O started: no page added to the cache, no read request at the device */
		s = S("bread.no-readahead", i);
		if (pages < 0)
			sfail(s, "cachestat: %s", strerror(errno));
		set_outcome(s, pages == 0 && o.ctr_delta == 0 ? "none" : "readahead");
		snote(s, "after the attempt (%s): %lld page(s) of the file cached, rnwblk reads +%lld",
		      label_of(r, o.len), pages, o.ctr_delta);
		o.ctr = NULL;

		/* partially cached: exactly the cached part */
		s = S("bread.partial", i);
		if (drop_cache(name, &why))
			sfail(s, "%s", why);
		else if (cache_exact(name, 0, 8 * KiB) || cached_pages(fd, 0, 0) != 2)
			sfail(s, "precondition: not exactly [0, 8 KiB) cached (%lld pages)",
			      cached_pages(fd, 0, 0));
		o.len = 16 * KiB, o.off = 0, o.what = "half-cached read";
		r = try_read(s, &o, seed);
		if (r == 16 * KiB)
			set_outcome(s, "read-in");
		else if (r > 8 * KiB && r < 16 * KiB)
			set_outcome(s, "short+");
		else if (r > 0 && r < 8 * KiB)
			set_outcome(s, "short-");
		close(fd);
	}
}

/* ---- 3. buffered writes ----------------------------------------------------------------- */

static void case_bwrite(void)
{
	for (int i = 0; i < NIFC; i++) {
		char name[32];
		int fd, seed = 20 + 4 * i;
		struct slot *s;
		struct op o = { .ifc = i, .wr = true, .b = buf2, .fresh_ts = true, .len = 16 * KiB };

		snprintf(name, sizeof(name), "bwrite-%s", ifc_name[i]);
		if (make_file(name, FILE_SIZE, seed) || (fd = open_file(name, O_RDWR)) < 0)
			continue;
		o.fd = fd;

		/* allocated, cached blocks */
		s = S("bwrite.overwrite", i);
		o.off = 0, o.cause = RNWFS_NOWAIT_ALLOC, o.what = "buffered overwrite";
		try_write(s, &o, seed + 1, seed);

		/* preallocated blocks: no allocation needed */
		s = S("bwrite.prealloc", i);
		if (fallocate(fd, 0, FILE_SIZE, 64 * KiB))
			sfail(s, "fallocate: %s", strerror(errno));
		o.off = FILE_SIZE, o.what = "buffered write into preallocated blocks";
		try_write(s, &o, seed + 2, -1);

		/* a hole inside the file: blocks to allocate */
		s = S("bwrite.hole", i);
		if (ftruncate(fd, 1024 * KiB))
			sfail(s, "ftruncate: %s", strerror(errno));
		o.off = 512 * KiB, o.what = "buffered write into a hole";
		try_write(s, &o, seed + 3, -1);
		close(fd);
	}
}

/* ---- 4. direct writes ------------------------------------------------------------------- */

static void case_dwrite(void)
{
	cpu_set_t cpus;
	bool pinned = !sched_getaffinity(0, sizeof(cpus), &cpus) && !rnw_pin_cpu();

	/* Pinned: the clean-cache case's folios must be in this CPU's LRU batch (rnw_test.h). */
	for (int i = 0; i < NIFC; i++) {
		char name[32];
		const char *why;
		int dfd, bfd, seed = 40 + 8 * i;
		struct slot *s;
		struct cache_state cs;
		struct op o = { .ifc = i, .wr = true, .b = buf2, .fresh_ts = true, .len = 16 * KiB };

		snprintf(name, sizeof(name), "dwrite-%s", ifc_name[i]);
		if (make_file(name, FILE_SIZE, seed) || (bfd = open_file(name, O_RDWR)) < 0)
			continue;
		if ((dfd = open_file(name, O_RDWR | O_DIRECT)) < 0) {
			close(bfd);
			continue;
		}
		o.fd = dfd;
		if (ftruncate(bfd, 1024 * KiB) || drop_cache(name, &why))
			sfail(S("dwrite.overwrite", i), "setup: %s", errno ? strerror(errno) : why);

		/* allocated blocks, nothing cached */
		s = S("dwrite.overwrite", i);
		o.off = 0, o.cause = RNWFS_NOWAIT_ALLOC, o.what = "direct overwrite";
		try_write(s, &o, seed + 1, seed);

		/* a hole */
		s = S("dwrite.hole", i);
		o.off = 512 * KiB, o.what = "direct write into a hole";
		try_write(s, &o, seed + 2, -1);

		/* dirty page cache over the range */
		s = S("dwrite.dirty-cache", i);
		o.off = 64 * KiB;
		rnw_fill(vbuf, o.len, o.off, seed + 3);
		if (pwrite(bfd, vbuf, o.len, o.off) != (ssize_t)o.len)
			sfail(s, "buffered write: %s", strerror(errno));
		if (!cache_state(bfd, o.off, o.len, &cs) && cs.dirty == 0)
			sfail(s, "precondition: the range is not dirty");
		o.cause = RNWFS_NOWAIT_WRITEBACK, o.what = "direct write over dirty cache";
		try_write(s, &o, seed + 4, seed + 3);

		/* clean page cache over the range */
		s = S("dwrite.clean-cache", i);
		rnw_fill(vbuf, o.len, o.off, seed + 3);
		if (pwrite(bfd, vbuf, o.len, o.off) != (ssize_t)o.len || fsync(bfd))
			sfail(s, "buffered write + fsync: %s", strerror(errno));
		if (cache_state(bfd, o.off, o.len, &cs) || cs.cached != (long long)(o.len / PAGE) ||
		    cs.dirty > 0 || cs.writeback > 0)
			sfail(s, "precondition: the range is not all cached and clean (%lld cached, "
			      "%lld dirty)", cs.cached, cs.dirty);
		o.what = "direct write over clean cache";
		try_write(s, &o, seed + 5, seed + 3);
		close(dfd);
		close(bfd);
	}
	if (pinned)
		sched_setaffinity(0, sizeof(cpus), &cpus);
}

/* ---- 5. inode lock held by a stalled writer --------------------------------------------- */

struct writer {
	int fd, donefd;
	void *src;
	ssize_t ret;
	int err;
};

static void *writer_main(void *arg)
{
	struct writer *w = arg;

	w->ret = pwrite(w->fd, w->src, PAGE, 0);	/* takes i_rwsem, then faults on src */
	w->err = errno;
	if (write(w->donefd, "x", 1) != 1)
		w->err = errno;
	return NULL;
}

static char lock_skip[200];

/* The attempts made while the writer holds i_rwsem (one per interface each). */
static const struct stall_try {
	const char *id;
	bool wr, direct;
	size_t len;
	off_t off;	/* of the first interface's range; the others follow */
} stall_tries[] = {
	{ "lock.bwrite", true, false, PAGE, 32 * KiB },
	{ "lock.dwrite", true, true, 16 * KiB, 64 * KiB },
	{ "lock.bread-cached", false, false, 16 * KiB, 128 * KiB },
	{ "lock.dread", false, true, 16 * KiB, 192 * KiB },
};

struct guarded {
	struct op *o;
	ssize_t r;
	int fd;
};

static void *guarded_main(void *arg)
{
	struct guarded *g = arg;

	g->r = nowait(g->o);
	if (write(g->fd, "x", 1) != 1)
		g->r = -EPIPE;
	return NULL;
}

/*
 * nowait(o) on a thread of its own. False if it is still inside the call after 60 s: it
 * waits for the stalled writer, which only this program releases, so it would never return
 * by itself (the 60 s are a guard against that deadlock, far above what a nowait call takes
 * even under TCG). The caller then joins *th once the writer is released.
 */
static bool nowait_guarded(struct op *o, ssize_t *r, pthread_t *th)
{
	static struct guarded g;
	int p[2];
	struct pollfd pfd;
	char c;

	if (pipe(p))
		return (*r = -errno), true;
	g = (struct guarded){ .o = o, .fd = p[1] };
	if (pthread_create(th, NULL, guarded_main, &g)) {
		close(p[0]);
		close(p[1]);
		diag("pthread_create failed");
		return (*r = -EPROTO), true;	/* no errno a nowait attempt would give */
	}
	pfd = (struct pollfd){ p[0], POLLIN, 0 };
	if (poll(&pfd, 1, 60000) != 1)
		return false;	/* p stays open for the thread */
	if (read(p[0], &c, 1) != 1)
		g.r = -EPIPE;
	pthread_join(*th, NULL);
	close(p[0]);
	close(p[1]);
	*r = g.r;
	return true;
}

static void case_lock(void)
{
	const int seed = 70, wseed = 71;
	const char *why = NULL;
	int bfd = -1, dfd = -1, uffd = -1, done[2] = { -1, -1 };
	void *area = MAP_FAILED;
	pthread_t th, attempt_th;
	bool started = false, blocked = false;
	struct writer w = { 0 };
	struct slot *s;

	if (make_file("lock", FILE_SIZE, seed) || drop_cache("lock", &why) ||
	    cache_exact("lock", 128 * KiB, 64 * KiB) ||
	    (bfd = open_file("lock", O_RDWR)) < 0 || (dfd = open_file("lock", O_RDWR | O_DIRECT)) < 0) {
		snprintf(lock_skip, sizeof(lock_skip), "setup of the lock case failed");
		sfail(S("lock.writer", -1), "setup: %s", why ? why : "make/open");
		set_outcome(S("lock.writer", -1), "setup");
		goto out;
	}

	/* The stall: a buffered write() from a page userfaultfd will provide. */
	uffd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (uffd < 0) {
		snprintf(lock_skip, sizeof(lock_skip), "userfaultfd: %s%s", strerror(errno),
			 errno == ENOSYS ? " (kernel without CONFIG_USERFAULTFD)" : "");
		goto out;
	}
	struct uffdio_api api = { .api = UFFD_API };

	if (ioctl(uffd, UFFDIO_API, &api)) {
		snprintf(lock_skip, sizeof(lock_skip), "UFFDIO_API: %s", strerror(errno));
		goto out;
	}
	area = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct uffdio_register reg = {
		.range = { (unsigned long)area, PAGE }, .mode = UFFDIO_REGISTER_MODE_MISSING,
	};

	if (area == MAP_FAILED || ioctl(uffd, UFFDIO_REGISTER, &reg) || pipe(done)) {
		snprintf(lock_skip, sizeof(lock_skip), "mmap/UFFDIO_REGISTER: %s", strerror(errno));
		goto out;
	}
	w.fd = bfd, w.donefd = done[1], w.src = area;
	if (pthread_create(&th, NULL, writer_main, &w)) {
		snprintf(lock_skip, sizeof(lock_skip), "pthread_create failed");
		goto out;
	}
	started = true;

	/* Handshake: the fault event means the writer is inside write() holding i_rwsem. The
	 * timeout only keeps a broken kernel from hanging the run. */
	struct pollfd pfd[2] = { { uffd, POLLIN, 0 }, { done[0], POLLIN, 0 } };
	struct uffd_msg msg;
	int n = poll(pfd, 2, 120000);

	s = S("lock.writer", -1);
	if (n <= 0 || !(pfd[0].revents & POLLIN) || read(uffd, &msg, sizeof(msg)) != sizeof(msg) ||
	    msg.event != UFFD_EVENT_PAGEFAULT) {
		sfail(s, "no userfaultfd fault from the writer (%s)",
		      n == 0 ? "none within 120 s" : (pfd[1].revents ? "its write() returned" : "poll/read"));
		set_outcome(s, "no-stall");
		snprintf(lock_skip, sizeof(lock_skip), "the writer did not stall on its userfaultfd page");
		goto resolve;
	}
	diag("lock: writer stalled in write() on its userfaultfd page at %#llx",
	     (unsigned long long)msg.arg.pagefault.address);

	for (int i = 0; i < NIFC; i++) {
		for (size_t t = 0; t < sizeof(stall_tries) / sizeof(stall_tries[0]); t++) {
			const struct stall_try *st = &stall_tries[t];
			struct op o = { .ifc = i, .b = buf2, .wr = st->wr, .len = st->len,
					.off = st->off + i * st->len, .fd = st->direct ? dfd : bfd,
					.cause = RNWFS_NOWAIT_LOCK, .what = st->id };
			ssize_t r;

			s = S(st->id, i);
			if (blocked) {
				sskip(s, "not tried: an earlier attempt blocked on the lock");
				continue;
			}
			if (st->wr)
				rnw_fill(buf2, o.len, o.off, wseed + 1);
			if (!nowait_guarded(&o, &r, &attempt_th)) {
				set_outcome(s, "blocked");
				sfail(s, "still inside the call after 60 s: it waits for the stalled writer");
				blocked = true;
				continue;
			}
			record(s, &o, r);
			if (!st->wr)
				check_read(s, buf2, r, o.off, seed);
		}
	}
	/* All of that happened while the writer was stalled. */
	struct pollfd still = { done[0], POLLIN, 0 };

	if (poll(&still, 1, 0) != 0)
		sfail(S("lock.writer", -1), "the writer finished while the nowait attempts ran");

resolve:;
	/* Provide the page: the writer's write() completes. */
	struct uffdio_copy copy = {
		.dst = (unsigned long)area, .src = (unsigned long)vbuf, .len = PAGE,
	};

	rnw_fill(vbuf, PAGE, 0, wseed);
	if (ioctl(uffd, UFFDIO_COPY, &copy))
		sfail(S("lock.writer", -1), "UFFDIO_COPY: %s", strerror(errno));
	pthread_join(th, NULL);
	started = false;
	if (blocked)
		pthread_join(attempt_th, NULL);	/* the blocked attempt went on with the lock */
	s = S("lock.writer", -1);
	if (!s->outcome[0])
		set_outcome(s, label_of(w.ret < 0 ? -w.err : w.ret, PAGE));
	if (w.ret == PAGE)
		check_written(s, bfd, 0, PAGE, PAGE, wseed, seed);
	if (blocked)
		for (int i = 0; i < NIFC; i++) {
			sskip(S("lock.after-bwrite", i), "not run: an attempt blocked on the lock");
			sskip(S("lock.after-dwrite", i), "not run: an attempt blocked on the lock");
		}
	if (lock_skip[0] || blocked)
		goto out;
	/* The attempts refused above wrote nothing (or what they reported). */
	for (int i = 0; i < NIFC; i++) {
		check_written(S("lock.bwrite", i), bfd, 32 * KiB + i * PAGE, PAGE,
			      !strcmp(S("lock.bwrite", i)->outcome, "ok") ? PAGE : -1, wseed + 1, seed);
		check_written(S("lock.dwrite", i), bfd, 64 * KiB + i * 16 * KiB, 16 * KiB,
			      !strcmp(S("lock.dwrite", i)->outcome, "ok") ? 16 * KiB : -1, wseed + 1, seed);
	}

	/* Lock free again: the same nowait writes go through. */
	if (drop_cache("lock", &why))
		diag("lock: %s", why);
	for (int i = 0; i < NIFC; i++) {
		struct op o = { .ifc = i, .b = buf2, .wr = true, .fresh_ts = true };

		s = S("lock.after-bwrite", i);
		o.fd = bfd, o.len = PAGE, o.off = 32 * KiB + i * PAGE, o.cause = RNWFS_NOWAIT_LOCK;
		o.what = "buffered write, i_rwsem free";
		try_write(s, &o, wseed + 2, strcmp(S("lock.bwrite", i)->outcome, "ok") ? seed : wseed + 1);

		s = S("lock.after-dwrite", i);
		o.fd = dfd, o.len = 16 * KiB, o.off = 64 * KiB + i * 16 * KiB;
		o.what = "direct write, i_rwsem free";
		try_write(s, &o, wseed + 2, strcmp(S("lock.dwrite", i)->outcome, "ok") ? seed : wseed + 1);
	}
out:
	if (started) {
		struct uffdio_copy c = { .dst = (unsigned long)area, .src = (unsigned long)vbuf, .len = PAGE };

		ioctl(uffd, UFFDIO_COPY, &c);
		pthread_join(th, NULL);
	}
	if (area != MAP_FAILED)
		munmap(area, PAGE);
	for (int *f = (int[]){ uffd, done[0], done[1], bfd, dfd, -2 }; *f != -2; f++)
		if (*f >= 0)
			close(*f);
}

/* ---- 6. the device refuses nowait requests ---------------------------------------------- */

static char dev_skip[200];

/* The device's knob state for some rows: which AGAIN counter a refusal must move. */
struct dev_phase {
	const char *name;	/* dev.NAME.dwrite, dev.NAME.dread */
	const char *knob;	/* set to 1 for the phase, or NULL */
	const char *again;	/* the counter of its AGAINs, or NULL (none may happen) */
	off_t base;		/* its part of the file: writes at base, reads at base + 32 KiB */
};

/*
 * The outcome of a direct nowait attempt with the device refusing nowait requests (or
 * not): EAGAIN must be the device's (its AGAIN counter moved by one, the other not at all);
 * a success must have caused no AGAIN, and is "blocking-bio" if the device saw no
 * REQ_NOWAIT request for it.
 */
static void dev_record(struct slot *s, struct op *o, ssize_t r, const struct dev_phase *ph)
{
	long long inj = o->ctr_delta, cong = o->ctr2_delta;

	record(s, o, r);
	if (s->skip[0])
		return;
	if (r == (ssize_t)o->len && o->nowait_delta == 0)
		set_outcome(s, "blocking-bio");
	snote(s, "%s; rnwblk: nowait_requests +%lld, again_injected +%lld, again_congested +%lld",
	      s->outcome, o->nowait_delta, inj, cong);
	if (r == -EAGAIN && !(ph->again && inj + cong == 1 &&
			      (!strcmp(ph->again, "again_injected") ? inj : cong) == 1))
		sfail(s, "EAGAIN, but not one AGAIN of the device's (%s)", ph->again ? ph->again : "none expected");
	if (r >= 0 && inj + cong)
		sfail(s, "succeeded, yet the device counted an AGAIN");
}

static void dev_rows(const struct dev_phase *ph, int dfd, int seed, int new_seed)
{
	char wid[48], rid[48];

	snprintf(wid, sizeof(wid), "dev.%s.dwrite", ph->name);
	snprintf(rid, sizeof(rid), "dev.%s.dread", ph->name);
	for (int i = 0; i < NIFC; i++) {
		struct op o = { .ifc = i, .fd = dfd, .b = buf2, .len = PAGE, .ctr = "again_injected",
				.ctr2 = "again_congested", .cause = RNWFS_NOWAIT_DEVICE };
		struct slot *s = S(wid, i);
		ssize_t r;

		o.wr = true, o.fresh_ts = true, o.off = ph->base + i * PAGE;
		o.what = "direct write";
		rnw_fill(buf2, o.len, o.off, new_seed);
		r = nowait(&o);
		dev_record(s, &o, r, ph);
		check_written(s, dfd, o.off, o.len, r, new_seed, seed);

		s = S(rid, i);
		o.wr = false, o.fresh_ts = false, o.off = ph->base + 32 * KiB + i * PAGE;
		o.what = "direct read";
		r = nowait(&o);
		dev_record(s, &o, r, ph);
		check_read(s, buf2, r, o.off, seed);
	}
}

static void case_dev(void)
{
	static const struct dev_phase phases[] = {
		{ "again", "again_every", "again_injected", 0 },
		{ "congested", "congested", "again_congested", 64 * KiB },
		{ "off", NULL, NULL, 128 * KiB },
	};
	const int seed = 80;
	const char *why;
	int dfd = -1;

	if (rnwblk_knob_get(devname_, "again_every") < 0 || rnwblk_knob_get(devname_, "congested") < 0) {
		snprintf(dev_skip, sizeof(dev_skip), "no rnwblk debugfs knobs for %s (debugfs mounted? "
			 "an rnwblk device?)", devname_);
		return;
	}
	if (make_file("dev", FILE_SIZE, seed) || drop_cache("dev", &why) ||
	    (dfd = open_file("dev", O_RDWR | O_DIRECT)) < 0) {
		snprintf(dev_skip, sizeof(dev_skip), "setup of the device case failed");
		goto out;
	}
	for (size_t p = 0; p < sizeof(phases) / sizeof(phases[0]); p++) {
		const struct dev_phase *ph = &phases[p];

		if (ph->knob && rnwblk_knob_set(devname_, ph->knob, 1)) {
			sfail(S(ph->name[0] == 'a' ? "dev.again.dwrite" : "dev.congested.dwrite", PV2),
			      "%s: cannot set", ph->knob);
			continue;
		}
		dev_rows(ph, dfd, seed, seed + 1 + p);
		if (p == 0) {
			/* A blocking write is served with the knob on, and counts no AGAIN. */
			struct slot *s = S("dev.again.blocking", -1);
			long long c0 = rnwblk_counter(devname_, "again_injected");
			ssize_t r;

			rnw_fill(buf2, PAGE, 224 * KiB, seed + 9);
			r = pwrite(dfd, buf2, PAGE, 224 * KiB);
			set_outcome(s, label_of(r < 0 ? -errno : r, PAGE));
			if (rnwblk_counter(devname_, "again_injected") != c0)
				sfail(s, "again_injected moved for a blocking write");
			check_written(s, dfd, 224 * KiB, PAGE, r, seed + 9, seed);
		}
		if (ph->knob)
			rnwblk_knob_set(devname_, ph->knob, 0);
	}
out:
	rnwblk_knob_set(devname_, "again_every", 0);
	rnwblk_knob_set(devname_, "congested", 0);
	if (dfd >= 0)
		close(dfd);
}

/* ---- 7. c/mtime updates ----------------------------------------------------------------- */

static const struct timespec past = { 1000000000, 0 };	/* 2001-09-09 */

static int set_past(int fd)
{
	struct timespec t[2] = { past, past };

	return futimens(fd, t);
}

/* After a nowait write that returned r on a file whose mtime was `past`: mtime and ctime
 * moved to at least `before` if it wrote, mtime stayed if it was refused. */
static void check_times(struct slot *s, int fd, ssize_t r, const struct timespec *before)
{
	struct stat st;

	if (fstat(fd, &st)) {
		sfail(s, "fstat: %s", strerror(errno));
		return;
	}
	if (r > 0) {
		if (st.st_mtim.tv_sec < before->tv_sec || st.st_ctim.tv_sec < before->tv_sec)
			sfail(s, "the write succeeded but mtime/ctime did not change (mtime %lld, "
			      "ctime %lld, write at %lld)", (long long)st.st_mtim.tv_sec,
			      (long long)st.st_ctim.tv_sec, (long long)before->tv_sec);
	} else if (r < 0 && !ts_eq(&st.st_mtim, &past)) {
		sfail(s, "the write was refused but mtime changed (%lld)", (long long)st.st_mtim.tv_sec);
	}
}

static void case_mtime(void)
{
	const int seed = 90;
	const char *why;
	int bfd = -1, dfd = -1;
	struct slot *s;
	struct timespec before;
	ssize_t r;

	if (make_file("mtime", FILE_SIZE, seed) || drop_cache("mtime", &why) ||
	    cache_exact("mtime", 0, 64 * KiB) || (bfd = open_file("mtime", O_RDWR)) < 0 ||
	    (dfd = open_file("mtime", O_RDWR | O_DIRECT)) < 0)
		goto out;
	for (int i = 0; i < NIFC; i++) {
		struct op o = { .ifc = i, .b = buf2, .wr = true, .cause = RNWFS_NOWAIT_OTHER };

		/* stale timestamps: cached, allocated data */
		s = S("mtime.stale.bwrite", i);
		o.fd = bfd, o.len = PAGE, o.off = i * PAGE, o.what = "buffered overwrite, old mtime";
		if (set_past(bfd))
			sfail(s, "futimens: %s", strerror(errno));
		before = coarse_now();
		r = try_write(s, &o, seed + 1, seed);
		check_times(s, bfd, r, &before);

		s = S("mtime.stale.dwrite", i);
		o.fd = dfd, o.len = 16 * KiB, o.off = 128 * KiB + i * 16 * KiB;
		o.what = "direct overwrite, old mtime";
		if (set_past(dfd))
			sfail(s, "futimens: %s", strerror(errno));
		before = coarse_now();
		r = try_write(s, &o, seed + 2, seed);
		check_times(s, dfd, r, &before);

		/* current timestamps */
		s = S("mtime.current.bwrite", i);
		o.fd = bfd, o.len = PAGE, o.off = 16 * KiB + i * PAGE, o.fresh_ts = true;
		o.what = "buffered overwrite, current mtime";
		try_write(s, &o, seed + 3, seed);

		s = S("mtime.current.dwrite", i);
		o.fd = dfd, o.len = 16 * KiB, o.off = 192 * KiB + i * 16 * KiB;
		o.what = "direct overwrite, current mtime";
		try_write(s, &o, seed + 4, seed);
	}
	/* The same write without RWF_NOWAIT updates the timestamps everywhere. */
	s = S("mtime.blocking", -1);
	if (set_past(bfd))
		sfail(s, "futimens: %s", strerror(errno));
	rnw_fill(buf2, PAGE, 48 * KiB, seed + 5);
	before = coarse_now();
	r = pwrite(bfd, buf2, PAGE, 48 * KiB);
	set_outcome(s, label_of(r < 0 ? -errno : r, PAGE));
	check_times(s, bfd, r, &before);
	check_written(s, bfd, 48 * KiB, PAGE, r, seed + 5, seed);
out:
	if (bfd >= 0)
		close(bfd);
	if (dfd >= 0)
		close(dfd);
}

/* ---- 8. io_uring ------------------------------------------------------------------------ */

static void case_uring(void)
{
	const int seed = 100;
	const char *why;
	struct io_uring_cqe *cqe;
	struct io_uring_sqe *sqe;
	struct io_uring pring;
	struct slot *s;
	int fd, dfd;

	if (make_file("uring", FILE_SIZE, seed) || (fd = open_file("uring", O_RDONLY)) < 0)
		return;

	/* A cached read completes inside io_uring_enter: its CQE is there when submit returns. */
	s = S("uring.inline", -1);
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_read(sqe, fd, buf2, 16 * KiB, 0);
	if (io_uring_submit(&ring) != 1) {
		sfail(s, "submit failed");
	} else {
		bool inline_ = io_uring_peek_cqe(&ring, &cqe) == 0;

		if (!inline_ && io_uring_wait_cqe(&ring, &cqe)) {
			sfail(s, "no completion");
		} else {
			set_outcome(s, inline_ ? "inline" : "deferred");
			if (cqe->res != 16 * KiB)
				sfail(s, "read returned %d", cqe->res);
			check_read(s, buf2, cqe->res, 0, seed);
			io_uring_cqe_seen(&ring, cqe);
		}
	}

	/* A miss: io_uring's nowait try fails, its retry reads the data in. */
	s = S("uring.miss", -1);
	if (drop_cache("uring", &why))
		sfail(s, "%s", why);
	ssize_t r = do_io(URING, fd, false, buf2, 16 * KiB, 64 * KiB, 0);

	set_outcome(s, label_of(r, 16 * KiB));
	check_read(s, buf2, r, 64 * KiB, seed);
	close(fd);

	/* IOPOLL: O_DIRECT on the filesystem, completions reaped by polling rnwblk's poll queue. */
	struct slot *sw = S("uring.iopoll.dwrite", -1), *sr = S("uring.iopoll.dread", -1);

	if ((dfd = open_file("uring", O_RDWR | O_DIRECT)) < 0)
		return;
	if (drop_cache("uring", &why))
		sfail(sw, "%s", why);
	int ret = io_uring_queue_init(4, &pring, IORING_SETUP_IOPOLL);

	if (ret) {
		sfail(sw, "io_uring_queue_init(IOPOLL): %s", strerror(-ret));
		close(dfd);
		return;
	}
	long long polled = rnwblk_counter(devname_, "polled");

	for (int w = 1; w >= 0; w--) {
		s = w ? sw : sr;
		sqe = io_uring_get_sqe(&pring);
		if (w) {
			rnw_fill(buf2, 64 * KiB, 128 * KiB, seed + 1);
			io_uring_prep_write(sqe, dfd, buf2, 64 * KiB, 128 * KiB);
		} else {
			memset(buf2, 0, 64 * KiB);
			io_uring_prep_read(sqe, dfd, buf2, 64 * KiB, 128 * KiB);
		}
		if (io_uring_submit(&pring) != 1 || io_uring_wait_cqe(&pring, &cqe)) {
			sfail(s, "submit/wait failed");
			continue;
		}
		set_outcome(s, label_of(cqe->res, 64 * KiB));
		io_uring_cqe_seen(&pring, cqe);
		long long now = rnwblk_counter(devname_, "polled");

		snote(s, "rnwblk polled +%lld", now - polled);
		/* Reads complete inline and are polled; iomap polls no write that has end_io
		 * work (xfs, ext4): those complete by interrupt, which is fine. */
		if (!w && !strcmp(s->outcome, "ok") && now == polled)
			sfail(s, "completed, but rnwblk's polled counter did not move");
		polled = now;
	}
	if (!strcmp(sr->outcome, "ok"))
		check_read(sr, buf2, 64 * KiB, 128 * KiB, seed + 1);
	if (!strcmp(sw->outcome, "ok") && strcmp(sr->outcome, "ok"))
		check_written(sw, dfd, 128 * KiB, 64 * KiB, 64 * KiB, seed + 1, seed);
	io_uring_queue_exit(&pring);
	close(dfd);
}

/* ---- 9. statistics (the per-attempt checks ran above; here: the ABI) -------------------- */

static void case_stats(void)
{
	struct rnwfs_nowait_stats st;
	struct slot *s = S("stats.abi", -1);
	int fd, dfd;

	if (!stats_on)
		return;
	if (make_file("stats", PAGE, 1) || (fd = open_file("stats", O_RDONLY)) < 0)
		return;
	memset(&st, 0xff, sizeof(st));
	if (ioctl(fd, RNWFS_IOC_NOWAIT_STATS, &st)) {
		sfail(s, "RNWFS_IOC_NOWAIT_STATS: %s", strerror(errno));
		set_outcome(s, errname(errno));
	} else {
		set_outcome(s, "ok");
		if (st.version != RNWFS_NOWAIT_STATS_VERSION || st.size != sizeof(st))
			sfail(s, "version %u size %u, expected %u and %zu", st.version, st.size,
			      RNWFS_NOWAIT_STATS_VERSION, sizeof(st));
		if (st.read_ok || st.write_ok)
			sfail(s, "a new file's counters are not zero");
	}
	/* The filesystem's counters through a directory. */
	dfd = open(mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || ioctl(dfd, RNWFS_IOC_SB_NOWAIT_STATS, &st))
		sfail(s, "RNWFS_IOC_SB_NOWAIT_STATS on the mount's root: %s", strerror(errno));
	else if (st.version != RNWFS_NOWAIT_STATS_VERSION)
		sfail(s, "filesystem counters: version %u", st.version);
	if (dfd >= 0)
		close(dfd);
	close(fd);
	/* Rows no attempt fed: skipped, with the reason. */
	for (int i = 0; i < nslots; i++)
		if (slots[i].row->group == G_STATS && !slots[i].checks && !slots[i].outcome[0])
			sskip(&slots[i], "no nowait attempt above ended this way (see the rows of its "
			      "condition)");
	/* Rows fed by a case that was skipped are skipped with it. */
	if (lock_skip[0]) {
		sskip(S("stats.write_eagain.lock", -1), lock_skip);
		sskip(S("stats.read_eagain.lock", -1), lock_skip);
	}
	if (dev_skip[0]) {
		sskip(S("stats.write_eagain.device", -1), dev_skip);
		sskip(S("stats.read_eagain.device", -1), dev_skip);
	}
}

/* ---- main ------------------------------------------------------------------------------- */

static void reset_knobs(void)
{
	if (devname_) {
		rnwblk_knob_set(devname_, "again_every", 0);
		rnwblk_knob_set(devname_, "congested", 0);
	}
}

int main(int argc, char **argv)
{
	static const struct {
		enum group g;
		void (*fn)(void);
	} cases[] = {
		{ G_ADV, case_advertise }, { G_BREAD, case_bread },   { G_BWRITE, case_bwrite },
		{ G_DWRITE, case_dwrite }, { G_LOCK, case_lock },     { G_DEV, case_dev },
		{ G_MTIME, case_mtime },   { G_URING, case_uring },   { G_STATS, case_stats },
	};
	int ret;

	build_slots();
	if (argc == 2 && !strcmp(argv[1], "--count")) {
		printf("%d\n", nslots);
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "--list")) {
		for (int i = 0; i < nslots; i++)
			printf("%s\n", slots[i].name);
		return 0;
	}
	if (argc != 4) {
		fprintf(stderr, "usage: %s MOUNTPOINT FSTYPE BLOCKDEV | --count | --list\n", argv[0]);
		return 2;
	}
	mnt = argv[1];
	for (int i = 0; i < NFS; i++)
		if (!strcmp(argv[2], fs_names[i]))
			fs = i;
	devname_ = strrchr(argv[3], '/') ? strrchr(argv[3], '/') + 1 : argv[3];
	stats_on = fs == FS_RNWFS;
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("KTAP version 1\n1..%d\n", nslots);
	diag("nowait conformance of %s (%s) on %s%s", mnt, argv[2], argv[3],
	     fs < 0 ? ": no expectations for this type, outcomes recorded only" : "");
	if (posix_memalign(&buf, PAGE, 1024 * KiB) || posix_memalign(&buf2, PAGE, 1024 * KiB) ||
	    posix_memalign(&vbuf, PAGE, 1024 * KiB))
		return 2;
	ret = io_uring_queue_init(8, &ring, 0);
	if (ret) {
		fprintf(stderr, "io_uring_queue_init: %s\n", strerror(-ret));
		return 2;
	}
	ret = io_setup(8, &aioctx);
	if (ret) {
		fprintf(stderr, "io_setup: %s\n", strerror(-ret));
		return 2;
	}
	reset_knobs();
	atexit(reset_knobs);
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		const char *skip = NULL;

		cases[c].fn();
		if (cases[c].g == G_LOCK && lock_skip[0])
			skip = lock_skip;
		if (cases[c].g == G_DEV && dev_skip[0])
			skip = dev_skip;
		flush_group(cases[c].g, skip);
	}
	io_destroy(aioctx);
	io_uring_queue_exit(&ring);
	diag("%d of %d failed", ktap_failed, ktap_n);
	return ktap_failed ? 1 : 0;
}
