#!/usr/bin/env bash
# Builds the QEMU test guest for the virtio-balloon campaign from Debian 12 packages only:
#   .qemu-guest/vmlinuz     the Debian cloud kernel (version looked up, not pinned)
#   .qemu-guest/initrd.gz   busybox-static + the virtio modules + qemu/guest-init.sh as /init
#   .qemu-guest/stamp       what was built; a rerun with the same inputs does nothing
# Installs qemu-system-x86 (no recommends) when qemu-system-x86_64 is missing. Needs root for that.
# Usage: bash qemu/setup.sh   (npm run qemu:setup). OUT=<dir> overrides the output folder.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
OUT=${OUT:-$ROOT/.qemu-guest}
MODULES="virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci virtio_balloon"

die() { echo "qemu/setup.sh: $*" >&2; exit 1; }
command -v apt-get >/dev/null && command -v apt-cache >/dev/null && command -v dpkg >/dev/null \
  || die "needs a Debian-like system (apt-get, apt-cache, dpkg not found)"

# apt-cache answers from the local lists; on a fresh machine they are empty, so refresh once.
apt_updated=0
apt_update_once() {
  [ "$apt_updated" = 1 ] && return 0
  apt-get update -qq >/dev/null 2>&1 || die "apt-get update failed (no network to the Debian mirror, or not root?)"
  apt_updated=1
}

# The metapackage names the current kernel ABI: 'Depends: linux-image-6.1.0-56-cloud-amd64'.
lookup_kver() {
  apt-cache depends linux-image-cloud-amd64 2>/dev/null \
    | sed -n 's/^ *Depends: linux-image-\([0-9].*-cloud-amd64\)$/\1/p' | head -n1
}
KVER=$(lookup_kver)
if [ -z "$KVER" ]; then apt_update_once; KVER=$(lookup_kver); fi
[ -n "$KVER" ] || die "cannot find linux-image-cloud-amd64 in apt (is this Debian 12 with main enabled?)"

if ! command -v qemu-system-x86_64 >/dev/null; then
  [ "$(id -u)" = 0 ] || die "qemu-system-x86_64 missing and not root: run as root or 'apt-get install qemu-system-x86'"
  apt_update_once
  echo "qemu/setup.sh: installing qemu-system-x86 (no recommends)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends qemu-system-x86 >/dev/null \
    || die "apt-get install qemu-system-x86 failed"
fi

# The stamp covers every input: kernel ABI, busybox version, and our init script's contents.
INIT_SUM=$(sha256sum "$HERE/guest-init.sh" | cut -c1-16)
BB_VER=$(apt-cache policy busybox-static 2>/dev/null | sed -n 's/^ *Candidate: //p')
STAMP="kernel=$KVER busybox=${BB_VER:-unknown} init=$INIT_SUM"
if [ -f "$OUT/stamp" ] && [ "$(cat "$OUT/stamp")" = "$STAMP" ] && [ -s "$OUT/vmlinuz" ] && [ -s "$OUT/initrd.gz" ]; then
  echo "qemu/setup.sh: guest up to date ($STAMP)"
  exit 0
fi

echo "qemu/setup.sh: building guest ($STAMP) in $OUT"
mkdir -p "$OUT"
WORK=$(mktemp -d "$OUT/.build.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/debs" "$WORK/x"
# apt-get download writes into the current folder and needs no root; retry once after an update.
fetch() { (cd "$WORK/debs" && apt-get download -qq "$@" >/dev/null 2>&1); }
fetch "linux-image-$KVER" busybox-static || { apt_update_once; fetch "linux-image-$KVER" busybox-static; } \
  || die "apt-get download linux-image-$KVER busybox-static failed"
for f in "$WORK"/debs/*.deb; do dpkg -x "$f" "$WORK/x"; done

[ -f "$WORK/x/boot/vmlinuz-$KVER" ] || die "kernel image missing from linux-image-$KVER"
BB="$WORK/x/bin/busybox"
[ -x "$BB" ] || die "busybox missing from busybox-static"

R="$WORK/rootfs"
mkdir -p "$R/bin" "$R/proc" "$R/sys" "$R/dev" "$R/tmp" "$R/lib/modules"
cp "$BB" "$R/bin/busybox"
for a in $("$BB" --list); do [ "$a" = busybox ] || ln -s busybox "$R/bin/$a"; done
MDIR="$WORK/x/lib/modules/$KVER/kernel/drivers/virtio"
for m in $MODULES; do
  # Debian may ship modules compressed (.ko.xz); busybox insmod can't always read those.
  if [ -f "$MDIR/$m.ko" ]; then cp "$MDIR/$m.ko" "$R/lib/modules/"
  elif [ -f "$MDIR/$m.ko.xz" ]; then xz -dc "$MDIR/$m.ko.xz" > "$R/lib/modules/$m.ko"
  else die "module $m not found in linux-image-$KVER"; fi
done
cp "$HERE/guest-init.sh" "$R/init"
chmod +x "$R/init"
(cd "$R" && find . | "$BB" cpio -o -H newc 2>/dev/null | gzip -1 > "$WORK/initrd.gz")

cp "$WORK/x/boot/vmlinuz-$KVER" "$OUT/vmlinuz"
mv "$WORK/initrd.gz" "$OUT/initrd.gz"
echo "$KVER" > "$OUT/kernel-version"
echo "$STAMP" > "$OUT/stamp"
echo "qemu/setup.sh: built $(du -h "$OUT/initrd.gz" | cut -f1) initrd, kernel $KVER"
