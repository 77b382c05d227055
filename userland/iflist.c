// SPDX-License-Identifier: GPL-2.0
/*
 * iflist.c - list the interfaces and whether each can be captured.
 *
 * Whether a NIC has the lwpcap hook is asked the way a capture asks it:
 * LWPCAP_IOC_BIND on a fresh /dev/lwpcap file, closed at once.  BIND
 * only takes ownership (nothing is allocated and the NIC is untouched);
 * a reader that starts in that instant gets EBUSY.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "device.h"
#include "iflist.h"
#include "util.h"

static int read_ifindex(const char *root, const char *name,
			unsigned int *ifindex)
{
	char path[PATH_MAX], buf[32];
	uint64_t v;
	ssize_t n;
	int fd, ret;

	snprintf(path, sizeof(path), "%s/%s/ifindex", root, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	ret = lwp_parse_u64(buf, 1, UINT32_MAX, &v);
	if (!ret)
		*ifindex = v;
	return ret;
}

/* The driver's name is the last part of the device's driver link. */
static void read_driver(const char *root, const char *name, char *buf,
			size_t len)
{
	char path[PATH_MAX], link[PATH_MAX];
	const char *base;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s/device/driver", root, name);
	n = readlink(path, link, sizeof(link) - 1);
	if (n <= 0) {
		snprintf(buf, len, "-");
		return;
	}
	link[n] = '\0';
	base = strrchr(link, '/');
	base = base ? base + 1 : link;
	n = strnlen(base, len - 1);
	memcpy(buf, base, n);
	buf[n] = '\0';
}

static int probe(const char *dev_path, struct lwp_ifinfo *i)
{
	int fd = open(dev_path, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	i->bind.ifindex = i->ifindex;
	i->bind.abi_version = LWPCAP_ABI_VERSION;
	i->probed = 1;
	i->bind_err = ioctl(fd, LWPCAP_IOC_BIND, &i->bind) ? errno : 0;
	close(fd);
	/* A kernel with portable points says which a device has; binding
	 * there sets nothing up, and closing the file undoes it.
	 */
	fd = open(dev_path, O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		struct lwpcap_bind b = {
			.ifindex = i->ifindex,
			.abi_version = LWPCAP_ABI_VERSION,
			.point = LWPCAP_POINT_PTYPE,
		};

		if (!ioctl(fd, LWPCAP_IOC_BIND, &b) || errno == EBUSY)
			i->points = b.points;
		close(fd);
	}
	if (!i->bind_err)
		i->points |= i->bind.points;
	return 0;
}

static int cmp_index(const void *a, const void *b)
{
	const struct lwp_ifinfo *x = a, *y = b;

	return x->ifindex < y->ifindex ? -1 : x->ifindex > y->ifindex;
}

/**
 * lwp_iflist_get() - the interfaces of @sysfs_net and their hooks
 * @sysfs_net: "/sys/class/net" (tests point elsewhere)
 * @dev_path:  "/dev/lwpcap" (tests point elsewhere)
 * @l:         filled; free with lwp_iflist_free()
 *
 * Return: 0 (then @l->dev_err says whether the hooks could be probed),
 * or a negative errno when the interfaces cannot be listed.
 */
int lwp_iflist_get(const char *sysfs_net, const char *dev_path,
		   struct lwp_iflist *l, char *err)
{
	struct lwp_ifinfo *i, *grown;
	struct dirent *de;
	size_t cap = 0;
	DIR *d;
	int ret = 0;

	memset(l, 0, sizeof(*l));
	d = opendir(sysfs_net);
	if (!d)
		return lwp_err(err, -errno, "cannot list %s: %s", sysfs_net,
			       strerror(errno));
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' ||
		    strlen(de->d_name) >= IF_NAMESIZE)
			continue;
		if (l->n == cap) {
			cap = cap ? 2 * cap : 16;
			grown = realloc(l->ifs, cap * sizeof(*grown));
			if (!grown) {
				ret = lwp_err(err, -ENOMEM, "out of memory");
				goto out;
			}
			l->ifs = grown;
		}
		i = &l->ifs[l->n];
		memset(i, 0, sizeof(*i));
		strcpy(i->name, de->d_name);
		if (read_ifindex(sysfs_net, i->name, &i->ifindex))
			continue;	/* not an interface, or gone */
		read_driver(sysfs_net, i->name, i->driver, sizeof(i->driver));
		l->n++;
	}
	if (l->n)
		qsort(l->ifs, l->n, sizeof(*l->ifs), cmp_index);
	for (i = l->ifs; i < l->ifs + l->n && !l->dev_err; i++)
		l->dev_err = probe(dev_path, i);
out:
	closedir(d);
	if (ret)
		lwp_iflist_free(l);
	return ret;
}

/** lwp_ifinfo_hook() - the LWPCAP column: can a reader capture here? */
const char *lwp_ifinfo_hook(const struct lwp_ifinfo *i, char *buf,
			    size_t len)
{
	if (!i->probed)
		return "-";
	switch (i->bind_err) {
	case 0:
		snprintf(buf, len, "yes: %u RX queue%s, driver mode %s",
			 i->bind.nr_queues, i->bind.nr_queues == 1 ? "" : "s",
			 lwp_mode_name(i->bind.mode, "default"));
		break;
	case EBUSY:
		snprintf(buf, len,
			 "yes, busy: another reader captures on it");
		break;
	case EOPNOTSUPP:
	case ENOENT:
		snprintf(buf, len,
			 "no: no lwpcap ring (driver not patched, or loaded without lwpcap=1)");
		break;
	case ENODEV:
		snprintf(buf, len, "no: the interface went away");
		break;
	case EPERM:
	case EACCES:
		snprintf(buf, len, "unknown: needs CAP_NET_RAW (run as root)");
		break;
	case EPROTO:
		snprintf(buf, len,
			 "unknown: the module's ABI differs from this reader's (%d)",
			 LWPCAP_ABI_VERSION);
		break;
	default:
		snprintf(buf, len, "unknown: LWPCAP_IOC_BIND: %s",
			 strerror(i->bind_err));
	}
	return buf;
}

/**
 * lwp_ifinfo_points() - the --hook words a device offers, "-" if unknown
 */
const char *lwp_ifinfo_points(const struct lwp_ifinfo *i, char *buf,
			      size_t len)
{
	size_t n = 0;
	uint32_t p;

	buf[0] = '\0';
	for (p = 0; p <= LWPCAP_POINT_MAX && n < len; p++)
		if (i->points & (1U << p))
			n += snprintf(buf + n, len - n, "%s%s", n ? "," : "",
				      lwp_point_name(p));
	return n ? buf : "-";
}

/** lwp_iflist_print() - one interface per line, under a header */
void lwp_iflist_print(FILE *out, const struct lwp_iflist *l)
{
	char hook[160], points[64];
	size_t k;

	fprintf(out, "%-15s %7s  %-16s %-30s %s\n", "INTERFACE", "IFINDEX",
		"DRIVER", "HOOKS", "LWPCAP");
	for (k = 0; k < l->n; k++)
		fprintf(out, "%-15s %7u  %-16s %-30s %s\n", l->ifs[k].name,
			l->ifs[k].ifindex, l->ifs[k].driver,
			lwp_ifinfo_points(&l->ifs[k], points, sizeof(points)),
			lwp_ifinfo_hook(&l->ifs[k], hook, sizeof(hook)));
}

void lwp_iflist_free(struct lwp_iflist *l)
{
	free(l->ifs);
	l->ifs = NULL;
	l->n = 0;
}
