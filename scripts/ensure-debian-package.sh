#!/usr/bin/env bash
# Installs Debian packages a test or benchmark needs, when they are missing.
# Usage: scripts/ensure-debian-package.sh PACKAGE [PACKAGE...]
# Exit 0 when all are installed; exit 3 with the reason on stderr when they cannot be installed here
# (no apt-get, not root and no password-less sudo, or apt-get failed: its output is printed).
#
# Packages are installed without starting their services (policy-rc.d answers 101 to
# invoke-rc.d and deb-systemd-invoke): tests run their own instances on loopback ports, and a
# system `prometheus` on :9090 would only get in the way. No running process is killed.
set -u
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
missing_of() { local p; for p in "$@"; do installed "$p" || echo "$p"; done; }

mapfile -t missing < <(missing_of "$@")
[ ${#missing[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-debian-package: apt-get not available; cannot install: ${missing[*]}" >&2
  exit 3
fi
SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO=(sudo -n)
  else
    echo "ensure-debian-package: not root and no password-less sudo; cannot install: ${missing[*]} (install them as root: apt-get install ${missing[*]})" >&2
    exit 3
  fi
fi
export DEBIAN_FRONTEND=noninteractive

# One installer at a time: parallel test workers may ask for the same package.
exec 9>"${TMPDIR:-/tmp}/vigil-apt.lock"
flock 9
mapfile -t missing < <(missing_of "${missing[@]}")
[ ${#missing[@]} -eq 0 ] && exit 0

POLICY=/usr/sbin/policy-rc.d
own_policy=0
if [ ! -e "$POLICY" ]; then
  printf '#!/bin/sh\n# vigil ensure-debian-package: no service starts during this install\nexit 101\n' | "${SUDO[@]}" tee "$POLICY" >/dev/null \
    && "${SUDO[@]}" chmod 0755 "$POLICY" && own_policy=1
fi
cleanup() { if [ "$own_policy" -eq 1 ]; then "${SUDO[@]}" rm -f "$POLICY"; own_policy=0; fi; }
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM

log=$(mktemp)
echo "ensure-debian-package: installing ${missing[*]}" >&2
# The package lists may be absent (fresh machine) or stale; an update failure shows in install's output.
"${SUDO[@]}" apt-get update -qq >"$log" 2>&1
if ! "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >>"$log" 2>&1; then
  echo "ensure-debian-package: could not install ${missing[*]}; apt-get said:" >&2
  tail -n 20 "$log" >&2
  rm -f "$log"
  exit 3
fi
rm -f "$log"
if [ "$own_policy" -eq 0 ]; then
  # Someone else's policy-rc.d may have let the services start: stop them by unit name.
  for pkg in "${missing[@]}"; do "${SUDO[@]}" systemctl stop "$pkg" >/dev/null 2>&1 || true; done
fi
mapfile -t missing < <(missing_of "${missing[@]}")
if [ ${#missing[@]} -ne 0 ]; then
  echo "ensure-debian-package: apt-get succeeded but ${missing[*]} still not installed" >&2
  exit 3
fi
exit 0
