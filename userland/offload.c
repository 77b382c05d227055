// SPDX-License-Identifier: GPL-2.0
/*
 * offload.c - receive offloads that merge frames, off while capturing
 * (offload.h).
 *
 * A capture appliance records frames as the link carried them.  GRO
 * merges a TCP train into one packet of up to 64 KiB before the portable
 * points (ptype, netfilter, ingress) see it, and LRO or GRO_HW (also
 * virtio_net's guest offloads) do the same before a driver's own hook:
 * records no link ever carried (issue 26).  Operators turn them off for
 * every af_packet capture (ethtool -K DEV gro off); the reader does it
 * for the interfaces it captures on and turns on again what it turned
 * off, also when it is killed: a process of its own, forked before any
 * device or file is open (it holds none of them) and before -Z drops the
 * rights, reads what was turned off from a pipe and puts it back at the
 * pipe's end, which the reader's death also brings.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "offload.h"
#include "util.h"

#define FEATURES_MAX	(LWP_OFFLOAD_WORDS * 32)

static int eth_ioctl(int sk, const char *ifname, void *data)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	ifr.ifr_data = data;
	return ioctl(sk, SIOCETHTOOL, &ifr) ? -errno : 0;
}

/* A socket for SIOCETHTOOL: AF_INET as ethtool uses, else AF_UNIX. */
static int eth_socket(void)
{
	int sk = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	return sk >= 0 ? sk : socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
}

/* The bit of each of @names (-1 if the kernel has no such feature). */
static int feature_bits(int sk, const char *ifname, const char *const *names,
			int *bits, unsigned int n)
{
	struct {
		struct ethtool_sset_info hdr;
		__u32 len;
	} info = { .hdr = { .cmd = ETHTOOL_GSSET_INFO,
			    .sset_mask = 1ULL << ETH_SS_FEATURES } };
	struct ethtool_gstrings *gs;
	unsigned int i, k, count;
	int ret;

	ret = eth_ioctl(sk, ifname, &info);
	if (ret)
		return ret;
	count = info.hdr.sset_mask ? info.len : 0;
	if (count > FEATURES_MAX)
		count = FEATURES_MAX;
	gs = calloc(1, sizeof(*gs) + (size_t)count * ETH_GSTRING_LEN);
	if (!gs)
		return -ENOMEM;
	gs->cmd = ETHTOOL_GSTRINGS;
	gs->string_set = ETH_SS_FEATURES;
	gs->len = count;
	ret = eth_ioctl(sk, ifname, gs);
	for (k = 0; k < n; k++) {
		bits[k] = -1;
		for (i = 0; !ret && i < count && i < gs->len; i++)
			if (!strncmp((char *)gs->data + i * ETH_GSTRING_LEN,
				     names[k], ETH_GSTRING_LEN))
				bits[k] = i;
	}
	free(gs);
	return ret;
}

/* The feature words, and how many the kernel has (@words). */
static int get_features(int sk, const char *ifname,
			struct ethtool_get_features_block *b,
			unsigned int *words)
{
	struct {
		struct ethtool_gfeatures hdr;
		struct ethtool_get_features_block b[LWP_OFFLOAD_WORDS];
	} g = { .hdr = { .cmd = ETHTOOL_GFEATURES,
			 .size = LWP_OFFLOAD_WORDS } };
	int ret = eth_ioctl(sk, ifname, &g);

	memcpy(b, g.b, sizeof(g.b));
	/* the kernel's count (2 on 6.1 and 6.12): SFEATURES wants it */
	*words = g.hdr.size;
	if (!ret && (!*words || *words > LWP_OFFLOAD_WORDS))
		ret = -EOPNOTSUPP;
	return ret;
}

/* Features @mask of @ifname on (@on) or off; >= 0 on success. */
static int set_features(int sk, const char *ifname, const uint32_t *mask,
			unsigned int words, bool on)
{
	struct {
		struct ethtool_sfeatures hdr;
		struct ethtool_set_features_block b[LWP_OFFLOAD_WORDS];
	} s = { .hdr = { .cmd = ETHTOOL_SFEATURES, .size = words } };
	unsigned int w;

	for (w = 0; w < words; w++) {
		s.b[w].valid = mask[w];
		s.b[w].requested = on ? mask[w] : 0;
	}
	return eth_ioctl(sk, ifname, &s);
}

/* Feature @bit's mask in its word, b[bit / 32]; @bit >= 0. */
static uint32_t fmask(int bit)
{
	return 1U << bit % 32;
}

/* Feature @bit (-1: the kernel has none such) is on. */
static bool feature_on(const struct ethtool_get_features_block *b,
		       unsigned int words, int bit)
{
	return bit >= 0 && (unsigned int)bit / 32 < words &&
	       b[bit / 32].active & fmask(bit);
}

static void add_name(char *list, size_t len, const char *name)
{
	size_t l = strlen(list);

	snprintf(list + l, len - l, "%s%s", l ? "," : "", name);
}

/**
 * lwp_offload_off() - turn off the offloads that merge frames before
 * @ifname's capture point sees them
 * @o:        filled: what was turned off, what could not be
 * @ifname:   the interface
 * @portable: the capture point runs after GRO (ptype, netfilter,
 *            ingress): rx-gro too; a driver's hook sees frames before it
 * @err:      the reason on failure, LWP_ERRLEN bytes
 *
 * A feature that is on and cannot be changed is named in @o->left, not
 * an error: the capture goes on, and the start line says it.
 *
 * Return: 0, or a negative errno (no ethtool on the interface).
 */
int lwp_offload_off(struct lwp_offload *o, const char *ifname, bool portable,
		    char *err)
{
	static const char *const names[] = {
		"rx-lro", "rx-gro-hw", "rx-gro",
	};
	struct ethtool_get_features_block b[LWP_OFFLOAD_WORDS];
	uint32_t clear[LWP_OFFLOAD_WORDS] = { 0 };
	unsigned int n = portable ? 3 : 2, k;
	int bits[3], sk, ret;
	bool any = false;

	memset(o, 0, sizeof(*o));
	snprintf(o->ifname, sizeof(o->ifname), "%s", ifname);
	sk = eth_socket();
	if (sk < 0)
		return lwp_err(err, -errno, "%s: socket: %s", ifname,
			       strerror(errno));
	ret = feature_bits(sk, ifname, names, bits, n);
	if (!ret)
		ret = get_features(sk, ifname, b, &o->words);
	if (ret) {
		lwp_err(err, ret, "%s: cannot read its offloads (ethtool): %s",
			ifname, strerror(-ret));
		goto out;
	}
	for (k = 0; k < n; k++) {
		if (!feature_on(b, o->words, bits[k]))
			continue;
		if (b[bits[k] / 32].available & fmask(bits[k]))
			clear[bits[k] / 32] |= fmask(bits[k]);
		else
			add_name(o->left, sizeof(o->left), names[k]);
		any = true;
	}
	if (any && (set_features(sk, ifname, clear, o->words, false) < 0 ||
		    get_features(sk, ifname, b, &o->words))) {
		/* not allowed (no CAP_NET_ADMIN): all of them are left */
		memset(clear, 0, sizeof(clear));
		o->left[0] = '\0';
		for (k = 0; k < n; k++)
			if (feature_on(b, o->words, bits[k]))
				add_name(o->left, sizeof(o->left), names[k]);
	}
	for (k = 0; k < n; k++) {
		if (bits[k] < 0 || !(clear[bits[k] / 32] & fmask(bits[k])))
			continue;
		if (feature_on(b, o->words, bits[k])) {
			/* the driver keeps it on (a dependent feature) */
			add_name(o->left, sizeof(o->left), names[k]);
		} else {
			o->off[bits[k] / 32] |= fmask(bits[k]);
			add_name(o->names, sizeof(o->names), names[k]);
		}
	}
out:
	close(sk);
	return ret;
}

/**
 * lwp_offload_restore() - turn on again what lwp_offload_off() turned off
 *
 * Return: 0 or a negative errno.
 */
int lwp_offload_restore(const struct lwp_offload *o, char *err)
{
	int sk, ret;

	sk = eth_socket();
	if (sk < 0)
		return lwp_err(err, -errno, "socket: %s", strerror(errno));
	ret = set_features(sk, o->ifname, o->off, o->words, true);
	close(sk);
	if (ret < 0)
		return lwp_err(err, ret, "%s: cannot turn %s on again: %s",
			       o->ifname, o->names, strerror(-ret));
	return 0;
}

/**
 * lwp_offload_capture() - lwp_offload_off() for a capture on @ifname,
 * handed to the guard @g; nothing where there is no guard
 * (--keep-offloads, the fake source)
 *
 * Return: 0, or a negative errno with what it turned off on again.
 */
int lwp_offload_capture(struct lwp_offload_guard *g, struct lwp_offload *o,
			const char *ifname, bool portable, char *err)
{
	int ret;

	memset(o, 0, sizeof(*o));
	if (!g->pid)
		return 0;
	ret = lwp_offload_off(o, ifname, portable, err);
	if (ret || !o->names[0])
		return ret;
	ret = lwp_offload_guard_add(g, o, err);
	if (ret)
		lwp_offload_restore(o, NULL);
	return ret;
}

/* The guard: what the pipe brings, put back at its end or an empty one. */
static void __attribute__((noreturn)) guard_main(int fd)
{
	struct lwp_offload *v = NULL, *nv, o;
	size_t n = 0, i;
	char err[LWP_ERRLEN];
	ssize_t r;

	/* the reader's stop signals are the reader's; its end is ours */
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	for (;;) {
		r = read(fd, &o, sizeof(o));
		if (r < 0 && errno == EINTR)
			continue;
		if (r != sizeof(o) || !o.ifname[0])
			break;
		nv = realloc(v, (n + 1) * sizeof(*v));
		if (!nv)
			break;
		v = nv;
		v[n++] = o;
	}
	for (i = 0; i < n; i++)
		if (lwp_offload_restore(&v[i], err))
			fprintf(stderr, "tg3cap-reader: %s\n", err);
	free(v);
	_exit(0);
}

/**
 * lwp_offload_guard_start() - fork the guard, before any device, file or
 * thread exists and before -Z
 *
 * Return: 0 or a negative errno.
 */
int lwp_offload_guard_start(struct lwp_offload_guard *g, char *err)
{
	int p[2];

	g->pid = 0;
	g->fd = -1;
	if (pipe2(p, O_CLOEXEC))
		return lwp_err(err, -errno, "pipe: %s", strerror(errno));
	g->pid = fork();
	if (g->pid < 0) {
		g->pid = 0;
		close(p[0]);
		close(p[1]);
		return lwp_err(err, -errno, "fork: %s", strerror(errno));
	}
	if (!g->pid) {
		close(p[1]);
		guard_main(p[0]);
	}
	close(p[0]);
	g->fd = p[1];
	return 0;
}

/**
 * lwp_offload_guard_add() - hand the guard what @o turned off
 *
 * Return: 0 or a negative errno (then the caller turns it on itself).
 */
int lwp_offload_guard_add(struct lwp_offload_guard *g,
			  const struct lwp_offload *o, char *err)
{
	/* one record, shorter than PIPE_BUF: written whole or not at all */
	if (write(g->fd, o, sizeof(*o)) != sizeof(*o))
		return lwp_err(err, -EPIPE, "%s: the offload guard is gone",
			       o->ifname);
	return 0;
}

/**
 * lwp_offload_guard_end() - the guard turns on what it was handed, now;
 * returns when it has
 */
void lwp_offload_guard_end(struct lwp_offload_guard *g)
{
	struct lwp_offload end;

	if (!g->pid)
		return;
	memset(&end, 0, sizeof(end));
	/* if it is gone already, closing the pipe is the same */
	(void)!write(g->fd, &end, sizeof(end));
	close(g->fd);
	while (waitpid(g->pid, NULL, 0) < 0 && errno == EINTR)
		;
	g->pid = 0;
	g->fd = -1;
}
