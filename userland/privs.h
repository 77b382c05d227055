/* SPDX-License-Identifier: GPL-2.0 */
/*
 * privs.h - -Z USER: run as USER once the device and the files are set up.
 */
#ifndef _TG3CAP_PRIVS_H
#define _TG3CAP_PRIVS_H

#include <sys/types.h>

/**
 * struct lwp_user - the account -Z names
 * @name: user name
 * @uid:  its user id, never 0
 * @gid:  its primary group
 */
struct lwp_user {
	char name[64];
	uid_t uid;
	gid_t gid;
};

int lwp_user_lookup(const char *name, struct lwp_user *u, char *err);
int lwp_user_check_dirs(const struct lwp_user *u, const char *const *dirs,
			unsigned int n, char *err);
int lwp_user_drop(const struct lwp_user *u, char *err);
int lwp_user_fs_as(const struct lwp_user *u, char *err);

#endif /* _TG3CAP_PRIVS_H */
