"""Where the catalog's facts come from: the warnings `kiosk catalog check` prints about provenance.

Every procedure names its sources (legal documents and articles, the national portal's record) and the
date its facts were last checked; every fee item and every exemption names its source. A fact that
could not be checked keeps a source without `verified_on`: it is not a warning, but the kiosk does not
print an amount resting on it (kiosk/payment/fees.py), and `kiosk catalog check --unverified` lists them.
"""

from __future__ import annotations

from kiosk.catalog.models import Procedure, Source


def provenance_warnings(procedure: Procedure) -> list[tuple[str, str]]:
    """(location, message) for each fact of `procedure` that does not say where it comes from."""
    out: list[tuple[str, str]] = []
    if not procedure.sources:
        out.append(("sources", "no sources (legal documents, the national portal's record)"))
    if procedure.verified_on is None:
        out.append(("verified_on", "no date of the last check"))
    for index, item in enumerate(procedure.fees.items):
        if item.source is None:
            out.append((f"fees.items[{index}]", "fee without a source"))
    for index, exemption in enumerate(procedure.fees.exemptions):
        if exemption.source is None:
            out.append((f"fees.exemptions[{index}]", "exemption without a source"))
    if not procedure.fees.items and not any(e.always for e in procedure.fees.exemptions):
        out.append(("fees", "no fee item and no exemption: nothing tells the resident what to pay"))
    return out


def unverified_sources(procedure: Procedure) -> list[tuple[str, Source]]:
    """(location, source) for each source nobody has checked yet."""
    found: list[tuple[str, Source | None]] = [(f"sources[{i}]", s) for i, s in enumerate(procedure.sources)]
    found += [(f"fees.items[{i}].source", item.source) for i, item in enumerate(procedure.fees.items)]
    found += [(f"fees.exemptions[{i}].source", e.source) for i, e in enumerate(procedure.fees.exemptions)]
    return [(where, source) for where, source in found if source is not None and source.verified_on is None]
