// SPDX-License-Identifier: GPL-2.0
/*
 * test_offload.c - the receive offloads that merge frames, off while
 * capturing and on again after (offload.c), on a veth pair in a network
 * namespace of the test's own, checked with ethtool -k as an operator
 * would.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "offload.h"
#include "util.h"

/* A netns of this test's process, with a0 <-> b0 and GRO on at a0. */
static int veth_netns(void)
{
	char out[256];

	if (unshare(CLONE_NEWNET))
		return -1;
	if (run_sh("ip link add a0 type veth peer name b0 && "
		   "ip link set a0 up && ip link set b0 up && "
		   "ethtool -K a0 gro on 2>&1", out, sizeof(out)))
		return -1;
	return 0;
}

/* "on" or "off": ethtool -k a0's generic-receive-offload, or NULL. */
static const char *gro_state(void)
{
	static char out[128];

	if (run_sh("ethtool -k a0 | sed -n 's/^generic-receive-offload: \\([a-z]*\\).*/\\1/p'",
		   out, sizeof(out)))
		return NULL;
	out[strcspn(out, "\n")] = '\0';
	return out;
}

/* gro_state() becomes @want within @ms. */
static bool gro_becomes(const char *want, unsigned int ms)
{
	const char *s;

	for (;;) {
		s = gro_state();
		if (s && !strcmp(s, want))
			return true;
		if (!ms)
			return false;
		usleep(10000);
		ms = ms > 10 ? ms - 10 : 0;
	}
}

/*
 * At a portable point rx-gro goes off and comes back; at the driver's
 * hook (before GRO) it stays as it is.
 */
static int t_off_restore(void)
{
	struct lwp_offload o;
	char err[LWP_ERRLEN];

	CHECK(!veth_netns());
	CHECKF(gro_becomes("on", 0), "GRO %s at the start", gro_state());
	CHECKF(!lwp_offload_off(&o, "a0", false, err), "%s", err);
	CHECKF(!strstr(o.names, "rx-gro") || strstr(o.names, "rx-gro-hw"),
	       "the driver's point turned off '%s'", o.names);
	CHECK(gro_becomes("on", 0));

	CHECKF(!lwp_offload_off(&o, "a0", true, err), "%s", err);
	CHECKF(!strcmp(o.names, "rx-gro") && !o.left[0],
	       "off: '%s', left on: '%s'", o.names, o.left);
	CHECKF(gro_becomes("off", 0), "GRO %s while capturing", gro_state());
	CHECKF(!lwp_offload_restore(&o, err), "%s", err);
	CHECKF(gro_becomes("on", 0), "GRO %s after", gro_state());

	/* off already: nothing to turn on again after */
	CHECK(!system("ethtool -K a0 gro off"));
	CHECKF(!lwp_offload_off(&o, "a0", true, err), "%s", err);
	CHECKF(!o.names[0], "turned off '%s'", o.names);

	CHECK(lwp_offload_off(&o, "nosuch0", true, err) == -ENODEV);
	return 0;
}

/* A reader's life: the guard, a capture's offloads, then its end. */
static void reader_life(bool killed)
{
	struct lwp_offload_guard g;
	struct lwp_offload o;
	char err[LWP_ERRLEN];

	if (lwp_offload_guard_start(&g, err) ||
	    lwp_offload_capture(&g, &o, "a0", true, err) ||
	    strcmp(o.names, "rx-gro"))
		_exit(1);
	if (killed)
		raise(SIGKILL);
	lwp_offload_guard_end(&g);
	_exit(0);
}

/*
 * The guard turns GRO on again when the reader ends, and when it is
 * killed; --keep-offloads (no guard) leaves it alone.
 */
static int t_guard(void)
{
	struct lwp_offload_guard none = { 0 };
	struct lwp_offload o;
	char err[LWP_ERRLEN];
	int st;
	pid_t pid;

	CHECK(!veth_netns());
	pid = fork();
	CHECK(pid >= 0);
	if (!pid)
		reader_life(false);
	CHECK(waitpid(pid, &st, 0) == pid);
	CHECKF(WIFEXITED(st) && !WEXITSTATUS(st), "status %#x", st);
	/* on again when guard_end() returned: no waiting */
	CHECKF(gro_becomes("on", 0), "GRO %s after the end", gro_state());

	pid = fork();
	CHECK(pid >= 0);
	if (!pid)
		reader_life(true);
	CHECK(waitpid(pid, &st, 0) == pid);
	CHECKF(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "status %#x", st);
	CHECKF(gro_becomes("on", 5000), "GRO %s 5 s after SIGKILL",
	       gro_state());

	CHECK(!lwp_offload_capture(&none, &o, "a0", true, err));
	CHECK(!o.names[0] && gro_becomes("on", 0));
	return 0;
}

const struct test offload_tests[] = {
	{ "offload_off_restore", t_off_restore },
	{ "offload_guard", t_guard },
};
const unsigned int offload_tests_n = ARRAY_SIZE(offload_tests);
