#!/bin/sh
# PID 1 of the balloon-testbed guest (busybox initramfs, built by qemu/setup.sh).
# ttyS0 is the kernel console (a file on the host); ttyS1 is the command channel the harness
# (qemu/channel.ts) drives: one shell line in, its output, then `@@END <rc>`.
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp

# Load order matters: each module needs the ones before it (no modprobe/depmod in the initramfs).
for m in virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci virtio_balloon; do
  insmod "/lib/modules/$m.ko" || echo "GUEST insmod $m failed"
done
# Boot ran with `quiet` to keep TCG boot short; from here on we want the balloon's info lines
# ("Out of puff!") and the OOM killer's report in the console log the harness tails.
echo 6 > /proc/sys/kernel/printk

# `work CMD...` runs a workload with a normal OOM score, so that under memory pressure the OOM
# killer picks the workload and never the channel (which runs at -1000 below).
cat > /bin/work <<'EOW'
#!/bin/sh
echo 0 > /proc/self/oom_score_adj
exec "$@"
EOW

# `hold N`: keep N MiB of anonymous memory until `release`. dd reads N MiB from /dev/zero into
# one buffer (touching every page) and then blocks forever writing it into a FIFO nobody reads.
# Prints the holder's pid; rc 0 once its RSS reached N MiB, 137 if it was killed (OOM) first.
cat > /bin/hold <<'EOW'
#!/bin/sh
n=$1; f=/tmp/.hold.$$
mkfifo "$f"
sleep 2147483647 < "$f" &
work dd if=/dev/zero of="$f" bs="${n}M" count=1 2>/dev/null &
p=$!
want=$((n * 1024 * 95 / 100)); i=0
while [ $i -lt 400 ]; do
  [ -d /proc/$p ] || { echo "holder $p died"; exit 137; }
  rss=$(sed -n 's/^VmRSS:[^0-9]*\([0-9]*\).*/\1/p' /proc/$p/status 2>/dev/null)
  [ "${rss:-0}" -ge "$want" ] && { echo "$p"; exit 0; }
  i=$((i + 1)); sleep 0.05
done
echo "holder $p slow"; exit 124
EOW

# `release`: free everything the workloads hold (anonymous holders and tmpfs files).
cat > /bin/release <<'EOW'
#!/bin/sh
killall -q -9 dd sleep 2>/dev/null
rm -f /tmp/.hold.* /tmp/w.*
sync; echo 3 > /proc/sys/vm/drop_caches
exit 0
EOW

# `bstat`: one line with the numbers the properties compare, read back to back so they describe
# (nearly) one moment: MemTotal MemFree (KiB) balloon_inflate balloon_deflate (pages) driver.
cat > /bin/bstat <<'EOW'
#!/bin/sh
t=$(sed -n 's/^MemTotal:[^0-9]*\([0-9]*\).*/\1/p' /proc/meminfo)
f=$(sed -n 's/^MemFree:[^0-9]*\([0-9]*\).*/\1/p' /proc/meminfo)
bi=$(sed -n 's/^balloon_inflate \([0-9]*\)/\1/p' /proc/vmstat)
bd=$(sed -n 's/^balloon_deflate \([0-9]*\)/\1/p' /proc/vmstat)
if grep -q '^virtio_balloon ' /proc/modules; then d=1; else d=0; fi
echo "BSTAT $t $f ${bi:-0} ${bd:-0} $d"
EOW
chmod +x /bin/work /bin/hold /bin/release /bin/bstat

stty -F /dev/ttyS1 raw -echo 115200 2>/dev/null
echo -1000 > /proc/self/oom_score_adj
echo "GUEST init ready"
# The channel loop. `eval` is deliberate: the host sends whole shell lines. If the reader dies it
# is restarted, and `@@READY` tells the harness the channel came back (earlier output is lost).
while true; do
  (
    exec </dev/ttyS1 >/dev/ttyS1 2>&1
    echo "@@READY $(cut -d' ' -f1 /proc/uptime)"
    while IFS= read -r line; do
      eval "$line"
      echo "@@END $?"
    done
  )
  echo "GUEST channel exited rc=$?"
  sleep 1
done
