#!/usr/bin/env bash
# Prepare a folder that installs the kiosk on a machine without internet. See docs/DEPLOY.md.
#
#   bash deploy/make-offline-bundle.sh [--no-debs] OUT [WHEEL]
#
# Run it on a machine with internet that runs the same release (Debian 12 or Ubuntu 24.04) and
# processor type as the kiosks, as a user who may run apt-get download. OUT receives:
#   deploy/         this folder (install.sh, the units, requirements.lock)
#   DEPLOY.md       the guide
#   *.whl           the kiosk (WHEEL, or one built from this project)
#   wheelhouse/     every Python package in deploy/requirements.lock, each checked against its hash
#   debs/           every Debian package install.sh installs, with all their dependencies, and a
#                   Packages index (--no-debs leaves it out: the kiosks then use their mirror)
# On the kiosk: sudo bash OUT/deploy/install.sh --wheelhouse OUT/wheelhouse --debs OUT/debs OUT/*.whl
set -Eeuo pipefail
trap 'printf "ERROR: stopped at line %s (exit %s).\n" "$LINENO" "$?" >&2' ERR

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly SCRIPT_DIR
readonly PROJECT="$SCRIPT_DIR/.."
PYTHON="${PYTHON:-python3}"

die() {
  printf 'ERROR: %s\n' "$*" >&2
  exit 1
}
say() { printf '==> %s\n' "$*"; }

debs=1
if [[ "${1:-}" == --no-debs ]]; then
  debs=0
  shift
fi
(($# >= 1 && $# <= 2)) || die "usage: bash $0 [--no-debs] OUT [WHEEL]"
out="$1"
wheel="${2:-}"
mkdir -p -- "$out/wheelhouse"
out="$(realpath -- "$out")"

say "copying deploy/ and the guide"
rm -rf -- "$out/deploy"
cp -R -- "$SCRIPT_DIR" "$out/deploy"
if [[ -f "$PROJECT/docs/DEPLOY.md" ]]; then
  cp -- "$PROJECT/docs/DEPLOY.md" "$out/DEPLOY.md"
fi

if [[ -n "$wheel" ]]; then
  [[ -f "$wheel" && "$wheel" == *.whl ]] || die "$wheel is not a wheel file"
  cp -- "$wheel" "$out/"
else
  [[ -f "$PROJECT/pyproject.toml" ]] || die "no WHEEL given and $PROJECT is not the project folder"
  say "building the kiosk's wheel"
  "$PYTHON" -m pip wheel --quiet --no-deps --wheel-dir "$out" -- "$PROJECT"
fi

say "downloading the Python packages of deploy/requirements.lock (hashes checked)"
"$PYTHON" -m pip download --quiet --disable-pip-version-check --require-hashes --only-binary=:all: \
  --dest "$out/wheelhouse" -r "$SCRIPT_DIR/requirements.lock"

if ((debs)); then
  mapfile -t wanted < <(bash "$SCRIPT_DIR/install.sh" --list-packages)
  say "resolving the Debian packages: ${wanted[*]}"
  # Every package they need, recursively (virtual packages, in <angle brackets>, are left out), so that the
  # kiosk needs nothing but this folder whatever was installed on it.
  mapfile -t closure < <(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts \
    --no-breaks --no-replaces --no-enhances -- "${wanted[@]}" | grep -E '^[a-z0-9]' | sort -u)
  mkdir -p -- "$out/debs"
  say "downloading ${#closure[@]} Debian packages"
  (cd -- "$out/debs" && apt-get download -qq -- "${closure[@]}")
  if command -v apt-ftparchive >/dev/null; then
    (cd -- "$out/debs" && apt-ftparchive packages . >Packages)
  elif command -v dpkg-scanpackages >/dev/null; then
    (cd -- "$out/debs" && dpkg-scanpackages --multiversion . >Packages 2>/dev/null)
  else
    die "no tool to index the Debian packages: sudo apt-get install apt-utils"
  fi
fi

say "bundle ready in $out ($(du -sh -- "$out" | cut -f1))"
from_debs=""
((debs)) && from_debs=" --debs $out/debs"
say "on the kiosk: sudo bash $out/deploy/install.sh --wheelhouse $out/wheelhouse$from_debs $out/*.whl"
