"""Staff and technician PINs without the screen: the PIN rules, the hashes in the keyring, the lockout across
restarts, and the printers a technician may choose (`kiosk.security.staff_auth`)."""

from __future__ import annotations

import base64
import hashlib
import json
import os
from pathlib import Path

import keyring
import pytest

from kiosk.files import paths
from kiosk.security import keyfile, secrets
from kiosk.security.staff_auth import (
    LOCKOUT_STEPS,
    MAX_FAILURES,
    Lockout,
    PinError,
    StaffAuth,
    check_new_pin,
    check_pin,
    hash_pin,
    lockout_seconds,
    printer_target_refusal,
    valid_pin_shape,
)
from kiosk.workdays.clock import ManualClock

STAFF_PIN, TECH_PIN = "482916", "73051842"


def stored(name: str) -> str | None:
    return keyring.get_password(secrets.SERVICE, name)


def scrypt_hash(pin: str, salt: bytes, n: int, r: int, p: int, prefix: str = "scrypt") -> str:
    """A hash in the stored form, computed here with hashlib itself (as another install would have)."""
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=n, r=r, p=p, dklen=32, maxmem=2**27)
    return f"{prefix}${n}${r}${p}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def write_state(auth: StaffAuth, failures: object, locked_until: object) -> None:
    auth.state_path.write_text(json.dumps({"failures": failures, "locked_until": locked_until}))


# --- hashes in the keyring ---------------------------------------------------------------------------------


def test_pins_are_stored_as_salted_scrypt_hashes_never_in_clear() -> None:
    auth = StaffAuth(ManualClock())
    auth.set_pin("staff", STAFF_PIN)
    auth.set_pin("technician", TECH_PIN)
    staff = stored(secrets.STAFF_PIN_HASH)
    tech = stored(secrets.TECH_PIN_HASH)
    assert staff is not None and staff.startswith("scrypt$") and STAFF_PIN not in staff
    assert tech is not None and tech.startswith("scrypt$") and TECH_PIN not in tech
    again = StaffAuth(ManualClock())
    again.set_pin("staff", STAFF_PIN)
    assert stored(secrets.STAFF_PIN_HASH) != staff  # a fresh salt each time
    assert auth.verify(STAFF_PIN) == "staff"
    assert auth.verify(TECH_PIN) == "technician"
    assert auth.verify("000000") is None


def test_the_stored_hash_is_scrypt_of_the_pin_with_a_16_byte_salt_and_the_documented_cost() -> None:
    StaffAuth(ManualClock()).set_pin("staff", STAFF_PIN)
    value = stored(secrets.STAFF_PIN_HASH)
    assert value is not None
    name, n, r, p, salt, digest = value.split("$")
    assert (name, n, r, p) == ("scrypt", "16384", "8", "1")
    assert len(base64.b64decode(salt)) == 16
    assert base64.b64decode(digest) == hashlib.scrypt(STAFF_PIN.encode(), salt=base64.b64decode(salt),
                                                      n=16384, r=8, p=1, dklen=32)
    assert hash_pin(STAFF_PIN, salt=b"s" * 16) == hash_pin(STAFF_PIN, salt=b"s" * 16)  # a given salt is used
    assert hash_pin(STAFF_PIN, salt=b"s" * 16).split("$")[4] == base64.b64encode(b"s" * 16).decode()


def test_a_hash_written_elsewhere_with_other_usable_costs_is_accepted() -> None:
    salt = os.urandom(16)
    # 32768 × 8: a check that needs 32 MiB and a little more, above what OpenSSL allows unless told otherwise
    for n, r, p in ((2, 1, 1), (4, 32, 4), (1024, 8, 2), (32768, 8, 1)):
        assert check_pin(STAFF_PIN, scrypt_hash(STAFF_PIN, salt, n, r, p))
        assert not check_pin("482917", scrypt_hash(STAFF_PIN, salt, n, r, p))


@pytest.mark.parametrize("tampered", [
    scrypt_hash(STAFF_PIN, b"salt" * 4, 16, 1, 1, prefix="bcrypt"),
    scrypt_hash(STAFF_PIN, b"salt" * 4, 16, 33, 1),  # too costly a block
    scrypt_hash(STAFF_PIN, b"salt" * 4, 16, 1, 5),  # too many lanes
    scrypt_hash(STAFF_PIN, b"", 16, 1, 1),  # no salt
    scrypt_hash(STAFF_PIN, b"salt" * 4, 16, 1, 1) + "$",
    scrypt_hash(STAFF_PIN, b"salt" * 4, 16, 1, 1).replace("scrypt$", "", 1),
    scrypt_hash(STAFF_PIN, b"salt" * 4, 16, 1, 1).replace("$16$", "$sixteen$"),
    scrypt_hash(STAFF_PIN, b"salt" * 4, 16, 1, 1).replace("$c2Fsd", "$!c2Fsd"),  # a stray character in the salt
    scrypt_hash(STAFF_PIN, b"salt" * 4, 16, 1, 1) + "!",  # ... and in the hash
    "scrypt$16$1$1$c2FsdHNhbHQ=$",  # no hash
    "scrypt$1048576$1$1$c2FsdHNhbHQ=$" + "A" * 44,  # a check that would take far too much memory
    "scrypt$131072$8$1$c2FsdHNhbHQ=$" + "A" * 44,  # 128 MiB: more than a check may take
])
def test_a_tampered_hash_is_refused_rather_than_checked(tampered: str) -> None:
    with pytest.raises(ValueError):
        check_pin(STAFF_PIN, tampered)


def test_a_corrupted_hash_of_one_role_still_lets_the_other_in() -> None:
    auth = StaffAuth(ManualClock())
    auth.set_pin("technician", TECH_PIN)
    keyring.set_password(secrets.SERVICE, secrets.STAFF_PIN_HASH, "scrypt$broken")
    assert auth.verify(TECH_PIN) == "technician"
    assert auth.verify(STAFF_PIN) is None
    assert auth.failures() == 1


def test_the_technician_pin_wins_when_both_roles_have_the_same_hash() -> None:
    hashed = hash_pin(TECH_PIN)  # as an old install could have stored them
    keyring.set_password(secrets.SERVICE, secrets.STAFF_PIN_HASH, hashed)
    keyring.set_password(secrets.SERVICE, secrets.TECH_PIN_HASH, hashed)
    assert StaffAuth(ManualClock()).verify(TECH_PIN) == "technician"


# --- the PIN rules -----------------------------------------------------------------------------------------


def test_pin_shape_and_distinct_roles_are_enforced() -> None:
    auth = StaffAuth(ManualClock())
    for bad in ("12", "4829", "48291", "1234567890123", "12a456", "１２３４５６", "٤٨٢٩١٦"):
        with pytest.raises(PinError, match=r"^a PIN is 6 to 12 digits$"):
            auth.set_pin("staff", bad)
        assert not valid_pin_shape(bad)
    for good in ("739184", "739184052613"):
        assert valid_pin_shape(good)
    auth.set_pin("technician", "739184")
    with pytest.raises(PinError, match=r"^the staff PIN must differ from the technician PIN$"):
        auth.set_pin("staff", "739184")
    auth.set_pin("staff", STAFF_PIN)
    with pytest.raises(PinError, match=r"^the technician PIN must differ from the staff PIN$"):
        auth.set_pin("technician", STAFF_PIN)
    assert auth.verify("739184") == "technician"


def test_only_the_two_roles_have_a_pin() -> None:
    with pytest.raises(PinError, match="unknown role 'admin'"):
        StaffAuth(ManualClock()).set_pin("admin", STAFF_PIN)  # type: ignore[arg-type]
    assert not StaffAuth(ManualClock()).provisioned()


@pytest.mark.parametrize(("weak", "reason"), [
    ("000000", "one digit repeated"),
    ("111111", "one digit repeated"),
    ("999999999", "one digit repeated"),
    ("123456", "a run of consecutive digits"),
    ("654321", "a run of consecutive digits"),
    ("234567", "a run of consecutive digits"),
    ("890123", "a run of consecutive digits"),  # round past 9
    ("321098", "a run of consecutive digits"),
    ("121212", "a short pattern repeated"),
    ("123123", "a short pattern repeated"),
    ("987987", "a short pattern repeated"),
    ("10101010", "a short pattern repeated"),
    ("112233", "a commonly used PIN"),
    ("159753", "a commonly used PIN"),
    ("357951", "a commonly used PIN"),  # 159753 backwards
    ("696969", "a short pattern repeated"),
    ("110100", "only two different digits"),
    ("1212121", "only two different digits"),
])
def test_easily_guessed_pins_are_refused_with_the_reason(weak: str, reason: str) -> None:
    expected = f"this PIN is too easy to guess ({reason}); choose 6 or more digits without a pattern"
    with pytest.raises(PinError) as refused:
        StaffAuth(ManualClock()).set_pin("staff", weak)
    assert str(refused.value) == expected
    assert stored(secrets.STAFF_PIN_HASH) is None


@pytest.mark.parametrize("fine", ["482248", "12341234", "135792", "739184", "246813579"])
def test_pins_without_a_pattern_may_be_set(fine: str) -> None:
    check_new_pin(fine)


def test_provisioned_means_at_least_one_pin_is_stored() -> None:
    assert not StaffAuth(ManualClock()).provisioned()
    StaffAuth(ManualClock()).set_pin("technician", TECH_PIN)
    assert StaffAuth(ManualClock()).provisioned()
    keyring.delete_password(secrets.SERVICE, secrets.TECH_PIN_HASH)
    StaffAuth(ManualClock()).set_pin("staff", STAFF_PIN)
    assert StaffAuth(ManualClock()).provisioned()


# --- the lockout -------------------------------------------------------------------------------------------


def test_nothing_provisioned_accepts_no_pin_and_counts_nothing() -> None:
    auth = StaffAuth(ManualClock())
    assert not auth.provisioned()
    for _ in range(MAX_FAILURES + 2):
        assert auth.verify("1234") is None
    assert auth.failures() == 0 and auth.locked_for() == 0


def test_a_staff_pin_alone_is_enough() -> None:
    auth = StaffAuth(ManualClock())
    auth.set_pin("staff", STAFF_PIN)
    assert auth.verify(STAFF_PIN) == "staff"
    assert auth.verify(TECH_PIN) is None


def test_the_lockout_steps() -> None:
    assert [lockout_seconds(n) for n in range(12)] == [0, 0, 0, 0, 0, 60, 300, 1800, 7200, 7200, 7200, 7200]
    assert lockout_seconds(1000) == 7200


def test_a_fresh_kiosk_is_open_with_five_tries() -> None:
    auth = StaffAuth(ManualClock())
    assert auth.lockout() == Lockout(0, 0.0)
    assert auth.tries_left() == MAX_FAILURES == 5
    assert auth.locked_for() == 0


def test_five_wrong_pins_lock_for_a_minute_across_a_restart() -> None:
    clock = ManualClock()
    auth = StaffAuth(clock)
    auth.set_pin("staff", STAFF_PIN)
    for n in range(1, MAX_FAILURES):
        assert auth.verify("111111") is None
        assert auth.failures() == n
        assert auth.tries_left() == MAX_FAILURES - n
        assert auth.lockout() == Lockout(n, 0.0)
    assert auth.verify("222222") is None
    assert auth.locked_for() == pytest.approx(60)
    assert auth.tries_left() == 1

    restarted = StaffAuth(clock)  # a new process: only the state file remains
    assert restarted.locked_for() == pytest.approx(60)
    assert restarted.verify(STAFF_PIN) is None  # even the right PIN waits
    assert restarted.failures() == MAX_FAILURES  # and a PIN typed while locked does not count
    clock.advance(59.5)
    assert StaffAuth(clock).locked_for() == pytest.approx(0.5)
    assert StaffAuth(clock).verify(STAFF_PIN) is None
    clock.advance(1)
    fresh = StaffAuth(clock)
    assert fresh.locked_for() == 0
    assert fresh.verify(STAFF_PIN) == "staff"
    assert fresh.failures() == 0
    assert fresh.lockout() == Lockout(0, 0.0)


def test_brute_force_meets_a_growing_lockout_that_a_restart_does_not_reset() -> None:
    clock = ManualClock()
    StaffAuth(clock).set_pin("staff", STAFF_PIN)
    lockouts: list[float] = []
    guess = 100000
    for _ in range(MAX_FAILURES + 6):
        auth = StaffAuth(clock)  # every guess in a freshly restarted kiosk
        if auth.locked_for() > 0:
            assert auth.verify(STAFF_PIN) is None  # not even checked while locked
            clock.advance(auth.locked_for() + 1)
            auth = StaffAuth(clock)
        guess += 7919
        assert auth.verify(str(guess)) is None
        if auth.locked_for() > 0:
            lockouts.append(auth.locked_for())
    assert lockouts == pytest.approx([60, 300, 1800, 7200, 7200, 7200, 7200])
    assert StaffAuth(clock).failures() == MAX_FAILURES + 6  # the count never went back to zero
    assert StaffAuth(clock).tries_left() == 1


def test_success_clears_the_count_of_wrong_pins() -> None:
    auth = StaffAuth(ManualClock())
    auth.set_pin("staff", STAFF_PIN)
    for _ in range(MAX_FAILURES - 1):
        auth.verify("000000")
    assert auth.verify(STAFF_PIN) == "staff"
    assert auth.tries_left() == MAX_FAILURES
    for _ in range(MAX_FAILURES - 1):
        auth.verify("000000")
    assert auth.locked_for() == 0


def test_the_lockout_lives_in_the_state_directory() -> None:
    auth = StaffAuth(ManualClock())
    auth.set_pin("staff", STAFF_PIN)
    auth.verify("000000")
    assert auth.state_path == paths.state_dir() / "staff-entry.json"
    assert STAFF_PIN not in auth.state_path.read_text() and "000000" not in auth.state_path.read_text()
    assert StaffAuth(ManualClock(), state_path=Path("elsewhere.json")).state_path == Path("elsewhere.json")


def test_a_clock_set_back_cannot_stretch_the_lockout() -> None:
    clock = ManualClock()
    auth = StaffAuth(clock)
    auth.set_pin("staff", STAFF_PIN)
    write_state(auth, 0, clock.now().timestamp() + 10 * 86400)
    assert StaffAuth(clock).locked_for() == pytest.approx(LOCKOUT_STEPS[0])
    write_state(auth, MAX_FAILURES + 2, clock.now().timestamp() + 10 * 86400)
    assert StaffAuth(clock).locked_for() == pytest.approx(lockout_seconds(MAX_FAILURES + 2))
    clock.advance(lockout_seconds(MAX_FAILURES + 2) + 1)  # the clock set right: the step is over
    assert StaffAuth(clock).locked_for() == 0
    assert StaffAuth(clock).verify(STAFF_PIN) == "staff"


@pytest.mark.parametrize("content", [
    "{not json", "[1, 2]", '{"failures": 1}', '{"locked_until": 0}', '{"failures": "many", "locked_until": 0}',
    '{"failures": [1], "locked_until": 0}', '{"failures": -3, "locked_until": 0}',
    '{"failures": 0, "locked_until": -5}',
])
def test_a_corrupted_lockout_file_locks_rather_than_opens(content: str) -> None:
    clock = ManualClock()
    auth = StaffAuth(clock)
    auth.set_pin("staff", STAFF_PIN)
    (paths.state_dir() / "staff-entry.json").write_text(content)
    assert StaffAuth(clock).locked_for() == pytest.approx(lockout_seconds(MAX_FAILURES + 1))
    clock.advance(100)
    assert StaffAuth(clock).locked_for() == pytest.approx(lockout_seconds(MAX_FAILURES + 1) - 100)  # kept
    assert StaffAuth(clock).tries_left() == 1
    clock.advance(lockout_seconds(MAX_FAILURES + 1))
    assert StaffAuth(clock).verify(STAFF_PIN) == "staff"


def test_a_lockout_file_that_is_not_a_file_locks() -> None:
    clock = ManualClock()
    auth = StaffAuth(clock, state_path=paths.state_dir())  # a folder: reading it fails, and so does writing
    assert auth.locked_for() == pytest.approx(lockout_seconds(MAX_FAILURES + 1))


def test_a_readable_lockout_file_is_believed() -> None:
    clock = ManualClock()
    auth = StaffAuth(clock)
    auth.set_pin("staff", STAFF_PIN)
    write_state(auth, 2, 0)
    assert StaffAuth(clock).tries_left() == MAX_FAILURES - 2 and StaffAuth(clock).locked_for() == 0
    write_state(auth, MAX_FAILURES, clock.now().timestamp() + 30)
    assert StaffAuth(clock).locked_for() == pytest.approx(30)


def test_pins_are_checked_and_counted_when_the_lockout_cannot_be_saved(tmp_path: Path) -> None:
    clock = ManualClock()
    StaffAuth(clock).set_pin("staff", STAFF_PIN)
    # The temporary file beside this name would be longer than any file name may be: every write fails,
    # as on a full disk, while reading still works.
    unwritable = tmp_path / ("s" * 250)
    auth = StaffAuth(clock, state_path=unwritable)
    for _ in range(MAX_FAILURES):
        assert auth.verify("000001") is None  # no exception
    assert not unwritable.exists()
    assert auth.locked_for() == pytest.approx(LOCKOUT_STEPS[0])  # fail closed: the lockout holds in memory
    assert auth.verify(STAFF_PIN) is None
    clock.advance(LOCKOUT_STEPS[0] + 1)
    assert auth.verify(STAFF_PIN) == "staff"  # and staff still get in


def test_the_lockout_kept_in_memory_goes_to_the_file_once_the_disk_takes_it(tmp_path: Path) -> None:
    clock = ManualClock()
    StaffAuth(clock).set_pin("staff", STAFF_PIN)
    state = tmp_path / "state" / "staff-entry.json"
    state.parent.symlink_to(tmp_path / "gone")  # a folder that is not there and cannot be made: no file yet,
    # and nothing can be written
    auth = StaffAuth(clock, state_path=state)
    for _ in range(MAX_FAILURES - 1):
        auth.verify("000001")
    assert auth.tries_left() == 1
    (tmp_path / "gone").mkdir()  # the disk takes files again
    auth.verify("000002")
    assert StaffAuth(clock, state_path=state).locked_for() == pytest.approx(LOCKOUT_STEPS[0])
    clock.advance(LOCKOUT_STEPS[0] + 1)
    assert auth.verify(STAFF_PIN) == "staff"
    assert StaffAuth(clock, state_path=state).tries_left() == MAX_FAILURES
    assert auth.tries_left() == MAX_FAILURES


# --- the printers a technician may choose ------------------------------------------------------------------

LAN = "a network printer listens on a port from 9100 to 9109"
NOT_IP = "give the printer's IP address on the local network (e.g. 192.168.1.50:9100)"


@pytest.mark.parametrize(("kind", "address", "refusal"), [
    ("none", "", None),
    ("none", "whatever", None),
    ("system", "", None),
    ("pdf", "  ", None),
    ("system", "Office_Printer-1.2", None),
    ("system", "two words", "give the name of a CUPS print queue"),
    ("usb", "", "a usb printer needs an address"),
    ("network", " ", "a network printer needs an address"),
    ("usb", "0416:5011", None),
    ("usb", "0416-5011", "give the USB printer as vendor:product (e.g. 0416:5011)"),
    ("serial", "/dev/ttyUSB0@9600", None),
    ("serial", "/etc/passwd", "give a serial port such as /dev/ttyUSB0@9600"),
    ("network", " 192.168.1.50:9100 ", None),
    ("network", "192.168.1.50", None),
    ("network", "10.0.0.7:9109", None),
    ("network", "[fd00::5]", None),
    ("network", "[fd00::5]:9101", None),
    ("network", "192.168.1.50:9099", LAN),
    ("network", "192.168.1.50:9110", LAN),
    ("network", "192.168.1.50:22", LAN),
    ("network", "192.168.1.50:", LAN),
    ("network", "192.168.1.50:abc", LAN),
    ("network", "printer.example.com:9100", NOT_IP),
    ("network", "X10.0.0.5X:9100", NOT_IP),
    ("network", "8.8.8.8:9100", "8.8.8.8 is not a printer on the local network"),
    ("network", "127.0.0.1:9100", "127.0.0.1 is not a printer on the local network"),
    ("network", "0.0.0.0:9100", "0.0.0.0 is not a printer on the local network"),
    ("network", "169.254.10.20:9100", "169.254.10.20 is not a printer on the local network"),
    ("network", "[::1]:9100", "::1 is not a printer on the local network"),
    ("file", "/dev/usb/lp0", None),
    ("pdf", "/dev/usb/lp0", "WRITES_ONLY_UNDER"),
    ("file", "/etc/kiosk/kiosk.toml", "WRITES_ONLY_UNDER"),
    ("pdf", "DATA/outbox.sqlite", "WRITES_ONLY_UNDER"),
    ("file", "DATA/printer-other/x.bin", "WRITES_ONLY_UNDER"),
    ("file", "DATA/printer/dry-run.bin", None),
    ("pdf", "DATA/printer/sub/receipts.pdf", None),
    ("file", "DATA/printer", None),
    ("file", "DATA/printer/../outbox.sqlite", "WRITES_ONLY_UNDER"),
    ("file", "SECRETS", "not the secrets file"),
    ("file", "KEYRING", "not the secrets file"),
    ("pdf", "KEYRING/other.pdf", "not the secrets file"),
    ("laser", "192.168.1.50", "unknown printer kind 'laser'"),
])
def test_the_printers_a_technician_may_choose(kind: str, address: str, refusal: str | None) -> None:
    data = paths.data_dir()
    address = (address.replace("DATA", str(data)).replace("SECRETS", str(keyfile.path()))
               .replace("KEYRING", str(keyfile.path().parent)))
    if refusal == "WRITES_ONLY_UNDER":
        refusal = f"a {kind} printer writes only under {(data / 'printer').resolve()} (or to /dev/usb/lp0)"
    assert printer_target_refusal(kind, address) == refusal
