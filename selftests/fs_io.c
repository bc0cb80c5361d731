// SPDX-License-Identifier: GPL-2.0
/*
 * fs_io: a small helper for the filesystem shell selftests (rnwfs_*_test.sh). Not a test
 * itself: run-guest.sh runs only the build/..._test programs. Subcommands:
 *
 *   gen SEED OFF LEN           the pattern bytes of file offsets [OFF, OFF+LEN) on stdout
 *   mwrite FILE OFF LEN SEED   write the pattern into FILE through a shared mapping, msync
 *   mread FILE OFF LEN         FILE's bytes [OFF, OFF+LEN) through a mapping, on stdout
 *   devfind DEV SEED OFF LEN   how many of the pattern's 4 KiB blocks of [OFF, OFF+LEN)
 *                              are on DEV (read with O_DIRECT) at 4 KiB-aligned offsets
 *   ls DIR                     every directory entry as "d_ino d_type name", from getdents
 *   errno OP ARGS...           run one system call, print OK or the errno name (ENOENT...)
 *
 * The pattern is a function of (seed, absolute file offset): every 8-byte word at offset
 * o is splitmix64(seed * 2^40 + o / 8), little-endian. Any writer (dd, mmap, fio...) of the
 * same seed and range produces the same bytes, and a block written to the wrong place or
 * read from the wrong place does not match.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define BLK 4096

static void die(const char *what)
{
	fprintf(stderr, "fs_io: %s: %s\n", what, strerror(errno));
	exit(1);
}

static unsigned long long num(const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || end == s) {
		fprintf(stderr, "fs_io: bad number '%s'\n", s);
		exit(2);
	}
	return v;
}

static uint64_t word(uint64_t seed, uint64_t index)
{
	uint64_t z = (seed << 40) + index + 0x9e3779b97f4a7c15ULL;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* The pattern of file offsets [off, off+len) into buf. */
static void pattern(uint64_t seed, uint64_t off, uint64_t len, unsigned char *buf)
{
	uint64_t o;

	for (o = off; o < off + len; o++) {
		uint64_t w = word(seed, o / 8);

		if (o % 8 == 0 && o + 8 <= off + len) {
			memcpy(buf + (o - off), &w, 8); /* x86-64: little-endian */
			o += 7;
		} else {
			buf[o - off] = (unsigned char)(w >> (8 * (o % 8)));
		}
	}
}

static void write_all(int fd, const void *p, size_t n)
{
	while (n) {
		ssize_t r = write(fd, p, n);

		if (r < 0)
			die("write");
		p = (const char *)p + r;
		n -= r;
	}
}

static int cmd_gen(uint64_t seed, uint64_t off, uint64_t len)
{
	static unsigned char buf[1 << 20];

	while (len) {
		uint64_t n = len < sizeof(buf) ? len : sizeof(buf);

		pattern(seed, off, n, buf);
		write_all(1, buf, n);
		off += n;
		len -= n;
	}
	return 0;
}

/* Maps [off, off+len) of fd (offset rounded down to a page); returns the byte at off. */
static unsigned char *map(int fd, uint64_t off, uint64_t len, int prot, void **base, size_t *maplen)
{
	uint64_t start = off & ~(uint64_t)(BLK - 1);

	*maplen = off + len - start;
	*base = mmap(NULL, *maplen, prot, MAP_SHARED, fd, start);
	if (*base == MAP_FAILED)
		die("mmap");
	return (unsigned char *)*base + (off - start);
}

static int cmd_mwrite(const char *file, uint64_t off, uint64_t len, uint64_t seed)
{
	int fd = open(file, O_RDWR);
	unsigned char *p, *chunk;
	uint64_t done;
	size_t maplen;
	void *base;

	if (fd < 0)
		die("open");
	p = map(fd, off, len, PROT_READ | PROT_WRITE, &base, &maplen);
	chunk = malloc(1 << 20);
	for (done = 0; done < len; done += 1 << 20) {
		uint64_t n = len - done < (1 << 20) ? len - done : (1 << 20);

		pattern(seed, off + done, n, chunk);
		memcpy(p + done, chunk, n);
	}
	if (msync(base, maplen, MS_SYNC))
		die("msync");
	if (munmap(base, maplen))
		die("munmap");
	if (close(fd))
		die("close");
	return 0;
}

static int cmd_mread(const char *file, uint64_t off, uint64_t len)
{
	int fd = open(file, O_RDONLY);
	unsigned char *p;
	size_t maplen;
	void *base;

	if (fd < 0)
		die("open");
	p = map(fd, off, len, PROT_READ, &base, &maplen);
	write_all(1, p, len);
	munmap(base, maplen);
	close(fd);
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Prints how many distinct pattern blocks of [off, off+len) (4 KiB-aligned) DEV holds. */
static int cmd_devfind(const char *dev, uint64_t seed, uint64_t off, uint64_t len)
{
	const size_t chunk = 1 << 20;
	uint64_t nblk = len / BLK, i, *keys, found = 0;
	unsigned char *want, *buf, *seen;
	int fd = open(dev, O_RDONLY | O_DIRECT);
	ssize_t r;

	if (fd < 0)
		die("open");
	if (off % BLK || len % BLK || !nblk) {
		fprintf(stderr, "fs_io: devfind needs a 4 KiB-aligned range\n");
		return 2;
	}
	want = malloc(len);
	keys = malloc(nblk * sizeof(*keys));
	seen = calloc(nblk, 1);
	if (posix_memalign((void **)&buf, BLK, chunk))
		die("posix_memalign");
	pattern(seed, off, len, want);
	for (i = 0; i < nblk; i++)
		keys[i] = word(seed, (off + i * BLK) / 8);
	qsort(keys, nblk, sizeof(*keys), cmp_u64);
	while ((r = read(fd, buf, chunk)) > 0) {
		for (i = 0; i + BLK <= (uint64_t)r; i += BLK) {
			uint64_t w, b;

			memcpy(&w, buf + i, 8);
			if (!bsearch(&w, keys, nblk, sizeof(*keys), cmp_u64))
				continue;
			for (b = 0; b < nblk; b++) {
				if (!seen[b] && !memcmp(buf + i, want + b * BLK, BLK)) {
					seen[b] = 1;
					found++;
					break;
				}
			}
		}
	}
	if (r < 0)
		die("read");
	printf("%llu\n", (unsigned long long)found);
	return 0;
}

static int cmd_ls(const char *dir)
{
	char buf[32768];
	int fd = open(dir, O_RDONLY | O_DIRECTORY);
	long n;

	if (fd < 0)
		die("open");
	while ((n = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0) {
		long pos = 0;

		while (pos < n) {
			struct {
				uint64_t ino;
				int64_t off;
				unsigned short reclen;
				unsigned char type;
				char name[];
			} *d = (void *)(buf + pos);

			printf("%llu %u %s\n", (unsigned long long)d->ino, d->type, d->name);
			pos += d->reclen;
		}
	}
	if (n < 0)
		die("getdents64");
	return 0;
}

static int falloc_mode(const char *s)
{
	static const struct { const char *name; int mode; } modes[] = {
		{ "default", 0 },
		{ "keep", 0x01 },		/* FALLOC_FL_KEEP_SIZE */
		{ "punch", 0x01 | 0x02 },	/* PUNCH_HOLE | KEEP_SIZE */
		{ "collapse", 0x08 },		/* FALLOC_FL_COLLAPSE_RANGE */
		{ "zero", 0x10 },		/* FALLOC_FL_ZERO_RANGE */
		{ "insert", 0x20 },		/* FALLOC_FL_INSERT_RANGE */
	};
	unsigned int i;

	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		if (!strcmp(s, modes[i].name))
			return modes[i].mode;
	fprintf(stderr, "fs_io: unknown fallocate mode %s\n", s);
	exit(2);
}

/* One system call; prints OK or the errno's name. */
static int cmd_errno(int argc, char **argv)
{
	const char *op = argv[0];
	struct stat st;
	char buf[4096];
	long r;
	int fd;

#define NEED(n) do { if (argc != (n) + 1) goto usage; } while (0)
	if (!strcmp(op, "rename")) {
		NEED(2);
		r = rename(argv[1], argv[2]);
	} else if (!strcmp(op, "link")) {
		NEED(2);
		r = link(argv[1], argv[2]);
	} else if (!strcmp(op, "symlink")) {
		NEED(2);
		r = symlink(argv[1], argv[2]);
	} else if (!strcmp(op, "mkdir")) {
		NEED(1);
		r = mkdir(argv[1], 0755);
	} else if (!strcmp(op, "rmdir")) {
		NEED(1);
		r = rmdir(argv[1]);
	} else if (!strcmp(op, "unlink")) {
		NEED(1);
		r = unlink(argv[1]);
	} else if (!strcmp(op, "creat_excl")) {
		NEED(1);
		r = fd = open(argv[1], O_CREAT | O_EXCL | O_WRONLY, 0644);
		if (fd >= 0)
			close(fd);
	} else if (!strcmp(op, "open")) {
		NEED(1);
		r = fd = open(argv[1], O_RDONLY);
		if (fd >= 0)
			close(fd);
	} else if (!strcmp(op, "open_direct_rw")) {
		NEED(1);
		r = fd = open(argv[1], O_RDWR | O_DIRECT);
		if (fd >= 0)
			close(fd);
	} else if (!strcmp(op, "stat")) {
		NEED(1);
		r = stat(argv[1], &st);
	} else if (!strcmp(op, "lstat")) {
		NEED(1);
		r = lstat(argv[1], &st);
	} else if (!strcmp(op, "readlink")) {
		NEED(1);
		r = readlink(argv[1], buf, sizeof(buf));
	} else if (!strcmp(op, "truncate")) {
		NEED(2);
		r = truncate(argv[1], num(argv[2]));
	} else if (!strcmp(op, "fallocate")) {
		NEED(4);
		fd = open(argv[1], O_RDWR);
		if (fd < 0)
			die("open");
		r = fallocate(fd, falloc_mode(argv[2]), num(argv[3]), num(argv[4]));
		close(fd);
	} else {
		goto usage;
	}
	if (r < 0)
		printf("%s\n", strerrorname_np(errno) ? strerrorname_np(errno) : "E?");
	else
		printf("OK\n");
	return 0;
usage:
	fprintf(stderr, "fs_io: errno: bad operation or arguments\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *c = argc > 1 ? argv[1] : "";

	if (!strcmp(c, "gen") && argc == 5)
		return cmd_gen(num(argv[2]), num(argv[3]), num(argv[4]));
	if (!strcmp(c, "mwrite") && argc == 6)
		return cmd_mwrite(argv[2], num(argv[3]), num(argv[4]), num(argv[5]));
	if (!strcmp(c, "mread") && argc == 5)
		return cmd_mread(argv[2], num(argv[3]), num(argv[4]));
	if (!strcmp(c, "devfind") && argc == 6)
		return cmd_devfind(argv[2], num(argv[3]), num(argv[4]), num(argv[5]));
	if (!strcmp(c, "ls") && argc == 3)
		return cmd_ls(argv[2]);
	if (!strcmp(c, "errno") && argc > 2)
		return cmd_errno(argc - 2, argv + 2);
	fprintf(stderr, "usage: fs_io gen|mwrite|mread|devfind|ls|errno ... (see the source)\n");
	return 2;
}
