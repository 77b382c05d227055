#!/bin/sh
# Negative rig test: a hung guest must be killed by run-vm.sh's timeout.
sleep 100000
