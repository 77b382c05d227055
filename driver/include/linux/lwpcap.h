/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lwpcap: in-kernel API for NIC drivers.
 *
 * A driver attaches once per net_device after register_netdev() and
 * detaches after unregister_netdev().  In its NAPI poll it offers each
 * received frame with lwpcap_capture() before it builds an skb (or
 * lwpcap_capture_skb() where only an skb exists), and calls
 * lwpcap_flush() once for the queue at the end of the poll.  A frame a
 * receive path hands to the stack without offering it (a path the driver
 * cannot hook) is reported with lwpcap_missed(), so that a reader sees
 * it counted rather than a silent gap.  Everything
 * sits behind lwpcap_enabled(), a static key that is off unless some
 * reader has activated a ring in the last second, so a driver built
 * with lwpcap pays one patched-out jump per frame while nobody captures.
 */
#ifndef _LINUX_LWPCAP_H
#define _LINUX_LWPCAP_H

#include <linux/jump_label.h>
#include <linux/jump_label_ratelimit.h>
#include <linux/types.h>
#include <uapi/linux/lwpcap.h>

struct device;
struct net_device;
struct sk_buff;
struct lwpcap_dev;

/* lwpcap_capture*() vlan argument: tag present, TCI in the low 16 bits */
#define LWPCAP_VLAN_PRESENT	BIT(16)
#define LWPCAP_VLAN_TCI_MASK		0xffff

/**
 * enum lwpcap_verdict - what the driver does with a frame it offered
 * @LWPCAP_PASS:     go on as without lwpcap: no reader, or tap mode
 * @LWPCAP_CONSUMED: divert mode: the frame is captured or counted as a
 *                   ring drop; recycle the buffer and build no skb
 */
enum lwpcap_verdict {
	LWPCAP_PASS,
	LWPCAP_CONSUMED,
};

extern struct static_key_false_deferred lwpcap_key;

static __always_inline bool lwpcap_enabled(void)
{
	return static_branch_unlikely(&lwpcap_key.key);
}

struct lwpcap_dev *lwpcap_attach(struct net_device *dev,
				 unsigned int nr_queues, u32 mode);
void lwpcap_detach(struct lwpcap_dev *ld);
enum lwpcap_verdict lwpcap_capture_dma(struct lwpcap_dev *ld,
				       unsigned int queue,
				       struct device *dma_dev, dma_addr_t dma,
				       const void *data, unsigned int len,
				       u32 vlan);
enum lwpcap_verdict lwpcap_capture_skb(struct lwpcap_dev *ld,
				       unsigned int queue,
				       const struct sk_buff *skb, u32 vlan,
				       u32 fcs);
void lwpcap_missed(struct lwpcap_dev *ld, unsigned int queue);
void lwpcap_flush(struct lwpcap_dev *ld, unsigned int queue);

#if IS_ENABLED(CONFIG_LWPCAP_KUNIT_API)
/* For KUnit tests of driver hooks only: see lwpcap.c. */
void *lwpcap_test_activate(struct lwpcap_dev *ld, struct lwpcap_setup *setup,
			   u32 mode);
void lwpcap_test_deactivate(struct lwpcap_dev *ld);
#endif

/* lwpcap_capture_dma() for a buffer that needs no DMA sync. */
static inline enum lwpcap_verdict
lwpcap_capture(struct lwpcap_dev *ld, unsigned int queue, const void *data,
	       unsigned int len, u32 vlan)
{
	return lwpcap_capture_dma(ld, queue, NULL, 0, data, len, vlan);
}

#endif /* _LINUX_LWPCAP_H */
