"""Routes: health, readiness and a small notes resource."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import JSONResponse

from .database import Database, DatabaseError
from .models import Error, Health, Note, NoteIn, NotePage, PageQuery, Ready

logger = logging.getLogger(__name__)
router = APIRouter()


def get_database(request: Request) -> Database:
    return request.app.state.database


def require_json(request: Request) -> None:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/json" and not content_type.endswith("+json"):
        raise HTTPException(415, "send the note as application/json")


DatabaseDep = Annotated[Database, Depends(get_database)]
UNAVAILABLE = {503: {"model": Error, "description": "The database is unavailable"}}
# Declared, it replaces the 422 FastAPI documents for a route with parameters: this API never sends that one.
OTHER_ERRORS = {"default": {"model": Error, "description": "Any other error, such as 500 internal_error"}}


@router.get("/health")
@router.head("/health", include_in_schema=False)
def health() -> Health:
    """Liveness: the process answers. Depends on nothing else."""
    return Health(status="ok")


@router.get(
    "/ready", response_model=Ready, responses={503: {"model": Error, "description": "The database does not answer"}}
)
def ready(request: Request, database: DatabaseDep) -> Ready | JSONResponse:
    """Readiness: the database answers."""
    try:
        database.ping()
    except DatabaseError as exc:
        request_id = request.state.request_id
        logger.warning("not ready", extra={"request_id": request_id, "error": str(exc)})
        error = {"code": "not_ready", "message": "the database does not answer", "request_id": request_id}
        return JSONResponse({"error": error}, 503)
    return Ready(status="ready", database=database.dialect)


@router.post(
    "/notes",
    status_code=201,
    dependencies=[Depends(require_json)],
    responses={
        400: {"model": Error, "description": "The body is not valid UTF-8 JSON"},
        413: {"model": Error, "description": "The body is larger than MAX_REQUEST_BODY_BYTES"},
        415: {"model": Error, "description": "The body is not application/json"},
        422: {"model": Error, "description": "The body is not a note"},
        **UNAVAILABLE,
    },
)
def add_note(note: NoteIn, database: DatabaseDep) -> Note:
    """Store a note and return it with its id."""
    return Note(**database.add_note(note.body))


@router.get(
    "/notes",
    responses={
        400: {"model": Error, "description": "`limit` or `after` is out of range, or another parameter is sent"},
        **UNAVAILABLE,
        **OTHER_ERRORS,
    },
)
def list_notes(page: Annotated[PageQuery, Query()], database: DatabaseDep) -> NotePage:
    """Notes oldest first, `limit` at a time; pass `next_after` back as `after` for the next page."""
    notes = [Note(**note) for note in database.list_notes(page.limit, page.after)]
    return NotePage(notes=notes, next_after=notes[-1].id if len(notes) == page.limit else None)
