/* SPDX-License-Identifier: GPL-2.0 */
/*
 * repair.h - make one file left by a crash valid again.
 *
 * The series (series.h) decides which .part files are its own and
 * drives repair; this cuts one of them to its last whole record and
 * gives it its completed name.
 */
#ifndef _TG3CAP_REPAIR_H
#define _TG3CAP_REPAIR_H

#include "series.h"

int lwp_repair_one(int dfd, const char *dir, const char *name, char *final,
		   const char *pattern, unsigned int seq, const char *fs,
		   lwp_log_fn log, void *arg);

#endif /* _TG3CAP_REPAIR_H */
