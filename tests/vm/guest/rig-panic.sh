#!/bin/sh
# Negative rig test: a kernel crash must give a FAIL verdict (sysrq crash ->
# "Kernel panic" on the console, panic=-1 + -no-reboot end QEMU).
echo 1 > /proc/sys/kernel/sysrq
echo c > /proc/sysrq-trigger
sleep 10
