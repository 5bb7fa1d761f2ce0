#!/usr/bin/env bash
# Installs Debian packages a test or benchmark needs, when they are missing.
# Usage: scripts/ensure-debian-package.sh PACKAGE [PACKAGE...]
# Exit 0 when all are installed; exit 3 with a clear message when they cannot be installed here.
set -u
missing=()
for pkg in "$@"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-debian-package: apt-get not available; cannot install: ${missing[*]}" >&2
  exit 3
fi
SUDO=""
[ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && SUDO="sudo -n"
export DEBIAN_FRONTEND=noninteractive
# A lock file keeps parallel test workers from running apt at the same time.
exec 9>/tmp/vigil-apt.lock
flock 9
# Re-check under the lock: another worker may have installed them meanwhile.
still=()
for pkg in "${missing[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || still+=("$pkg")
done
[ ${#still[@]} -eq 0 ] && exit 0
echo "ensure-debian-package: installing ${still[*]}" >&2
$SUDO apt-get update -qq >/dev/null 2>&1 || true
if ! $SUDO apt-get install -y -qq --no-install-recommends "${still[@]}" >/dev/null 2>&1; then
  echo "ensure-debian-package: could not install ${still[*]} (apt-get failed)" >&2
  exit 3
fi
# Debian starts services of packages it installs; tests run their own instances on other ports.
for pkg in "${still[@]}"; do
  $SUDO systemctl stop "$pkg" >/dev/null 2>&1 || true
  pkill -x "$(basename "$pkg")" >/dev/null 2>&1 || true
done
exit 0
