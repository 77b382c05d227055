// SPDX-License-Identifier: GPL-2.0
/*
 * ringtest errnos: every bad ioctl and mmap argument, and every caller
 * without the privileges, gets the errno docs/abi.md promises.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/lwpcap.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../lib/lwpring.h"
#include "ringtest.h"

/* errnos: every bad argument gets the errno docs/abi.md promises. */


static int drop_net_caps_and_open(void)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[2];
	int fd;

	if (syscall(SYS_capget, &h, d))
		return -2;
	d[0].effective &= ~((1u << CAP_NET_RAW) | (1u << CAP_NET_ADMIN));
	if (syscall(SYS_capset, &h, d))
		return -2;
	fd = open(DEV, O_RDWR);
	return fd < 0 ? errno : 0;
}

static void check_unprivileged(void)
{
	pid_t pid;
	int st;

	/* root without CAP_NET_RAW/CAP_NET_ADMIN: lwpcap says no */
	pid = fork();
	if (pid == 0)
		_exit(drop_net_caps_and_open());
	waitpid(pid, &st, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == EPERM,
	      "open without CAP_NET_RAW: status %d, want EPERM", st);

	/* an ordinary user: the node's 0600 mode says no first */
	pid = fork();
	if (pid == 0) {
		if (setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534))
			_exit(100);
		_exit(open(DEV, O_RDWR) < 0 ? errno : 0);
	}
	waitpid(pid, &st, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == EACCES,
	      "open as nobody: status %d, want EACCES", st);
}

int cmd_errnos(struct opts *o)
{
	struct lwpcap_setup s, good = { .seg_size = 4096, .nr_segs = 4,
					.snaplen = 96 };
	struct lwpcap_queue_stats qs[4];
	struct lwpcap_stats st = { .nr_queues = 4 };
	struct lwpcap_activate a = { .mode = LWPCAP_MODE_TAP };
	struct lwpcap_bind b, bgood = { .abi_version = LWPCAP_ABI_VERSION };
	uint32_t snap, nq = 0;
	size_t msize = 0;
	struct pollfd p;
	void *m, *ro;
	int fd, fd2;

	bgood.ifindex = if_nametoindex(o->ifname);
	CHECK(bgood.ifindex, "no interface %s", o->ifname);
	st.queues = (uintptr_t)qs;

	fd = open(DEV, O_RDWR);
	CHECK(fd >= 0, "open: %s", strerror(errno));

	/* out of order: nothing works before BIND */
	s = good;
	EXPECT_ERR(ioctl(fd, LWPCAP_IOC_SETUP, &s), EBADFD);
	EXPECT_ERR(ioctl(fd, LWPCAP_IOC_ACTIVATE, &a), EBADFD);
	EXPECT_ERR(ioctl(fd, LWPCAP_IOC_DEACTIVATE), EBADFD);
	EXPECT_ERR(ioctl(fd, LWPCAP_IOC_GET_STATS, &st), EBADFD);
	snap = 64;
	EXPECT_ERR(ioctl(fd, LWPCAP_IOC_SET_SNAPLEN, &snap), EBADFD);
	EXPECT_ERR(mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0) ==
		   MAP_FAILED ? -1 : 0, EBADFD);
	p = (struct pollfd){ .fd = fd, .events = POLLIN };
	CHECK(poll(&p, 1, 0) == 1 && (p.revents & POLLERR),
	      "poll on an unbound file: revents %#x", p.revents);
	EXPECT_ERR(ioctl(fd, _IO(LWPCAP_IOC_MAGIC, 99)), ENOTTY);
	EXPECT_ERR(ioctl(fd, LWPCAP_IOC_BIND, (void *)16), EFAULT);

	/* BIND */
	b = bgood;
	b.resv = 1;
	EXPECT_ERR(ioctl(fd, LWPCAP_IOC_BIND, &b), EINVAL);
	b = bgood;
	b.points = 1;
	EXPECT_ERR(ioctl(fd, LWPCAP_IOC_BIND, &b), EINVAL);
	b = bgood;
	b.point = LWPCAP_POINT_MAX + 1;
	EXPECT_ERR(ioctl(fd, LWPCAP_IOC_BIND, &b), EINVAL);
	b = bgood;
	b.nr_queues = 1;
	EXPECT_ERR(ioctl(fd, LWPCAP_IOC_BIND, &b), EINVAL);
	b = bgood;
	b.abi_version = LWPCAP_ABI_VERSION + 1;
	EXPECT_ERR(ioctl(fd, LWPCAP_IOC_BIND, &b), EPROTO);
	b = bgood;
	b.ifindex = 0x7fffffff;
	EXPECT_ERR(ioctl(fd, LWPCAP_IOC_BIND, &b), ENODEV);
	b = bgood;
	b.ifindex = if_nametoindex("lo");
	EXPECT_ERR(ioctl(fd, LWPCAP_IOC_BIND, &b), EOPNOTSUPP);
	/* no portable point either: loopback records are not Ethernet */
	b.point = LWPCAP_POINT_PTYPE;
	EXPECT_ERR(ioctl(fd, LWPCAP_IOC_BIND, &b), EOPNOTSUPP);
	/* a result that cannot be copied out binds nothing (issue 26 #7):
	 * the argument is readable, its page read-only
	 */
	ro = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(ro != MAP_FAILED, "mmap: %s", strerror(errno));
	if (ro == MAP_FAILED)
		return 1;
	*(struct lwpcap_bind *)ro = bgood;
	EXPECT_OK(mprotect(ro, 4096, PROT_READ));
	EXPECT_ERR(ioctl(fd, LWPCAP_IOC_BIND, ro), EFAULT);
	EXPECT_ERR(ioctl(fd, LWPCAP_IOC_SETUP, &s), EBADFD);
	/* the same at a portable point, whose device BIND makes */
	fd2 = open(DEV, O_RDWR);
	EXPECT_OK(mprotect(ro, 4096, PROT_READ | PROT_WRITE));
	b = bgood, b.point = LWPCAP_POINT_PTYPE;
	*(struct lwpcap_bind *)ro = b;
	EXPECT_OK(mprotect(ro, 4096, PROT_READ));
	EXPECT_ERR(ioctl(fd2, LWPCAP_IOC_BIND, ro), EFAULT);
	EXPECT_OK(ioctl(fd2, LWPCAP_IOC_BIND, &b));
	CHECK(b.point == LWPCAP_POINT_PTYPE && b.nr_queues >= 1,
	      "ptype bind after EFAULT reported point %u, %u queues",
	      b.point, b.nr_queues);
	close(fd2);
	b = bgood;
	EXPECT_OK(ioctl(fd, LWPCAP_IOC_BIND, &b));
	CHECK(b.nr_queues >= 1 && b.features == LWPCAP_FEAT_ALL,
	      "bind reported %u queues, features %#x", b.nr_queues,
	      b.features);
	CHECK((b.points & 3) == 3 && b.point == bgood.point,
	      "bind reported points %#x, point %u", b.points, b.point);
	nq = b.nr_queues;
	b = bgood;
	EXPECT_ERR(ioctl(fd, LWPCAP_IOC_BIND, &b), EISCONN);
	fd2 = open(DEV, O_RDWR);
	b = bgood;
	EXPECT_ERR(ioctl(fd2, LWPCAP_IOC_BIND, &b), EBUSY);

	/* SETUP */
	EXPECT_ERR(ioctl(fd, LWPCAP_IOC_ACTIVATE, &a), EBADFD);
	s = good, s.seg_size = 6000;
	EXPECT_ERR(ioctl(fd, LWPCAP_IOC_SETUP, &s), EINVAL);
	s = good, s.seg_size = 2048;
	EXPECT_ERR(ioctl(fd, LWPCAP_IOC_SETUP, &s), EINVAL);
	s = good, s.seg_size = 32u << 20;
	EXPECT_ERR(ioctl(fd, LWPCAP_IOC_SETUP, &s), EINVAL);
	s = good, s.nr_segs = 1;
	EXPECT_ERR(ioctl(fd, LWPCAP_IOC_SETUP, &s), EINVAL);
	s = good, s.nr_segs = 3;
	EXPECT_ERR(ioctl(fd, LWPCAP_IOC_SETUP, &s), EINVAL);
	s = good, s.seg_size = 1u << 20, s.nr_segs = 2048;
	EXPECT_ERR(ioctl(fd, LWPCAP_IOC_SETUP, &s), EINVAL);
	s = good, s.snaplen = 0;
	EXPECT_ERR(ioctl(fd, LWPCAP_IOC_SETUP, &s), EINVAL);
	s = good, s.snaplen = 4096 - 15;
	EXPECT_ERR(ioctl(fd, LWPCAP_IOC_SETUP, &s), EINVAL);
	s = good, s.seg_size = 1u << 20, s.snaplen = 65536;
	EXPECT_ERR(ioctl(fd, LWPCAP_IOC_SETUP, &s), EINVAL);
	s = good, s.flags = 1;
	EXPECT_ERR(ioctl(fd, LWPCAP_IOC_SETUP, &s), EINVAL);
	s = good, s.resv[3] = 1;
	EXPECT_ERR(ioctl(fd, LWPCAP_IOC_SETUP, &s), EINVAL);
	s = good, s.off.data = 4096;
	EXPECT_ERR(ioctl(fd, LWPCAP_IOC_SETUP, &s), EINVAL);
	/* a whole GiB per queue is more than this 1 GiB guest can give */
	s = good, s.seg_size = 1u << 20, s.nr_segs = 1024;
	EXPECT_ERR(ioctl(fd, LWPCAP_IOC_SETUP, &s), ENOMEM);
	EXPECT_ERR(ioctl(fd, LWPCAP_IOC_SETUP, (void *)16), EFAULT);
	/* a layout that cannot be copied out makes no ring (issue 26 #7) */
	EXPECT_OK(mprotect(ro, 4096, PROT_READ | PROT_WRITE));
	s = good, s.nr_segs = 8;
	*(struct lwpcap_setup *)ro = s;
	EXPECT_OK(mprotect(ro, 4096, PROT_READ));
	EXPECT_ERR(ioctl(fd, LWPCAP_IOC_SETUP, ro), EFAULT);
	EXPECT_ERR(mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0) ==
		   MAP_FAILED ? -1 : 0, EBADFD);
	s = good;
	EXPECT_OK(ioctl(fd, LWPCAP_IOC_SETUP, &s));
	CHECK(s.nr_queues == nq && s.mmap_size &&
	      s.off.data + s.nr_queues * s.off.data_stride == s.mmap_size,
	      "setup reported an inconsistent layout");
	msize = s.mmap_size;

	/* mmap */
	EXPECT_ERR(mmap(NULL, msize - 4096, PROT_READ, MAP_SHARED, fd,
			0) == MAP_FAILED ? -1 : 0, EINVAL);
	EXPECT_ERR(mmap(NULL, msize + 4096, PROT_READ, MAP_SHARED, fd,
			0) == MAP_FAILED ? -1 : 0, EINVAL);
	EXPECT_ERR(mmap(NULL, msize, PROT_READ, MAP_SHARED, fd,
			4096) == MAP_FAILED ? -1 : 0, EINVAL);
	EXPECT_ERR(mmap(NULL, msize, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd,
			0) == MAP_FAILED ? -1 : 0, EINVAL);
	EXPECT_ERR(mmap(NULL, msize, PROT_READ | PROT_EXEC, MAP_SHARED, fd,
			0) == MAP_FAILED ? -1 : 0, EINVAL);
	m = mmap(NULL, msize, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(m != MAP_FAILED, "mmap: %s", strerror(errno));
	s = good;
	EXPECT_ERR(ioctl(fd, LWPCAP_IOC_SETUP, &s), EBUSY);

	/* ACTIVATE, SET_SNAPLEN, GET_STATS */
	a.mode = 3;
	EXPECT_ERR(ioctl(fd, LWPCAP_IOC_ACTIVATE, &a), EINVAL);
	a.mode = LWPCAP_MODE_TAP, a.flags = 1;
	EXPECT_ERR(ioctl(fd, LWPCAP_IOC_ACTIVATE, &a), EINVAL);
	a.flags = 0, a.resv = 1;
	EXPECT_ERR(ioctl(fd, LWPCAP_IOC_ACTIVATE, &a), EINVAL);
	a.resv = 0;
	/* wake_bytes: at most half a queue's ring */
	a.wake_bytes = good.seg_size * good.nr_segs / 2 + 1;
	EXPECT_ERR(ioctl(fd, LWPCAP_IOC_ACTIVATE, &a), EINVAL);
	a.wake_bytes = 0xffffffff;
	EXPECT_ERR(ioctl(fd, LWPCAP_IOC_ACTIVATE, &a), EINVAL);
	a.wake_bytes = good.seg_size * good.nr_segs / 2;
	EXPECT_OK(ioctl(fd, LWPCAP_IOC_ACTIVATE, &a));
	EXPECT_ERR(ioctl(fd, LWPCAP_IOC_ACTIVATE, &a), EALREADY);
	if (m != MAP_FAILED)
		EXPECT_OK(munmap(m, msize));
	s = good;
	EXPECT_ERR(ioctl(fd, LWPCAP_IOC_SETUP, &s), EBUSY);
	snap = 0;
	EXPECT_ERR(ioctl(fd, LWPCAP_IOC_SET_SNAPLEN, &snap), EINVAL);
	snap = 4096 - 15;
	EXPECT_ERR(ioctl(fd, LWPCAP_IOC_SET_SNAPLEN, &snap), EINVAL);
	EXPECT_ERR(ioctl(fd, LWPCAP_IOC_SET_SNAPLEN, (void *)16), EFAULT);
	snap = 4096 - 16;
	EXPECT_OK(ioctl(fd, LWPCAP_IOC_SET_SNAPLEN, &snap));
	st.flags = 1;
	EXPECT_ERR(ioctl(fd, LWPCAP_IOC_GET_STATS, &st), EINVAL);
	st.flags = 0;
	st.queues = 16;
	EXPECT_ERR(ioctl(fd, LWPCAP_IOC_GET_STATS, &st), EFAULT);
	st.queues = (uintptr_t)qs;
	st.nr_queues = 0;
	EXPECT_OK(ioctl(fd, LWPCAP_IOC_GET_STATS, &st));
	CHECK(st.nr_queues == nq, "stats reported %u queues", st.nr_queues);
	EXPECT_OK(ioctl(fd, LWPCAP_IOC_DEACTIVATE));
	s = good;
	EXPECT_OK(ioctl(fd, LWPCAP_IOC_SETUP, &s));

	/* close while mapped: the mapping stays valid until munmap */
	msize = s.mmap_size;
	m = mmap(NULL, msize, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(m != MAP_FAILED, "mmap: %s", strerror(errno));
	EXPECT_OK(ioctl(fd, LWPCAP_IOC_ACTIVATE, &a));
	close(fd);
	/* the mapping holds the file: still bound, still capturing */
	b = bgood;
	EXPECT_ERR(ioctl(fd2, LWPCAP_IOC_BIND, &b), EBUSY);
	if (m != MAP_FAILED) {
		((volatile uint8_t *)m)[msize - 1] = 1;
		EXPECT_OK(munmap(m, msize));
	}
	/* last unmap released the file: the device is free again */
	b = bgood;
	EXPECT_OK(ioctl(fd2, LWPCAP_IOC_BIND, &b));
	close(fd2);

	check_unprivileged();

	printf("ERRNOS %s (%d failed)\n", failures ? "FAIL" : "PASS",
	       failures);
	return failures ? 1 : 0;
}

