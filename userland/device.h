/* SPDX-License-Identifier: GPL-2.0 */
/*
 * device.h - one interface's /dev/lwpcap file: bind, ring, promiscuity.
 */
#ifndef _TG3CAP_DEVICE_H
#define _TG3CAP_DEVICE_H

#include <stddef.h>
#include <stdint.h>

#include <linux/lwpcap.h>

#define LWP_DEV_PATH	"/dev/" LWPCAP_DEVICE_NAME

/**
 * struct lwp_dev - an open capture device
 * @ifname:  interface
 * @fd:      /dev/lwpcap, bound to @ifname
 * @psock:   AF_PACKET socket holding promiscuous mode, or -1
 * @map:     the ring
 * @map_len: bytes mapped
 * @bind:    what LWPCAP_IOC_BIND reported
 * @setup:   what LWPCAP_IOC_SETUP reported
 * @active:  capture is on
 */
struct lwp_dev {
	const char *ifname;
	int fd;
	int psock;
	void *map;
	size_t map_len;
	struct lwpcap_bind bind;
	struct lwpcap_setup setup;
	int active;
	uint32_t wake_bytes;
};

/* lwp_dev_open() @point: a LWPCAP_POINT_*, or this for the driver's hook
 * where the device has one and a packet_type elsewhere.
 */
#define LWP_POINT_AUTO	(-1)

int lwp_dev_open(struct lwp_dev *d, const char *ifname, uint32_t seg_size,
		 uint32_t nr_segs, uint32_t snaplen, int promisc, int point,
		 char *err);
const char *lwp_point_name(uint32_t point);
const char *lwp_mode_name(uint32_t mode, const char *dflt);
int lwp_point_parse(const char *name);
int lwp_dev_activate(struct lwp_dev *d, uint32_t mode, uint32_t wake_bytes,
		     char *err);
int lwp_dev_deactivate(struct lwp_dev *d, char *err);
int lwp_dev_stats(struct lwp_dev *d, struct lwpcap_queue_stats *qs,
		  unsigned int n, char *err);
void lwp_dev_close(struct lwp_dev *d);

#endif /* _TG3CAP_DEVICE_H */
