# tg3cap.mak - x86_64 devices for the tg3cap VM rig with the tg3 model,
# copied to configs/devices/x86_64-softmmu/ by tests/vm/qemu/build.sh
# (configure --without-default-devices --with-devices-x86_64=tg3cap).
#
# Without default devices only what is listed here (and what it selects)
# is built.  The rig (tests/vm/run-vm.sh) uses: the pc machine with
# -kernel/-initrd, the serial console (PC selects the ISA serial port),
# tap netdevs, e1000 or virtio-net-pci NICs and a virtio-9p-pci share.

# Boards: pc (i440fx) for the rig; q35 because it selects PCI_EXPRESS,
# which TG3_PCI depends on (as e1000e does).
CONFIG_I440FX=y
CONFIG_Q35=y

# NICs
CONFIG_TG3_PCI=y
CONFIG_E1000_PCI=y
CONFIG_VIRTIO_PCI=y
CONFIG_VIRTIO_NET=y

# The rig's -virtfs share (virtio-9p-pci; needs configure --enable-virtfs)
CONFIG_VIRTIO_9P=y

# What the pc machine creates by default and run-vm.sh does not turn off:
# the standard VGA ("standard VGA not available" without it) and the ISA
# parallel port ("unknown type 'isa-parallel'", an abort); PC only
# implies them, which --without-default-devices ignores.
CONFIG_VGA_PCI=y
CONFIG_PARALLEL=y
