#!/bin/sh
# PID 1 of dom0 for the real-Xen campaign (busybox initramfs built by qemu/xen/setup.sh).
# hvc0 (through Xen's com1) is the console, a file on the host; ttyS1 is the command channel the
# harness drives with the virtio guest's protocol (qemu/channel.ts): a shell line in, its output,
# then `@@END <rc>`. A domU is created at boot when the kernel command line says `domu`.
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
mkdir -p /dev/pts && mount -t devpts devpts /dev/pts    # xenconsoled needs a pty per guest console
mkdir -p /run/xen /run/xenstored /var/run && ln -sf /run/xen /var/run/xen
export PATH=/usr/sbin:/bin:/sbin

# The Xen device modules, each after the ones it needs (no modprobe in the initramfs).
for m in xen-privcmd xenfs xen-evtchn xen-gntdev xen-gntalloc; do
  insmod "/lib/modules/$m.ko" || echo "DOM0 insmod $m failed"
done
mkdir -p /proc/xen && mount -t xenfs xenfs /proc/xen || echo "DOM0 mount xenfs failed"
xenstored --pid-file /run/xenstored.pid >/dev/null 2>&1 || echo "DOM0 xenstored failed"
i=0; while ! xenstore-read /local >/dev/null 2>&1 && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
xen-init-dom0 >/dev/null || echo "DOM0 xen-init-dom0 failed"
xenconsoled --pid-file=/run/xenconsoled.pid --log=guest --log-dir=/var/log/xen/console || echo "DOM0 xenconsoled failed"
# From here on the OOM killer's and the balloon's messages reach the console the harness tails.
echo 6 > /proc/sys/kernel/printk

B=/sys/devices/system/xen_memory/xen_memory0
# `work CMD...`: a workload the OOM killer may pick (the channel runs at -1000 below).
printf '%s\n' '#!/bin/sh' 'echo 0 > /proc/self/oom_score_adj' 'exec "$@"' > /bin/work
# `hold N`: keep N MiB of anonymous memory until `release` (dd fills one N MiB buffer, then blocks
# writing it into a FIFO nobody reads). rc 0 once resident, 137 if it was killed first.
printf '%s\n' '#!/bin/sh' 'n=$1; f=/tmp/.hold.$$; mkfifo "$f"' 'sleep 2147483647 < "$f" &' \
  'work dd if=/dev/zero of="$f" bs="${n}M" count=1 2>/dev/null &' 'p=$!; want=$((n * 1024 * 95 / 100)); i=0' \
  'while [ $i -lt 400 ]; do' \
  '  [ -d /proc/$p ] || { echo "holder $p died"; exit 137; }' \
  '  rss=$(sed -n "s/^VmRSS:[^0-9]*\([0-9]*\).*/\1/p" /proc/$p/status 2>/dev/null)' \
  '  [ "${rss:-0}" -ge "$want" ] && { echo "$p"; exit 0; }' \
  '  i=$((i + 1)); sleep 0.05' \
  'done' 'echo "holder $p slow"; exit 124' > /bin/hold
# `release`: end every holder and give its memory back.
printf '%s\n' '#!/bin/sh' 'killall -q -9 dd sleep 2>/dev/null; rm -f /tmp/.hold.*' 'sync; echo 3 > /proc/sys/vm/drop_caches; exit 0' > /bin/release
# `xstat`: dom0's balloon (sysfs, KiB), its meminfo, and Xen's own counts, read back to back:
# XSTAT target_kb current_kb low_kb high_kb retry_count MemTotal MemFree xen_free_MiB xen_total_MiB
printf '%s\n' '#!/bin/sh' "B=$B" \
  'info=$(xl info 2>/dev/null)' \
  'echo "XSTAT $(cat $B/target_kb) $(cat $B/info/current_kb) $(cat $B/info/low_kb) $(cat $B/info/high_kb) $(cat $B/retry_count) $(sed -n "s/^MemTotal:[^0-9]*\([0-9]*\).*/\1/p" /proc/meminfo) $(sed -n "s/^MemFree:[^0-9]*\([0-9]*\).*/\1/p" /proc/meminfo) $(echo "$info" | sed -n "s/^free_memory *: *//p") $(echo "$info" | sed -n "s/^total_memory *: *//p")"' > /bin/xstat
# `ustat`: the domU as dom0 sees it (xl list, MiB; its xenstore target, KiB) and its own last
# report from its console log (see domu-init.sh):
# USTAT domid xl_MiB xs_target_kb | DOMU seq target_kb current_kb low_kb high_kb MemTotal MemFree
printf '%s\n' '#!/bin/sh' \
  'id=$(xl domid domu 2>/dev/null) || { echo "USTAT none"; exit 3; }' \
  'mem=$(xl list domu 2>/dev/null | sed -n "2s/^[^ ]* *[0-9]* *\([0-9]*\) .*/\1/p")' \
  'echo "USTAT $id $mem $(xenstore-read /local/domain/$id/memory/target 2>/dev/null) | $(grep "^DOMU [0-9]" /var/log/xen/console/guest-domu.log | tail -n1 | tr -d "\r")"' > /bin/ustat
chmod +x /bin/work /bin/hold /bin/release /bin/xstat /bin/ustat

if grep -qw domu /proc/cmdline && [ -f /root/vmlinuz-domu ]; then
  # A PV domU on the cloud kernel; on_crash=preserve keeps a crashed one listed (`xl list`: c).
  printf '%s\n' 'name = "domu"' 'type = "pv"' 'kernel = "/root/vmlinuz-domu"' 'ramdisk = "/root/domu.cpio.gz"' \
    'extra = "console=hvc0 quiet"' 'memory = 160' 'maxmem = 256' 'vcpus = 1' \
    'on_poweroff = "destroy"' 'on_crash = "preserve"' > /root/domu.cfg
  xl create /root/domu.cfg >/dev/null 2>&1 || echo "DOM0 xl create domu failed"
  i=0; while ! grep -q '^DOMU [0-9]' /var/log/xen/console/guest-domu.log 2>/dev/null && [ $i -lt 1200 ]; do sleep 0.1; i=$((i + 1)); done
fi

stty -F /dev/ttyS1 raw -echo 115200 2>/dev/null
echo -1000 > /proc/self/oom_score_adj
echo "DOM0 init ready"
# The channel loop (`eval` is deliberate: the host sends whole shell lines). If the reader dies it
# is restarted and `@@READY` tells the harness the channel came back.
while true; do
  (
    exec </dev/ttyS1 >/dev/ttyS1 2>&1
    echo "@@READY $(cut -d' ' -f1 /proc/uptime)"
    while IFS= read -r line; do
      eval "$line"
      echo "@@END $?"
    done
  )
  echo "DOM0 channel exited rc=$?"
  sleep 1
done
