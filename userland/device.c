// SPDX-License-Identifier: GPL-2.0
/*
 * device.c - the live capture device.
 *
 * Every failure names the interface and says what to do, since most of
 * them are set-up mistakes (module not loaded, driver loaded without
 * lwpcap=1, not root, a second reader).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "device.h"
#include "util.h"

static int open_dev(const char *ifname, char *err)
{
	int fd = open(LWP_DEV_PATH, O_RDWR | O_CLOEXEC);

	if (fd >= 0)
		return fd;
	switch (errno) {
	case ENOENT:
	case ENODEV:
	case ENXIO:
		return lwp_err(err, -errno,
			       "%s: %s does not exist: the lwpcap module is not loaded; load the NIC driver with capture support, e.g. 'modprobe tg3 lwpcap=1' (or 'modprobe lwpcap' first)",
			       ifname, LWP_DEV_PATH);
	case EPERM:
	case EACCES:
		return lwp_err(err, -errno,
			       "%s: cannot open %s: %s; capturing needs CAP_NET_RAW (run as root)",
			       ifname, LWP_DEV_PATH, strerror(errno));
	default:
		return lwp_err(err, -errno, "%s: cannot open %s: %s", ifname,
			       LWP_DEV_PATH, strerror(errno));
	}
}

static const char *const point_names[] = {
	[LWPCAP_POINT_DRIVER]		= "driver",
	[LWPCAP_POINT_PTYPE]		= "ptype",
	[LWPCAP_POINT_NETFILTER]	= "netfilter",
	[LWPCAP_POINT_INGRESS]		= "ingress",
};

/** lwp_point_name() - the --hook word of a LWPCAP_POINT_* */
const char *lwp_point_name(uint32_t point)
{
	return point <= LWPCAP_POINT_MAX ? point_names[point] : "unknown";
}

/**
 * lwp_mode_name() - the --mode word of a LWPCAP_MODE_*
 * @mode: as BIND reports it or the user asked
 * @dflt: what to say for LWPCAP_MODE_DEFAULT (or an unknown mode)
 */
const char *lwp_mode_name(uint32_t mode, const char *dflt)
{
	switch (mode) {
	case LWPCAP_MODE_TAP:
		return "tap";
	case LWPCAP_MODE_DIVERT:
		return "divert";
	default:
		return dflt;
	}
}

/** lwp_point_parse() - LWPCAP_POINT_* of a --hook word, or -1 */
int lwp_point_parse(const char *name)
{
	unsigned int i;

	for (i = 0; i <= LWPCAP_POINT_MAX; i++)
		if (!strcmp(name, point_names[i]))
			return i;
	return -1;
}

static int try_bind(struct lwp_dev *d, unsigned int ifindex, uint32_t point)
{
	memset(&d->bind, 0, sizeof(d->bind));
	d->bind.ifindex = ifindex;
	d->bind.abi_version = LWPCAP_ABI_VERSION;
	d->bind.point = point;
	return ioctl(d->fd, LWPCAP_IOC_BIND, &d->bind) ? -errno : 0;
}

/*
 * Without --hook: the driver's hook, which sees frames before the stack
 * spends anything on them, else the portable packet_type.  A kernel that
 * knows no portable point (EINVAL) or a device that has none keeps the
 * driver's answer, which says what to do about the driver.
 */
static int bind_dev(struct lwp_dev *d, unsigned int ifindex, int point,
		    char *err)
{
	int ret;

	ret = try_bind(d, ifindex,
		       point == LWP_POINT_AUTO ? LWPCAP_POINT_DRIVER : point);
	if (ret == -EOPNOTSUPP && point == LWP_POINT_AUTO &&
	    !try_bind(d, ifindex, LWPCAP_POINT_PTYPE))
		return 0;
	if (!ret)
		return 0;
	errno = -ret;
	if (point > LWPCAP_POINT_DRIVER) {
		if (errno == EINVAL)
			return lwp_err(err, -errno,
				       "%s: the running lwpcap module has no capture point but the driver's; --hook %s needs a newer one",
				       d->ifname, lwp_point_name(point));
		if (errno == EOPNOTSUPP)
			return lwp_err(err, -errno,
				       "%s: capture point %s is not available here (not an Ethernet interface, or a kernel without it: netfilter needs CONFIG_NETFILTER, ingress CONFIG_NETFILTER_INGRESS)",
				       d->ifname, lwp_point_name(point));
		if (errno == EBUSY)
			return lwp_err(err, -errno,
				       "%s: another reader is already capturing at --hook %s on this interface; stop it first",
				       d->ifname, lwp_point_name(point));
	}
	switch (errno) {
	case ENODEV:
		return lwp_err(err, -errno,
			       "%s: the interface went away while binding",
			       d->ifname);
	case ENOENT:
	case EOPNOTSUPP:
		return lwp_err(err, -errno,
			       "%s: the NIC has no lwpcap ring: its driver is not patched for lwpcap or was loaded without it; reload it with lwpcap=1 (e.g. 'modprobe -r tg3 && modprobe tg3 lwpcap=1')",
			       d->ifname);
	case EBUSY:
		return lwp_err(err, -errno,
			       "%s: another reader is already capturing on this interface; stop it first (one reader per interface)",
			       d->ifname);
	case EPERM:
	case EACCES:
		return lwp_err(err, -errno,
			       "%s: binding needs CAP_NET_RAW in the interface's network namespace (run as root)",
			       d->ifname);
	case EPROTO:
		return lwp_err(err, -errno,
			       "%s: the kernel's lwpcap ABI differs from this reader's (version %d); rebuild the reader against the running module's header",
			       d->ifname, LWPCAP_ABI_VERSION);
	default:
		return lwp_err(err, -errno, "%s: LWPCAP_IOC_BIND: %s",
			       d->ifname, strerror(errno));
	}
}

static int setup_ring(struct lwp_dev *d, uint32_t seg_size, uint32_t nr_segs,
		      uint32_t snaplen, char *err)
{
	memset(&d->setup, 0, sizeof(d->setup));
	d->setup.seg_size = seg_size;
	d->setup.nr_segs = nr_segs;
	d->setup.snaplen = snaplen;
	if (!ioctl(d->fd, LWPCAP_IOC_SETUP, &d->setup))
		return 0;
	/* which limit it was the kernel does not say: name them all */
	if (errno == ENOMEM)
		return lwp_err(err, -errno,
			       "%s: the kernel cannot allocate %u x %u bytes per queue (the lwpcap.max_mem_mb cap, in a container its share, lwpcap.netns_mem_pct, or the memory cgroup); use a smaller --ring-size",
			       d->ifname, nr_segs, seg_size);
	if (errno == EINVAL)
		return lwp_err(err, -errno,
			       "%s: the kernel refused a ring of %u segments of %u bytes with snaplen %u",
			       d->ifname, nr_segs, seg_size, snaplen);
	return lwp_err(err, -errno, "%s: LWPCAP_IOC_SETUP: %s", d->ifname,
		       strerror(errno));
}

/*
 * Promiscuous mode as tcpdump gets it: a membership on an AF_PACKET
 * socket, which the kernel drops when the socket is closed, even if we
 * crash.  Protocol 0 means the socket itself receives nothing.
 */
static int set_promisc(struct lwp_dev *d, unsigned int ifindex, char *err)
{
	struct packet_mreq mr = {
		.mr_ifindex = ifindex,
		.mr_type = PACKET_MR_PROMISC,
	};

	d->psock = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (d->psock < 0)
		return lwp_err(err, -errno,
			       "%s: cannot open a packet socket for promiscuous mode: %s (use -p to capture without it)",
			       d->ifname, strerror(errno));
	if (setsockopt(d->psock, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr,
		       sizeof(mr))) {
		int ret = -errno;

		close(d->psock);
		d->psock = -1;
		return lwp_err(err, ret,
			       "%s: cannot enter promiscuous mode: %s (use -p to capture without it)",
			       d->ifname, strerror(-ret));
	}
	return 0;
}

/**
 * lwp_dev_open() - bind to @ifname, set up and map its ring
 * @d:        filled
 * @ifname:   interface name
 * @seg_size: bytes per segment
 * @nr_segs:  segments per queue
 * @snaplen:  bytes kept of each frame
 * @promisc:  put the interface into promiscuous mode while open
 * @point:    LWPCAP_POINT_* to capture at, or LWP_POINT_AUTO
 *
 * Capture is not active yet; see lwp_dev_activate().
 */
int lwp_dev_open(struct lwp_dev *d, const char *ifname, uint32_t seg_size,
		 uint32_t nr_segs, uint32_t snaplen, int promisc, int point,
		 char *err)
{
	unsigned int ifindex;
	int ret;

	memset(d, 0, sizeof(*d));
	d->ifname = ifname;
	d->psock = -1;
	ifindex = if_nametoindex(ifname);
	if (!ifindex)
		return lwp_err(err, -ENODEV,
			       "%s: no such interface ('ip link' lists them)",
			       ifname);
	d->fd = open_dev(ifname, err);
	if (d->fd < 0)
		return d->fd;
	ret = bind_dev(d, ifindex, point, err);
	if (ret)
		goto err_close;
	ret = setup_ring(d, seg_size, nr_segs, snaplen, err);
	if (ret)
		goto err_close;
	if (d->setup.nr_queues != d->bind.nr_queues ||
	    d->setup.mmap_size > SIZE_MAX) {
		ret = lwp_err(err, -EPROTO,
			      "%s: the kernel reported an inconsistent ring",
			      ifname);
		goto err_close;
	}
	d->map_len = d->setup.mmap_size;
	d->map = mmap(NULL, d->map_len, PROT_READ | PROT_WRITE, MAP_SHARED,
		      d->fd, 0);
	if (d->map == MAP_FAILED) {
		d->map = NULL;
		ret = lwp_err(err, -errno, "%s: cannot map the ring: %s",
			      ifname, strerror(errno));
		goto err_close;
	}
	if (promisc) {
		ret = set_promisc(d, ifindex, err);
		if (ret)
			goto err_unmap;
	}
	return 0;

err_unmap:
	munmap(d->map, d->map_len);
	d->map = NULL;
err_close:
	close(d->fd);
	d->fd = -1;
	return ret;
}

/*
 * @wake_bytes: asked of a kernel that has LWPCAP_FEAT_WAKE (@d->wake_bytes
 * says whether it was set); an older one wakes the reader at every
 * record, as with 0.
 */
int lwp_dev_activate(struct lwp_dev *d, uint32_t mode, uint32_t wake_bytes,
		     char *err)
{
	struct lwpcap_activate a = { .mode = mode };

	if (d->bind.features & LWPCAP_FEAT_WAKE)
		a.wake_bytes = wake_bytes;

	if (mode == LWPCAP_MODE_DIVERT &&
	    !(d->bind.features & LWPCAP_FEAT_DIVERT))
		return lwp_err(err, -EOPNOTSUPP,
			       "%s: frames cannot be diverted at capture point %s (only driver and ingress can); use --mode tap",
			       d->ifname, lwp_point_name(d->bind.point));
	if (ioctl(d->fd, LWPCAP_IOC_ACTIVATE, &a)) {
		if (errno == EPERM)
			return lwp_err(err, -errno,
				       "%s: divert mode (the driver's default with lwpcap=1) needs CAP_NET_ADMIN in the interface's network namespace: run as root, or load the driver with lwpcap=2 (tap)",
				       d->ifname);
		return lwp_err(err, -errno, "%s: LWPCAP_IOC_ACTIVATE: %s",
			       d->ifname, strerror(errno));
	}
	d->active = 1;
	d->wake_bytes = a.wake_bytes;
	return 0;
}

/*
 * After this returns the kernel writes nothing more to the ring (it waits
 * for the producers to finish), so one last drain gets everything.
 * -ENODEV (the NIC is gone) has the same effect.
 */
int lwp_dev_deactivate(struct lwp_dev *d, char *err)
{
	if (!d->active)
		return 0;
	d->active = 0;
	if (ioctl(d->fd, LWPCAP_IOC_DEACTIVATE) && errno != ENODEV)
		return lwp_err(err, -errno, "%s: LWPCAP_IOC_DEACTIVATE: %s",
			       d->ifname, strerror(errno));
	return 0;
}

int lwp_dev_stats(struct lwp_dev *d, struct lwpcap_queue_stats *qs,
		  unsigned int n, char *err)
{
	struct lwpcap_stats st = {
		.nr_queues = n,
		.queues = (uintptr_t)qs,
	};

	if (ioctl(d->fd, LWPCAP_IOC_GET_STATS, &st))
		return lwp_err(err, -errno, "%s: LWPCAP_IOC_GET_STATS: %s",
			       d->ifname, strerror(errno));
	return 0;
}

void lwp_dev_close(struct lwp_dev *d)
{
	lwp_dev_deactivate(d, NULL);
	if (d->psock >= 0)
		close(d->psock);
	if (d->map)
		munmap(d->map, d->map_len);
	if (d->fd >= 0)
		close(d->fd);
	d->psock = -1;
	d->map = NULL;
	d->fd = -1;
}
