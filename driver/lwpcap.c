// SPDX-License-Identifier: GPL-2.0
/*
 * lwpcap: lightweight in-driver packet capture.
 *
 * NIC drivers hand received frames to lwpcap inside their NAPI poll,
 * before an skb exists; lwpcap writes them as pcap records into a ring
 * per RX queue that a reader maps through /dev/lwpcap.  The user-visible
 * contract (layout, ioctls, memory ordering) is documented in
 * include/uapi/linux/lwpcap.h; the producer itself is lwpcap_ring.h.
 *
 * Objects and their lifetimes:
 *   lwpcap_dev  one per attached net_device; a reference is held by the
 *               driver (until lwpcap_detach()) and by a bound file, so a
 *               reader outlives a removed device and sees EPOLLHUP.  A
 *               device that unregisters or moves to another network
 *               namespace ends its file's binding (netdevice notifier):
 *               the file keeps its ring, the device is free to bind.
 *   lwpcap_ring one per LWPCAP_IOC_SETUP; references are held by the
 *               file, by each VMA mapping it and by the device while
 *               active, so the memory goes away on the last of them.
 *
 * Locking, outermost first; no lock is global across a grace period:
 *   lwpcap_file.out_lock  a file's BIND and SETUP, from their checks to
 *                     the commit, across the copy of their result to the
 *                     caller: what the caller cannot be told is not done
 *   lwpcap_file.lock  a file's ring (SETUP, ACTIVATE, mmap, poll, stats);
 *                     only its own file's calls wait for it
 *   lwpcap_dev.lock   a device's active ring, owner and liveness; held
 *                     across synchronize_net() by DEACTIVATE, close, the
 *                     notifier and detach, so a grace period stalls only
 *                     that device's reader
 *   lwpcap_list_lock  the list of attached devices, for BIND and the
 *                     notifier to find one; never held while sleeping on
 *                     anything else
 * User memory is never touched under a file's lock: mmap() takes it with
 * mmap_lock held (out_lock is not taken there, so a fault under it is
 * fine).  The data path runs in NAPI (softirq) context and finds
 * the active ring through an RCU pointer; deactivation clears it and
 * waits for a grace period, after which no producer touches the ring.
 *
 * Capture points: a driver with a hook attaches its devices; the portable
 * points (a packet_type, netfilter's PRE_ROUTING or netdev ingress hook)
 * work on any device and get a lwpcap_dev of their own at BIND, which
 * holds the net_device and lives until the file closes or the device
 * leaves.  Their hooks are registered only while a ring is active, so
 * registration is their off switch, and they may run on any CPU for any
 * queue (RPS, virtual devices), so their producers take the queue's lock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/dma-mapping.h>
#include <linux/fs.h>
#include <linux/if_vlan.h>
#include <linux/lwpcap.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <linux/poll.h>
#include <linux/rcupdate.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>
#include <net/net_namespace.h>
#include <net/sock.h>

#include "lwpcap_compat.h"
#include "lwpcap_ring.h"

/* Control block layout; kernel- and reader-written lines kept apart. */
#define LWPCAP_CTL_STRIDE	256
#define LWPCAP_CTL_PROD		0
#define LWPCAP_CTL_CTR		8
#define LWPCAP_CTL_CONS		128

/* Switched off a second after the last ring, not at every DEACTIVATE:
 * each switch patches the text of every hook and synchronises every CPU,
 * which a reader looping ACTIVATE/DEACTIVATE could otherwise make at
 * will.  Hooks that still run in that second find no ring.  (One
 * argument, so that checkpatch sees the definition before the export.)
 */
#define DEFINE_LWPCAP_KEY(name)	DEFINE_STATIC_KEY_DEFERRED_FALSE(name, HZ)
DEFINE_LWPCAP_KEY(lwpcap_key);
EXPORT_SYMBOL_GPL(lwpcap_key);

static DEFINE_MUTEX(lwpcap_list_lock);
static LIST_HEAD(lwpcap_devs);

/* Ring sizes come from user space: the total over all files is capped, so
 * that readers on many ports cannot pin the machine's memory between them.
 * The files opened in network namespaces other than the initial one (the
 * containers') have a share of the cap, each namespace and all of them
 * together, so that no container can leave the host's readers without.
 */
static unsigned int max_mem_mb;
module_param(max_mem_mb, uint, 0644);
MODULE_PARM_DESC(max_mem_mb,
		 "Ring memory of all readers together, MiB (0: half of RAM)");
static unsigned int netns_mem_pct = 25;
module_param(netns_mem_pct, uint, 0644);
MODULE_PARM_DESC(netns_mem_pct,
		 "Ring memory of one netns but the initial one, % of the cap");
static unsigned int netns_all_mem_pct = 50;
module_param(netns_all_mem_pct, uint, 0644);
MODULE_PARM_DESC(netns_all_mem_pct,
		 "Ring memory of all netns but the initial one, % of the cap");

/* A namespace's rings, while it has any.  Found by the namespace's cookie,
 * which is never reused: a mapped ring may outlive its namespace, and a
 * new namespace at the old one's address must not inherit its charge.
 */
struct lwpcap_share {
	struct list_head node;
	u64 cookie;
	unsigned long pages;
	unsigned int rings;
};

static DEFINE_SPINLOCK(lwpcap_mem_lock);
static LIST_HEAD(lwpcap_shares);	/* the three under lwpcap_mem_lock */
static unsigned long lwpcap_mem_pages;	/* every ring's */
static unsigned long lwpcap_netns_pages;	/* the shares' together */

struct lwpcap_queue {
	struct lwpcap_qring r;
	spinlock_t lock;	/* portable points: producers on any CPU */
	bool dirty;
} ____cacheline_aligned_in_smp;

struct lwpcap_ring {
	struct kref kref;
	atomic_t mapped;
	atomic64_t lost;	/* frames of queues without a ring */
	void *mem;
	size_t size;
	u32 snaplen;
	u32 wake_bytes;		/* lwpcap_activate.wake_bytes (0: any record) */
	bool divert;
	struct lwpcap_setup layout;
	unsigned long pages;		/* charged against the cap */
	struct lwpcap_share *share;	/* and to it (NULL: initial netns) */
	unsigned int nr_queues;
	struct lwpcap_queue q[];
};

struct lwpcap_dev {
	struct kref kref;
	struct list_head node;		/* under lwpcap_list_lock */
	struct mutex lock;		/* the fields below but wq */
	struct net_device *netdev;	/* NULL once detached */
	struct lwpcap_ring __rcu *active;
	struct lwpcap_file *owner;
	wait_queue_head_t wq;
	unsigned int nr_queues;		/* rings per file */
	unsigned int nr_hw_queues;	/* queues the driver announced */
	u32 mode;
	u32 point;			/* LWPCAP_POINT_* */
	bool dead;
	/* Portable points only: */
	netdevice_tracker tracker;	/* their reference to netdev */
	struct net *hook_net;		/* where the hooks are registered */
	struct packet_type pt;
	struct nf_hook_ops nfo[2];
	unsigned int nr_nfo;
};

struct lwpcap_file {
	struct mutex out_lock;	/* BIND, SETUP; before lock and mmap_lock */
	struct mutex lock;	/* ring; taken before the device's lock */
	struct lwpcap_dev *ld;	/* set once, by BIND; out_lock and lock */
	struct lwpcap_ring *ring;
	struct net *net;	/* opened in; ifindexes resolve here */
	bool gone;		/* binding ended by the notifier; ld->lock */
};

/* Whether @lf's binding has ended: the device unregistered, moved to
 * another namespace or lost its driver.  Called with lf->ld->lock held.
 */
static bool lwpcap_file_gone(const struct lwpcap_file *lf)
{
	lockdep_assert_held(&lf->ld->lock);
	return lf->gone || lf->ld->dead;
}

/* @pct % of max_mem_mb, in pages (more than 100: all of it) */
static unsigned long lwpcap_mem_cap(unsigned int pct)
{
	unsigned long cap = READ_ONCE(max_mem_mb);

	cap = cap ? cap << (20 - PAGE_SHIFT) : totalram_pages() / 2;
	return mult_frac(cap, min(pct, 100U), 100);
}

static struct lwpcap_share *lwpcap_share_find(u64 cookie)
{
	struct lwpcap_share *s;

	lockdep_assert_held(&lwpcap_mem_lock);
	list_for_each_entry(s, &lwpcap_shares, node)
		if (s->cookie == cookie)
			return s;
	return NULL;
}

/* Reserve @pages for a ring of a file opened in @net (NULL: the kernel's
 * own, as the initial namespace's); false if that would pass the cap or
 * @net's share of it.  *@sharep: the share charged, NULL for none.
 */
static bool lwpcap_mem_charge(const struct net *net, unsigned long pages,
			      struct lwpcap_share **sharep)
{
	struct lwpcap_share *s, *fresh = NULL;
	bool ok = false;

	*sharep = NULL;
	if (net && !net_eq(net, &init_net)) {
		fresh = kzalloc(sizeof(*fresh), GFP_KERNEL);
		if (!fresh)
			return false;
		fresh->cookie = net->net_cookie;
	}
	spin_lock(&lwpcap_mem_lock);
	if (lwpcap_mem_pages + pages > lwpcap_mem_cap(100))
		goto out_unlock;
	if (fresh) {
		s = lwpcap_share_find(fresh->cookie) ?: fresh;
		if (s->pages + pages >
		    lwpcap_mem_cap(READ_ONCE(netns_mem_pct)) ||
		    lwpcap_netns_pages + pages >
		    lwpcap_mem_cap(READ_ONCE(netns_all_mem_pct)))
			goto out_unlock;
		if (s == fresh) {
			list_add(&s->node, &lwpcap_shares);
			fresh = NULL;
		}
		s->pages += pages;
		s->rings++;
		lwpcap_netns_pages += pages;
		*sharep = s;
	}
	lwpcap_mem_pages += pages;
	ok = true;
out_unlock:
	spin_unlock(&lwpcap_mem_lock);
	kfree(fresh);
	return ok;
}

static void lwpcap_mem_uncharge(struct lwpcap_share *s, unsigned long pages)
{
	spin_lock(&lwpcap_mem_lock);
	lwpcap_mem_pages -= pages;
	if (s) {
		s->pages -= pages;
		lwpcap_netns_pages -= pages;
		if (--s->rings)
			s = NULL;
		else
			list_del(&s->node);
	}
	spin_unlock(&lwpcap_mem_lock);
	kfree(s);
}

static void lwpcap_ring_release(struct kref *kref)
{
	struct lwpcap_ring *ring = container_of(kref, struct lwpcap_ring, kref);

	vfree(ring->mem);
	lwpcap_mem_uncharge(ring->share, ring->pages);
	kvfree(ring);
}

static void lwpcap_ring_put(struct lwpcap_ring *ring)
{
	if (ring)
		kref_put(&ring->kref, lwpcap_ring_release);
}

static void lwpcap_dev_release(struct kref *kref)
{
	struct lwpcap_dev *ld = container_of(kref, struct lwpcap_dev, kref);

	mutex_destroy(&ld->lock);
	kfree(ld);
}

static void lwpcap_dev_put(struct lwpcap_dev *ld)
{
	kref_put(&ld->kref, lwpcap_dev_release);
}

static bool lwpcap_portable(const struct lwpcap_dev *ld)
{
	return ld->point != LWPCAP_POINT_DRIVER;
}

/* Netfilter's hook registry exists only in a kernel built with it; the
 * points that need it are then never offered (lwpcap_points()), so the
 * stubs are never reached, but lwpcap itself must still build.
 */
#if IS_ENABLED(CONFIG_NETFILTER)
static int lwpcap_nf_register(struct lwpcap_dev *ld)
{
	return nf_register_net_hooks(ld->hook_net, ld->nfo, ld->nr_nfo);
}

static void lwpcap_nf_unregister(struct lwpcap_dev *ld)
{
	nf_unregister_net_hooks(ld->hook_net, ld->nfo, ld->nr_nfo);
}
#else
static int lwpcap_nf_register(struct lwpcap_dev *ld)
{
	return -EOPNOTSUPP;
}

static void lwpcap_nf_unregister(struct lwpcap_dev *ld)
{
}
#endif

/* Remove a portable point's hooks; the caller waits for the grace period
 * (synchronize_net()) before it touches the ring.
 */
static void lwpcap_hooks_unregister(struct lwpcap_dev *ld)
{
	if (ld->point == LWPCAP_POINT_PTYPE)
		__dev_remove_pack(&ld->pt);
	else if (ld->nr_nfo)
		lwpcap_nf_unregister(ld);
	ld->nr_nfo = 0;
}

/* Called with the device's lock held. */
static void lwpcap_publish_all(struct lwpcap_ring *ring)
{
	unsigned int i;

	for (i = 0; i < ring->nr_queues; i++) {
		lwpcap_qring_publish(&ring->q[i].r);
		ring->q[i].dirty = false;
	}
}

/* Stop the data path of @ld.  After the grace period no NAPI poll holds
 * the ring; records a poll wrote but could not flush are published here.
 * Called with ld->lock held: the grace period stalls this device only.
 */
static void lwpcap_deactivate(struct lwpcap_dev *ld)
{
	struct lwpcap_ring *ring;

	ring = rcu_dereference_protected(ld->active,
					 lockdep_is_held(&ld->lock));
	if (!ring)
		return;
	RCU_INIT_POINTER(ld->active, NULL);
	if (lwpcap_portable(ld))
		lwpcap_hooks_unregister(ld);
	synchronize_net();
	if (!lwpcap_portable(ld))
		static_branch_slow_dec_deferred(&lwpcap_key);
	lwpcap_publish_all(ring);
	wake_up_interruptible_poll(&ld->wq, EPOLLIN | EPOLLRDNORM);
	lwpcap_ring_put(ring);
}

/**
 * lwpcap_attach() - give a net_device capture rings
 * @dev:       the device, registered
 * @nr_queues: RX queues the driver may poll, at least 1; a device with
 *             more than LWPCAP_MAX_QUEUES gets rings for the first
 *             LWPCAP_MAX_QUEUES only
 * @mode:      default mode, LWPCAP_MODE_TAP or LWPCAP_MODE_DIVERT
 *
 * The driver keeps the handle in a local until this returns and then
 * publishes it with smp_store_release(): its NAPI poll may run already,
 * and must see either NULL or a handle, never an ERR_PTR().
 *
 * Context: process context, may sleep.
 * Return: a handle for the data path calls, or an ERR_PTR().
 */
struct lwpcap_dev *lwpcap_attach(struct net_device *dev,
				 unsigned int nr_queues, u32 mode)
{
	struct lwpcap_dev *ld;

	if (!nr_queues ||
	    (mode != LWPCAP_MODE_TAP && mode != LWPCAP_MODE_DIVERT))
		return ERR_PTR(-EINVAL);
	/* Better rings for most queues than no capture at all. */
	if (nr_queues > LWPCAP_MAX_QUEUES)
		netdev_warn(dev, "lwpcap: %u RX queues, rings for the first %u only\n",
			    nr_queues, LWPCAP_MAX_QUEUES);

	ld = kzalloc(sizeof(*ld), GFP_KERNEL);
	if (!ld)
		return ERR_PTR(-ENOMEM);
	kref_init(&ld->kref);
	mutex_init(&ld->lock);
	init_waitqueue_head(&ld->wq);
	ld->netdev = dev;
	ld->nr_hw_queues = nr_queues;
	ld->nr_queues = min(nr_queues, LWPCAP_MAX_QUEUES);
	ld->mode = mode;

	mutex_lock(&lwpcap_list_lock);
	list_add(&ld->node, &lwpcap_devs);
	mutex_unlock(&lwpcap_list_lock);
	netdev_info(dev, "lwpcap: %u queue(s), default mode %s\n",
		    ld->nr_queues,
		    mode == LWPCAP_MODE_DIVERT ? "divert" : "tap");
	return ld;
}
EXPORT_SYMBOL_GPL(lwpcap_attach);

/**
 * lwpcap_detach() - take the rings away from a device
 * @ld: handle from lwpcap_attach(), may be NULL or an ERR_PTR()
 *
 * Stops any capture, tells a bound reader (EPOLLHUP, -ENODEV from then
 * on) and drops the driver's reference; the ring memory lives on until
 * the reader unmaps and closes it.
 *
 * Context: process context, may sleep; the device's NAPI must be off.
 */
void lwpcap_detach(struct lwpcap_dev *ld)
{
	if (IS_ERR_OR_NULL(ld))
		return;
	/* Out of the list first: BIND then finds it dead, or not at all. */
	mutex_lock(&lwpcap_list_lock);
	list_del(&ld->node);
	mutex_unlock(&lwpcap_list_lock);
	mutex_lock(&ld->lock);
	lwpcap_deactivate(ld);
	/* Read under the list's lock by BIND and the notifier */
	WRITE_ONCE(ld->netdev, NULL);
	WRITE_ONCE(ld->dead, true);
	mutex_unlock(&ld->lock);
	wake_up_interruptible_poll(&ld->wq, EPOLLHUP | EPOLLERR);
	lwpcap_dev_put(ld);
}
EXPORT_SYMBOL_GPL(lwpcap_detach);

/* The ring of @queue, or NULL when it has none.  Never another queue's:
 * each ring has one producer, and a second NAPI context writing into it
 * would corrupt it (a record straddling the end of the area is written
 * out of bounds).  The callers count a frame without a ring as lost.
 */
static struct lwpcap_queue *lwpcap_queue(const struct lwpcap_dev *ld,
					 struct lwpcap_ring *ring,
					 unsigned int queue)
{
	if (likely(queue < ring->nr_queues))
		return &ring->q[queue];
	/* Past LWPCAP_MAX_QUEUES is expected (see lwpcap_attach()); past
	 * what the driver announced is a driver bug.
	 */
	WARN_ONCE(queue >= ld->nr_hw_queues,
		  "lwpcap: RX queue %u of a device announced with %u\n",
		  queue, ld->nr_hw_queues);
	return NULL;
}

/* A driver hook's way in: the active ring (*@ring, NULL when nothing is
 * active) and the queue of @queue in it, marked for lwpcap_flush(); NULL
 * for a queue without a ring, whose frame is counted as lost.
 */
static struct lwpcap_queue *lwpcap_producer(struct lwpcap_dev *ld,
					    unsigned int queue,
					    struct lwpcap_ring **ring)
{
	struct lwpcap_queue *q;

	*ring = rcu_dereference_bh(ld->active);
	if (!*ring)
		return NULL;
	q = lwpcap_queue(ld, *ring, queue);
	if (unlikely(!q)) {
		atomic64_inc(&(*ring)->lost);
		return NULL;
	}
	q->dirty = true;
	return q;
}

static void lwpcap_put_hdr(u8 *p, u32 caplen, u32 len)
{
	struct lwpcap_rec_hdr *h = (struct lwpcap_rec_hdr *)p;
	u64 tstamp = ktime_get_real_ns();
	u32 nsec;

	h->ts_sec = div_u64_rem(tstamp, NSEC_PER_SEC, &nsec);
	h->ts_nsec = nsec;
	h->caplen = caplen;
	h->len = len;
}

/* Reserve the record of a frame of @wire bytes on the wire and write its
 * header; returns where its *@caplen kept bytes go, or NULL when the
 * queue is full (the drop is counted there).
 */
static u8 *lwpcap_rec_begin(struct lwpcap_ring *ring, struct lwpcap_queue *q,
			    u32 wire, u32 *caplen)
{
	u8 *p;

	*caplen = min(wire, READ_ONCE(ring->snaplen));
	p = lwpcap_qring_reserve(&q->r,
				 sizeof(struct lwpcap_rec_hdr) + *caplen);
	if (!p)
		return NULL;
	lwpcap_put_hdr(p, *caplen, wire);
	return p + sizeof(struct lwpcap_rec_hdr);
}

/**
 * lwpcap_capture_dma() - offer a received frame still in its DMA buffer
 * @ld:      handle from lwpcap_attach()
 * @queue:   RX queue index, 0-based
 * @dma_dev: device the buffer is mapped for, or NULL if it needs no sync
 * @dma:     DMA address of @data (streaming mapping, DMA_FROM_DEVICE)
 * @data:    frame, from the destination MAC address, without FCS
 * @len:     bytes at @data
 * @vlan:    LWPCAP_VLAN_PRESENT | TCI when the NIC stripped a tag, else 0
 *
 * Only the bytes kept are synced for the CPU, and handed back to the
 * device afterwards, so the driver may still recycle or unmap the buffer.
 *
 * Context: the NAPI poll of @queue; follow with lwpcap_flush().
 * Return: what the driver does with the frame next.
 */
enum lwpcap_verdict lwpcap_capture_dma(struct lwpcap_dev *ld,
				       unsigned int queue,
				       struct device *dma_dev, dma_addr_t dma,
				       const void *data, unsigned int len,
				       u32 vlan)
{
	u32 caplen, sync, hlen = 0;
	struct lwpcap_ring *ring;
	struct lwpcap_queue *q;
	u8 *p;

	q = lwpcap_producer(ld, queue, &ring);
	if (!ring)
		return LWPCAP_PASS;
	if (!q)
		goto out;

	if ((vlan & LWPCAP_VLAN_PRESENT) && len >= 2 * ETH_ALEN)
		hlen = VLAN_HLEN;
	p = lwpcap_rec_begin(ring, q, len + hlen, &caplen);
	if (!p)
		goto out;

	/* Bytes read from @data: the MAC addresses at least, with a tag. */
	sync = caplen;
	if (hlen)
		sync = max_t(u32, caplen, 2 * ETH_ALEN + hlen) - hlen;
	if (dma_dev)
		dma_sync_single_for_cpu(dma_dev, dma, sync, DMA_FROM_DEVICE);
	if (hlen) {
		/* The NIC took the tag out of the frame: put it back. */
		struct vlan_ethhdr veth;
		u32 n = min_t(u32, caplen, VLAN_ETH_HLEN - 2);

		memcpy(&veth, data, 2 * ETH_ALEN);
		veth.h_vlan_proto = htons(ETH_P_8021Q);
		veth.h_vlan_TCI = htons(vlan & LWPCAP_VLAN_TCI_MASK);
		memcpy(p, &veth, n);
		if (caplen > n)
			memcpy(p + n, (const u8 *)data + 2 * ETH_ALEN,
			       caplen - n);
	} else {
		memcpy(p, data, caplen);
	}
	if (dma_dev)
		dma_sync_single_for_device(dma_dev, dma, sync,
					   DMA_FROM_DEVICE);
	lwpcap_qring_commit(&q->r, sizeof(struct lwpcap_rec_hdr) + caplen,
			    caplen);
out:
	return ring->divert ? LWPCAP_CONSUMED : LWPCAP_PASS;
}
EXPORT_SYMBOL_GPL(lwpcap_capture_dma);

/* Write @skb into @q of @ring, from @off (<= 0) bytes after skb->data:
 * the portable points find the MAC header before skb->data.  The linear
 * part and the fragments are copied as they are, nothing is linearised,
 * except the last @fcs bytes (as for lwpcap_capture_skb()).  A tag is
 * put back from the skb, or from @vlan (as for lwpcap_capture_skb())
 * when the skb holds none.
 */
static void lwpcap_copy_skb(struct lwpcap_ring *ring, struct lwpcap_queue *q,
			    const struct sk_buff *skb, int off, u32 vlan,
			    u32 fcs)
{
	u32 caplen, hlen = 0, len = skb->len - off;
	__be16 proto = htons(ETH_P_8021Q);
	u16 tci = vlan & LWPCAP_VLAN_TCI_MASK;
	u8 *p;

	if (len > fcs)
		len -= fcs;
	if (skb_vlan_tag_present(skb)) {
		proto = skb->vlan_proto;
		tci = skb_vlan_tag_get(skb);
		vlan = LWPCAP_VLAN_PRESENT;
	}
	if ((vlan & LWPCAP_VLAN_PRESENT) && len >= 2 * ETH_ALEN)
		hlen = VLAN_HLEN;
	p = lwpcap_rec_begin(ring, q, len + hlen, &caplen);
	if (!p)
		return;

	if (hlen) {
		struct vlan_ethhdr veth;
		u32 n = min_t(u32, caplen, VLAN_ETH_HLEN - 2);

		skb_copy_bits(skb, off, &veth, 2 * ETH_ALEN);
		veth.h_vlan_proto = proto;
		veth.h_vlan_TCI = htons(tci);
		memcpy(p, &veth, n);
		if (caplen > n)
			skb_copy_bits(skb, off + 2 * ETH_ALEN, p + n, caplen - n);
	} else {
		skb_copy_bits(skb, off, p, caplen);
	}
	lwpcap_qring_commit(&q->r, sizeof(struct lwpcap_rec_hdr) + caplen,
			    caplen);
}

/**
 * lwpcap_capture_skb() - offer a received frame that is already an skb
 * @ld:    handle from lwpcap_attach()
 * @queue: RX queue index, 0-based
 * @skb:   the frame, skb->data at the MAC header, linear or paged
 * @vlan:  LWPCAP_VLAN_PRESENT | TCI of a tag the NIC stripped that @skb
 *         does not hold (yet), else 0
 * @fcs:   bytes at the end of @skb that are the frame check sequence (a
 *         driver keeps it with rx-fcs on), else 0
 *
 * For drivers whose buffers only make sense as an skb; a tag held in
 * the skb, or given in @vlan, is re-inserted.  The FCS is never
 * captured, as on lwpcap_capture()'s path, so that a record ends where
 * the frame does whatever the NIC's rx-fcs setting.  On LWPCAP_CONSUMED the
 * caller frees the skb.
 *
 * Context: the NAPI poll of @queue; follow with lwpcap_flush().
 * Return: what the driver does with the frame next.
 */
enum lwpcap_verdict lwpcap_capture_skb(struct lwpcap_dev *ld,
				       unsigned int queue,
				       const struct sk_buff *skb, u32 vlan,
				       u32 fcs)
{
	struct lwpcap_ring *ring;
	struct lwpcap_queue *q;

	q = lwpcap_producer(ld, queue, &ring);
	if (!ring)
		return LWPCAP_PASS;
	if (q)
		lwpcap_copy_skb(ring, q, skb, 0, vlan, fcs);
	return ring->divert ? LWPCAP_CONSUMED : LWPCAP_PASS;
}
EXPORT_SYMBOL_GPL(lwpcap_capture_skb);

/**
 * lwpcap_missed() - count a frame a receive path could not offer
 * @ld:    handle from lwpcap_attach()
 * @queue: RX queue index, 0-based
 *
 * For a frame the driver received but could not hand to
 * lwpcap_capture*() (consumed by an XDP program, or a path without a
 * hook): it counts as a drop of @queue, which the reader reports, so
 * that capture never goes quiet while frames arrive, and as a missed
 * frame, so that the reader does not blame itself for it.
 *
 * Context: the NAPI poll of @queue; follow with lwpcap_flush().
 */
void lwpcap_missed(struct lwpcap_dev *ld, unsigned int queue)
{
	struct lwpcap_ring *ring;
	struct lwpcap_queue *q;

	q = lwpcap_producer(ld, queue, &ring);
	/* The queue's own NAPI context is its only producer. */
	if (q)
		lwpcap_qring_miss(&q->r);
}
EXPORT_SYMBOL_GPL(lwpcap_missed);

static bool lwpcap_wake_due(const struct lwpcap_ring *ring,
			    const struct lwpcap_qring *r)
{
	return lwpcap_qring_wake_due(r, READ_ONCE(ring->wake_bytes));
}

/**
 * lwpcap_flush() - publish what a NAPI poll captured on a queue
 * @ld:    handle from lwpcap_attach()
 * @queue: RX queue index, 0-based
 *
 * Wakes a reader sleeping in poll() once the queue holds its wake_bytes,
 * so at most one wake-up per poll.
 *
 * Context: the NAPI poll of @queue, after its last lwpcap_capture().
 */
void lwpcap_flush(struct lwpcap_dev *ld, unsigned int queue)
{
	struct lwpcap_ring *ring = rcu_dereference_bh(ld->active);
	struct lwpcap_queue *q;

	if (!ring)
		return;
	q = lwpcap_queue(ld, ring, queue);
	if (!q || !q->dirty)
		return;
	q->dirty = false;
	/* wq_has_sleeper() pairs with the barrier in lwpcap_poll(). */
	if (lwpcap_qring_publish(&q->r) && wq_has_sleeper(&ld->wq) &&
	    lwpcap_wake_due(ring, &q->r))
		wake_up_interruptible_poll(&ld->wq, EPOLLIN | EPOLLRDNORM);
}
EXPORT_SYMBOL_GPL(lwpcap_flush);

/* Whether the portable points record @skb: only a frame the device
 * received.  The receive path also carries what was never received:
 * - PACKET_OUTGOING: the device's own transmissions, which
 *   dev_queue_xmit_nit() hands to a packet_type that does not set
 *   ignore_outgoing (ours sets it: this test is for any
 *   other path that hands them on).
 * - PACKET_LOOPBACK: dev_loopback_xmit() passes the host's own IPv4
 *   multicast (IP_MULTICAST_LOOP, IGMP), IPv4 broadcast and IPv6
 *   multicast to a group it is in (ff02::1) back to netif_rx() on the
 *   output device, the "MAC header" at the IP header.  af_packet drops
 *   these too; divert mode must pass them (the host's own listeners).
 * - A secpath: xfrm decrypted the packet and runs it through receive
 *   again, tunnel mode through gro_cells_receive() on the same device
 *   (all three points), transport mode through PRE_ROUTING with in =
 *   the device (xfrm4/6_transport_finish()), with a MAC header left
 *   from the ESP frame; that frame was recorded when it came in.  (A
 *   NIC that decrypts ESP itself attaches its secpath in its driver:
 *   such frames are not recorded either, and they are no longer what
 *   the wire carried.)
 * - No MAC header, or one shorter than Ethernet's: whatever it is, a
 *   record of it would not be an Ethernet frame.
 * None of these reaches the wire inbound, so none is counted.
 */
static bool lwpcap_received(const struct sk_buff *skb)
{
	if (skb->pkt_type == PACKET_OUTGOING ||
	    skb->pkt_type == PACKET_LOOPBACK || skb_sec_path(skb))
		return false;
	return skb_mac_header_was_set(skb) &&
	       skb_mac_header_len(skb) >= ETH_HLEN;
}

/* A frame at a portable point: any CPU, any queue, BH context (receive)
 * or with BH disabled; one record, published at once since there is no
 * end of a poll to wait for.  Return: whether to consume it (divert).
 */
static bool lwpcap_capture_portable(struct lwpcap_dev *ld,
				    const struct sk_buff *skb)
{
	struct lwpcap_ring *ring;
	struct lwpcap_queue *q;
	unsigned int queue = 0;
	bool wake, divert;

	if (unlikely(!lwpcap_received(skb)))
		return false;
	rcu_read_lock_bh();
	ring = rcu_dereference_bh(ld->active);
	if (!ring) {
		rcu_read_unlock_bh();
		return false;
	}
	/* The recorded queue, never past the last ring: several queues
	 * may share one here, the lock keeps one producer at a time.
	 */
	if (skb_rx_queue_recorded(skb))
		queue = min_t(unsigned int, skb_get_rx_queue(skb),
			      ring->nr_queues - 1);
	q = &ring->q[queue];
	spin_lock(&q->lock);
	/* What the stack gets, an FCS too with rx-fcs on (as af_packet) */
	lwpcap_copy_skb(ring, q, skb, skb_mac_offset(skb), 0, 0);
	wake = lwpcap_qring_publish(&q->r) && lwpcap_wake_due(ring, &q->r);
	spin_unlock(&q->lock);
	divert = ring->divert;
	rcu_read_unlock_bh();
	/* wq_has_sleeper() pairs with the barrier in lwpcap_poll(). */
	if (wake && wq_has_sleeper(&ld->wq))
		wake_up_interruptible_poll(&ld->wq, EPOLLIN | EPOLLRDNORM);
	return divert;
}

/* ETH_P_ALL on the bound device: every frame the stack receives there,
 * after the driver built the skb, before any protocol; the device's
 * outgoing frames are not cloned to it (ignore_outgoing), its looped
 * back ones are left out by lwpcap_received().
 */
static int lwpcap_ptype_rcv(struct sk_buff *skb, struct net_device *dev,
			    struct packet_type *pt,
			    struct net_device *orig_dev)
{
	struct lwpcap_dev *ld = container_of(pt, struct lwpcap_dev, pt);

	lwpcap_capture_portable(ld, skb);
	consume_skb(skb);
	return 0;
}

/* PRE_ROUTING (IPv4, IPv6) and netdev ingress: one function, the device
 * checked for the former, which the IP layer runs for every device.
 */
static unsigned int lwpcap_nf_hook(void *priv, struct sk_buff *skb,
				   const struct nf_hook_state *state)
{
	struct lwpcap_dev *ld = priv;

	if (state->in != ld->pt.dev)
		return NF_ACCEPT;
	return lwpcap_capture_portable(ld, skb) ? NF_DROP : NF_ACCEPT;
}

/* The points @dev offers: the driver's hook if @driver, and whatever this
 * kernel was built with where records can be Ethernet frames.
 */
static u32 lwpcap_points(const struct net_device *dev, bool driver)
{
	u32 points = driver ? BIT(LWPCAP_POINT_DRIVER) : 0;

	if (dev->type != ARPHRD_ETHER)
		return points;
	points |= BIT(LWPCAP_POINT_PTYPE);
	if (IS_ENABLED(CONFIG_NETFILTER))
		points |= BIT(LWPCAP_POINT_NETFILTER);
	if (IS_ENABLED(CONFIG_NETFILTER_INGRESS))
		points |= BIT(LWPCAP_POINT_INGRESS);
	return points;
}

/* Register @ld's hooks; @ld->active is already set.  Called with
 * ld->lock held (RTNL is not: nf_register_net_hooks() takes its own
 * mutex, dev_add_pack() a spinlock).
 */
static int lwpcap_hooks_register(struct lwpcap_dev *ld)
{
	struct nf_hook_ops *o = ld->nfo;
	int err;

	ld->hook_net = dev_net(ld->netdev);
	memset(ld->nfo, 0, sizeof(ld->nfo));
	switch (ld->point) {
	case LWPCAP_POINT_PTYPE:
		dev_add_pack(&ld->pt);
		return 0;
	case LWPCAP_POINT_NETFILTER:
		o[0].pf = NFPROTO_IPV4;
		o[0].hooknum = NF_INET_PRE_ROUTING;
		o[0].priority = NF_IP_PRI_FIRST;
		o[1].pf = NFPROTO_IPV6;
		o[1].hooknum = NF_INET_PRE_ROUTING;
		o[1].priority = NF_IP6_PRI_FIRST;
		ld->nr_nfo = 2;
		break;
	case LWPCAP_POINT_INGRESS:
		o[0].pf = NFPROTO_NETDEV;
		o[0].hooknum = NF_NETDEV_INGRESS;
		o[0].priority = INT_MIN;
		o[0].dev = ld->netdev;
		ld->nr_nfo = 1;
		break;
	default:
		return -EINVAL;
	}
	o[0].hook = lwpcap_nf_hook;
	o[0].priv = ld;
	o[1].hook = lwpcap_nf_hook;
	o[1].priv = ld;
	err = lwpcap_nf_register(ld);
	if (err)
		ld->nr_nfo = 0;
	return err;
}

/* A portable point's device for BIND: on the list, with the list's
 * reference and one for the caller.  Called with lwpcap_list_lock held.
 */
static struct lwpcap_dev *lwpcap_portable_new(struct net_device *dev,
					      u32 point)
{
	struct lwpcap_dev *ld;

	ld = kzalloc(sizeof(*ld), GFP_KERNEL);
	if (!ld)
		return NULL;
	kref_init(&ld->kref);	/* the list's, as a driver's attach */
	kref_get(&ld->kref);	/* the caller's */
	mutex_init(&ld->lock);
	init_waitqueue_head(&ld->wq);
	netdev_hold(dev, &ld->tracker, GFP_KERNEL);
	ld->netdev = dev;
	ld->nr_hw_queues = max(dev->real_num_rx_queues, 1U);
	ld->nr_queues = min(ld->nr_hw_queues, LWPCAP_MAX_QUEUES);
	ld->mode = LWPCAP_MODE_TAP;
	ld->point = point;
	ld->pt.type = htons(ETH_P_ALL);
	ld->pt.dev = dev;
	ld->pt.func = lwpcap_ptype_rcv;
	/* Not a clone of every frame the device sends, only to be freed */
	ld->pt.ignore_outgoing = true;
	list_add(&ld->node, &lwpcap_devs);
	return ld;
}

/* End a portable point's device: no hooks, no device reference.  Called
 * with ld->lock held; true if this call ended it, and the caller then
 * unlists it with lwpcap_portable_unlist() once the lock is dropped.
 */
static bool lwpcap_portable_end(struct lwpcap_dev *ld)
{
	lockdep_assert_held(&ld->lock);
	if (ld->dead)
		return false;
	lwpcap_deactivate(ld);
	netdev_put(ld->netdev, &ld->tracker);
	WRITE_ONCE(ld->netdev, NULL);
	WRITE_ONCE(ld->dead, true);
	return true;
}

/* Off the list, and the list's reference dropped. */
static void lwpcap_portable_unlist(struct lwpcap_dev *ld)
{
	mutex_lock(&lwpcap_list_lock);
	list_del(&ld->node);
	mutex_unlock(&lwpcap_list_lock);
	lwpcap_dev_put(ld);
}

static int lwpcap_open(struct inode *inode, struct file *file)
{
	struct net *net = current->nsproxy->net_ns;
	struct lwpcap_file *lf;

	/* An early answer only: BIND checks where the device lives. */
	if (!ns_capable(net->user_ns, CAP_NET_RAW) &&
	    !ns_capable(net->user_ns, CAP_NET_ADMIN))
		return -EPERM;
	lf = kzalloc(sizeof(*lf), GFP_KERNEL);
	if (!lf)
		return -ENOMEM;
	mutex_init(&lf->out_lock);
	mutex_init(&lf->lock);
	/* Like a socket's sock_net(): the file stays in the namespace it
	 * was opened in, whichever process it is passed to later.
	 */
	lf->net = get_net(net);
	file->private_data = lf;
	return stream_open(inode, file);
}

static int lwpcap_release(struct inode *inode, struct file *file)
{
	struct lwpcap_file *lf = file->private_data;
	struct lwpcap_dev *ld = lf->ld;

	if (ld) {
		bool ended = false;

		/* Only this device waits: killed readers of different
		 * devices go through their grace periods side by side.
		 */
		mutex_lock(&ld->lock);
		/* After the notifier, the device may have a new reader. */
		if (ld->owner == lf) {
			lwpcap_deactivate(ld);
			ld->owner = NULL;
			if (lwpcap_portable(ld))
				ended = lwpcap_portable_end(ld);
		}
		mutex_unlock(&ld->lock);
		if (ended)
			lwpcap_portable_unlist(ld);
		lwpcap_dev_put(ld);
	}
	lwpcap_ring_put(lf->ring);
	put_net(lf->net);
	mutex_destroy(&lf->lock);
	mutex_destroy(&lf->out_lock);
	kfree(lf);
	return 0;
}

static bool lwpcap_resv_zero(const void *p, size_t n)
{
	return !memchr_inv(p, 0, n);
}

/* The checks and the taking of BIND: on success @b holds the result and
 * *@taken the device, owned by @lf but not yet the file's (lf->ld), with a
 * reference for it.  Called with lf->out_lock held.
 */
static int lwpcap_bind_take(struct file *file, struct lwpcap_bind *b,
			    struct lwpcap_dev **taken)
{
	struct lwpcap_file *lf = file->private_data;
	struct lwpcap_dev *ld, *found = NULL;
	struct net_device *dev;
	bool allowed, driver = false, ended = false;
	int err;

	lockdep_assert_held(&lf->out_lock);
	if (lf->ld)
		return -EISCONN;
	dev = dev_get_by_index(lf->net, b->ifindex);
	if (!dev)
		return -ENODEV;
	/* With the opener's credentials, in the user namespace owning the
	 * file's netns: a file passed to another process carries its
	 * opener's rights, and no more, as a packet socket does.  Not the
	 * device's netns: the device may move out and back before the
	 * check below that it is still in ours, and a check against the
	 * namespace it visited would be a check against the wrong one.
	 * Where BIND succeeds the two are the same.
	 */
	allowed = file_ns_capable(file, lf->net->user_ns, CAP_NET_RAW);
	mutex_lock(&lwpcap_list_lock);
	list_for_each_entry(ld, &lwpcap_devs, node) {
		if (READ_ONCE(ld->netdev) != dev)
			continue;
		if (ld->point == LWPCAP_POINT_DRIVER)
			driver = true;
		if (ld->point == b->point)
			found = ld;
	}
	b->points = lwpcap_points(dev, driver);
	if (found)
		kref_get(&found->kref);
	else if (allowed && (b->points & BIT(b->point)))
		found = lwpcap_portable_new(dev, b->point);
	mutex_unlock(&lwpcap_list_lock);
	dev_put(dev);
	err = -EPERM;
	if (!allowed)
		goto out_put;
	err = -EOPNOTSUPP;
	if (!(b->points & BIT(b->point)))
		goto out_put;
	if (!found)
		return -ENOMEM;

	mutex_lock(&found->lock);
	/* Still there, and still in our namespace?  A move unlists the
	 * device before the notifier runs, and the notifier waits for
	 * this lock: a device found here is one it has not passed yet.
	 */
	err = -ENODEV;
	if (found->dead)
		goto out_unlock_dev;
	rcu_read_lock();
	if (dev_get_by_index_rcu(lf->net, b->ifindex) != found->netdev)
		err = -ENODEV;
	else if (found->owner)
		err = -EBUSY;
	else
		err = 0;
	rcu_read_unlock();
	if (err)
		goto out_unlock_dev;
	found->owner = lf;
	b->nr_queues = found->nr_queues;
	b->features = LWPCAP_FEAT_ALL;
	/* Only the driver and netdev ingress can keep a frame from the
	 * stack; a packet_type gets a reference to a frame the stack
	 * delivers anyway, and PRE_ROUTING sees only what IP takes.
	 */
	if (b->point != LWPCAP_POINT_DRIVER && b->point != LWPCAP_POINT_INGRESS)
		b->features &= ~LWPCAP_FEAT_DIVERT;
	b->mode = found->mode;
	mutex_unlock(&found->lock);
	*taken = found;
	return 0;

out_unlock_dev:
	/* A portable point's device this BIND made and could not take is
	 * nobody's: end it, as its owner's close would.
	 */
	if (lwpcap_portable(found) && !found->owner)
		ended = lwpcap_portable_end(found);
	mutex_unlock(&found->lock);
	if (ended)
		lwpcap_portable_unlist(found);
out_put:
	if (found)
		lwpcap_dev_put(found);
	return err;
}

/* Give back what lwpcap_bind_take() took: the device is free to bind and
 * the file unbound, as if the call had never been made.
 */
static void lwpcap_bind_undo(struct lwpcap_file *lf, struct lwpcap_dev *ld)
{
	bool ended = false;

	mutex_lock(&ld->lock);
	/* Unless the notifier has ended the binding meanwhile */
	if (ld->owner == lf)
		ld->owner = NULL;
	WRITE_ONCE(lf->gone, false);
	if (lwpcap_portable(ld) && !ld->owner)
		ended = lwpcap_portable_end(ld);
	mutex_unlock(&ld->lock);
	if (ended)
		lwpcap_portable_unlist(ld);
	lwpcap_dev_put(ld);
}

static int lwpcap_bind(struct file *file, void __user *arg)
{
	struct lwpcap_file *lf = file->private_data;
	struct lwpcap_dev *ld;
	struct lwpcap_bind b;
	int err;

	if (copy_from_user(&b, arg, sizeof(b)))
		return -EFAULT;
	if (b.resv || b.nr_queues ||
	    b.features || b.mode || b.points || b.point > LWPCAP_POINT_MAX)
		return -EINVAL;
	if (b.abi_version != LWPCAP_ABI_VERSION)
		return -EPROTO;

	/* The result goes out before the file is bound: a caller that
	 * cannot be told gets EFAULT and a file it can bind again.
	 */
	mutex_lock(&lf->out_lock);
	err = lwpcap_bind_take(file, &b, &ld);
	if (err)
		goto out_unlock;
	if (copy_to_user(arg, &b, sizeof(b))) {
		lwpcap_bind_undo(lf, ld);
		err = -EFAULT;
		goto out_unlock;
	}
	mutex_lock(&lf->lock);
	/* Read without the file's lock by DEACTIVATE and poll(). */
	smp_store_release(&lf->ld, ld);
	mutex_unlock(&lf->lock);
out_unlock:
	mutex_unlock(&lf->out_lock);
	return err;
}

/* Lay out the mapping of @s (checked) for @nr_queues; -EINVAL if its size
 * does not fit the kernel's size_t (a 32-bit kernel, 4 GiB and more).
 */
static int lwpcap_layout(struct lwpcap_setup *s, unsigned int nr_queues)
{
	struct lwpcap_offsets *o = &s->off;
	u64 q_bytes = (u64)s->seg_size * s->nr_segs;

	memset(o, 0, sizeof(*o));
	o->ctl = 0;
	o->ctl_stride = LWPCAP_CTL_STRIDE;
	o->prod = LWPCAP_CTL_PROD;
	o->packets = LWPCAP_CTL_CTR + LWPCAP_CTR_PACKETS * sizeof(u64);
	o->bytes = LWPCAP_CTL_CTR + LWPCAP_CTR_BYTES * sizeof(u64);
	o->drops = LWPCAP_CTL_CTR + LWPCAP_CTR_DROPS * sizeof(u64);
	o->missed = LWPCAP_CTL_CTR + LWPCAP_CTR_MISSED * sizeof(u64);
	o->cons = LWPCAP_CTL_CONS;
	o->seg_len = PAGE_ALIGN(nr_queues * LWPCAP_CTL_STRIDE);
	o->seg_len_stride = ALIGN(s->nr_segs * sizeof(u32), SMP_CACHE_BYTES);
	o->data = PAGE_ALIGN(o->seg_len + nr_queues * o->seg_len_stride);
	o->data_stride = q_bytes;
	s->nr_queues = nr_queues;
	s->mmap_size = o->data + nr_queues * q_bytes;
	return lwpcap_size_fits(s->mmap_size, PAGE_SIZE, SIZE_MAX) ? 0 : -EINVAL;
}

static int lwpcap_check_setup(const struct lwpcap_setup *s)
{
	if (s->flags || s->nr_queues || s->resv1 || s->mmap_size ||
	    !lwpcap_resv_zero(&s->off, sizeof(s->off)) ||
	    !lwpcap_resv_zero(s->resv, sizeof(s->resv)))
		return -EINVAL;
	if (!is_power_of_2(s->seg_size) || s->seg_size < LWPCAP_SEG_SIZE_MIN ||
	    s->seg_size > LWPCAP_SEG_SIZE_MAX)
		return -EINVAL;
	if (!is_power_of_2(s->nr_segs) || s->nr_segs < 2 ||
	    (u64)s->seg_size * s->nr_segs > LWPCAP_QUEUE_SIZE_MAX)
		return -EINVAL;
	if (!s->snaplen || s->snaplen > LWPCAP_SNAPLEN_MAX ||
	    s->snaplen > s->seg_size - sizeof(struct lwpcap_rec_hdr))
		return -EINVAL;
	return 0;
}

/* The ring is charged to the reader's memory cgroup (__GFP_ACCOUNT); a
 * request the cgroup or the machine cannot meet fails with ENOMEM, quietly
 * and without invoking the OOM killer (__GFP_RETRY_MAYFAIL, __GFP_NOWARN):
 * the size is the reader's choice, not a kernel emergency.
 */
#define LWPCAP_GFP	(GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL | __GFP_NOWARN)

/* A ring laid out by @s, charged to @net's share (NULL: none, as the
 * initial namespace's).
 */
static struct lwpcap_ring *lwpcap_ring_alloc(const struct lwpcap_setup *s,
					     const struct net *net)
{
	const struct lwpcap_offsets *o = &s->off;
	unsigned long pages = PAGE_ALIGN(s->mmap_size) >> PAGE_SHIFT;
	struct lwpcap_share *share;
	struct lwpcap_ring *ring;
	unsigned int i;

	if (!lwpcap_mem_charge(net, pages, &share))
		return ERR_PTR(-ENOMEM);
	ring = kvzalloc(struct_size(ring, q, s->nr_queues), LWPCAP_GFP);
	if (!ring)
		goto err_uncharge;
	ring->pages = pages;
	ring->share = share;
	/* No wrap: lwpcap_layout() checked PAGE_ALIGN(size) <= SIZE_MAX. */
	ring->mem = __vmalloc(pages << PAGE_SHIFT, LWPCAP_GFP | __GFP_ZERO);
	if (!ring->mem)
		goto err_free;
	kref_init(&ring->kref);
	atomic_set(&ring->mapped, 0);
	atomic64_set(&ring->lost, 0);
	ring->size = s->mmap_size;
	ring->snaplen = s->snaplen;
	ring->layout = *s;
	ring->nr_queues = s->nr_queues;

	for (i = 0; i < s->nr_queues; i++) {
		struct lwpcap_qring *r = &ring->q[i].r;
		u8 *ctl = ring->mem + o->ctl + i * o->ctl_stride;

		r->data = ring->mem + o->data + i * o->data_stride;
		r->seg_len = ring->mem + o->seg_len + i * o->seg_len_stride;
		r->prod_pub = (u32 *)(ctl + o->prod);
		r->cons_usr = (u32 *)(ctl + o->cons);
		r->ctr = (u64 *)(ctl + LWPCAP_CTL_CTR);
		r->size = o->data_stride;
		r->seg_size = s->seg_size;
		spin_lock_init(&ring->q[i].lock);
	}
	return ring;

err_free:
	kvfree(ring);
err_uncharge:
	lwpcap_mem_uncharge(share, pages);
	return ERR_PTR(-ENOMEM);
}

/* Whether @lf's ring may be replaced now: bound, not gone, and its ring
 * (if any) neither mapped nor active.  ACTIVATE and mmap() need the file's
 * lock, which the caller holds: what is checked here stays so until it
 * drops it.
 */
static int lwpcap_setup_check(struct lwpcap_file *lf)
{
	struct lwpcap_dev *ld = lf->ld;
	int err;

	lockdep_assert_held(&lf->lock);
	mutex_lock(&ld->lock);
	if (lwpcap_file_gone(lf))
		err = -ENODEV;
	else if (lf->ring && (atomic_read(&lf->ring->mapped) ||
			      rcu_access_pointer(ld->active)))
		err = -EBUSY;
	else
		err = 0;
	mutex_unlock(&ld->lock);
	return err;
}

static int lwpcap_setup(struct lwpcap_file *lf, void __user *arg)
{
	struct lwpcap_ring *ring, *old = NULL;
	struct lwpcap_setup s;
	int err;

	if (copy_from_user(&s, arg, sizeof(s)))
		return -EFAULT;
	err = lwpcap_check_setup(&s);
	if (err)
		return err;

	/* BIND writes lf->ld under out_lock only once; SETUPs take turns. */
	mutex_lock(&lf->out_lock);
	err = -EBADFD;
	if (!lf->ld)
		goto out_unlock;
	mutex_lock(&lf->lock);
	err = lwpcap_setup_check(lf);
	mutex_unlock(&lf->lock);
	if (err)
		goto out_unlock;
	err = lwpcap_layout(&s, lf->ld->nr_queues);
	if (err)
		goto out_unlock;
	ring = lwpcap_ring_alloc(&s, lf->net);
	err = PTR_ERR(ring);
	if (IS_ERR(ring))
		goto out_unlock;
	/* The layout goes out before the ring is the file's: a caller that
	 * cannot be told gets EFAULT and keeps the ring it had.  Not under
	 * the file's lock, which mmap() takes under mmap_lock.
	 */
	err = -EFAULT;
	if (copy_to_user(arg, &s, sizeof(s)))
		goto out_put;
	/* An mmap() or ACTIVATE of the old ring may have come meanwhile. */
	mutex_lock(&lf->lock);
	err = lwpcap_setup_check(lf);
	if (!err) {
		old = lf->ring;
		lf->ring = ring;
		ring = NULL;
	}
	mutex_unlock(&lf->lock);
	lwpcap_ring_put(old);
out_put:
	lwpcap_ring_put(ring);
out_unlock:
	mutex_unlock(&lf->out_lock);
	return err;
}

static int lwpcap_activate(struct file *file, void __user *arg)
{
	struct lwpcap_file *lf = file->private_data;
	struct lwpcap_activate a;
	struct lwpcap_dev *ld;
	int err;

	if (copy_from_user(&a, arg, sizeof(a)))
		return -EFAULT;
	if (a.flags || a.resv || a.mode > LWPCAP_MODE_DIVERT)
		return -EINVAL;
	/* Past half a ring, a reader asleep while it fills would drop. */
	if (a.wake_bytes > LWPCAP_QUEUE_SIZE_MAX / 2)
		return -EINVAL;

	mutex_lock(&lf->lock);
	ld = lf->ld;
	err = -EBADFD;
	if (!ld || !lf->ring)
		goto out_unlock_file;
	mutex_lock(&ld->lock);
	err = -ENODEV;
	if (lwpcap_file_gone(lf))
		goto out_unlock;
	err = -EALREADY;
	if (rcu_access_pointer(ld->active))
		goto out_unlock;

	if (a.mode == LWPCAP_MODE_DEFAULT)
		a.mode = ld->mode;
	/* Divert hides the port's receive path (ARP, LACP, management
	 * traffic) from the stack: an administrative act, so it takes
	 * CAP_NET_ADMIN where the device lives, as the file's opener.
	 */
	err = -EPERM;
	if (a.mode == LWPCAP_MODE_DIVERT &&
	    !file_ns_capable(file, dev_net(ld->netdev)->user_ns,
			     CAP_NET_ADMIN))
		goto out_unlock;
	err = -EOPNOTSUPP;
	if (a.mode == LWPCAP_MODE_DIVERT && lwpcap_portable(ld) &&
	    ld->point != LWPCAP_POINT_INGRESS)
		goto out_unlock;
	err = -EINVAL;
	if (a.wake_bytes > (u64)lf->ring->layout.seg_size *
			   lf->ring->layout.nr_segs / 2)
		goto out_unlock;
	lf->ring->divert = a.mode == LWPCAP_MODE_DIVERT;
	WRITE_ONCE(lf->ring->wake_bytes, a.wake_bytes);
	rcu_assign_pointer(ld->active, lf->ring);
	if (lwpcap_portable(ld)) {
		err = lwpcap_hooks_register(ld);
		if (err) {
			RCU_INIT_POINTER(ld->active, NULL);
			synchronize_net();
			goto out_unlock;
		}
	} else {
		static_branch_deferred_inc(&lwpcap_key);
	}
	kref_get(&lf->ring->kref);
	err = 0;
out_unlock:
	mutex_unlock(&ld->lock);
out_unlock_file:
	mutex_unlock(&lf->lock);
	return err;
}

static int lwpcap_set_snaplen(struct lwpcap_file *lf, u32 __user *arg)
{
	u32 snaplen;
	int err;

	if (get_user(snaplen, arg))
		return -EFAULT;
	mutex_lock(&lf->lock);
	err = -EBADFD;
	if (!lf->ring)
		goto out_unlock;
	err = -EINVAL;
	if (!snaplen || snaplen > LWPCAP_SNAPLEN_MAX ||
	    snaplen > lf->ring->layout.seg_size - sizeof(struct lwpcap_rec_hdr))
		goto out_unlock;
	/* Read once per frame by the producer; no record is split by it. */
	WRITE_ONCE(lf->ring->snaplen, snaplen);
	err = 0;
out_unlock:
	mutex_unlock(&lf->lock);
	return err;
}

static int lwpcap_get_stats(struct lwpcap_file *lf, void __user *arg)
{
	struct lwpcap_queue_stats __user *uq;
	struct lwpcap_queue_stats qs;
	struct lwpcap_ring *ring;
	struct lwpcap_stats st;
	unsigned int i, n;
	int err = 0;

	if (copy_from_user(&st, arg, sizeof(st)))
		return -EFAULT;
	if (st.flags)
		return -EINVAL;
	uq = u64_to_user_ptr(st.queues);

	mutex_lock(&lf->lock);
	ring = lf->ring;
	if (!ring) {
		mutex_unlock(&lf->lock);
		return -EBADFD;
	}
	kref_get(&ring->kref);
	mutex_unlock(&lf->lock);

	n = min(st.nr_queues, ring->nr_queues);
	for (i = 0; i < n; i++) {
		const struct lwpcap_qring *r = &ring->q[i].r;

		/* Counters move under us while active; snapshots will do. */
		qs.packets = READ_ONCE(r->packets);
		qs.bytes = READ_ONCE(r->bytes);
		qs.drops = READ_ONCE(r->drops);
		/* Frames of queues without a ring: drops of queue 0. */
		if (!i)
			qs.drops += atomic64_read(&ring->lost);
		qs.bad_cons = READ_ONCE(r->bad_cons);
		if (copy_to_user(&uq[i], &qs, sizeof(qs))) {
			err = -EFAULT;
			break;
		}
	}
	st.nr_queues = ring->nr_queues;
	lwpcap_ring_put(ring);
	if (!err && copy_to_user(arg, &st, sizeof(st)))
		err = -EFAULT;
	return err;
}

#if IS_ENABLED(CONFIG_LWPCAP_KUNIT_API)
/**
 * lwpcap_test_activate() - give a device an active ring without a file
 * @ld:    handle from lwpcap_attach(), not bound to a file
 * @setup: in: seg_size, nr_segs and snaplen, checked as by
 *         LWPCAP_IOC_SETUP, every other field zero; out: nr_queues,
 *         mmap_size and the layout, as LWPCAP_IOC_SETUP returns them
 * @mode:  LWPCAP_MODE_TAP, LWPCAP_MODE_DIVERT or LWPCAP_MODE_DEFAULT
 *
 * For KUnit tests of driver hooks, which run in a kernel thread with no
 * user memory to map a ring in.  The ring is laid out, allocated and
 * activated as SETUP and ACTIVATE do it; the test reads the returned
 * memory as a reader reads the mapping.  The activation holds the only
 * reference: the memory goes away at lwpcap_test_deactivate() or
 * lwpcap_detach().
 *
 * Context: process context, may sleep.
 * Return: the ring memory, or an ERR_PTR().
 */
void *lwpcap_test_activate(struct lwpcap_dev *ld, struct lwpcap_setup *setup,
			   u32 mode)
{
	struct lwpcap_ring *ring;
	int err;

	err = lwpcap_check_setup(setup);
	if (err)
		return ERR_PTR(err);
	if (mode > LWPCAP_MODE_DIVERT)
		return ERR_PTR(-EINVAL);

	mutex_lock(&ld->lock);
	ring = ERR_PTR(-EBUSY);
	if (ld->dead || ld->owner || rcu_access_pointer(ld->active))
		goto out_unlock;
	err = lwpcap_layout(setup, ld->nr_queues);
	ring = ERR_PTR(err);
	if (err)
		goto out_unlock;
	ring = lwpcap_ring_alloc(setup, NULL);
	if (IS_ERR(ring))
		goto out_unlock;
	if (mode == LWPCAP_MODE_DEFAULT)
		mode = ld->mode;
	ring->divert = mode == LWPCAP_MODE_DIVERT;
	static_branch_deferred_inc(&lwpcap_key);
	rcu_assign_pointer(ld->active, ring);
out_unlock:
	mutex_unlock(&ld->lock);
	return IS_ERR(ring) ? ERR_CAST(ring) : ring->mem;
}
EXPORT_SYMBOL_GPL(lwpcap_test_activate);

/**
 * lwpcap_test_deactivate() - undo lwpcap_test_activate()
 * @ld: handle from lwpcap_attach()
 *
 * Publishes what was captured, stops capture and frees the ring.
 *
 * Context: process context, may sleep.
 */
void lwpcap_test_deactivate(struct lwpcap_dev *ld)
{
	mutex_lock(&ld->lock);
	lwpcap_deactivate(ld);
	mutex_unlock(&ld->lock);
}
EXPORT_SYMBOL_GPL(lwpcap_test_deactivate);
#endif

static long lwpcap_ioctl(struct file *file, unsigned int cmd,
			 unsigned long arg)
{
	struct lwpcap_file *lf = file->private_data;
	void __user *argp = (void __user *)arg;
	struct lwpcap_dev *ld;
	int err;

	switch (cmd) {
	case LWPCAP_IOC_BIND:
		return lwpcap_bind(file, argp);
	case LWPCAP_IOC_SETUP:
		return lwpcap_setup(lf, argp);
	case LWPCAP_IOC_ACTIVATE:
		return lwpcap_activate(file, argp);
	case LWPCAP_IOC_DEACTIVATE:
		/* The device's lock only: poll() and GET_STATS of this
		 * file go on during the grace period.
		 */
		ld = smp_load_acquire(&lf->ld);
		if (!ld)
			return -EBADFD;
		mutex_lock(&ld->lock);
		err = -ENODEV;
		if (!lwpcap_file_gone(lf)) {
			lwpcap_deactivate(ld);
			err = 0;
		}
		mutex_unlock(&ld->lock);
		return err;
	case LWPCAP_IOC_SET_SNAPLEN:
		return lwpcap_set_snaplen(lf, argp);
	case LWPCAP_IOC_GET_STATS:
		return lwpcap_get_stats(lf, argp);
	default:
		return -ENOTTY;
	}
}

static void lwpcap_vm_open(struct vm_area_struct *vma)
{
	struct lwpcap_ring *ring = vma->vm_private_data;

	kref_get(&ring->kref);
	atomic_inc(&ring->mapped);
}

static void lwpcap_vm_close(struct vm_area_struct *vma)
{
	struct lwpcap_ring *ring = vma->vm_private_data;

	atomic_dec(&ring->mapped);
	lwpcap_ring_put(ring);
}

static const struct vm_operations_struct lwpcap_vm_ops = {
	.open	= lwpcap_vm_open,
	.close	= lwpcap_vm_close,
};

static int lwpcap_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct lwpcap_file *lf = file->private_data;
	unsigned long len = vma->vm_end - vma->vm_start;
	struct lwpcap_ring *ring;
	unsigned long off;
	int err;

	mutex_lock(&lf->lock);
	ring = lf->ring;
	err = -EBADFD;
	if (!ring)
		goto out_unlock;
	err = -EINVAL;
	if (vma->vm_pgoff || len != PAGE_ALIGN(ring->size))
		goto out_unlock;
	/* A private copy would never show the kernel the reader's cons. */
	if (!(vma->vm_flags & VM_SHARED) || (vma->vm_flags & VM_EXEC))
		goto out_unlock;
	/* Page by page, as remap_vmalloc_range() does: that one wants a
	 * vmalloc_user() area, which cannot be charged to a memory cgroup.
	 */
	for (off = 0; off < len; off += PAGE_SIZE) {
		err = vm_insert_page(vma, vma->vm_start + off,
				     vmalloc_to_page(ring->mem + off));
		if (err)
			goto out_unlock;
	}
	vm_flags_mod(vma, VM_DONTEXPAND | VM_DONTDUMP, VM_MAYEXEC);
	vma->vm_private_data = ring;
	vma->vm_ops = &lwpcap_vm_ops;
	lwpcap_vm_open(vma);
out_unlock:
	mutex_unlock(&lf->lock);
	return err;
}

static __poll_t lwpcap_poll(struct file *file, poll_table *wait)
{
	struct lwpcap_file *lf = file->private_data;
	struct lwpcap_ring *ring;
	struct lwpcap_dev *ld;
	__poll_t mask = 0;
	unsigned int i;

	/* The file's own lock keeps SETUP from swapping the ring under us;
	 * no device's lock: a grace period elsewhere never delays poll().
	 */
	mutex_lock(&lf->lock);
	ring = lf->ring;
	ld = lf->ld;
	if (!ld || !ring) {
		mask = EPOLLERR;
		goto out_unlock;
	}
	poll_wait(file, &ld->wq, wait);
	/* Pairs with wq_has_sleeper() in lwpcap_flush(), and with the
	 * wake-ups that follow setting gone or dead.
	 */
	smp_mb();
	if (READ_ONCE(lf->gone) || READ_ONCE(ld->dead))
		mask |= EPOLLHUP | EPOLLERR;
	for (i = 0; i < ring->nr_queues; i++) {
		const struct lwpcap_qring *r = &ring->q[i].r;

		/* The kernel's own prod: the shared one may be scribbled. */
		if (lwpcap_wake_due(ring, r)) {
			mask |= EPOLLIN | EPOLLRDNORM;
			break;
		}
	}
out_unlock:
	mutex_unlock(&lf->lock);
	return mask;
}

/* A device leaving its namespace (NETDEV_UNREGISTER is also sent for a
 * move to another one) takes no reader along: the reader is told and
 * the device can be bound again where it is now, as af_packet's
 * packet_notifier() unbinds its sockets.
 */
static int lwpcap_netdev_event(struct notifier_block *nb,
			       unsigned long event, void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	/* At most the driver's and one per portable point */
	struct lwpcap_dev *ld, *found[LWPCAP_POINT_MAX + 1];
	unsigned int i, n = 0;
	bool ended;

	if (event != NETDEV_UNREGISTER)
		return NOTIFY_DONE;
	mutex_lock(&lwpcap_list_lock);
	list_for_each_entry(ld, &lwpcap_devs, node) {
		if (READ_ONCE(ld->netdev) == dev &&
		    !WARN_ON_ONCE(n == ARRAY_SIZE(found))) {
			found[n++] = ld;
			kref_get(&ld->kref);
		}
	}
	mutex_unlock(&lwpcap_list_lock);
	for (i = 0; i < n; i++) {
		ld = found[i];
		ended = false;
		mutex_lock(&ld->lock);
		if (ld->owner) {
			lwpcap_deactivate(ld);
			/* The owner's release() waits for this lock. */
			WRITE_ONCE(ld->owner->gone, true);
			ld->owner = NULL;
			wake_up_interruptible_poll(&ld->wq,
						   EPOLLHUP | EPOLLERR);
		}
		/* A portable point lets go of the device now: its file
		 * keeps a reference to the lwpcap_dev only.
		 */
		if (lwpcap_portable(ld))
			ended = lwpcap_portable_end(ld);
		mutex_unlock(&ld->lock);
		if (ended)
			lwpcap_portable_unlist(ld);
		lwpcap_dev_put(ld);
	}
	return NOTIFY_DONE;
}

static struct notifier_block lwpcap_notifier = {
	.notifier_call = lwpcap_netdev_event,
};

static const struct file_operations lwpcap_fops = {
	.owner		= THIS_MODULE,
	.open		= lwpcap_open,
	.release	= lwpcap_release,
	.unlocked_ioctl	= lwpcap_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.mmap		= lwpcap_mmap,
	.poll		= lwpcap_poll,
};

static struct miscdevice lwpcap_misc = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= LWPCAP_DEVICE_NAME,
	.fops	= &lwpcap_fops,
	.mode	= 0600,
};

static int __init lwpcap_init(void)
{
	int err;

	BUILD_BUG_ON(sizeof(struct lwpcap_rec_hdr) != 16);
	BUILD_BUG_ON(sizeof(struct lwpcap_bind) != 32);
	BUILD_BUG_ON(sizeof(struct lwpcap_offsets) != 80);
	BUILD_BUG_ON(sizeof(struct lwpcap_setup) != 144);
	BUILD_BUG_ON(sizeof(struct lwpcap_stats) != 16);
	BUILD_BUG_ON(LWPCAP_CTL_CTR + LWPCAP_NR_CTR * sizeof(u64) >
		     LWPCAP_CTL_CONS);
	err = register_netdevice_notifier(&lwpcap_notifier);
	if (err)
		return err;
	err = misc_register(&lwpcap_misc);
	if (err)
		goto err_unregister_notifier;
	return 0;

err_unregister_notifier:
	unregister_netdevice_notifier(&lwpcap_notifier);
	return err;
}

static void __exit lwpcap_exit(void)
{
	misc_deregister(&lwpcap_misc);
	unregister_netdevice_notifier(&lwpcap_notifier);
	/* A switch-off still pending would run in freed module memory. */
	static_key_deferred_flush(&lwpcap_key);
}

module_init(lwpcap_init);
module_exit(lwpcap_exit);
MODULE_DESCRIPTION("Lightweight in-driver packet capture rings");
MODULE_LICENSE("GPL");
