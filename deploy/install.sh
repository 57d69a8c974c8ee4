#!/usr/bin/env bash
# Install, update or roll back the community-house kiosk on Debian 12 or Ubuntu 24.04.
# Safe to run again: every step checks what is already there. Step by step: docs/DEPLOY.md.
#
#   sudo deploy/install.sh [OPTIONS] SOURCE      install SOURCE as a release and switch to it
#   sudo deploy/install.sh --rollback [RELEASE]  switch back to the previous (or the named) release
#
# SOURCE is the project directory (the one holding pyproject.toml) or a built wheel (.whl).
#
# Options:
#   --dry-run          print every change instead of making it (needs no root)
#   --release NAME     name of the release directory (default: the package version)
#   --wheelhouse DIR   install Python packages only from DIR (no internet needed)
#   --debs DIR         install Debian packages only from DIR (no mirror needed; see
#                      deploy/make-offline-bundle.sh, which prepares both folders)
#   --list-packages    print the Debian packages the kiosk needs, one a line, and stop
#   --start            start the kiosk now (it takes over tty1: not from a login on tty1)
#   --grub-password    lock the boot menu with a password (asked for; deploy/grub-password.sh)
#   -h, --help         show this help
#
# Layout: /opt/community-kiosk/releases/<release>/venv, with the symlinks `current` (the
# release the service runs) and `previous` (the one --rollback goes back to).
# Python packages are the exact versions in deploy/requirements.lock, each checked against its hash.
set -Eeuo pipefail
umask 022
# A failed step stops everything; say where, since `set -e` alone exits silently.
trap 'printf "ERROR: stopped at line %s (exit %s). Fix the cause and run the same command again.\n" \
  "$LINENO" "$?" >&2' ERR

# KIOSK_APP_ROOT exists for the tests only; kiosk.service runs /opt/community-kiosk/current.
readonly APP_ROOT="${KIOSK_APP_ROOT:-/opt/community-kiosk}"
readonly RELEASES="$APP_ROOT/releases"
readonly UNIT_DIR=/etc/systemd/system
readonly CONFIG_DIR=/etc/kiosk
readonly CLI_WRAPPER=/usr/local/bin/kiosk
readonly UDEV_RULE=/etc/udev/rules.d/60-kiosk-printer.rules
# The console gives nothing away: no SysRq keys, no logins on other consoles, no Ctrl+Alt+Del reboot.
# (VT switching: kiosk.service starts cage without -s, so Ctrl+Alt+F1…F12 do nothing.)
readonly CONSOLE_FILES=(
  "90-kiosk-sysrq.conf:/etc/sysctl.d/90-kiosk-sysrq.conf"
  "90-kiosk-logind.conf:/etc/systemd/logind.conf.d/90-kiosk.conf"
  "90-kiosk-system.conf:/etc/systemd/system.conf.d/90-kiosk.conf"
)
readonly GRUB_LOCK=/etc/grub.d/01_kiosk_password
readonly KIOSK_USER=kiosk
# Debian's Python, never one found first on root's PATH (pyenv, conda): the venv links to it
# and the kiosk user must be able to run it.
readonly PYTHON=/usr/bin/python3
readonly KIOSK_HOME=/var/lib/kiosk
readonly KIOSK_GROUPS=(lp dialout video input render)
readonly UNITS=(kiosk.service kiosk-nightly-restart.service kiosk-nightly-restart.timer)
readonly PACKAGES=(
  # Wayland kiosk compositor (Debian's cage will not start without Xwayland, only recommended by the package),
  # GPU drivers and the libraries Qt's Wayland plugin loads.
  cage xwayland libgl1-mesa-dri libegl1 libgl1 libwayland-cursor0 libwayland-egl1 libxkbcommon0 fontconfig
  python3-venv
  # Fonts with every Vietnamese letter (the kiosk also bundles its own).
  fonts-noto-core fonts-dejavu-core
  # Reading texts aloud.
  speech-dispatcher speech-dispatcher-espeak-ng espeak-ng
  # Printing to a CUPS queue (printer kind "system"; the CUPS server and the printer's driver are
  # installed by hand when a site needs it: docs/DEPLOY.md, "Printing through CUPS").
  cups-client
  # USB receipt printers: pyusb (installed with the kiosk) needs the libusb library.
  libusb-1.0-0
  # The time-zone database: the nightly restart timer is set in Asia/Ho_Chi_Minh.
  tzdata
  # No gnome-keyring: secrets go to kiosk.keystore.LocalFileKeyring (see kiosk.service).
)

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly SCRIPT_DIR
readonly LOCK_FILE="$SCRIPT_DIR/requirements.lock"

DRY_RUN=0
START=0
GRUB_PASSWORD=0
ROLLBACK=0
RELEASE=""
WHEELHOUSE=""
DEBS=""
SOURCE=""

say() { printf '==> %s\n' "$*"; }
warn() { printf 'WARNING: %s\n' "$*" >&2; }
die() {
  printf 'ERROR: %s\n' "$*" >&2
  exit 1
}

# Run a command that changes the system, or only print it with --dry-run.
run() {
  if ((DRY_RUN)); then
    local quoted
    printf -v quoted '%q ' "$@"
    printf '[dry-run] %s\n' "${quoted% }"
  else
    "$@"
  fi
}

usage() { sed -n '2,/^set -/{/^set -/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; }

parse_args() {
  while (($#)); do
    case "$1" in
      --dry-run) DRY_RUN=1 ;;
      --start) START=1 ;;
      --grub-password) GRUB_PASSWORD=1 ;;
      --rollback)
        ROLLBACK=1
        if (($# > 1)) && [[ "$2" != -* ]]; then
          RELEASE="$2"
          shift
        fi
        ;;
      --release)
        (($# > 1)) || die "--release needs a name"
        RELEASE="$2"
        shift
        ;;
      --wheelhouse)
        (($# > 1)) || die "--wheelhouse needs a directory"
        WHEELHOUSE="$(realpath -- "$2")"
        shift
        ;;
      --debs)
        (($# > 1)) || die "--debs needs a directory"
        DEBS="$(realpath -- "$2")"
        shift
        ;;
      --list-packages)
        printf '%s\n' "${PACKAGES[@]}"
        exit 0
        ;;
      -h | --help)
        usage
        exit 0
        ;;
      -*) die "unknown option: $1 (see --help)" ;;
      *)
        [[ -z "$SOURCE" ]] || die "only one SOURCE may be given"
        SOURCE="$1"
        ;;
    esac
    shift
  done
  if ((ROLLBACK)); then
    [[ -z "$SOURCE" ]] || die "--rollback takes a release name, not a SOURCE"
  else
    [[ -n "$SOURCE" ]] || die "no SOURCE given: a project directory or a .whl file (see --help)"
  fi
  if [[ -n "$RELEASE" && ! "$RELEASE" =~ ^[A-Za-z0-9][A-Za-z0-9._+-]*$ ]]; then
    die "release name '$RELEASE' may only hold letters, digits and . _ + -"
  fi
  if [[ -n "$WHEELHOUSE" && ! -d "$WHEELHOUSE" ]]; then
    die "wheelhouse $WHEELHOUSE is not a directory"
  fi
  if [[ -n "$DEBS" && ! -f "$DEBS/Packages" ]]; then
    die "$DEBS is not a Debian package folder with a Packages index (see deploy/make-offline-bundle.sh)"
  fi
}

check_root() {
  if ((EUID != 0)); then
    ((DRY_RUN)) || die "run as root: sudo $0 ..."
    say "not root: fine for --dry-run, nothing will be changed"
  fi
}

systemd_running() { [[ -d /run/systemd/system ]]; }

# --- packages ---------------------------------------------------------------

install_packages() {
  local missing=() pkg
  for pkg in "${PACKAGES[@]}"; do
    if [[ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)" != "install ok installed" ]]; then
      missing+=("$pkg")
    fi
  done
  if ((${#missing[@]} == 0)); then
    say "Debian packages: all installed"
    return
  fi
  say "Debian packages to install: ${missing[*]}"
  local apt=(apt-get) sources=""
  if [[ -n "$DEBS" ]]; then
    # Only the local folder, as a package source of its own: the system's sources stay as they are.
    sources="$(mktemp)"
    printf 'deb [trusted=yes] file:%s ./\n' "$DEBS" >"$sources"
    apt+=(-o "Dir::Etc::SourceList=$sources" -o "Dir::Etc::SourceParts=-" -o "APT::Get::List-Cleanup=0")
    say "Debian packages come from $DEBS only"
  fi
  run "${apt[@]}" update
  run env DEBIAN_FRONTEND=noninteractive "${apt[@]}" install -y --no-install-recommends "${missing[@]}"
  [[ -z "$sources" ]] || rm -f -- "$sources"
}

check_python() {
  if [[ ! -x "$PYTHON" ]]; then
    ((DRY_RUN)) && return
    die "$PYTHON not found (Debian package python3)"
  fi
  "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' ||
    die "the kiosk needs Python 3.11 or newer (found $("$PYTHON" -V 2>&1))"
}

# --- the kiosk user -----------------------------------------------------------

ensure_user() {
  local wanted=() group
  for group in "${KIOSK_GROUPS[@]}"; do
    if getent group "$group" >/dev/null; then
      wanted+=("$group")
    else
      warn "group $group does not exist on this system: skipped"
    fi
  done
  local joined
  joined="$(IFS=,; printf '%s' "${wanted[*]}")"
  if ! getent passwd "$KIOSK_USER" >/dev/null; then
    say "creating system user $KIOSK_USER (home $KIOSK_HOME, groups $joined)"
    run useradd --system --user-group --create-home --home-dir "$KIOSK_HOME" \
      --shell /usr/sbin/nologin --comment "Community-house kiosk" --groups "$joined" "$KIOSK_USER"
  else
    local have missing=()
    have=" $(id -nG "$KIOSK_USER") "
    for group in "${wanted[@]}"; do
      [[ "$have" == *" $group "* ]] || missing+=("$group")
    done
    if ((${#missing[@]})); then
      say "user $KIOSK_USER exists; adding groups ${missing[*]}"
      run usermod --append --groups "$(IFS=,; printf '%s' "${missing[*]}")" "$KIOSK_USER"
    else
      say "user $KIOSK_USER exists with groups $joined"
    fi
  fi
  run chmod 0750 "$KIOSK_HOME"
  # The same directories kiosk.service and the `kiosk` command name (KIOSK_DATA_DIR, KIOSK_KEYRING_DIR).
  run install -d -m 0700 -o "$KIOSK_USER" -g "$KIOSK_USER" -- "$KIOSK_HOME/data" "$KIOSK_HOME/keyring"
}

# --- releases -------------------------------------------------------------------

release_name_of() {
  local source="$1"
  if [[ -n "$RELEASE" ]]; then
    printf '%s\n' "$RELEASE"
  elif [[ -f "$source" && "$source" == *.whl ]]; then
    # Wheel file names are NAME-VERSION-...whl.
    basename -- "$source" | cut -d- -f2
  elif [[ -f "$source/kiosk/__init__.py" ]]; then
    sed -n 's/^__version__ *= *"\([^"]*\)".*/\1/p' "$source/kiosk/__init__.py" | head -n 1
  fi
}

current_release() { readlink -- "$APP_ROOT/current" 2>/dev/null || true; }

# Point LINK at TARGET in one rename(2), so the service never sees a missing link.
switch_link() {
  local link="$1" target="$2"
  run ln -sfn -- "$target" "$link.new"
  run mv -T -- "$link.new" "$link"
}

# Make releases/NAME current and remember the release it replaces as `previous`.
# Sets SWITCHED=1 when `current` changed. (Not a return status: `set -e` is off inside `if f`.)
SWITCHED=0
activate_release() {
  local name="$1" old
  old="$(current_release)"
  SWITCHED=0
  if [[ "$old" == "releases/$name" ]]; then
    say "release $name is already current"
    return
  fi
  if [[ -n "$old" ]]; then
    switch_link "$APP_ROOT/previous" "$old"
  fi
  switch_link "$APP_ROOT/current" "releases/$name"
  SWITCHED=1
  say "current release: $name${old:+ (previous: ${old#releases/})}"
}

# Keep only `current` and `previous`: each release holds a full venv (Qt alone is ~300 MB).
prune_releases() {
  local keep_current keep_previous dir
  keep_current="$(current_release)"
  keep_previous="$(readlink -- "$APP_ROOT/previous" 2>/dev/null || true)"
  for dir in "$RELEASES"/*/; do
    [[ -d "$dir" ]] || continue
    dir="releases/$(basename -- "$dir")"
    if [[ "$dir" != "$keep_current" && "$dir" != "$keep_previous" ]]; then
      say "removing the old release ${dir#releases/}"
      run rm -rf -- "${APP_ROOT:?}/$dir"
    fi
  done
}

install_release() {
  local source="$1"
  if [[ -f "$source" && "$source" == *.whl ]]; then
    :
  elif [[ -f "$source/pyproject.toml" ]]; then
    :
  else
    die "SOURCE must be a project directory with pyproject.toml or a .whl file: $source"
  fi
  source="$(realpath -- "$source")"
  local name
  name="$(release_name_of "$source")"
  [[ -n "$name" ]] || die "cannot tell the version of $source: give --release NAME"
  [[ "$name" =~ ^[A-Za-z0-9][A-Za-z0-9._+-]*$ ]] || die "bad release name '$name': give --release NAME"
  local dir="$RELEASES/$name"

  if [[ -f "$dir/.complete" ]]; then
    say "release $name is already installed in $dir (give --release NAME to install a rebuild)"
  else
    if [[ -e "$dir" ]]; then
      [[ "$(current_release)" != "releases/$name" ]] ||
        die "$dir is current but incomplete: roll back first (--rollback)"
      say "removing the unfinished release $dir"
      run rm -rf -- "$dir"
    fi
    say "installing release $name from $source into $dir"
    run mkdir -p -- "$dir"
    # The venv is built in its final place: its scripts hold absolute paths.
    run "$PYTHON" -m venv -- "$dir/venv"
    local pip_args=(--no-cache-dir --disable-pip-version-check --quiet)
    if [[ -n "$WHEELHOUSE" ]]; then
      pip_args+=(--no-index --find-links "$WHEELHOUSE")
    fi
    # First the dependencies, exactly as locked (a file whose hash differs stops the install), then
    # the kiosk itself without letting it pull anything else.
    run "$dir/venv/bin/pip" install "${pip_args[@]}" --require-hashes --only-binary=:all: -r "$LOCK_FILE"
    run "$dir/venv/bin/pip" install "${pip_args[@]}" --no-deps -- "$source"
    # This script and the guide travel with the release: rollback needs no other copy.
    run cp -R -- "$SCRIPT_DIR" "$dir/deploy"
    if [[ -f "$SCRIPT_DIR/../docs/DEPLOY.md" ]]; then
      run install -m 0644 -- "$SCRIPT_DIR/../docs/DEPLOY.md" "$dir/DEPLOY.md"
    fi
    run touch -- "$dir/.complete"
  fi

  activate_release "$name"
  if ((SWITCHED)); then
    restart_if_running
    ((DRY_RUN)) || prune_releases
  fi
}

rollback() {
  local target
  if [[ -n "$RELEASE" ]]; then
    target="releases/$RELEASE"
  else
    target="$(readlink -- "$APP_ROOT/previous" 2>/dev/null || true)"
    [[ -n "$target" ]] || die "no previous release to roll back to (installed: $(list_releases))"
  fi
  [[ -f "$APP_ROOT/$target/.complete" ]] ||
    die "release ${target#releases/} is not installed (installed: $(list_releases))"
  say "rolling back from $(current_release) to $target"
  activate_release "${target#releases/}"
  if ((SWITCHED)); then
    restart_if_running
  fi
}

list_releases() {
  local names=() dir
  for dir in "$RELEASES"/*/; do
    if [[ -f "$dir.complete" ]]; then
      names+=("$(basename -- "$dir")")
    fi
  done
  printf '%s' "${names[*]:-none}"
}

restart_if_running() {
  if systemd_running && systemctl is-active --quiet kiosk.service; then
    run systemctl restart kiosk.service
  else
    say "the kiosk is not running now: the release is used from its next start"
  fi
}

# --- systemd units, configuration, technician command ---------------------------

install_units() {
  local unit changed=0
  for unit in "${UNITS[@]}"; do
    if cmp -s -- "$SCRIPT_DIR/$unit" "$UNIT_DIR/$unit"; then
      say "unit $unit is up to date"
    else
      run install -m 0644 -o root -g root -- "$SCRIPT_DIR/$unit" "$UNIT_DIR/$unit"
      changed=1
    fi
  done
  if systemd_running && ((changed)); then
    run systemctl daemon-reload
  fi
  # enable works without a running systemd too (it only makes symlinks).
  run systemctl enable kiosk.service kiosk-nightly-restart.timer
  if [[ "$(systemctl get-default 2>/dev/null || true)" != "graphical.target" ]]; then
    run systemctl set-default graphical.target
  fi
  if systemctl is-enabled --quiet display-manager.service 2>/dev/null; then
    warn "a desktop login manager is enabled: it fights the kiosk for the screen; disable it" \
      "(systemctl disable display-manager.service)"
  fi
  if systemd_running; then
    run systemctl start kiosk-nightly-restart.timer
    if ((START)); then
      run systemctl start kiosk.service
    fi
  fi
}

install_config() {
  # Group kiosk may write here: `kiosk provision` runs as the kiosk user and records the site and
  # portal. Others may not even read it (it names the portal and the fee account).
  run install -d -m 2770 -o root -g "$KIOSK_USER" -- "$CONFIG_DIR"
  # Secrets sealed to this machine by `kiosk provision` (root); systemd opens them for kiosk.service.
  run install -d -m 0700 -o root -g root -- "$CONFIG_DIR/credentials"
  local dest="$CONFIG_DIR/kiosk.toml"
  if [[ -e "$dest" ]]; then
    say "keeping the existing $dest"
    return
  fi
  say "writing the commented example $dest"
  run install -m 0660 -o root -g "$KIOSK_USER" -- "$SCRIPT_DIR/kiosk.toml.example" "$dest"
}

install_udev_rule() {
  if [[ -e "$UDEV_RULE" ]]; then
    # A technician may have added the printer's vendor:product line: never overwrite.
    say "keeping the existing $UDEV_RULE"
    return
  fi
  run install -D -m 0644 -o root -g root -- "$SCRIPT_DIR/60-kiosk-printer.rules" "$UDEV_RULE"
  if systemd_running; then
    run udevadm control --reload
    run udevadm trigger --subsystem-match=usb --action=add
  fi
}

install_cli_wrapper() {
  if cmp -s -- "$SCRIPT_DIR/kiosk-cli.sh" "$CLI_WRAPPER"; then
    say "technician command $CLI_WRAPPER is up to date"
  else
    run install -m 0755 -o root -g root -- "$SCRIPT_DIR/kiosk-cli.sh" "$CLI_WRAPPER"
  fi
}

lock_console() {
  local entry source target changed=0
  for entry in "${CONSOLE_FILES[@]}"; do
    source="$SCRIPT_DIR/${entry%%:*}"
    target="${entry#*:}"
    if cmp -s -- "$source" "$target"; then
      say "$target is up to date"
    else
      run install -D -m 0644 -o root -g root -- "$source" "$target"
      changed=1
    fi
  done
  if ((changed)) && systemd_running; then
    run sysctl -q -p /etc/sysctl.d/90-kiosk-sysrq.conf
    say "no logins on other consoles from the next boot on"
  fi
  run systemctl mask ctrl-alt-del.target
  if ((GRUB_PASSWORD)); then
    run bash "$SCRIPT_DIR/grub-password.sh"
  elif [[ ! -e "$GRUB_LOCK" ]]; then
    warn "the boot menu is not locked: anyone at the keyboard can edit it and get a root shell." \
      "Run: sudo bash deploy/grub-password.sh"
  fi
}

next_steps() {
  cat <<EOF

Done. Next steps (docs/DEPLOY.md has the details):
  1. Provision this kiosk (it asks for the client secret and the PINs, shown nowhere):
       sudo kiosk provision --site SITE --portal URL --client-id ID
  2. Check the printer, scanner, network, portal and secrets:
       sudo kiosk doctor
  3. Start the kiosk (or reboot):   sudo systemctl start kiosk
     Logs:                          journalctl -u kiosk -b
     Roll back:                     sudo $APP_ROOT/current/deploy/install.sh --rollback
EOF
}

main() {
  parse_args "$@"
  check_root
  ((DRY_RUN)) && say "dry run: printing the changes, making none"
  if ((ROLLBACK)); then
    rollback
    return
  fi
  install_packages
  check_python
  ensure_user
  run install -d -m 0755 -o root -g root -- "$APP_ROOT" "$RELEASES"
  install_release "$SOURCE"
  install_config
  install_udev_rule
  install_cli_wrapper
  install_units
  lock_console
  next_steps
}

main "$@"
