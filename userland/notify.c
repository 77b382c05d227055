// SPDX-License-Identifier: GPL-2.0
/*
 * notify.c - READY=1, STATUS=, WATCHDOG=1 and STOPPING=1 for systemd.
 *
 * Messages are sent with MSG_DONTWAIT: a service manager that does not
 * read its socket never blocks the capture (the message is lost then).
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "notify.h"
#include "util.h"

/*
 * The watchdog is this process's if WATCHDOG_PID is unset or names us
 * (as sd_watchdog_enabled() decides).
 */
static uint64_t watchdog_usec(void)
{
	const char *usec = getenv("WATCHDOG_USEC");
	const char *pid = getenv("WATCHDOG_PID");
	uint64_t v, p;

	if (!usec || lwp_parse_u64(usec, 1, UINT64_MAX, &v))
		return 0;
	if (pid && (lwp_parse_u64(pid, 1, INT32_MAX, &p) ||
		    p != (uint64_t)getpid()))
		return 0;
	return v;
}

/**
 * lwp_notify_open() - connect to the service manager, if there is one
 *
 * Takes $NOTIFY_SOCKET, $WATCHDOG_USEC and $WATCHDOG_PID out of the
 * environment (as sd_notify(3) with unset_environment does), so that -z
 * commands do not speak for the reader.  Call it before any thread
 * starts.  Without $NOTIFY_SOCKET, @n->fd is -1 and lwp_notify() does
 * nothing.
 *
 * Return: 0, or a negative errno for a $NOTIFY_SOCKET that cannot be
 * used (the caller says so and goes on without it).
 */
int lwp_notify_open(struct lwp_notify *n, char *err)
{
	const char *path = getenv("NOTIFY_SOCKET");
	size_t len;
	int ret = 0;

	memset(n, 0, sizeof(*n));
	n->fd = -1;
	if (!path)
		goto out_unset;
	n->watchdog_usec = watchdog_usec();
	len = strlen(path);
	if ((path[0] != '/' && path[0] != '@') || len < 2 ||
	    len > sizeof(n->addr.sun_path)) {
		ret = lwp_err(err, -EINVAL,
			      "NOTIFY_SOCKET=%s is not a socket path or an abstract name (@...); not notifying the service manager",
			      path);
		goto out_unset;
	}
	n->addr.sun_family = AF_UNIX;
	memcpy(n->addr.sun_path, path, len);
	if (path[0] == '@')
		n->addr.sun_path[0] = '\0';
	n->addr_len = offsetof(struct sockaddr_un, sun_path) + len;
	n->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (n->fd < 0)
		ret = lwp_err(err, -errno,
			      "cannot open a socket for NOTIFY_SOCKET: %s",
			      strerror(errno));
out_unset:
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	if (n->fd < 0)
		n->watchdog_usec = 0;
	return ret;
}

/**
 * lwp_notify() - send one message ("READY=1", "STATUS=...", ...)
 *
 * Return: 0 (also when not under systemd), or a negative errno; a lost
 * notification is no reason to stop capturing.
 */
int lwp_notify(struct lwp_notify *n, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	int len;

	if (n->fd < 0)
		return 0;
	va_start(ap, fmt);
	len = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (len < 0)
		return -EINVAL;
	if ((size_t)len >= sizeof(msg))
		len = sizeof(msg) - 1;
	if (sendto(n->fd, msg, len, MSG_DONTWAIT | MSG_NOSIGNAL,
		   (struct sockaddr *)&n->addr, n->addr_len) < 0)
		return -errno;
	return 0;
}

void lwp_notify_close(struct lwp_notify *n)
{
	if (n->fd >= 0)
		close(n->fd);
	n->fd = -1;
}
