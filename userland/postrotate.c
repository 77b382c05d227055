// SPDX-License-Identifier: GPL-2.0
/*
 * postrotate.c - the -z commands (postrotate.h).
 *
 * Called by the thread that completes files (and at close); not
 * thread-safe.
 */
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "postrotate.h"

extern char **environ;

/**
 * lwp_post_init() - no command run or queued yet
 * @cmd: the -z command, NULL for none
 * @max: how many run at once (LWP_POST_MAX)
 */
void lwp_post_init(struct lwp_post *p, const char *cmd, unsigned int max,
		   lwp_log_fn log, void *log_arg)
{
	memset(p, 0, sizeof(*p));
	p->cmd = cmd;
	p->max = max ? max : 1;
	p->log = log;
	p->log_arg = log_arg;
}

/* Drop job @i; the running ones stay first, the queue in its order. */
static void drop(struct lwp_post *p, size_t i)
{
	free(p->jobs[i].path);
	memmove(&p->jobs[i], &p->jobs[i + 1],
		(p->n - i - 1) * sizeof(*p->jobs));
	p->n--;
	if (i < p->running)
		p->running--;
}

/* Start the first queued job (oldest file first); if it cannot be, drop it. */
static void start(struct lwp_post *p)
{
	struct lwp_post_job *job = &p->jobs[p->running];
	char *argv[] = { (char *)p->cmd, job->path, NULL };
	posix_spawnattr_t attr;
	sigset_t none, all;
	int ret;

	/*
	 * The child starts as from a shell: nothing blocked (the reader
	 * blocks its stop signals in every thread) and every signal at its
	 * default action (the reader ignores SIGPIPE and SIGUSR2), so that
	 * SIGTERM or Ctrl-C stops it.
	 */
	ret = posix_spawnattr_init(&attr);
	if (!ret) {
		sigemptyset(&none);
		sigfillset(&all);
		ret = posix_spawnattr_setsigmask(&attr, &none);
		if (!ret)
			ret = posix_spawnattr_setsigdefault(&attr, &all);
		if (!ret)
			ret = posix_spawnattr_setflags(&attr,
						       POSIX_SPAWN_SETSIGMASK |
						       POSIX_SPAWN_SETSIGDEF);
		if (!ret)
			ret = posix_spawnp(&job->pid, p->cmd, NULL, &attr,
					   argv, environ);
		posix_spawnattr_destroy(&attr);
	}
	if (ret) {
		lwp_say(p->log, p->log_arg, "cannot run -z %s %s: %s", p->cmd,
			job->path, strerror(ret));
		drop(p, p->running);
		return;
	}
	p->running++;
}

/* Start queued jobs while fewer than @max run. */
static void start_some(struct lwp_post *p, size_t max)
{
	while (p->running < max && p->n > p->running)
		start(p);
}

/**
 * lwp_post_add() - run the -z command on @path (file @seq), now or when
 * one of those running ends
 */
void lwp_post_add(struct lwp_post *p, const char *path, unsigned int seq)
{
	size_t queued;

	if (!p->cmd)
		return;
	if (p->n == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 8;
		struct lwp_post_job *j = realloc(p->jobs, cap * sizeof(*j));

		if (!j) {
			lwp_say(p->log, p->log_arg, "-z %s %s: out of memory",
				p->cmd, path);
			return;
		}
		p->jobs = j;
		p->cap = cap;
	}
	p->jobs[p->n].path = strdup(path);
	if (!p->jobs[p->n].path) {
		lwp_say(p->log, p->log_arg, "-z %s %s: out of memory", p->cmd,
			path);
		return;
	}
	p->jobs[p->n].pid = 0;
	p->jobs[p->n++].seq = seq;
	lwp_post_reap(p);
	/* say so each time the queue doubles: the command is too slow */
	queued = p->n - p->running;
	if (queued >= 4 && queued >= 2 * p->warned) {
		lwp_say(p->log, p->log_arg,
			"-z %s: %zu files wait for it (%u run at once): it is slower than the capture; their files are kept until it has run",
			p->cmd, queued, p->max);
		p->warned = queued;
	} else if (!queued) {
		p->warned = 0;
	}
}

/**
 * lwp_post_reap() - collect the commands that ended (saying which
 * failed) and start queued ones in their place
 */
void lwp_post_reap(struct lwp_post *p)
{
	size_t i = 0;
	int status;

	while (i < p->running) {
		pid_t r = waitpid(p->jobs[i].pid, &status, WNOHANG);

		if (r == 0 || (r < 0 && errno == EINTR)) {
			i++;
			continue;
		}
		if (r > 0 && (!WIFEXITED(status) || WEXITSTATUS(status)))
			lwp_say(p->log, p->log_arg,
				"-z %s: process %d failed (status %#x)",
				p->cmd, (int)r, status);
		drop(p, i);
	}
	start_some(p, p->max);
}

/**
 * lwp_post_busy() - has file @seq's command not ended yet (running or
 * queued)?  Retention must keep such a file.
 */
bool lwp_post_busy(const struct lwp_post *p, unsigned int seq)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (p->jobs[i].seq == seq)
			return true;
	return false;
}

/* Reap until nothing is left, @ms have passed or we are hurried. */
static void wait_some(struct lwp_post *p, uint64_t t0, uint64_t ms,
		      const int *hurry)
{
	struct timespec tick = { .tv_nsec = 20 * 1000000 };

	lwp_post_reap(p);
	while (p->n && (lwp_now_ns() - t0) / 1000000 < ms &&
	       !(hurry && __atomic_load_n(hurry, __ATOMIC_RELAXED))) {
		nanosleep(&tick, NULL);
		lwp_post_reap(p);
	}
}

/**
 * lwp_post_finish() - at close: let the queue run out (still @max at
 * once) for at most @wait_ms, saying so if it takes longer than a
 * moment; then start what is still queued and leave every command
 * still running to finish on its own (their files are trimmed by a
 * later run), and free the rest
 * @hurry: if not NULL, the wait ends as soon as *@hurry is nonzero
 */
void lwp_post_finish(struct lwp_post *p, uint64_t wait_ms, const int *hurry)
{
	uint64_t t0 = lwp_now_ns();
	char pids[256];
	size_t i, len;

	wait_some(p, t0, wait_ms < 200 ? wait_ms : 200, hurry);
	if (p->n) {
		lwp_say(p->log, p->log_arg,
			"waiting up to %.1f s for %zu -z %s command%s to finish (a second stop signal ends the wait)",
			wait_ms / 1e3, p->n, p->cmd, p->n > 1 ? "s" : "");
		wait_some(p, t0, wait_ms, hurry);
	}
	/* the reader is leaving: what waits may all run now */
	start_some(p, SIZE_MAX);
	if (p->running) {
		pids[0] = '\0';
		for (i = len = 0; i < p->running && len < sizeof(pids); i++)
			len += snprintf(pids + len, sizeof(pids) - len,
					"%s%d", i ? " " : "",
					(int)p->jobs[i].pid);
		lwp_say(p->log, p->log_arg,
			"-z %s: %zu command%s still running after %.1f s, not waited for (pid %s)",
			p->cmd, p->running, p->running > 1 ? "s" : "",
			(lwp_now_ns() - t0) / 1e9, pids);
	}
	for (i = 0; i < p->n; i++)
		free(p->jobs[i].path);
	free(p->jobs);
	memset(p, 0, sizeof(*p));
}
