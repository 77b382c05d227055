# SPDX-License-Identifier: GPL-2.0
#
# The reader's sources, named once for every Makefile that links them
# (userland/, bench/): a file added to the series' code is added here, and
# the benchmarks link it too.

# The file series and what it needs: names, repair, writers, -z commands.
LWP_SERIES_SRCS = util.c pcapfile.c pcapng.c series.c repair.c \
		  postrotate.c filering.c mapwrite.c aiowrite.c \
		  pfile.c retention.c runsplit.c capfile.c pktindex.c \
		  idxwrite.c crc32c.c framekeys.c catalog.c fileindex.c

LWP_LIB_SRCS = $(LWP_SERIES_SRCS) ring.c pcapstream.c stats.c capture.c \
	       device.c iflist.c privs.c notify.c offload.c fakedev.c fakesrc.c \
	       losscause.c metrics.c publish.c \
	       cli.c usage.c filter.c merge.c
