"""The staff console's "sync now" when the kiosk's own sync service has not connected to a portal.

Blocking: run it off the GUI thread. It sends every waiting dossier and rating once, then the unreported
usage statistics, within one round's deadline.
"""

from __future__ import annotations

from datetime import datetime

from kiosk.ops.stats import StatsStore, report_to_portal
from kiosk.ops.status import portal_client, record_sync
from kiosk.outbox.store import Outbox
from kiosk.portal.errors import PortalError
from kiosk.portal.sync import ROUND_DEADLINE_S, SyncEngine
from kiosk.settings.config import Settings


def sync_once(settings: Settings, outbox: Outbox, store: StatsStore | None, now: datetime) -> tuple[int, int] | None:
    """Send every waiting dossier and rating now, then the unreported statistics; blocking.

    Returns (dossiers settled, dossiers still waiting), or None when no portal is configured.
    Raises PortalError when the portal cannot be reached or refuses the kiosk (noted for the status page).
    """
    outbox.retry_now()
    if settings.portal.base_url is None:
        return None
    with portal_client(settings, max_retries=0) as client, client.deadline(ROUND_DEADLINE_S):
        try:
            client.fetch_token()  # one clear answer on reachability and credentials before anything else
        except PortalError as exc:
            record_sync(False, now, exc.reason)
            raise
        engine = SyncEngine(outbox, client)
        settled = engine.drain_once()
        engine.drain_feedback_once()
        if store is not None:
            report_to_portal(store, settings, now, client)
        else:
            record_sync(True, now)
    return settled, outbox.depth()
