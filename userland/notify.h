/* SPDX-License-Identifier: GPL-2.0 */
/*
 * notify.h - the systemd notification protocol (sd_notify), spoken
 * directly: one datagram per message to $NOTIFY_SOCKET.
 *
 * libsystemd is not linked: Debian ships it only as a shared library
 * (libsystemd-dev has no libsystemd.a), and tg3cap-reader.static must
 * stay static.  The protocol is a few lines: see sd_notify(3).
 */
#ifndef _TG3CAP_NOTIFY_H
#define _TG3CAP_NOTIFY_H

#include <stdint.h>
#include <sys/socket.h>
#include <sys/un.h>

/**
 * struct lwp_notify - where notifications go
 * @fd:            datagram socket, or -1 when not under systemd
 * @addr:          $NOTIFY_SOCKET ('@' made a leading NUL: abstract)
 * @addr_len:      bytes of @addr used
 * @watchdog_usec: $WATCHDOG_USEC for this process, 0 for no watchdog
 */
struct lwp_notify {
	int fd;
	struct sockaddr_un addr;
	socklen_t addr_len;
	uint64_t watchdog_usec;
};

int lwp_notify_open(struct lwp_notify *n, char *err);
int lwp_notify(struct lwp_notify *n, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void lwp_notify_close(struct lwp_notify *n);

#endif /* _TG3CAP_NOTIFY_H */
