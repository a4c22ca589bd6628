#!/bin/sh
# PID 1 of the C1 guest (qemu/c1/run.sh): does the spec's poison_val survive a hibernate/resume?
# Boot 1 (c1=hibernate): page_poison=1, free page reporting negotiated, swap on /dev/vda. Runs the
#   reporting cycle once as a control (poison_val was written at probe, so QEMU must not discard
#   reported pages), then hibernates to swap; the guest powers off and QEMU exits.
# Boot 2 (c1=resume): loads only what resuming needs and points /sys/power/resume at /dev/vda;
#   the image of boot 1 takes over and goes on right after its `echo disk`, where it runs the
#   same reporting cycle again. QEMU was started afresh, so its poison_val is whatever the
#   resumed driver wrote, or 0 (virtio_balloon_device_reset) if it wrote nothing.
# Every line meant for the harness starts with "C1 ". The kernel's own "pagealloc: memory
# corruption" lines (mm/page_poison.c, check_poison_mem) go to the same console.
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
phase=$(sed -n 's/.*c1=\([a-z]*\).*/\1/p' /proc/cmdline)
for m in virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci virtio_blk; do
  insmod "/lib/modules/$m.ko" || echo "C1 insmod $m failed"
done
echo 7 > /proc/sys/kernel/printk

# The reporting cycle: fill most of memory with a tmpfs file, free it, wait for the free pages to
# be reported (page_reporting_delay is 2 s; whole 2 MiB blocks), then fill and free again: the
# second fill allocates pages that were reported, and page_poison=1 checks their poison on alloc.
cycle() {
  for round in 1 2 3; do
    dd if=/dev/zero of=/tmp/fill bs=1M count=300 2>/dev/null
    rm -f /tmp/fill
    sleep 5
  done
  echo "C1 cycle done ($1): vmstat $(grep -E '^(balloon_inflate|balloon_deflate)' /proc/vmstat | tr '\n' ' ')"
}

features() {
  for d in /sys/bus/virtio/devices/*; do
    [ "$(cat "$d/device")" = 0x0005 ] && echo "C1 balloon features ($1): $(cat "$d/features")"
  done
}

if [ "$phase" = resume ]; then
  dev=$(cat /sys/block/vda/dev)
  echo "C1 resuming from /dev/vda ($dev)"
  echo "$dev" > /sys/power/resume
  echo "C1 no image resumed (this line is boot 2's own)"
  poweroff -f
fi

insmod /lib/modules/virtio_balloon.ko || echo "C1 insmod virtio_balloon failed"
echo "C1 cmdline: $(cat /proc/cmdline)"
features boot
mkswap /dev/vda >/dev/null && swapon /dev/vda && echo "C1 swap on"
cycle control
echo "C1 hibernating"
echo disk > /sys/power/state
# Only the resumed image gets here (boot 1 powered off inside the write above).
echo "C1 resumed"
features resumed
cycle resumed
echo "C1 finished"
poweroff -f
