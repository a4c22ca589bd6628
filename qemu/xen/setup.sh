#!/usr/bin/env bash
# Builds the real-Xen test system from Debian 12 packages only. Nothing of Xen is installed on the
# host: the .debs are fetched with `apt-get download` (no root needed) and unpacked with `dpkg -x`.
#   .xen-guest/xen.elf            Xen, gunzipped (QEMU's multiboot loader reads an ELF, not a .gz)
#   .xen-guest/vmlinuz-dom0       the generic kernel (CONFIG_XEN_DOM0=y; the cloud one lacks it)
#   .xen-guest/dom0.cpio.gz       busybox + xl, xenstored, xenconsoled + libraries + dom0-init.sh
#   .xen-guest/dom0-domu.cpio.gz  the same with a PV domU (cloud kernel + busybox) under /root
#   .xen-guest/debs/              the downloaded packages, kept so a rebuild downloads nothing
#   .xen-guest/stamp              what was built; a rerun with the same inputs does nothing
# QEMU comes from apt like the virtio set-up (qemu/setup.sh) when it is missing (root needed).
# Usage: bash qemu/xen/setup.sh   (npm run xen:setup). OUT=<dir> overrides the output folder.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OUT=${OUT:-$ROOT/.xen-guest}
XENV=4.17

die() { echo "xen setup: $*" >&2; exit 1; }
# Exit 3 means only "a package cannot be had" (no mirror, not in the sources): CI skips the real-Xen
# campaign on 3 and fails on anything else.
unavailable() { echo "xen setup: $*" >&2; exit 3; }
command -v apt-get >/dev/null && command -v apt-cache >/dev/null && command -v dpkg >/dev/null \
  || die "needs a Debian 12 system (apt-get, apt-cache, dpkg not found)"

apt_updated=0
apt_update_once() {
  [ "$apt_updated" = 1 ] && return 0
  apt-get update -qq >/dev/null 2>&1 || unavailable "apt-get update failed (no network to the Debian mirror, or not root?)"
  apt_updated=1
}

# The metapackages name the current kernel ABI ('Depends: linux-image-6.1.0-57-amd64').
abi() { apt-cache depends "$1" 2>/dev/null | sed -n "s/^ *Depends: linux-image-\([0-9][^ ]*$2\)\$/\1/p" | head -n1; }
KD=$(abi linux-image-amd64 '-amd64'); KU=$(abi linux-image-cloud-amd64 '-cloud-amd64')
if [ -z "$KD" ] || [ -z "$KU" ]; then apt_update_once; KD=$(abi linux-image-amd64 '-amd64'); KU=$(abi linux-image-cloud-amd64 '-cloud-amd64'); fi
[ -n "$KD" ] || unavailable "package linux-image-amd64 not found in apt (is this Debian 12 with main enabled?)"
[ -n "$KU" ] || unavailable "package linux-image-cloud-amd64 not found in apt (is this Debian 12 with main enabled?)"

if ! command -v qemu-system-x86_64 >/dev/null; then
  [ "$(id -u)" = 0 ] || die "qemu-system-x86_64 missing and not root: run as root or 'apt-get install qemu-system-x86'"
  apt_update_once
  echo "xen setup: installing qemu-system-x86 (no recommends)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends qemu-system-x86 >/dev/null \
    || die "apt-get install qemu-system-x86 failed"
fi

PKGS="linux-image-$KD linux-image-$KU xen-hypervisor-$XENV-amd64 xen-utils-$XENV libxenmisc$XENV
  libxencall1 libxenevtchn1 libxenforeignmemory1 libxengnttab1 libxenstore4 libxentoollog1 libyajl2
  libxendevicemodel1 libxenhypfs1 libxentoolcore1 xenstore-utils busybox-static"

# The stamp names every input: package versions (one apt-cache call: it is slow on a busy machine)
# and our scripts' contents.
candidates() { apt-cache policy $PKGS 2>/dev/null | awk '/^[^ ].*:$/ { p = substr($0, 1, length($0) - 1) } /^ *Candidate:/ { print p "=" $2 }'; }
cands=$(candidates)
versions=""
for p in $PKGS; do
  v=$(echo "$cands" | sed -n "s/^$p=//p" | head -n1)
  if [ -z "$v" ] || [ "$v" = "(none)" ]; then apt_update_once; cands=$(candidates); v=$(echo "$cands" | sed -n "s/^$p=//p" | head -n1); fi
  [ -n "$v" ] && [ "$v" != "(none)" ] || unavailable "package $p cannot be had from apt (not in the configured Debian 12 sources)"
  versions="$versions $p=$v"
done
SUMS=$(cat "$HERE/dom0-init.sh" "$HERE/domu-init.sh" "$0" | sha256sum | cut -c1-16)
STAMP="$(echo "$versions" | sha256sum | cut -c1-16) scripts=$SUMS dom0=$KD domu=$KU xen=$XENV"
if [ -f "$OUT/stamp" ] && [ "$(cat "$OUT/stamp")" = "$STAMP" ] \
  && [ -s "$OUT/xen.elf" ] && [ -s "$OUT/vmlinuz-dom0" ] && [ -s "$OUT/dom0.cpio.gz" ] && [ -s "$OUT/dom0-domu.cpio.gz" ]; then
  echo "xen setup: up to date ($STAMP)"
  exit 0
fi

echo "xen setup: building in $OUT (dom0 kernel $KD, domU kernel $KU, Xen $XENV)"
mkdir -p "$OUT/debs"
# Fetch only what is not cached yet (apt-get download names files <name>_<version>_<arch>.deb).
missing=""
for pv in $versions; do
  p=${pv%%=*}; v=${pv#*=}
  ls "$OUT/debs/${p}_$(echo "$v" | sed 's/:/%3a/')_"*.deb >/dev/null 2>&1 || missing="$missing $p"
done
if [ -n "$missing" ]; then
  fetch() { (cd "$OUT/debs" && apt-get download -qq "$@" >/dev/null 2>&1); }
  for p in $missing; do
    fetch "$p" || { apt_update_once; fetch "$p"; } || unavailable "package $p cannot be downloaded (apt-get download $p failed)"
  done
fi

WORK=$(mktemp -d "$OUT/.build.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
X="$WORK/x"; mkdir -p "$X"
for pv in $versions; do
  p=${pv%%=*}; v=${pv#*=}
  dpkg -x "$(ls "$OUT/debs/${p}_$(echo "$v" | sed 's/:/%3a/')_"*.deb | head -n1)" "$X"
done

[ -f "$X/boot/xen-$XENV-amd64.gz" ] || die "hypervisor image missing from xen-hypervisor-$XENV-amd64"
grep -q '^CONFIG_XEN_DOM0=y' "$X/boot/config-$KD" || die "kernel $KD has no CONFIG_XEN_DOM0"
grep -q '^CONFIG_XEN_BALLOON=y' "$X/boot/config-$KU" || die "kernel $KU has no CONFIG_XEN_BALLOON"
BB="$X/bin/busybox"
[ -x "$BB" ] || die "busybox missing from busybox-static"

skeleton() {  # $1: a root folder with busybox and its applets
  mkdir -p "$1/bin" "$1/sbin" "$1/proc" "$1/sys" "$1/dev" "$1/tmp" "$1/run" "$1/root" "$1/etc" "$1/lib/modules"
  cp "$BB" "$1/bin/busybox"
  for a in $("$BB" --list); do [ "$a" = busybox ] || ln -sf busybox "$1/bin/$a"; done
}
pack() { (cd "$1" && find . | "$BB" cpio -o -H newc 2>/dev/null | gzip -1); }

# The PV domU: busybox and an init that reports its balloon on its console (hvc0).
U="$WORK/domu"; skeleton "$U"
cp "$HERE/domu-init.sh" "$U/init"; chmod +x "$U/init"

# dom0: the Xen tools, their libraries, the Xen modules, and our init (the command channel).
R="$WORK/dom0"; skeleton "$R"
XB="usr/lib/xen-$XENV/bin"
mkdir -p "$R/$XB" "$R/usr/sbin" "$R/usr/lib/x86_64-linux-gnu" "$R/lib/x86_64-linux-gnu" "$R/lib64" \
  "$R/var/lib/xen" "$R/var/lib/xenstored" "$R/var/log/xen/console" "$R/etc/xen"
for b in xl xenstored xenconsoled xen-init-dom0; do
  [ -x "$X/$XB/$b" ] || die "$b missing from xen-utils-$XENV"
  cp "$X/$XB/$b" "$R/$XB/"; ln -sf "/$XB/$b" "$R/usr/sbin/$b"
done
cp "$X/usr/bin/xenstore" "$R/usr/sbin/xenstore"
for a in read write ls rm; do ln -sf xenstore "$R/usr/sbin/xenstore-$a"; done
cp -a "$X"/usr/lib/x86_64-linux-gnu/lib*.so* "$R/usr/lib/x86_64-linux-gnu/"
# libc and friends come from the host (Debian 12 as well); ldd lists what the tools link.
for b in "$R/$XB"/* "$R/usr/sbin/xenstore"; do
  LD_LIBRARY_PATH="$X/usr/lib/x86_64-linux-gnu" ldd "$b" | awk '/=> \//{print $3}'
done | sort -u | grep -v "^$X" | while read -r lib; do cp -L "$lib" "$R/lib/x86_64-linux-gnu/"; done
cp -L /lib64/ld-linux-x86-64.so.2 "$R/lib64/"
# glibc loads libgcc_s at run time for pthread_cancel, so ldd does not list it; xl needs it.
GCC_S=$(ldconfig -p | sed -n 's/.*libgcc_s\.so\.1 (libc6,x86-64) => //p' | head -n1)
[ -n "$GCC_S" ] || die "libgcc_s.so.1 not found on the host"
cp -L "$GCC_S" "$R/lib/x86_64-linux-gnu/"
MD="$X/lib/modules/$KD/kernel/drivers/xen"
for m in xen-privcmd xenfs/xenfs xen-evtchn xen-gntdev xen-gntalloc; do
  n=$(basename "$m")
  if [ -f "$MD/$m.ko" ]; then cp "$MD/$m.ko" "$R/lib/modules/$n.ko"
  elif [ -f "$MD/$m.ko.xz" ]; then xz -dc "$MD/$m.ko.xz" > "$R/lib/modules/$n.ko"
  else die "module $n not found in linux-image-$KD"; fi
done
printf 'autoballoon="off"\n' > "$R/etc/xen/xl.conf"
cp "$HERE/dom0-init.sh" "$R/init"; chmod +x "$R/init"
pack "$R" > "$WORK/dom0.cpio.gz"

# Linux unpacks concatenated archives in turn: the domU variant is dom0's archive plus one more.
E="$WORK/extra"; mkdir -p "$E/root"
cp "$X/boot/vmlinuz-$KU" "$E/root/vmlinuz-domu"
pack "$U" > "$E/root/domu.cpio.gz"
cat "$WORK/dom0.cpio.gz" > "$WORK/dom0-domu.cpio.gz"
pack "$E" >> "$WORK/dom0-domu.cpio.gz"

zcat "$X/boot/xen-$XENV-amd64.gz" > "$OUT/xen.elf"
cp "$X/boot/vmlinuz-$KD" "$OUT/vmlinuz-dom0"
mv "$WORK/dom0.cpio.gz" "$WORK/dom0-domu.cpio.gz" "$OUT/"
printf 'xen=%s dom0=%s domu=%s\n' "$(apt-cache policy xen-hypervisor-$XENV-amd64 | sed -n 's/^ *Candidate: //p')" "$KD" "$KU" > "$OUT/versions"
echo "$STAMP" > "$OUT/stamp"
echo "xen setup: built $(du -h "$OUT/dom0.cpio.gz" | cut -f1) dom0 initrd, $(du -h "$OUT/dom0-domu.cpio.gz" | cut -f1) with the domU"
