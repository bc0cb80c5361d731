// SPDX-License-Identifier: GPL-2.0
/*
 * configfs tables for runtime devices: /sys/kernel/config/rnwblk/<name>/<attribute>.
 * configfs wants static tables of attributes and operations, which C states best; each
 * entry only forwards to Rust (configfs.rs), which owns what the attributes mean.
 */
#include <linux/configfs.h>
#include <linux/module.h>
#include "rnwblk_ffi.h"

#define RNWBLK_ATTR(_name, _idx)						\
static ssize_t rnwblk_dev_##_name##_show(struct config_item *item, char *page)	\
{										\
	return rnwblk_cfs_show(item, _idx, page);				\
}										\
static ssize_t rnwblk_dev_##_name##_store(struct config_item *item,		\
					  const char *page, size_t count)	\
{										\
	return rnwblk_cfs_store(item, _idx, page, count);			\
}										\
CONFIGFS_ATTR(rnwblk_dev_, _name)

RNWBLK_ATTR(size, RNWBLK_CFS_SIZE);
RNWBLK_ATTR(blocksize, RNWBLK_CFS_BLOCKSIZE);
RNWBLK_ATTR(submit_queues, RNWBLK_CFS_SUBMIT_QUEUES);
RNWBLK_ATTR(poll_queues, RNWBLK_CFS_POLL_QUEUES);
RNWBLK_ATTR(hw_queue_depth, RNWBLK_CFS_HW_QUEUE_DEPTH);
RNWBLK_ATTR(discard, RNWBLK_CFS_DISCARD);
RNWBLK_ATTR(volatile_cache, RNWBLK_CFS_VOLATILE_CACHE);
RNWBLK_ATTR(irqmode, RNWBLK_CFS_IRQMODE);
RNWBLK_ATTR(completion_nsec, RNWBLK_CFS_COMPLETION_NSEC);
RNWBLK_ATTR(max_inflight, RNWBLK_CFS_MAX_INFLIGHT);
RNWBLK_ATTR(fail_every, RNWBLK_CFS_FAIL_EVERY);
RNWBLK_ATTR(again_every, RNWBLK_CFS_AGAIN_EVERY);
RNWBLK_ATTR(congested, RNWBLK_CFS_CONGESTED);
RNWBLK_ATTR(nowait_alloc, RNWBLK_CFS_NOWAIT_ALLOC);
RNWBLK_ATTR(power, RNWBLK_CFS_POWER);

static ssize_t rnwblk_dev_index_show(struct config_item *item, char *page)
{
	return rnwblk_cfs_show(item, RNWBLK_CFS_INDEX, page);
}
CONFIGFS_ATTR_RO(rnwblk_dev_, index);

static struct configfs_attribute *rnwblk_dev_attrs[] = {
	&rnwblk_dev_attr_size,
	&rnwblk_dev_attr_blocksize,
	&rnwblk_dev_attr_submit_queues,
	&rnwblk_dev_attr_poll_queues,
	&rnwblk_dev_attr_hw_queue_depth,
	&rnwblk_dev_attr_discard,
	&rnwblk_dev_attr_volatile_cache,
	&rnwblk_dev_attr_irqmode,
	&rnwblk_dev_attr_completion_nsec,
	&rnwblk_dev_attr_max_inflight,
	&rnwblk_dev_attr_fail_every,
	&rnwblk_dev_attr_again_every,
	&rnwblk_dev_attr_congested,
	&rnwblk_dev_attr_nowait_alloc,
	&rnwblk_dev_attr_power,
	&rnwblk_dev_attr_index,
	NULL,
};

static void rnwblk_dev_release(struct config_item *item)
{
	rnwblk_cfs_release_item(item);
}

static struct configfs_item_operations rnwblk_dev_item_ops = {
	.release = rnwblk_dev_release,
};

static const struct config_item_type rnwblk_dev_type = {
	.ct_item_ops = &rnwblk_dev_item_ops,
	.ct_attrs = rnwblk_dev_attrs,
	.ct_owner = THIS_MODULE,
};

static struct config_item *rnwblk_group_make_item(struct config_group *group, const char *name)
{
	return rnwblk_cfs_make_item(name);
}

static void rnwblk_group_drop_item(struct config_group *group, struct config_item *item)
{
	rnwblk_cfs_drop_item(item);
	config_item_put(item);
}

static struct configfs_group_operations rnwblk_group_ops = {
	.make_item = rnwblk_group_make_item,
	.drop_item = rnwblk_group_drop_item,
};

static const struct config_item_type rnwblk_group_type = {
	.ct_group_ops = &rnwblk_group_ops,
	.ct_owner = THIS_MODULE,
};

static struct configfs_subsystem rnwblk_subsys = {
	.su_group = {
		.cg_item = {
			.ci_namebuf = "rnwblk",
			.ci_type = &rnwblk_group_type,
		},
	},
};

void rnwblk_cfs_item_init(struct config_item *item, const char *name)
{
	config_item_init_type_name(item, name, &rnwblk_dev_type);
}

int rnwblk_configfs_register(void)
{
	config_group_init(&rnwblk_subsys.su_group);
	mutex_init(&rnwblk_subsys.su_mutex);
	return configfs_register_subsystem(&rnwblk_subsys);
}

void rnwblk_configfs_unregister(void)
{
	configfs_unregister_subsystem(&rnwblk_subsys);
}
