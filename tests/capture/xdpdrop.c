// SPDX-License-Identifier: GPL-2.0
/*
 * xdpdrop - attach an XDP program that drops every frame to IFACE, for
 * as long as this process lives (a BPF link, no bpffs, no libbpf), so
 * that the capture tests can check what a reader sees of the frames an
 * XDP program takes before lwpcap's hook: they count as ring drops
 * (lwpcap_missed()), never as silence.
 *
 * Usage: xdpdrop IFACE READYFILE
 * Creates READYFILE once attached, then waits for a signal.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static int bpf(int cmd, union bpf_attr *a)
{
	return syscall(SYS_bpf, cmd, a, sizeof(*a));
}

int main(int argc, char **argv)
{
	struct bpf_insn prog[] = {
		/* r0 = XDP_DROP; exit */
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0,
		  .imm = XDP_DROP },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	static char log[4096];
	union bpf_attr a;
	unsigned int ifindex;
	int pfd, lfd, fd;

	if (argc != 3) {
		fprintf(stderr, "usage: xdpdrop IFACE READYFILE\n");
		return 2;
	}
	ifindex = if_nametoindex(argv[1]);
	if (!ifindex) {
		fprintf(stderr, "xdpdrop: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_XDP;
	a.insns = (uintptr_t)prog;
	a.insn_cnt = sizeof(prog) / sizeof(prog[0]);
	a.license = (uintptr_t)"GPL";
	a.log_buf = (uintptr_t)log;
	a.log_size = sizeof(log);
	a.log_level = 1;
	pfd = bpf(BPF_PROG_LOAD, &a);
	if (pfd < 0) {
		fprintf(stderr, "xdpdrop: BPF_PROG_LOAD: %s\n%s\n",
			strerror(errno), log);
		return 1;
	}
	memset(&a, 0, sizeof(a));
	a.link_create.prog_fd = pfd;
	a.link_create.target_ifindex = ifindex;
	a.link_create.attach_type = BPF_XDP;
	lfd = bpf(BPF_LINK_CREATE, &a);
	if (lfd < 0) {
		fprintf(stderr, "xdpdrop: attach to %s: %s (see dmesg)\n",
			argv[1], strerror(errno));
		return 1;
	}
	fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		fprintf(stderr, "xdpdrop: %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	close(fd);
	printf("xdpdrop: XDP_DROP attached to %s\n", argv[1]);
	fflush(stdout);
	pause();
	return 0;
}
