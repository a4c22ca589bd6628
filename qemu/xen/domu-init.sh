#!/bin/sh
# PID 1 of the PV domU (Debian cloud kernel, busybox). It has no channel of its own: it reports its
# balloon on hvc0 once a second, which dom0's xenconsoled writes to guest-domu.log, where dom0's
# `ustat` reads the last line:  DOMU seq target_kb current_kb low_kb high_kb MemTotal MemFree
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo 6 > /proc/sys/kernel/printk
B=/sys/devices/system/xen_memory/xen_memory0
n=0
while true; do
  n=$((n + 1))
  # Shell built-ins only (read, echo): under TCG every fork costs the one CPU dom0 shares.
  read t < $B/target_kb; read c < $B/info/current_kb; read l < $B/info/low_kb; read h < $B/info/high_kb
  { read _ mt _; read _ mf _; } < /proc/meminfo
  echo "DOMU $n $t $c $l $h $mt $mf"
  sleep 1
done
