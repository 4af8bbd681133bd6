"""What both web kinds share: the JSON error contract, request ids, note validation, paging, proxies."""

from __future__ import annotations

import ipaddress
import json
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

MAX_NOTE_LENGTH = 1000
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
PROBE_PATHS = frozenset({"/health", "/ready"})
# An incoming X-Request-ID is kept only when it is short and plain: it goes into every log line.
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_JSON_TYPE = re.compile(r"application/(?:[\w.+-]+\+)?json\s*(?:;.*)?", re.IGNORECASE)

# The code every status gets when nothing more precise applies; clients switch on the code.
STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    408: "request_timeout",
    413: "body_too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    429: "too_many_requests",
    500: "internal_error",
    503: "unavailable",
}


@dataclass
class ApiError(Exception):
    """A response the client caused or may retry; its message is written for the client."""

    status: int
    code: str
    message: str
    headers: dict[str, str] = field(default_factory=dict)


def error_body(code: str, message: str, request_id: str) -> dict[str, Any]:
    """The one shape of every 4xx and 5xx response: never a driver message, an address or a traceback."""
    return {"error": {"code": code, "message": message, "request_id": request_id}}


def status_error(status: int, request_id: str) -> dict[str, Any]:
    """The body of an error the framework raised (404, 405, ...), from its status alone."""
    code = STATUS_CODES.get(status, "client_error" if status < 500 else "server_error")
    return error_body(code, code.replace("_", " "), request_id)


def too_large(limit: int) -> ApiError:
    return ApiError(413, "body_too_large", f"the request body must not exceed {limit} bytes")


def database_unavailable() -> ApiError:
    return ApiError(503, "database_unavailable", "the database is unavailable; try again later")


def internal_error() -> ApiError:
    return ApiError(500, "internal_error", "internal server error")


def request_id(incoming: str | None) -> str:
    """The caller's X-Request-ID when it is plain enough to log, else a new one."""
    if incoming and _REQUEST_ID.fullmatch(incoming):
        return incoming
    return uuid.uuid4().hex


def parse_note(raw: bytes, content_type: str | None) -> str:
    """The body of a note from a request body, or the ApiError to answer with."""
    if not content_type or not _JSON_TYPE.fullmatch(content_type.strip()):
        raise ApiError(415, "unsupported_media_type", "send the note as application/json")
    try:
        payload = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ApiError(400, "invalid_json", "the request body is not valid UTF-8 JSON") from None
    body = payload.get("body") if isinstance(payload, dict) else None
    if not isinstance(body, str) or not 1 <= len(body) <= MAX_NOTE_LENGTH:
        shape = 'send an object {"body": "..."} of 1 to ' + str(MAX_NOTE_LENGTH) + " characters"
        raise ApiError(422, "invalid_note", shape)
    try:
        body.encode("utf-8")
    except UnicodeEncodeError:
        raise ApiError(422, "invalid_note", "the body holds an unpaired surrogate, which is not text") from None
    if "\x00" in body:
        raise ApiError(422, "invalid_note", "the body must not hold NUL characters")
    return body


def _whole_number(name: str, raw: str | None, default: int, low: int, high: int) -> int:
    if raw is None or raw == "":
        return default
    if not raw.isascii() or not raw.isdigit() or not low <= int(raw) <= high:
        raise ApiError(400, "invalid_parameter", f"{name} must be a whole number from {low} to {high}")
    return int(raw)


def parse_page(limit: str | None, after: str | None) -> tuple[int, int]:
    """`?limit=` (bounded) and `?after=` (the last id of the previous page) of GET /notes."""
    return (
        _whole_number("limit", limit, DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE),
        _whole_number("after", after, 0, 0, 2**63 - 1),
    )


def page(notes: list[dict[str, Any]], limit: int) -> dict[str, Any]:
    """One page of notes, and the `after` value of the next page (null on the last)."""
    return {"notes": notes, "next_after": notes[-1]["id"] if len(notes) == limit else None}


class TrustedProxies:
    """The proxies (addresses or networks, FORWARDED_ALLOW_IPS) whose X-Forwarded-For names the client."""

    def __init__(self, spec: str) -> None:
        entries = [entry.strip() for entry in spec.split(",") if entry.strip()]
        self.everyone = "*" in entries
        self.networks = [ipaddress.ip_network(entry, strict=False) for entry in entries if entry != "*"]

    def trusts(self, address: str) -> bool:
        if self.everyone:
            return True
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self.networks)

    def client(self, peer: str, forwarded_for: str | None) -> str:
        """The first address, from the nearest hop back, that is not a trusted proxy."""
        if not forwarded_for or not self.trusts(peer):
            return peer
        hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
        for hop in reversed(hops):
            if not self.trusts(hop):
                return hop
        return hops[0] if hops else peer
