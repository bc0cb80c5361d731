/* SPDX-License-Identifier: GPL-2.0 */
/* Small helpers shared by rnw's selftests (header-only: each test is one program). */
#ifndef RNW_TEST_H
#define RNW_TEST_H

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The repository root, where the built .ko files are (set by the guest runner). */
static inline const char *rnw_root(void)
{
	const char *root = getenv("RNW_ROOT");

	return root ? root : ".";
}

/* Reads a whole (small) file as a NUL-terminated string; 0 or -errno. */
static inline int rnw_read_file(const char *path, char *buf, size_t size)
{
	ssize_t n = 0, total = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	while ((size_t)total < size - 1 && (n = read(fd, buf + total, size - 1 - total)) > 0)
		total += n;
	close(fd);
	if (n < 0)
		return -errno;
	buf[total] = '\0';
	return 0;
}

/* Writes `text` to a file in one write (sysfs, /dev/kmsg); 0 or -errno. */
static inline int rnw_write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		ret = errno ? -errno : -EIO;
	close(fd);
	return ret;
}

static inline int rnw_file_contains(const char *path, const char *needle)
{
	static char buf[1 << 16];

	return rnw_read_file(path, buf, sizeof(buf)) == 0 && strstr(buf, needle) != NULL;
}

#if defined(__KSELFTEST_HARNESS_H)
/*
 * The harness kills a test after 30 s. Under TCG a filesystem test takes about 10 s (most
 * of it discard, mkfs and mount), and a host whose hypervisor steals half its CPU (seen
 * here: 52 % steal) made whole programs time out. The guest run has its own timeout for a
 * real hang. Included after kselftest_harness.h: TEST_F expands this where it is used.
 */
#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT 300
#elif !defined(RNW_TEST_NO_HARNESS)
/* Included first, the override above would be undone by the harness's own definition. */
#error "include kselftest_harness.h before rnw_test.h (or define RNW_TEST_NO_HARNESS)"
#endif

/* Moves the caller to `cpu` and keeps it there; 0 or -1. */
static inline int rnw_run_on(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return -1;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

/*
 * Keeps the caller on the CPU it runs on; 0 or -1. A new page-cache folio waits in its CPU's
 * LRU-add batch, holding a reference, until that batch drains. Under nowait rnwfs drains
 * this CPU's batch before dropping clean cache over a direct write, but not another CPU's
 * (that waits): such a folio looks busy and the write gets EAGAIN. A test that expects
 * clean cache to be dropped pins itself, so its folios are in the batch that is drained.
 */
static inline int rnw_pin_cpu(void)
{
	return rnw_run_on(sched_getcpu());
}

/* ---- data patterns: position-dependent, so misplaced data is caught too ---- */
static inline void rnw_fill(void *buf, size_t len, unsigned long long pos, unsigned int seed)
{
	unsigned long long *p = buf;

	for (size_t i = 0; i < len / 8; i++)
		p[i] = (pos + i * 8) * 0x9E3779B97F4A7C15ULL ^ seed;
}

/* Offset of the first mismatching 8 bytes, or -1 if buf holds the pattern. */
static inline long rnw_check(const void *buf, size_t len, unsigned long long pos, unsigned int seed)
{
	const unsigned long long *p = buf;

	for (size_t i = 0; i < len / 8; i++)
		if (p[i] != ((pos + i * 8) * 0x9E3779B97F4A7C15ULL ^ seed))
			return i * 8;
	return -1;
}

static inline int rnw_all_zero(const void *buf, size_t len)
{
	const unsigned char *p = buf;

	for (size_t i = 0; i < len; i++)
		if (p[i])
			return 0;
	return 1;
}

/* ---- rnwblk debugfs: /sys/kernel/debug/rnwblk/<dev>/{counters,config,<knob>} ---- */
#define RNWBLK_DEBUGFS "/sys/kernel/debug/rnwblk"

static inline int rnwblk_knob_set(const char *dev, const char *knob, unsigned long long v)
{
	char path[256], val[32];
	int fd, n, ret = 0;

	snprintf(path, sizeof(path), RNWBLK_DEBUGFS "/%s/%s", dev, knob);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = snprintf(val, sizeof(val), "%llu\n", v);
	if (write(fd, val, n) != n)
		ret = -errno;
	close(fd);
	return ret;
}

static inline long long rnwblk_knob_get(const char *dev, const char *knob)
{
	char path[256], val[32];

	snprintf(path, sizeof(path), RNWBLK_DEBUGFS "/%s/%s", dev, knob);
	if (rnw_read_file(path, val, sizeof(val)))
		return -1;
	return strtoll(val, NULL, 0);
}

/* A named line of a `name value` file; -1 if absent. */
static inline long long rnw_named_value(const char *path, const char *name)
{
	static char buf[8192];
	size_t n = strlen(name);
	char *line;

	if (rnw_read_file(path, buf, sizeof(buf)))
		return -1;
	for (line = buf; line && *line; line = strchr(line, '\n'), line = line ? line + 1 : NULL)
		if (!strncmp(line, name, n) && line[n] == ' ')
			return strtoll(line + n + 1, NULL, 0);
	return -1;
}

static inline long long rnwblk_counter(const char *dev, const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), RNWBLK_DEBUGFS "/%s/counters", dev);
	return rnw_named_value(path, name);
}

#endif
