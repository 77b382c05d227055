/* SPDX-License-Identifier: GPL-2.0 */
/*
 * offload.h - receive offloads that merge frames, off while capturing.
 */
#ifndef _TG3CAP_OFFLOAD_H
#define _TG3CAP_OFFLOAD_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* ethtool's feature words (32 features each) the reader looks at */
#define LWP_OFFLOAD_WORDS	4

/**
 * struct lwp_offload - what lwp_offload_off() turned off on an interface
 * @ifname: the interface
 * @words:  the kernel's feature words (ETHTOOL_DEV_FEATURE_WORDS)
 * @off:    the features turned off, by ethtool's feature bit
 * @names:  their names, comma-separated ("rx-gro,rx-gro-hw"), or ""
 * @left:   those still on that could not be turned off, or ""
 */
struct lwp_offload {
	char ifname[IF_NAMESIZE];
	unsigned int words;
	uint32_t off[LWP_OFFLOAD_WORDS];
	char names[64];
	char left[64];
};

/**
 * struct lwp_offload_guard - the process that turns them on again
 * @pid: its pid, or 0 when there is none
 * @fd:  the pipe it reads: records of what was turned off, then an empty
 *       one; its end, when the reader dies, does the same
 */
struct lwp_offload_guard {
	pid_t pid;
	int fd;
};

int lwp_offload_off(struct lwp_offload *o, const char *ifname, bool portable,
		    char *err);
int lwp_offload_restore(const struct lwp_offload *o, char *err);
int lwp_offload_capture(struct lwp_offload_guard *g, struct lwp_offload *o,
			const char *ifname, bool portable, char *err);
int lwp_offload_guard_start(struct lwp_offload_guard *g, char *err);
int lwp_offload_guard_add(struct lwp_offload_guard *g,
			  const struct lwp_offload *o, char *err);
void lwp_offload_guard_end(struct lwp_offload_guard *g);

#endif /* _TG3CAP_OFFLOAD_H */
