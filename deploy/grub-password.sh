#!/usr/bin/env bash
# Lock the boot menu of a kiosk (GRUB) with the technicians' password. See docs/DEPLOY.md.
#
#   sudo bash deploy/grub-password.sh      asks for the new password twice (not shown)
#
# Booting the usual entries still needs no password. Editing an entry (the `e` key: with it anyone at
# the keyboard could start a root shell instead of the kiosk) and the GRUB command line need the user
# name `technician` and this password. The recovery entries are removed. Run it again to change it.
set -Eeuo pipefail
umask 077
trap 'printf "ERROR: stopped at line %s (exit %s).\n" "$LINENO" "$?" >&2' ERR

# KIOSK_GRUB_ETC exists for the tests only; on a kiosk this is /etc.
readonly ETC="${KIOSK_GRUB_ETC:-/etc}"
readonly USERS_FILE="$ETC/grub.d/01_kiosk_password"
readonly LINUX_FILE="$ETC/grub.d/10_linux"
readonly DEFAULTS_FILE="$ETC/default/grub.d/90-kiosk.cfg"
readonly SUPERUSER=technician
readonly MIN_LENGTH=12
# Debian's and Ubuntu's 10_linux give every menu entry these classes; --unrestricted lets anyone boot it.
readonly CLASS_LINE='CLASS="--class gnu-linux --class gnu --class os"'

die() {
  printf 'ERROR: %s\n' "$*" >&2
  exit 1
}

if ((EUID != 0)) && [[ "$ETC" == /etc ]]; then
  die "run as root: sudo bash $0"
fi
command -v grub-mkpasswd-pbkdf2 >/dev/null ||
  die "grub-mkpasswd-pbkdf2 not found: this machine does not boot with GRUB (Debian package grub-common)"
[[ -f "$LINUX_FILE" ]] || die "$LINUX_FILE not found: this machine does not boot with GRUB"

password=""
if [[ -t 0 ]]; then
  read -rs -p "New boot menu password for user '$SUPERUSER' (at least $MIN_LENGTH characters, not shown): " password
  echo >&2
  read -rs -p "Boot menu password again: " again
  echo >&2
  [[ "$password" == "$again" ]] || die "the two passwords differ; nothing was changed"
  unset again
else
  IFS= read -r password || true
fi
((${#password} >= MIN_LENGTH)) || die "the password needs at least $MIN_LENGTH characters; nothing was changed"

hash="$(printf '%s\n%s\n' "$password" "$password" | LC_ALL=C grub-mkpasswd-pbkdf2 |
  sed -n 's/^.* is \(grub\.pbkdf2\.[0-9A-Za-z.]*\)$/\1/p')"
unset password
[[ "$hash" == grub.pbkdf2.sha512.* ]] || die "grub-mkpasswd-pbkdf2 gave no password hash; nothing was changed"

if ! grep -q -- '--unrestricted' "$LINUX_FILE"; then
  grep -qxF -- "$CLASS_LINE" "$LINUX_FILE" ||
    die "$LINUX_FILE has no line $CLASS_LINE: add --unrestricted to its menu entries by hand"
  # /etc/grub.d files are configuration files: package updates keep this change.
  sed -i "s/^${CLASS_LINE%\"}\"\$/${CLASS_LINE%\"} --unrestricted\"/" "$LINUX_FILE"
fi

mkdir -p -- "$(dirname -- "$USERS_FILE")" "$(dirname -- "$DEFAULTS_FILE")"
cat >"$USERS_FILE.new" <<EOF
#!/bin/sh
# Written by deploy/grub-password.sh (community-house kiosk): only '$SUPERUSER' may edit boot entries
# or use the GRUB command line. Readable by root only: it holds the password's hash.
cat <<'GRUB'
set superusers="$SUPERUSER"
password_pbkdf2 $SUPERUSER $hash
GRUB
EOF
chmod 0700 -- "$USERS_FILE.new"
mv -f -- "$USERS_FILE.new" "$USERS_FILE"
cat >"$DEFAULTS_FILE" <<'EOF'
# Community-house kiosk (deploy/grub-password.sh): no recovery entries, which would boot without a password.
GRUB_DISABLE_RECOVERY=true
EOF
chmod 0644 -- "$DEFAULTS_FILE"

if [[ "$ETC" == /etc ]]; then
  update-grub
fi
printf '==> boot menu locked: editing it needs the user %s and the new password\n' "$SUPERUSER"
