"""Request and response bodies: what /openapi.json documents and every route validates."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field, StrictStr


def plain_text(text: str) -> str:
    if "\x00" in text:
        raise ValueError("must not hold NUL characters")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must not hold unpaired surrogates") from None
    return text


class NoteIn(BaseModel):
    body: Annotated[StrictStr, Field(min_length=1, max_length=1000), AfterValidator(plain_text)]


class Note(BaseModel):
    id: int
    body: str


class NotePage(BaseModel):
    notes: list[Note]
    # Pass it back as `after` for the next page; null on the last.
    next_after: int | None


class PageQuery(BaseModel):
    limit: int = Field(50, ge=1, le=200)
    # The last id of the previous page: keyset paging, no OFFSET scan.
    after: int = Field(0, ge=0, le=2**63 - 1)


class Health(BaseModel):
    status: str


class Ready(BaseModel):
    status: str
    database: str


class ErrorDetail(BaseModel):
    code: str
    message: str
    request_id: str


class Error(BaseModel):
    """The one shape of every 4xx and 5xx answer: never a driver message, an address or a traceback."""

    error: ErrorDetail
