// SPDX-License-Identifier: GPL-2.0
/*
 * The modules load, show up where the kernel lists modules, refuse to unload while in use,
 * and unload and reload cleanly. Runs as root in the guest with the modules loaded;
 * RNW_ROOT names the repository (where the .ko files are).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "rnw_test.h"

static int load_module_params(const char *name, const char *params)
{
	char path[512];
	int fd, ret;

	snprintf(path, sizeof(path), "%s/%s.ko", rnw_root(), name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = syscall(SYS_finit_module, fd, params, 0);
	ret = ret ? -errno : 0;
	close(fd);
	return ret;
}

static int load_module(const char *name)
{
	return load_module_params(name, "");
}

static int unload_module(const char *name)
{
	return syscall(SYS_delete_module, name, O_NONBLOCK) ? -errno : 0;
}

/* Unloads, waiting up to 5 s while something (udev probing a new disk) holds it. */
static int unload_module_settled(const char *name)
{
	int ret;

	for (int i = 0; i < 50; i++) {
		ret = unload_module(name);
		if (ret != -EWOULDBLOCK)
			break;
		usleep(100000);
	}
	return ret;
}

static int module_present(const char *name)
{
	char path[256];
	struct stat st;

	snprintf(path, sizeof(path), "/sys/module/%s", name);
	return stat(path, &st) == 0;
}

TEST(both_modules_listed)
{
	ASSERT_TRUE(module_present("rnwblk"));
	ASSERT_TRUE(module_present("rnwfs"));
	ASSERT_TRUE(rnw_file_contains("/proc/modules", "rnwblk "));
	ASSERT_TRUE(rnw_file_contains("/proc/modules", "rnwfs "));
}

/* debugfs shows the major the driver registered, the same one /proc/devices lists. */
TEST(rnwblk_major_matches_proc_devices)
{
	char version[128], want[64];
	unsigned int major;

	ASSERT_EQ(0, rnw_read_file("/sys/kernel/debug/rnwblk/version", version, sizeof(version)));
	ASSERT_EQ(1, sscanf(strstr(version, "major") ?: "", "major %u", &major)) TH_LOG("version: %s", version);
	snprintf(want, sizeof(want), "\n%u rnwblk\n", major);
	ASSERT_TRUE(rnw_file_contains("/proc/devices", want + 1));
}

/* An open debugfs file pins its module: unloading must be refused, not pulled away. */
TEST(unload_refused_while_in_use)
{
	int fd = open("/sys/kernel/debug/rnwblk/version", O_RDONLY);

	ASSERT_GE(fd, 0);
	EXPECT_EQ(-EWOULDBLOCK, unload_module("rnwblk"));
	EXPECT_TRUE(module_present("rnwblk"));
	close(fd);
}

/* An open block device pins the driver: rmmod is refused and the device keeps working. */
TEST(unload_refused_while_device_open)
{
	char buf[512];
	int fd = open("/dev/rnwblk0", O_RDONLY);

	ASSERT_GE(fd, 0);
	EXPECT_EQ(-EWOULDBLOCK, unload_module("rnwblk"));
	EXPECT_EQ(512, pread(fd, buf, sizeof(buf), 0));
	close(fd);
}

/* Each bad parameter refuses the load with EINVAL and a message naming it; the module is
 * not left behind. */
TEST(bad_parameters_refuse_to_load)
{
	static const char *const bad[][2] = {
		{ "bs=1000", "bs=1000: must be" },
		{ "irqmode=3", "irqmode=3: must be" },
		{ "nr_devices=65", "nr_devices=65: must be" },
		{ "hw_queue_depth=0", "hw_queue_depth=0: must be" },
		{ "size=0", "size=0: must be" },
		{ "completion_nsec=2000000000", "completion_nsec=2000000000: must be" },
	};
	static char log[1 << 20];

	ASSERT_EQ(0, unload_module("rnwblk"));
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char marker[64];
		const char *since;
		int n;

		/* Only what this load logged counts: search after a marker of this round. */
		snprintf(marker, sizeof(marker), "rnw-modules-test: load %zu (%d)", i, getpid());
		ASSERT_EQ(0, rnw_write_file("/dev/kmsg", marker));
		EXPECT_EQ(-EINVAL, load_module_params("rnwblk", bad[i][0])) TH_LOG("%s", bad[i][0]);
		EXPECT_FALSE(module_present("rnwblk"));
		n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, log, sizeof(log) - 1);
		ASSERT_GT(n, 0);
		log[n] = 0;
		since = strstr(log, marker);
		ASSERT_NE(NULL, since) TH_LOG("marker not in the log");
		EXPECT_NE(NULL, strstr(since, bad[i][1])) TH_LOG("no message for %s", bad[i][0]);
	}
	ASSERT_EQ(0, load_module("rnwblk"));
}

/*
 * Every parameter reaches the devices: with none at its default (uint, ulong and bool ones
 * alike), no device at load (nr_devices=0), and a configfs item starting from the values
 * given at load.
 */
TEST(parameters_reach_new_devices)
{
	static const char *const params[][2] = {
		{ "size", "64" },		{ "bs", "4096" },
		{ "submit_queues", "3" },	{ "poll_queues", "2" },
		{ "hw_queue_depth", "32" },	{ "irqmode", "2" },
		{ "completion_nsec", "5000" },	{ "max_inflight", "7" },
		{ "fail_every", "11" },		{ "again_every", "13" },
		{ "nowait_alloc", "1" },	{ "discard", "0" },
		{ "volatile_cache", "1" },
	};
	char args[512] = "nr_devices=0", item[128], path[256], value[64];
	struct stat st;

	for (size_t i = 0; i < sizeof(params) / sizeof(params[0]); i++) {
		size_t len = strlen(args);

		snprintf(args + len, sizeof(args) - len, " %s=%s", params[i][0], params[i][1]);
	}
	ASSERT_EQ(0, unload_module_settled("rnwblk"));
	ASSERT_EQ(0, load_module_params("rnwblk", args)) TH_LOG("insmod rnwblk %s", args);
	EXPECT_NE(0, stat("/sys/block/rnwblk0", &st));

	snprintf(item, sizeof(item), "/sys/kernel/config/rnwblk/params%d", getpid());
	ASSERT_EQ(0, mkdir(item, 0755)) TH_LOG("mkdir %s: %s", item, strerror(errno));
	for (size_t i = 0; i < sizeof(params) / sizeof(params[0]); i++) {
		/* The configfs attribute of the parameter (`bs` is `blocksize` there). */
		const char *attr = strcmp(params[i][0], "bs") ? params[i][0] : "blocksize";

		snprintf(path, sizeof(path), "%s/%s", item, attr);
		ASSERT_EQ(0, rnw_read_file(path, value, sizeof(value))) TH_LOG("%s", path);
		EXPECT_EQ(strtoull(params[i][1], NULL, 10), strtoull(value, NULL, 10))
			TH_LOG("%s: %s", attr, value);
	}
	EXPECT_EQ(0, rmdir(item));
	ASSERT_EQ(0, unload_module("rnwblk"));
	ASSERT_EQ(0, load_module("rnwblk"));
}

TEST(unload_and_reload)
{
	const char *names[] = { "rnwfs", "rnwblk" };

	for (int i = 0; i < 2; i++) {
		ASSERT_EQ(0, unload_module(names[i])) TH_LOG("rmmod %s", names[i]);
		ASSERT_FALSE(module_present(names[i]));
		ASSERT_EQ(0, load_module(names[i])) TH_LOG("insmod %s", names[i]);
		ASSERT_TRUE(module_present(names[i]));
	}
}

/*
 * A discard frees the store's pages after an RCU grace period, through a callback in
 * rnwblk's text. Unloading right after many such frees must wait for those callbacks
 * (rcu_barrier): one that ran after the module's memory was freed would oops the guest.
 */
TEST(unload_right_after_discard)
{
	/* Enough pages that their frees are still queued when the unload gets going. */
	const size_t len = 256 << 20;
	uint64_t range[2] = { 0, len };
	char *buf;

	ASSERT_EQ(0, posix_memalign((void **)&buf, 4096, len));
	memset(buf, 0x5a, len);
	ASSERT_EQ(0, unload_module("rnwblk"));
	for (int i = 0; i < 5; i++) {
		int fd;

		ASSERT_EQ(0, load_module_params("rnwblk", "size=256")) TH_LOG("round %d", i);
		fd = open("/dev/rnwblk0", O_RDWR | O_DIRECT);
		ASSERT_GE(fd, 0);
		ASSERT_EQ((ssize_t)len, pwrite(fd, buf, len, 0));
		ASSERT_EQ(0, ioctl(fd, BLKDISCARD, range));
		close(fd);
		ASSERT_EQ(0, unload_module_settled("rnwblk")) TH_LOG("round %d", i);
	}
	ASSERT_EQ(0, load_module("rnwblk"));
	free(buf);
}

TEST_HARNESS_MAIN
