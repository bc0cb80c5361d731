// SPDX-License-Identifier: GPL-2.0
/*
 * Test fixture, never shipped: makes the kernel print what the runner's log scan must catch,
 * so the runner's own tests can prove a dirty log fails a run.
 *   insmod rnw_logscan_trigger.ko trigger=warn           a WARN_ON
 *   insmod rnw_logscan_trigger.ko trigger=atomic_sleep   msleep() under a spinlock
 */
#include <linux/delay.h>
#include <linux/module.h>
#include <linux/spinlock.h>
#include <linux/string.h>

static char *trigger = "warn";
module_param(trigger, charp, 0444);
MODULE_PARM_DESC(trigger, "what to provoke: warn or atomic_sleep");

static DEFINE_SPINLOCK(fixture_lock);

static int __init trigger_init(void)
{
	if (!strcmp(trigger, "warn")) {
		WARN_ON(1);
	} else if (!strcmp(trigger, "atomic_sleep")) {
		spin_lock(&fixture_lock);
		msleep(1);
		spin_unlock(&fixture_lock);
	} else {
		pr_err("rnw_logscan_trigger: unknown trigger '%s' (warn, atomic_sleep)\n", trigger);
		return -EINVAL;
	}
	return 0;
}

static void __exit trigger_exit(void)
{
}

module_init(trigger_init);
module_exit(trigger_exit);
MODULE_DESCRIPTION("rnw test fixture: provokes kernel log reports for the runner's scan");
MODULE_LICENSE("GPL");
