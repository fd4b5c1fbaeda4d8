#!/bin/busybox sh
# /init of the VM test's initramfs (tools/vm/mkinitramfs.sh): mounts what the
# agent needs, runs /bw/guest-tests.sh, prints its results on the console
# (lines starting BWVM-, read by tests/vm/test_vm.py) and powers off.
/bin/busybox mkdir -p /bin /sbin /usr/bin /usr/sbin /proc /sys /dev /tmp /run
/bin/busybox --install -s
export PATH=/bin:/sbin:/usr/bin:/usr/sbin

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mount -t securityfs securityfs /sys/kernel/security 2>/dev/null
mount -t bpf bpf /sys/fs/bpf 2>/dev/null
mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null
# Keep kernel messages off the console: the host parses what we print.
dmesg -n 1
ip link set lo up 2>/dev/null || ifconfig lo 127.0.0.1 up

echo "BWVM-BOOT kernel=$(uname -r) machine=$(uname -m) uptime=$(cut -d' ' -f1 /proc/uptime)"
sh /bw/guest-tests.sh
echo "BWVM-DONE uptime=$(cut -d' ' -f1 /proc/uptime)"
sync
poweroff -f
sleep 5
echo o >/proc/sysrq-trigger
