// SPDX-License-Identifier: GPL-2.0
/*
 * sdstub.c - for tg3cap-reader.static only.
 *
 * libpcap.a carries its D-Bus capture module, whose libdbus-1.a refers
 * to sd_listen_fds() and sd_is_socket() for systemd socket activation of
 * a D-Bus server.  Debian ships libsystemd only as a shared library.  The
 * reader never opens a D-Bus capture nor runs a D-Bus server, so these
 * are never called; if they were, they answer as libsystemd does for a
 * process that systemd passed no socket.
 */
#include <errno.h>

int sd_listen_fds(int unset_environment);
int sd_is_socket(int fd, int family, int type, int listening);

int sd_listen_fds(int unset_environment)
{
	(void)unset_environment;
	return 0;
}

int sd_is_socket(int fd, int family, int type, int listening)
{
	(void)fd;
	(void)family;
	(void)type;
	(void)listening;
	return -EBADF;
}
