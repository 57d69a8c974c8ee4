"""Mutation testing of the core modules with mutmut (`make mutation`; docs/TESTING.md).

    python -m tests.mutation                  # every core module
    python -m tests.mutation journey.machine payment.fees  # some of them
    python -m tests.mutation --report         # only the report of what the last runs found

mutmut's settings are in pyproject.toml ([tool.mutmut]): the modules to mutate and the fast test files that
cover them; for each mutant mutmut runs only the tests that execute the mutated function. The report gives,
per module, the mutants killed, the survivors and the score (killed / (all - equivalent)); mutants listed in
EQUIVALENT (below, with the reason) cannot be told apart from the original by any test.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CORE = ("journey.machine", "outbox.store", "answers.validation", "answers.idcard", "payment.vietqr", "input.telex",
        "catalog.search", "payment.fees", "security.staff_auth", "portal.sync")
TARGET = 0.90

# Mutants that behave exactly like the original code: no test can kill them. Name → reason.
_NOT_FALSE = "None for False: only its truth is read"
_RESET_REASON = "the reason of a reset only goes to the log"
_FOUR_CHARS = "a subset and a proper subset agree: four characters cannot hold the whole set"
_CODEC = "codec names are case-insensitive"
_NOT_EN_IS_VI = "a language other than 'en' reads Vietnamese: the default 'vi' and any other string alike"
_NOT_DIGITS = "'' and 'XXXX' are both no number (and no date): the same None"
_TLV_99 = "no value reaches 99 characters: build_payload bounds its inputs (the longest, field 38, has 63)"
_NO_SCAN_ERROR = "'' for None: the scan screen reads only its truth"
_LAST_PAGE = "any negative page index means the step's last page"
_IN_RANGE = "every caller passes a step and a page that exist (or -1, the last page): the clamp never acts"
_SET_AGAIN = "the page and the paper are set again on the way into the form and the scan screen, before any use"
_PAPER_SHOWN = "on the scan screen there is always a current paper, and it has a scan (off it, the first test decides)"
_CARD_LOG = "the message of an IdCardError only reaches the log (the resident sees its reason)"
_REDACTED = "the placeholder repr only reaches the log; every variant keeps the card's data out of it"
_ZIP = "in_name is built from terms, one set per term: the two always have the same length"
_SAME_SET = "the intersection of every set is the same whichever set it starts from (the smallest is only faster)"
_PIN_HASH_MESSAGE = "check_pin's message reaches no one: verify logs its own text"
_CAUGHT = "the exception is caught at once: its message is never read"
_SETTLED = "drain_once only tells None (released, stop) from the rest: True and False both count as settled"
_BODY = ("'body' names an error without a field: a dossier is validated from a dict with no model-level check, "
         "so only Feedback's own check has none, and a dropped feedback's fields only reach the log")
_FAILED_DELIVERY_LEVEL = "the log level of a failed delivery: only the log"
_ONE_LOWER_LETTER = "a single lower-case letter is in 'XX…XX' exactly when it is in the string between (none is X)"
_NO_X_IN_NUCLEUS = "the vowels are lower case, never X: the translation table maps the same letters"
_TONE_WITH_ITS_INDEX = "a tone always comes with the index of its letter, no tone with -1: the range test never decides"
_SAME_LENGTH = "every mark change keeps the vowels' number: zip's strictness is never tested"
_NO_TONE_NO_INDEX = "without a tone the index is never read: every use pairs it with the empty tone"
_TRUTH_ONLY = "with_nucleus's syllable is only tested against None: its fields are never read"
_MARK_ADDED = ("a mark key that adds a mark leaves a marked vowel (â ê ô ă ơ ư), which takes the tone in both "
               "styles, in a syllable: neither the style nor the fallback index is read")
_NO_TONE_TO_PLACE = "no tone to place: '' and None are both false, and the style is never read"
EQUIVALENT: dict[str, str] = {
    "kiosk.journey.machine.xǁJourneyǁ__init____mutmut_20": _NOT_FALSE,
    "kiosk.journey.machine.xǁJourneyǁ_apply__mutmut_32": _NOT_FALSE,
    "kiosk.journey.machine.xǁJourneyǁ_on_SubmitStep__mutmut_56": _NOT_FALSE,
    "kiosk.journey.machine.xǁJourneyǁ_on_GoBack__mutmut_6": _NOT_FALSE,
    "kiosk.journey.machine.xǁJourneyǁ_on_GoBack__mutmut_59": _RESET_REASON,
    "kiosk.journey.machine.xǁJourneyǁ_on_GoBack__mutmut_60": _RESET_REASON,
    "kiosk.journey.machine.xǁJourneyǁ_on_GoBack__mutmut_61": _RESET_REASON,
    "kiosk.journey.machine.xǁJourneyǁ_on_Rate__mutmut_22": _RESET_REASON,
    "kiosk.journey.machine.xǁJourneyǁ_on_Rate__mutmut_23": _RESET_REASON,
    "kiosk.journey.machine.xǁJourneyǁ_on_Rate__mutmut_24": _RESET_REASON,
    "kiosk.journey.machine.xǁJourneyǁ_on_ConfirmSubmit__mutmut_2":
        "the review always has a consent: it is given before the first step",
    "kiosk.journey.machine.xǁJourneyǁ_on_Rate__mutmut_20":
        "the rating follows the receipt, which always has a stored dossier",
    "kiosk.journey.machine.xǁJourneyǁ_store_answers__mutmut_12":
        "cutting a 5,000-character answer to 5,000 changes nothing",
    "kiosk.journey.machine.xǁJourneyǁ_on_SubmitStep__mutmut_48": "on a step a procedure is always chosen",
    "kiosk.journey.machine.xǁJourneyǁ_next_paper__mutmut_1": _NO_SCAN_ERROR,
    "kiosk.journey.machine.xǁJourneyǁ_on_GoBack__mutmut_31": _NO_SCAN_ERROR,
    "kiosk.journey.machine.xǁJourneyǁ_on_GoBack__mutmut_33": _NO_SCAN_ERROR,
    "kiosk.journey.machine.xǁJourneyǁ_on_PaperScanned__mutmut_20": _NO_SCAN_ERROR,
    "kiosk.journey.machine.xǁJourneyǁ_on_SubmitStep__mutmut_78": _NO_SCAN_ERROR,
    "kiosk.journey.machine.xǁJourneyǁ_on_GoBack__mutmut_25": _LAST_PAGE,
    "kiosk.journey.machine.xǁJourneyǁ_on_GoBack__mutmut_47": _LAST_PAGE,
    "kiosk.journey.machine.xǁJourneyǁ_on_GoBack__mutmut_44":
        "_go_to keeps the step index within the steps: one past the last is the last",
    "kiosk.journey.machine.xǁJourneyǁ_go_to__mutmut_13": _IN_RANGE,
    "kiosk.journey.machine.xǁJourneyǁ_go_to__mutmut_35": _IN_RANGE,
    "kiosk.journey.machine.xǁJourneyǁ_go_to__mutmut_36": _IN_RANGE,
    "kiosk.journey.machine.xǁJourneyǁcurrent_paper__mutmut_7":
        "the paper index always names a paper: set to 0 or the last, moved by one only within the papers",
    "kiosk.journey.machine.xǁJourneyǁ_on_SelectProcedure__mutmut_7": _SET_AGAIN,
    "kiosk.journey.machine.xǁJourneyǁ_on_SelectProcedure__mutmut_8": _SET_AGAIN,
    "kiosk.journey.machine.xǁJourneyǁ_on_SelectProcedure__mutmut_9": _SET_AGAIN,
    "kiosk.journey.machine.xǁJourneyǁ_on_SelectProcedure__mutmut_10": _SET_AGAIN,
    "kiosk.journey.machine.xǁJourneyǁ_on_NextPaper__mutmut_2": _PAPER_SHOWN,
    "kiosk.journey.machine.xǁJourneyǁ_on_PaperScanned__mutmut_2": _PAPER_SHOWN,
    "kiosk.journey.machine.xǁJourneyǁ_on_SkipPaper__mutmut_2": _PAPER_SHOWN,
    "kiosk.answers.validation.x_validate_field__mutmut_144":
        "on today's date the age is 0, never above a maximum (>= 0)",
    "kiosk.answers.validation.x_validate_field__mutmut_194": "None and False both mean no match",
    "kiosk.answers.validation.x_validate_step__mutmut_44": "parse_date gives None for '' and for 'XXXX' alike",
    "kiosk.answers.validation.x_validate_step__mutmut_49":
        "a gender answer with a problem is neither 'nam' nor 'nu', the only ones compared with the ID number",
    "kiosk.answers.validation.x_validate_step__mutmut_51":
        "a gender answer with a problem is neither 'nam' nor 'nu', the only ones compared with the ID number",
    "kiosk.answers.validation.x_min_age_years__mutmut_10":
        "no choice has the answer 'XXXX' or '': no least age either way",
    "kiosk.payment.vietqr.x__read_tlv__mutmut_13": _FOUR_CHARS,
    "kiosk.payment.vietqr.x__verify_crc__mutmut_20": _FOUR_CHARS,
    "kiosk.payment.vietqr.x__verify_crc__mutmut_32": _CODEC,
    "kiosk.payment.vietqr.x_build_payload__mutmut_105": _CODEC,
    "kiosk.payment.vietqr.x__tlv__mutmut_1": _TLV_99,
    "kiosk.payment.vietqr.x__tlv__mutmut_2": _TLV_99,
    "kiosk.payment.vietqr.x__tlv__mutmut_3": _TLV_99,
    "kiosk.answers.idcard.x_parse_id_card_qr__mutmut_73": _CARD_LOG,
    "kiosk.answers.idcard.x_parse_id_card_qr__mutmut_77": _CARD_LOG,
    "kiosk.answers.idcard.x_parse_id_card_qr__mutmut_78": _CARD_LOG,
    "kiosk.answers.idcard.xǁIdCardErrorǁ__init____mutmut_3": _CARD_LOG,
    "kiosk.answers.idcard.xǁIdCardDataǁ__repr____mutmut_1": _REDACTED,
    "kiosk.answers.idcard.xǁIdCardDataǁ__repr____mutmut_2": _REDACTED,
    "kiosk.answers.idcard.xǁIdCardDataǁ__repr____mutmut_3": _REDACTED,
    "kiosk.catalog.search.x__prefix_map__mutmut_7":
        "the empty prefix is never looked up: a query's words are never empty",
    "kiosk.catalog.search.x__prefix_map__mutmut_11": "a slice past the end of a word is the whole word, already added",
    "kiosk.catalog.search.xǁSearchIndexǁ_score_words__mutmut_6": _ZIP,
    "kiosk.catalog.search.xǁSearchIndexǁ_score_words__mutmut_9": _ZIP,
    "kiosk.catalog.search.xǁSearchIndexǁ_score_words__mutmut_10": _ZIP,
    "kiosk.catalog.search.xǁSearchIndexǁsearch__mutmut_30": _SAME_SET,
    "kiosk.catalog.search.xǁSearchIndexǁsearch__mutmut_32": _SAME_SET,
    "kiosk.catalog.search.xǁSearchIndexǁsearch__mutmut_34": _SAME_SET,
    "kiosk.catalog.search.xǁSearchIndexǁsearch__mutmut_55":
        "a phrase at the start of a name is taken by startswith first; a folded query has no capital X",
    "kiosk.catalog.search.xǁSearchIndexǁsearch__mutmut_62":
        "word matches score at most 50, below every code or phrase match (60 and up): with `limit` of those "
        "already, none of them would make the list",
    "kiosk.payment.fees.xǁFeeLineǁto_json__mutmut_1": _NOT_EN_IS_VI,
    "kiosk.payment.fees.xǁFeeLineǁto_json__mutmut_2": _NOT_EN_IS_VI,
    "kiosk.payment.fees.x_breakdown_json__mutmut_1": _NOT_EN_IS_VI,
    "kiosk.payment.fees.x_breakdown_json__mutmut_2": _NOT_EN_IS_VI,
    "kiosk.payment.fees.x__count__mutmut_9": _NOT_DIGITS,
    "kiosk.payment.fees.x__exemption_applies__mutmut_21": _NOT_DIGITS,
    "kiosk.security.staff_auth.x__b64__mutmut_4": _CODEC,
    "kiosk.security.staff_auth.x__pin_bytes__mutmut_3": _CODEC,
    "kiosk.security.staff_auth.xǁStaffAuthǁ_read__mutmut_8": _CODEC,
    "kiosk.security.staff_auth.xǁStaffAuthǁ_read__mutmut_6":
        "the lockout file is ASCII (json.dumps escapes the rest): any locale reads it",
    "kiosk.security.staff_auth.x_check_pin__mutmut_11": _PIN_HASH_MESSAGE,
    "kiosk.security.staff_auth.x_check_pin__mutmut_12": _PIN_HASH_MESSAGE,
    "kiosk.security.staff_auth.x_check_pin__mutmut_13": _PIN_HASH_MESSAGE,
    "kiosk.security.staff_auth.x_check_pin__mutmut_14": _PIN_HASH_MESSAGE,
    "kiosk.security.staff_auth.x_check_pin__mutmut_36": _PIN_HASH_MESSAGE,
    "kiosk.security.staff_auth.x_check_pin__mutmut_37": _PIN_HASH_MESSAGE,
    "kiosk.security.staff_auth.x_check_pin__mutmut_38": _PIN_HASH_MESSAGE,
    "kiosk.security.staff_auth.x_check_pin__mutmut_39": _PIN_HASH_MESSAGE,
    "kiosk.security.staff_auth.x_check_pin__mutmut_62": _PIN_HASH_MESSAGE,
    "kiosk.security.staff_auth.x_check_pin__mutmut_63": _PIN_HASH_MESSAGE,
    "kiosk.security.staff_auth.x_check_pin__mutmut_64": _PIN_HASH_MESSAGE,
    "kiosk.security.staff_auth.x_check_pin__mutmut_65": _PIN_HASH_MESSAGE,
    "kiosk.security.staff_auth.xǁStaffAuthǁ_read__mutmut_22": _CAUGHT,
    "kiosk.security.staff_auth.xǁStaffAuthǁ_read__mutmut_23": _CAUGHT,
    "kiosk.security.staff_auth.xǁStaffAuthǁ_read__mutmut_24": _CAUGHT,
    "kiosk.security.staff_auth.x_check_pin__mutmut_48":
        "n = 2**20 needs more memory than maxmem allows: scrypt refuses it with a ValueError either way",
    "kiosk.security.staff_auth.x_check_pin__mutmut_51":
        "n & (n - 2) is 0 exactly for the powers of two too (and scrypt refuses any other n)",
    "kiosk.security.staff_auth.xǁStaffAuthǁ_clamped__mutmut_8":
        "rewriting a lockout that ends exactly at its step changes nothing",
    "kiosk.security.staff_auth.xǁStaffAuthǁ_write__mutmut_10": "only decides whether the log says it",
    "kiosk.security.staff_auth.xǁStaffAuthǁset_pin__mutmut_20": "the role only names the PIN in the log line",
    "kiosk.security.staff_auth.xǁStaffAuthǁverify__mutmut_14": "the role only names the PIN in the log line",
    "kiosk.portal.sync.xǁSyncEngineǁ__init____mutmut_9":
        "'' for None at construction: drain_once sets last_failure before anyone reads it",
    "kiosk.portal.sync.xǁSyncEngineǁ_deliver__mutmut_10": _SETTLED,
    "kiosk.portal.sync.xǁSyncEngineǁ_deliver__mutmut_25": _SETTLED,
    "kiosk.portal.sync.xǁSyncEngineǁ_deliver__mutmut_41": _SETTLED,
    "kiosk.portal.sync.xǁSyncEngineǁ_deliver__mutmut_66": _SETTLED,
    "kiosk.portal.sync.xǁSyncEngineǁ_deliver__mutmut_46": _FAILED_DELIVERY_LEVEL,
    "kiosk.portal.sync.xǁSyncEngineǁ_deliver__mutmut_47": _FAILED_DELIVERY_LEVEL,
    "kiosk.portal.sync.x__fields__mutmut_9": _BODY,
    "kiosk.portal.sync.x__fields__mutmut_10": _BODY,
    "kiosk.input.telex.x__circumflex__mutmut_7": _ONE_LOWER_LETTER,
    "kiosk.input.telex.x__circumflex__mutmut_19": _ONE_LOWER_LETTER,
    "kiosk.input.telex.xǁTelexEngineǁ_type_letter__mutmut_37": _ONE_LOWER_LETTER,
    "kiosk.input.telex.x__circumflex__mutmut_32":
        "at index 0 it could only change a last ư to u, and no vowel group starts with ô and ends in u or ư: "
        "no syllable either way",
    "kiosk.input.telex.x__compose__mutmut_1": _TONE_WITH_ITS_INDEX,
    "kiosk.input.telex.x__compose__mutmut_6": _TONE_WITH_ITS_INDEX,
    "kiosk.input.telex.x__horn_or_breve__mutmut_3":
        "both callers pass a table with u (the w key and the horn key): the condition is always true",
    "kiosk.input.telex.x__parse__mutmut_19":
        "only the initial's length is read (where the vowels start): G and g are one letter",
    "kiosk.input.telex.x__replace_nucleus__mutmut_13": _SAME_LENGTH,
    "kiosk.input.telex.x__replace_nucleus__mutmut_16": _SAME_LENGTH,
    "kiosk.input.telex.x__replace_nucleus__mutmut_17": _SAME_LENGTH,
    "kiosk.input.telex.x__split_word__mutmut_4": _NO_TONE_NO_INDEX,
    "kiosk.input.telex.x__split_word__mutmut_5": _NO_TONE_NO_INDEX,
    "kiosk.input.telex.x__uo_pair__mutmut_5": "at most three vowels hold u-o once: find and rfind agree",
    "kiosk.input.telex.x_normalize_tone_placement__mutmut_6":
        "a run of non-letters is no syllable: _place gives it back as it was (a tone of its own recomposed in place)",
    "kiosk.input.telex.xǁTelexEngineǁ_mark_key__mutmut_22": _MARK_ADDED,
    "kiosk.input.telex.xǁTelexEngineǁ_mark_key__mutmut_23": _MARK_ADDED,
    "kiosk.input.telex.xǁTelexEngineǁ_mark_key__mutmut_26": _MARK_ADDED,
    "kiosk.input.telex.xǁTelexEngineǁ_mark_key__mutmut_27": _MARK_ADDED,
    "kiosk.input.telex.xǁTelexEngineǁ_mark_word__mutmut_62": _NO_X_IN_NUCLEUS,
    "kiosk.input.telex.xǁTelexEngineǁ_mark_word__mutmut_71": _NO_X_IN_NUCLEUS,
    "kiosk.input.telex.xǁTelexEngineǁ_type_letter__mutmut_62": _NO_X_IN_NUCLEUS,
    "kiosk.input.telex.xǁTelexEngineǁ_type_letter__mutmut_29": _NO_TONE_TO_PLACE,
    "kiosk.input.telex.xǁTelexEngineǁ_type_letter__mutmut_30": _NO_TONE_TO_PLACE,
    "kiosk.input.telex.xǁTelexEngineǁapply_key__mutmut_20":
        "a key that is no letter matches no Telex key: _type_letter appends it, and a word with a non-letter is "
        "no syllable, so a tone stays where it was",
    "kiosk.input.telex.xǁTelexEngineǁbackspace__mutmut_9":
        "stopping at index 1 or going on to 0 both delete from the start: before[:0]",
    "kiosk.input.telex.xǁ_Syllableǁwith_nucleus__mutmut_6": _TRUTH_ONLY,
    "kiosk.input.telex.xǁ_Syllableǁwith_nucleus__mutmut_7": _TRUTH_ONLY,
    "kiosk.input.telex.xǁ_Syllableǁwith_nucleus__mutmut_8": _TRUTH_ONLY,
}

# The outbox: SQL keywords, names and PRAGMA values read the same in any case; only a quoted value ('queued')
# would change, and no survivor changes one.
_SQL_CASE = "SQL keywords, names and PRAGMA values are case-insensitive: no quoted value changes"
_OUT_ASCII = "json.loads reads the sealed payload back the same with or without \\u escapes"
_OUT_URI = "the SQLite the kiosk runs on is built with SQLITE_USE_URI: a file: name is read as a URI either way"
_OUT_SENDING = "a 'sending' row was made 'queued' on the line before: the status is never 'sending' there"
EQUIVALENT.update({
    f"kiosk.outbox.store.{function}__mutmut_{number}": _SQL_CASE
    for function, numbers in (
        ("x_read_counters", (11, 12)),
        ("xǁOutboxǁ__init__", (23, 24, 27, 28, 31, 32, 38, 39)),
        ("xǁOutboxǁattachment", (7, 8)),
        ("xǁOutboxǁcarry_counters", (16, 17, 19, 20)),
        ("xǁOutboxǁclaim_feedback", (7, 10, 11, 18)),
        ("xǁOutboxǁclaim_next", (7, 8, 15)),
        ("xǁOutboxǁcounts", (4, 5)),
        ("xǁOutboxǁdepth", (4,)),
        ("xǁOutboxǁenqueue", (17, 18, 31, 32, 57, 58, 60, 67, 68, 70)),
        ("xǁOutboxǁenqueue_feedback", (21,)),
        ("xǁOutboxǁfind", (14, 15)),
        ("xǁOutboxǁmark_accepted", (6, 9, 10)),
        ("xǁOutboxǁmark_feedback_sent", (6,)),
        ("xǁOutboxǁmark_rejected", (6,)),
        ("xǁOutboxǁpage_counts", (6, 8, 12, 13)),
        ("xǁOutboxǁpayload", (7, 8)),
        ("xǁOutboxǁpurge", (10, 13, 14, 17, 18, 20, 21, 24, 25, 28)),
        ("xǁOutboxǁrecords", (8, 9, 14, 15)),
        ("xǁOutboxǁrecover", (4, 9)),
        ("xǁOutboxǁrelease", (6,)),
        ("xǁOutboxǁrelease_feedback", (6,)),
        ("xǁOutboxǁretry_now", (3,)),
        ("xǁOutboxǁverify_key", (4, 7, 8, 10, 11, 13)),
    )
    for number in numbers
})
EQUIVALENT.update({
    "kiosk.outbox.store.xǁOutboxǁ__init____mutmut_17":
        "every write runs inside BEGIN IMMEDIATE … COMMIT: Python's implicit transactions never start",
    "kiosk.outbox.store.xǁOutboxǁ__init____mutmut_52":
        "closing the connection given up raises nothing: there is never an error to suppress",
    "kiosk.outbox.store.xǁOutboxǁenqueue__mutmut_46": _OUT_ASCII,
    "kiosk.outbox.store.xǁOutboxǁenqueue__mutmut_48": _OUT_ASCII,
    "kiosk.outbox.store.xǁOutboxǁenqueue__mutmut_49": _OUT_ASCII,
    "kiosk.outbox.store.xǁOutboxǁenqueue_feedback__mutmut_10": _OUT_ASCII,
    "kiosk.outbox.store.xǁOutboxǁenqueue_feedback__mutmut_12": _OUT_ASCII,
    "kiosk.outbox.store.xǁOutboxǁenqueue_feedback__mutmut_13": _OUT_ASCII,
    "kiosk.outbox.store.xǁOutboxǁenqueue__mutmut_51": _CODEC,
    "kiosk.outbox.store.xǁOutboxǁenqueue_feedback__mutmut_15": _CODEC,
    "kiosk.outbox.store.xǁOutboxǁ_import_one__mutmut_25":
        "a row not opened holds no payload: '' lists no scanned papers, like None",
    "kiosk.outbox.store.xǁOutboxǁ_import_one__mutmut_33": _OUT_SENDING,
    "kiosk.outbox.store.xǁOutboxǁ_import_one__mutmut_34": _OUT_SENDING,
    "kiosk.outbox.store.x_read_counters__mutmut_3": _OUT_URI,
    "kiosk.outbox.store.x_read_counters__mutmut_5": _OUT_URI,
    "kiosk.outbox.store.x_read_counters__mutmut_6": _OUT_URI,
})

_NAME = re.compile(r"^\s*(kiosk\.[\w.]+?)\.x[_ǁ].*?:\s*(.+)$")


def _mutmut(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run([sys.executable, "-m", "mutmut", *args], cwd=REPO, env=env, text=True,
                          capture_output=True, check=False)


def run(module: str, children: int) -> None:
    print(f"mutation: kiosk.{module} …", file=sys.stderr, flush=True)
    done = _mutmut("run", "--max-children", str(children), f"kiosk.{module}.*")
    if done.returncode != 0:
        sys.exit(f"mutmut failed on kiosk.{module}:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")


def results() -> dict[str, dict[str, str]]:
    """Module → mutant name → status, for every mutant mutmut has generated."""
    done = _mutmut("results", "--all", "true")
    if done.returncode != 0:
        sys.exit(f"mutmut results failed:\n{done.stderr[-2000:]}")
    found: dict[str, dict[str, str]] = defaultdict(dict)
    for line in done.stdout.splitlines():
        match = _NAME.match(line)
        if match:
            found[match.group(1)][line.split(":")[0].strip()] = match.group(2).strip()
    return found


def report(modules: list[str]) -> int:
    """Print the score table and the survivors; 1 when a module that was run is below the target."""
    found = results()
    below = 0
    print(f"{'module':<32}{'mutants':>8}{'killed':>8}{'survived':>9}{'no tests':>9}{'other':>7}{'equiv.':>7}"
          f"{'score':>8}")
    survivors: list[str] = []
    for module in modules:
        statuses = found.get(f"kiosk.{module}", {})
        checked = {name: status for name, status in statuses.items() if status != "not checked"}
        if not checked:
            print(f"kiosk.{module:<26}{'not run':>8}")
            continue
        counts = Counter(checked.values())
        equivalent = sum(1 for name in checked if name in EQUIVALENT)
        killed = counts["killed"] + counts["caught by type check"] + counts["timeout"]
        live = len(checked) - equivalent
        score = killed / live if live else 1.0
        below += score < TARGET
        other = len(checked) - killed - counts["survived"] - counts["no tests"]
        print(f"kiosk.{module:<26}{len(checked):>8}{killed:>8}{counts['survived']:>9}{counts['no tests']:>9}"
              f"{other:>7}{equivalent:>7}{score:>8.1%}")
        survivors += [f"{name}: {status}" for name, status in sorted(checked.items())
                      if status not in ("killed", "caught by type check", "timeout") and name not in EQUIVALENT]
    if survivors:
        print("\nNot killed (see each with `.venv/bin/mutmut show <name>`):")
        print("\n".join(f"  {line}" for line in survivors))
    return 1 if below else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", help=f"core modules (default: all): {', '.join(CORE)}")
    parser.add_argument("--report", action="store_true", help="only report on the last runs")
    parser.add_argument("--children", type=int, default=max(1, (os.cpu_count() or 2) // 2))
    args = parser.parse_args(argv)
    modules = list(args.modules or CORE)
    unknown = sorted(set(modules) - set(CORE))
    if unknown:
        parser.error(f"not a core module: {', '.join(unknown)}")
    if not args.report:
        for module in modules:
            run(module, args.children)
    return report(modules)


if __name__ == "__main__":
    sys.exit(main())
