"""Messages exchanged with the online-service portal (contract: `config/openapi.yaml`).

Requests are what the kiosk sends; responses are what the portal answers. Both sides validate with JSON
types as the contract states them: numbers must be JSON numbers (never `true` or `"5"`), dates and times
RFC 3339 strings (never Unix timestamps), so a wrong type is an error rather than a guess. Unknown extra
members in answers are ignored so the portal can grow its answers without breaking kiosks; requests are
closed (extra members refused).
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, SecretStr, model_validator


def _json_number(value: Any) -> Any:
    # Pydantic's lax mode would take true as 1 and "5" as 5; JSON Schema's number and integer do not.
    if isinstance(value, bool | str | bytes):
        raise ValueError("must be a JSON number")
    return value


def _json_text(value: Any) -> Any:
    # Lax mode would read a number as a Unix timestamp; the contract's dates are RFC 3339 strings.
    if isinstance(value, bool | int | float):
        raise ValueError("must be an RFC 3339 string")
    return value


JsonInt = Annotated[int, BeforeValidator(_json_number)]
JsonFloat = Annotated[float, BeforeValidator(_json_number)]
Timestamp = Annotated[AwareDatetime, BeforeValidator(_json_text)]
Day = Annotated[date, BeforeValidator(_json_text)]

# Identifiers the kiosk and portal exchange; opaque, but bounded and printable.
Identifier = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:\-]+$")]
ProcedureCode = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[0-9A-Za-z.]+$")]
DossierCode = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._\-]+$")]
Language = Annotated[Literal["vi", "en"], Field(description="the language the resident used at the kiosk")]
Count = Annotated[JsonInt, Field(ge=0, le=10_000_000)]


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Response(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


# --- OAuth2 client credentials -------------------------------------------------------------------


class TokenRequest(_Request):
    """Form fields of `POST /oauth/token` (client_secret_post)."""

    grant_type: Literal["client_credentials"]
    client_id: str = Field(min_length=1, max_length=128)
    client_secret: str = Field(min_length=1, max_length=512)


class TokenResponse(_Response):
    access_token: SecretStr = Field(min_length=1, max_length=4096)
    token_type: str = Field(pattern=r"^[Bb][Ee][Aa][Rr][Ee][Rr]$")
    expires_in: JsonInt = Field(ge=1, le=31 * 24 * 3600, description="seconds until the token expires")


# --- Errors (RFC 9457) ---------------------------------------------------------------------------


class Problem(_Response):
    """Problem details (application/problem+json)."""

    type: str = Field(default="about:blank", max_length=2048)
    title: str = Field(max_length=500)
    status: JsonInt = Field(ge=100, le=599)
    detail: str | None = Field(default=None, max_length=4000)


# --- Catalog -------------------------------------------------------------------------------------


class CatalogResponse(_Response):
    """`GET /api/v1/catalog`. Each procedure is a definition in the format of `kiosk.catalog.models`."""

    version: str = Field(min_length=1, max_length=128)
    procedures: list[dict[str, Any]] = Field(max_length=2000)


# --- Dossiers ------------------------------------------------------------------------------------


class Applicant(_Request):
    full_name: str = Field(min_length=1, max_length=200)
    id_number: str = Field(pattern=r"^[0-9]{9}([0-9]{3})?$",
                           description="12-digit chip ID card number, or an old 9-digit ID")
    phone: str | None = Field(default=None, pattern=r"^\+?[0-9]{9,15}$",
                              description="optional; without it, the status lookup takes the ID number's last 4 digits")
    email: str | None = Field(default=None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")
    address: str | None = Field(default=None, max_length=500)


class Consent(_Request):
    given_at: Timestamp
    text_version: str = Field(min_length=1, max_length=64)


Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the file, lowercase hex")]
PaperId = Annotated[str, Field(min_length=1, max_length=48, pattern=r"^[a-z][a-z0-9_]*$")]
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024


class AttachmentRef(_Request):
    """A scanned paper of a dossier: one PDF, uploaded before the dossier that lists it."""

    paper_id: PaperId
    pages: JsonInt = Field(ge=1, le=100)
    bytes: JsonInt = Field(ge=1, le=MAX_ATTACHMENT_BYTES)
    sha256: Sha256
    media_type: Literal["application/pdf"] = "application/pdf"


class DossierSubmission(_Request):
    """Body of `POST /api/v1/dossiers`; the Idempotency-Key header carries the dossier's UUID."""

    local_reference: Identifier = Field(description="the kiosk's own reference, printed on the slip")
    procedure_code: ProcedureCode
    kiosk_id: Identifier
    site_id: Identifier
    submitted_at: Timestamp
    applicant: Applicant
    answers: dict[Annotated[str, Field(max_length=48)], Annotated[str, Field(max_length=4000)]] = Field(
        max_length=300, description="field id to answer, as entered"
    )
    consent: Consent
    language: Language | None = None
    attachments: list[AttachmentRef] | None = Field(
        default=None, max_length=20,
        description="scanned papers, each uploaded first to /api/v1/attachments/{key}/{paper_id}")


class AttachmentReceipt(_Response):
    """The portal's answer to an upload: what it stored (the same upload again gets the same answer)."""

    paper_id: PaperId
    sha256: Sha256
    bytes: JsonInt = Field(ge=1, le=MAX_ATTACHMENT_BYTES)


class SubmissionReceipt(_Response):
    dossier_code: DossierCode = Field(description="the portal's official code, opaque")
    received_at: Timestamp
    appointment_date: Day = Field(description="when the result is due")
    status_url: str = Field(min_length=1, max_length=2048)
    fee_vnd: JsonInt = Field(ge=0, le=1_000_000_000)


class DossierState(StrEnum):
    RECEIVED = "received"
    PROCESSING = "processing"
    NEEDS_MORE_PAPERS = "needs_more_papers"
    DONE = "done"
    RETURNED = "returned"


class TimelineEntry(_Response):
    status: DossierState
    at: Timestamp
    note: str | None = Field(default=None, max_length=2000)


class DossierStatus(_Response):
    dossier_code: DossierCode
    local_reference: Identifier
    status: DossierState
    timeline: list[TimelineEntry] = Field(max_length=500)


# --- Feedback, heartbeat, statistics -------------------------------------------------------------


class Feedback(_Request):
    """A resident's rating (1..5) or comment: kind=rating needs `rating`, kind=comment needs `comment`."""

    kiosk_id: Identifier
    site_id: Identifier
    kind: Literal["rating", "comment"]
    rating: JsonInt | None = Field(default=None, ge=1, le=5)
    comment: str | None = Field(default=None, min_length=1, max_length=2000)
    procedure_code: ProcedureCode | None = None
    local_reference: Identifier | None = None
    language: Language | None = None

    @model_validator(mode="after")
    def _kind_has_its_value(self) -> Feedback:
        if self.kind == "rating" and self.rating is None:
            raise ValueError("a rating needs a value from 1 to 5")
        if self.kind == "comment" and self.comment is None:
            raise ValueError("a comment needs text")
        return self


class Heartbeat(_Request):
    kiosk_id: Identifier
    site_id: Identifier
    version: str = Field(min_length=1, max_length=64)
    uptime_s: Count
    outbox_depth: Count
    printer_state: str = Field(pattern=r"^[a-z_]{1,32}$",
                               description="e.g. ok, paper_low, paper_out, offline")
    catalog_version: str = Field(max_length=128, description="empty when the kiosk has no catalog yet")


class CommandName(StrEnum):
    RELOAD_CATALOG = "reload_catalog"
    END_SESSION = "end_session"
    APPLY_SETTINGS = "apply_settings"


class Command(_Response):
    name: CommandName
    settings: dict[str, Any] | None = Field(default=None, description="for apply_settings")


class HeartbeatReply(_Response):
    """Commands whose name the kiosk does not know are dropped by the client, not treated as errors."""

    commands: list[dict[str, Any]] = Field(max_length=100)


class ProcedureStatistics(_Request):
    started: Count
    completed: Count
    abandoned: Count
    abandoned_at_step: dict[Annotated[str, Field(max_length=48)], Count] = Field(
        default_factory=dict, max_length=100
    )


RatingKey = Literal["1", "2", "3", "4", "5"]


class DailyStatistics(_Request):
    """One kiosk's figures for one day; sending the same day again replaces them."""

    kiosk_id: Identifier
    site_id: Identifier
    date: Day
    sessions: Count
    procedures: dict[ProcedureCode, ProcedureStatistics] = Field(max_length=500)
    ratings: dict[RatingKey, Count] = Field(default_factory=dict)
    median_duration_s: JsonFloat = Field(ge=0, le=86400)


class Acknowledgement(_Response):
    """Answer of the 202 endpoints."""

    received_at: Timestamp
