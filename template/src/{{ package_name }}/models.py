"""Request and response bodies: what /openapi.json documents and every route validates."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictStr


def plain_text(text: str) -> str:
    if "\x00" in text:
        raise ValueError("must not hold NUL characters")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must not hold unpaired surrogates") from None
    return text


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    body: Annotated[
        StrictStr,
        Field(min_length=1, max_length=1000, description="The text of the note, without NUL characters"),
        AfterValidator(plain_text),
    ]


class Note(BaseModel):
    id: int
    body: str


class NotePage(BaseModel):
    notes: list[Note]
    next_after: int | None = Field(description="Pass it back as `after` for the next page; null on the last")


class PageQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    limit: int = Field(50, ge=1, le=200, description="The most notes in the page")
    after: int = Field(0, ge=0, le=2**63 - 1, description="The last id of the previous page: notes after it")


class Health(BaseModel):
    status: Literal["ok"]


class Ready(BaseModel):
    status: Literal["ready"]
    database: str = Field(description="The database's dialect: sqlite or postgresql")


class ErrorDetail(BaseModel):
    code: str
    message: str
    request_id: str


class Error(BaseModel):
    """The one shape of every 4xx and 5xx answer: never a driver message, an address or a traceback."""

    error: ErrorDetail
