#!/usr/bin/env bash
# Candidate C1 of the spec review (docs/FINDINGS.md 23): after hibernate/resume, does Linux write
# poison_val again, or does QEMU discard reported pages the guest expects to hold poison?
# Needs the *generic* Debian kernel: the cloud kernel has no CONFIG_PAGE_POISONING, so page_poison=1
# would be ignored there (checked in its /boot/config). Builds .qemu-guest/c1/{vmlinuz,initrd.gz},
# makes a 256 MiB swap disk, boots twice (hibernate, then resume) with
#   -device virtio-balloon-pci,free-page-reporting=on  (page-poison is on by default in QEMU 7.2)
# and QEMU's own trace of the balloon and of the virtqueues (-trace, log backend).
# Output: .qemu-guest/c1/{boot1,boot2}.console and .trace, and a verdict line.
# Usage: bash qemu/c1/run.sh   (one VM at a time; each under a hard `timeout`).
#        REPORTING=off bash qemu/c1/run.sh   the control: the same cycle without free page reporting.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OUT=${OUT:-$ROOT/.qemu-guest/c1}
REPORTING=${REPORTING:-on}
case "$REPORTING" in on|off) ;; *) echo "qemu/c1/run.sh: REPORTING must be on or off" >&2; exit 2;; esac
die() { echo "qemu/c1/run.sh: $*" >&2; exit 1; }
KVER=$(apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/^ *Depends: linux-image-\([0-9].*-amd64\)$/\1/p' | head -n1)
[ -n "$KVER" ] || die "cannot find linux-image-amd64 in apt"
mkdir -p "$OUT"
if [ ! -s "$OUT/vmlinuz" ] || [ "$(cat "$OUT/kernel-version" 2>/dev/null)" != "$KVER" ] || [ "$HERE/init.sh" -nt "$OUT/initrd.gz" ]; then
  W=$(mktemp -d "$OUT/.build.XXXXXX"); trap 'rm -rf "$W"' EXIT
  (cd "$W" && apt-get download -qq "linux-image-$KVER" busybox-static >/dev/null 2>&1) || die "apt-get download failed"
  mkdir -p "$W/x"; for f in "$W"/*.deb; do dpkg -x "$f" "$W/x"; done
  grep -q '^CONFIG_PAGE_POISONING=y' "$W/x/boot/config-$KVER" || die "linux-image-$KVER has no CONFIG_PAGE_POISONING"
  grep -q '^CONFIG_HIBERNATION=y' "$W/x/boot/config-$KVER" || die "linux-image-$KVER has no CONFIG_HIBERNATION"
  R="$W/rootfs"; mkdir -p "$R/bin" "$R/proc" "$R/sys" "$R/dev" "$R/tmp" "$R/lib/modules"
  cp "$W/x/bin/busybox" "$R/bin/"; for a in $("$R/bin/busybox" --list); do [ "$a" = busybox ] || ln -s busybox "$R/bin/$a"; done
  K="$W/x/lib/modules/$KVER/kernel/drivers"
  for m in virtio/virtio_ring virtio/virtio virtio/virtio_pci_legacy_dev virtio/virtio_pci_modern_dev virtio/virtio_pci virtio/virtio_balloon block/virtio_blk; do
    if [ -f "$K/$m.ko" ]; then cp "$K/$m.ko" "$R/lib/modules/"; else xz -dc "$K/$m.ko.xz" > "$R/lib/modules/$(basename "$m").ko"; fi
  done
  cp "$HERE/init.sh" "$R/init"; chmod +x "$R/init"
  (cd "$R" && find . | "$R/bin/busybox" cpio -o -H newc 2>/dev/null | gzip -1 > "$OUT/initrd.gz")
  cp "$W/x/boot/vmlinuz-$KVER" "$OUT/vmlinuz"; echo "$KVER" > "$OUT/kernel-version"
fi

rm -f "$OUT/swap.img"; truncate -s 256M "$OUT/swap.img"
boot() { # $1 = phase, $2 = wall limit in s
  timeout -s KILL "$2" qemu-system-x86_64 -machine q35 -accel tcg -m 512 -smp 1 -display none -no-reboot \
    -nodefaults -no-user-config -kernel "$OUT/vmlinuz" -initrd "$OUT/initrd.gz" \
    -append "console=ttyS0 page_poison=1 panic=-1 no_console_suspend c1=$1" \
    -serial "file:$OUT/$1.console" -drive "file=$OUT/swap.img,format=raw,if=virtio" \
    -device "virtio-balloon-pci,id=balloon0,free-page-reporting=$REPORTING" \
    -msg timestamp=on -trace 'enable=virtio_balloon_*' -trace enable=virtqueue_pop -trace enable=virtqueue_flush \
    -trace enable=virtio_queue_notify -trace enable=virtio_set_status -D "$OUT/$1.trace" || echo "qemu/c1/run.sh: $1: QEMU ended with $?"
}
t0=$(date +%s); boot hibernate 400; t1=$(date +%s); boot resume 400; t2=$(date +%s)
echo "qemu/c1/run.sh: free-page-reporting=$REPORTING, boot 1 $((t1 - t0)) s, boot 2 $((t2 - t1)) s, kernel $KVER"
grep -h '^C1 ' "$OUT/hibernate.console" "$OUT/resume.console" | sed 's/^/  /'
for p in hibernate resume; do
  echo "  $p: $(grep -c 'pagealloc: memory corruption' "$OUT/$p.console" || true) 'pagealloc: memory corruption' report(s)"
done
