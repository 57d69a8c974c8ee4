"""Messages between a kiosk and the fleet service (`POST /fleet/v1/reports`).

A kiosk sends reports in batches; each report has an id the kiosk chose, so a batch whose answer was lost
is simply sent again and the service keeps one copy. The service answers with the ids it holds and the
commands waiting for the kiosk. Every field is a count, a state word, a version or a procedure code:
there is no room for a name, an ID number, a phone number or an answer.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from kiosk.portal.models import Count, DailyStatistics, JsonFloat, Timestamp

StateWord = Annotated[str, Field(pattern=r"^[a-z_]{1,32}$")]
Version = Annotated[str, Field(max_length=128)]
MAX_BATCH = 500
MAX_ERRORS = 10


class _Closed(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ReportKind(StrEnum):
    HEARTBEAT = "heartbeat"
    USAGE = "usage"
    COMMAND_RESULT = "command_result"


class Heartbeat(_Closed):
    """How the kiosk is now."""

    version: Version
    uptime_s: Count
    screen: StateWord = Field(description="the screen shown (attract, step, review …)")
    outbox_depth: Count = Field(description="dossiers waiting for the portal")
    outbox_oldest_age_s: Count | None = Field(default=None, description="age of the oldest waiting dossier")
    printer: StateWord = Field(description="ready, paper_low, paper_out, offline, unknown, none …")
    scanner: StateWord = Field(description="ready, absent or unknown")
    disk_free_pct: JsonFloat = Field(ge=0, le=100)
    last_sync: Timestamp | None = Field(default=None, description="the last exchange the portal answered")
    sync_error: str | None = Field(default=None, max_length=200, description="why the last exchange failed")
    errors: list[Annotated[str, Field(max_length=200)]] = Field(default_factory=list, max_length=MAX_ERRORS)
    catalog_version: Version = ""
    settings_version: Version = ""
    locked: bool = Field(default=False, description="locked for maintenance")


class CommandName(StrEnum):
    RESTART = "restart"
    REPRINT_LAST = "reprint_last"
    SYNC_NOW = "sync_now"
    LOCK = "lock"
    UNLOCK = "unlock"
    APPLY_VERSION = "apply_version"


class CommandResult(_Closed):
    command_id: UUID
    name: CommandName
    ok: bool
    detail: str = Field(default="", max_length=300, description="what happened, in English, no personal data")


class Report(_Closed):
    id: UUID
    kind: ReportKind
    created_at: Timestamp
    body: dict[str, Any]

    def parsed(self) -> Heartbeat | DailyStatistics | CommandResult:
        """The body as the model of its kind (raises pydantic.ValidationError)."""
        if self.kind is ReportKind.HEARTBEAT:
            return Heartbeat.model_validate(self.body)
        if self.kind is ReportKind.USAGE:
            return DailyStatistics.model_validate(self.body)
        return CommandResult.model_validate(self.body)


class ReportBatch(_Closed):
    reports: list[Report] = Field(max_length=MAX_BATCH)


class VersionSpec(_Closed):
    """What `apply_version` installs: a catalog or a settings version, with the content to check first."""

    target: Literal["catalog", "settings"]
    version: Version
    content: dict[str, Any] = Field(description="catalog: {procedures: [...]}; settings: {dotted.key: value}")


class Command(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    id: UUID
    name: CommandName
    args: dict[str, Any] = Field(default_factory=dict)


class BatchReply(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    accepted: list[UUID] = Field(description="ids the service holds (new ones and ones it already had)")
    rejected: dict[str, str] = Field(default_factory=dict, description="id: why (the kiosk drops them)")
    commands: list[dict[str, Any]] = Field(default_factory=list, max_length=100)


class Token(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    access_token: str = Field(min_length=1, max_length=4096)
    token_type: str
    expires_in: int = Field(ge=1)

