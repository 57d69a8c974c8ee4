"""Run a command inside the sandbox deploy/kiosk.service asks systemd for, without systemd.

The development and CI machines run no systemd, so the unit cannot be started there. This launcher builds
the same walls from the unit's own settings, with the kernel features systemd uses for them:

- ProtectSystem=strict + ReadWritePaths=: every mount read-only (bind remount) except /dev, /proc, /sys
  and the writable paths given (`--rw`), in a private mount namespace (run it under `unshare -m`);
- PrivateTmp=: an empty /tmp and /var/tmp of its own (so the writable paths must lie elsewhere);
- InaccessiblePaths=: an empty folder nobody may enter mounted over each (except one holding the Python
  that runs the command, as under /root on some build machines);
- User= + CapabilityBoundingSet= (empty) + NoNewPrivileges=: an unprivileged user (`--uid`), every
  capability dropped from the bounding set (so even uid 0 holds none after execve), no_new_privs set;
- SystemCallFilter= + SystemCallErrorNumber=EPERM: a seccomp filter (libseccomp) allowing exactly the
  groups `systemd-analyze syscall-filter` expands the unit's lines to, others failing with EPERM;
- RestrictAddressFamilies=: socket() allowed for the unit's families only, others failing with
  EAFNOSUPPORT, as systemd does.

Usage (as root): unshare -m python -m tests.service_sandbox --unit deploy/kiosk.service --uid 65534
    --rw DIR [--rw DIR ...] -- COMMAND ...
"""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import errno
import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

API_FILESYSTEMS = ("/dev", "/proc", "/sys")
PR_CAPBSET_DROP = 24
SCMP_ACT_ALLOW = 0x7FFF0000
SCMP_CMP_EQ = 4


def scmp_act_errno(number: int) -> int:
    return 0x00050000 | (number & 0xFFFF)


class ArgCmp(ctypes.Structure):
    _fields_ = [("arg", ctypes.c_uint), ("op", ctypes.c_int), ("datum_a", ctypes.c_uint64),
                ("datum_b", ctypes.c_uint64)]


def unit_values(unit: Path, key: str) -> list[str]:
    values = []
    for line in unit.read_text(encoding="utf-8").splitlines():
        name, sep, value = line.strip().partition("=")
        if sep and name == key:
            values.append(value.strip())
    return values


def syscall_groups() -> dict[str, list[str]]:
    """Every group `systemd-analyze syscall-filter` knows, with its members (system calls and groups)."""
    text = subprocess.run(["systemd-analyze", "syscall-filter", "--no-pager"], capture_output=True, text=True,
                          check=True, timeout=60).stdout
    groups: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines():
        if line.startswith("@"):
            current = groups.setdefault(line.split()[0], [])
        elif line.startswith(" ") and current is not None:
            item = line.strip()
            if item and not item.startswith("#"):
                current.append(item)
        else:
            current = None
    return groups


def expand(names: list[str], groups: dict[str, list[str]]) -> set[str]:
    found: set[str] = set()
    for name in names:
        found |= expand(groups[name], groups) if name.startswith("@") else {name}
    return found


def allowed_syscalls(unit: Path) -> set[str]:
    """The unit's SystemCallFilter= lines, applied in order as systemd does (an allow list, then `~` removals)."""
    groups = syscall_groups()
    allowed: set[str] = set()
    for value in unit_values(unit, "SystemCallFilter"):
        if value.startswith("~"):
            allowed -= expand(value[1:].split(), groups)
        else:
            allowed |= expand(value.split(), groups)
    return allowed


def _private_tmp(folder: Path, stage: Path) -> None:
    """An empty tmpfs over `folder`, as PrivateTmp= gives. Where the program under test itself lives below
    `folder` (a clone of the project under /tmp; an installed kiosk lives under /opt), that folder is carried
    into the new tmpfs, read-only: a real unit's program is never in /tmp."""
    subprocess.run(["mount", "-n", "-t", "tmpfs", "-o", "mode=1777,nosuid,nodev", "tmpfs", str(stage)], check=True)
    program = Path.cwd().resolve()
    if program.is_relative_to(folder):
        inside = stage / program.relative_to(folder)
        inside.mkdir(parents=True)
        subprocess.run(["mount", "-n", "--bind", str(program), str(inside)], check=True)
        subprocess.run(["mount", "-n", "-o", "remount,bind,ro", str(inside)], check=True)
    subprocess.run(["mount", "-n", "--move", str(stage), str(folder)], check=True)


def protect_system(writable: list[str], private_tmp: bool, hidden: list[str]) -> None:
    subprocess.run(["mount", "--make-rprivate", "/"], check=True)
    # Where the private /tmp is assembled before it moves into place: in the test's own writable folder.
    stage = Path(tempfile.mkdtemp(prefix="private-tmp-", dir=writable[0] if writable else "/run"))
    for path in writable:
        subprocess.run(["mount", "--bind", path, path], check=True)
    keep = [*API_FILESYSTEMS, *writable]
    mount_points = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        point = line.split()[4].encode().decode("unicode_escape")
        if not any(point == k or point.startswith(k.rstrip("/") + "/") for k in keep):
            mount_points.append(point)
    for point in mount_points:
        done = subprocess.run(["mount", "-o", "remount,bind,ro", point], capture_output=True, check=False)
        if done.returncode != 0 and point == "/":
            raise SystemExit(f"cannot make / read-only: {done.stderr.decode().strip()}")
    if private_tmp:
        for folder in ("/tmp", "/var/tmp"):
            _private_tmp(Path(folder), stage)
    python = Path(sys.executable).resolve()
    for folder in hidden:
        if Path(folder).is_dir() and not python.is_relative_to(folder):
            subprocess.run(["mount", "-t", "tmpfs", "-o", "mode=000,ro,nosuid,nodev,noexec", "tmpfs", folder],
                           check=True)


def drop_privileges(uid: int) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    last_cap = int(Path("/proc/sys/kernel/cap_last_cap").read_text())
    for cap in range(last_cap + 1):
        if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), f"cannot drop capability {cap}")
    if uid == 0:  # root with an empty bounding set holds no capability after execve
        return
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)


def load_seccomp(allowed: set[str], families: list[str]) -> None:
    path = ctypes.util.find_library("seccomp")
    if path is None:
        raise SystemExit("libseccomp is not installed")
    lib = ctypes.CDLL(path)
    lib.seccomp_init.restype = ctypes.c_void_p
    lib.seccomp_init.argtypes = [ctypes.c_uint32]
    lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
    lib.seccomp_rule_add_array.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int, ctypes.c_uint,
                                           ctypes.POINTER(ArgCmp)]
    lib.seccomp_load.argtypes = [ctypes.c_void_p]
    context = lib.seccomp_init(scmp_act_errno(errno.EPERM))
    if not context:
        raise SystemExit("seccomp_init failed")
    for name in sorted(allowed - {"socket"}):
        number = lib.seccomp_syscall_resolve_name(name.encode())
        if number >= 0 and lib.seccomp_rule_add_array(context, SCMP_ACT_ALLOW, number, 0, None) != 0:
            raise SystemExit(f"cannot allow {name}")
    if "socket" in allowed:
        number = lib.seccomp_syscall_resolve_name(b"socket")
        for family in families:
            compare = ArgCmp(0, SCMP_CMP_EQ, int(getattr(socket, family)), 0)
            if lib.seccomp_rule_add_array(context, SCMP_ACT_ALLOW, number, 1, ctypes.byref(compare)) != 0:
                raise SystemExit(f"cannot allow socket({family})")
        # Any other family: EAFNOSUPPORT, as RestrictAddressFamilies= answers. (The default answer, EPERM,
        # applies to the calls that are not allowed at all.)
        for family_no in range(1, 46):
            known = next((f for f in families if int(getattr(socket, f)) == family_no), None)
            if known is None:
                compare = ArgCmp(0, SCMP_CMP_EQ, family_no, 0)
                lib.seccomp_rule_add_array(context, scmp_act_errno(errno.EAFNOSUPPORT), number, 1,
                                           ctypes.byref(compare))
    if lib.seccomp_load(context) != 0:
        raise SystemExit("seccomp_load failed")


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--unit", type=Path, required=True)
    parser.add_argument("--uid", type=int, required=True)
    parser.add_argument("--rw", action="append", default=[])
    parser.add_argument("command", nargs="+")
    args = parser.parse_args(argv)
    allowed = allowed_syscalls(args.unit)
    families = " ".join(unit_values(args.unit, "RestrictAddressFamilies")).split()
    hidden = [path.lstrip("-") for value in unit_values(args.unit, "InaccessiblePaths") for path in value.split()]
    protect_system([str(Path(p).resolve()) for p in args.rw], unit_values(args.unit, "PrivateTmp") == ["yes"],
                   hidden)
    drop_privileges(args.uid)
    load_seccomp(allowed, families)
    os.execvp(args.command[0], args.command)


if __name__ == "__main__":
    main(sys.argv[1:])
