/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iflist.h - -D: the interfaces, their drivers and their lwpcap hook.
 */
#ifndef _TG3CAP_IFLIST_H
#define _TG3CAP_IFLIST_H

#include <net/if.h>
#include <stddef.h>
#include <stdio.h>

#include <linux/lwpcap.h>

/**
 * struct lwp_ifinfo - one interface as -D shows it
 * @name:     interface name
 * @ifindex:  its index
 * @driver:   the driver bound to its device, "-" for a virtual one
 * @probed:   LWPCAP_IOC_BIND was tried (the device could be opened)
 * @bind_err: 0 (the hook is there), or the errno BIND failed with
 * @bind:     what BIND reported when it worked
 * @points:   the capture points the kernel offers there (BIND at the
 *            packet_type point reports them), 0 if unknown
 */
struct lwp_ifinfo {
	char name[IF_NAMESIZE];
	unsigned int ifindex;
	char driver[64];
	int probed;
	int bind_err;
	struct lwpcap_bind bind;
	uint32_t points;
};

/**
 * struct lwp_iflist - all interfaces, sorted by index
 * @ifs:     the entries
 * @n:       entries in @ifs
 * @dev_err: 0, or the negative errno opening the capture device failed
 *           with (-ENOENT: the module is not loaded); nothing was probed
 */
struct lwp_iflist {
	struct lwp_ifinfo *ifs;
	size_t n;
	int dev_err;
};

int lwp_iflist_get(const char *sysfs_net, const char *dev_path,
		   struct lwp_iflist *l, char *err);
const char *lwp_ifinfo_hook(const struct lwp_ifinfo *i, char *buf,
			    size_t len);
const char *lwp_ifinfo_points(const struct lwp_ifinfo *i, char *buf,
			      size_t len);
void lwp_iflist_print(FILE *out, const struct lwp_iflist *l);
void lwp_iflist_free(struct lwp_iflist *l);

#endif /* _TG3CAP_IFLIST_H */
