// SPDX-License-Identifier: GPL-2.0
/*
 * privs.c - drop root for a user account (-Z), as tcpdump -Z does.
 *
 * The reader needs root (CAP_NET_RAW) only to open /dev/lwpcap and the
 * packet socket for promiscuous mode; both stay open.  After the drop
 * the files keep being written through their open descriptors, but new
 * files of the series (rotation), their renames, -W deletions and the
 * --stats-json file are made by USER: their directories must be
 * writable by USER, which lwp_user_check_dirs() checks before anything
 * is set up.  The series' work before the drop (its checks, lock,
 * repair, scan and first files) is done with USER's rights on files too
 * (lwp_user_fs_as()), as tcpdump opens its output only after its drop:
 * a link USER put in the directory leads nowhere USER could not write,
 * and a unit without CAP_DAC_OVERRIDE can still make and repair USER's
 * files there.
 */
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "privs.h"
#include "util.h"

/**
 * lwp_user_lookup() - the account @name; root is refused
 *
 * Return: 0, -ENOENT (no such user), -EINVAL (the account is root, so
 * nothing would be dropped) or another negative errno.
 */
int lwp_user_lookup(const char *name, struct lwp_user *u, char *err)
{
	struct passwd pw, *res = NULL;
	char buf[4096];
	int ret;

	memset(u, 0, sizeof(*u));
	if (strlen(name) >= sizeof(u->name))
		return lwp_err(err, -ENAMETOOLONG, "-Z %s: name too long",
			       name);
	ret = getpwnam_r(name, &pw, buf, sizeof(buf), &res);
	if (ret)
		return lwp_err(err, -ret, "-Z %s: cannot look the user up: %s",
			       name, strerror(ret));
	if (!res)
		return lwp_err(err, -ENOENT, "-Z %s: no such user", name);
	if (!pw.pw_uid)
		return lwp_err(err, -EINVAL,
			       "-Z %s: the account is root, so nothing would be dropped; name an unprivileged user (e.g. -Z nobody)",
			       name);
	strcpy(u->name, name);
	u->uid = pw.pw_uid;
	u->gid = pw.pw_gid;
	return 0;
}

/* Root's capabilities are gone when the effective and permitted sets are. */
static int caps_left(void)
{
	struct __user_cap_header_struct h = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];
	unsigned int i;

	memset(d, 0, sizeof(d));
	if (syscall(SYS_capget, &h, d))
		return -errno;
	for (i = 0; i < _LINUX_CAPABILITY_U32S_3; i++)
		if (d[i].effective || d[i].permitted)
			return 1;
	return 0;
}

/**
 * lwp_user_drop() - become @u for good: groups, gid, uid; then verify
 *
 * Every id (real, effective, saved) changes, so no capability is kept
 * and the process cannot become root again; both are checked.
 *
 * Return: 0, or a negative errno (-EPERM: not root to begin with).
 */
int lwp_user_drop(const struct lwp_user *u, char *err)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg;

	if (initgroups(u->name, u->gid))
		return lwp_err(err, -errno,
			       "-Z %s: cannot set its groups: %s%s", u->name,
			       strerror(errno),
			       errno == EPERM ? " (-Z needs root)" : "");
	if (setresgid(u->gid, u->gid, u->gid))
		return lwp_err(err, -errno, "-Z %s: cannot set group %u: %s",
			       u->name, (unsigned int)u->gid, strerror(errno));
	if (setresuid(u->uid, u->uid, u->uid))
		return lwp_err(err, -errno, "-Z %s: cannot set user %u: %s",
			       u->name, (unsigned int)u->uid, strerror(errno));
	if (getresuid(&ru, &eu, &su) || getresgid(&rg, &eg, &sg) ||
	    ru != u->uid || eu != u->uid || su != u->uid || rg != u->gid ||
	    eg != u->gid || sg != u->gid)
		return lwp_err(err, -EPERM,
			       "-Z %s: the ids did not change as asked; refusing to go on",
			       u->name);
	if (!setuid(0) || caps_left())
		return lwp_err(err, -EPERM,
			       "-Z %s: still privileged after the drop (root could be regained or capabilities are left); refusing to go on",
			       u->name);
	return 0;
}

/**
 * lwp_user_check_dirs() - can @u create and remove files in @dirs?
 *
 * Asked in a child that drops to @u and calls access(), so that groups,
 * ACLs and read-only mounts count as they will after the real drop.
 *
 * Return: 0, or -EACCES with the first directory that fails in @err.
 */
int lwp_user_check_dirs(const struct lwp_user *u, const char *const *dirs,
			unsigned int n, char *err)
{
	unsigned int i;
	int status;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return lwp_err(err, -errno, "-Z %s: fork: %s", u->name,
			       strerror(errno));
	if (!pid) {
		if (lwp_user_drop(u, NULL))
			_exit(255);
		for (i = 0; i < n; i++)
			if (access(dirs[i], W_OK | X_OK))
				_exit(1 + i);
		_exit(0);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return lwp_err(err, -errno, "-Z %s: waitpid: %s",
				       u->name, strerror(errno));
	if (!WIFEXITED(status) || WEXITSTATUS(status) == 255)
		return lwp_err(err, -EPERM,
			       "-Z %s: cannot become that user (-Z needs root)",
			       u->name);
	i = WEXITSTATUS(status);
	if (i && i <= n)
		return lwp_err(err, -EACCES,
			       "-Z %s: %s is not writable by %s, who creates, renames and removes files there after the drop; make it writable by %s (e.g. chown %s %s)",
			       u->name, dirs[i - 1], u->name, u->name,
			       u->name, dirs[i - 1]);
	return 0;
}

/**
 * lwp_user_fs_as() - this thread's file system calls with the rights of
 * @u, or of root again (@u NULL)
 * @u:   the account, or NULL
 * @err: the message on failure, LWP_ERRLEN bytes (may be NULL)
 *
 * Only the calling thread's fsuid and fsgid change (and with them its
 * file capabilities: CAP_DAC_OVERRIDE and the like are off while the
 * fsuid is not 0); threads it starts meanwhile inherit them.  The
 * supplementary groups stay root's.
 *
 * Return: 0, or -EPERM with @err.
 */
int lwp_user_fs_as(const struct lwp_user *u, char *err)
{
	uid_t uid = u ? u->uid : 0;
	gid_t gid = u ? u->gid : 0;

	setfsgid(gid);
	setfsuid(uid);
	/* each returns the previous id: an invalid one (-1) only asks */
	if ((uid_t)setfsuid(-1) != uid || (gid_t)setfsgid(-1) != gid)
		return lwp_err(err, -EPERM,
			       "-Z: cannot use the rights of %s on files (-Z needs root)",
			       u ? u->name : "root");
	return 0;
}
