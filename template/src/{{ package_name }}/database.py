"""The notes table and its queries, on SQLite (the default) or PostgreSQL through psycopg.

The schema comes from the migrations (migrate.py), run before the server starts: no request creates it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

from pydantic import SecretStr
from sqlalchemy import BigInteger, Column, Integer, MetaData, Table, Text, create_engine, insert, select
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.pool import QueuePool

metadata = MetaData()

notes = Table(
    "notes",
    metadata,
    # BIGINT on PostgreSQL; SQLite auto-increments only an INTEGER primary key.
    Column("id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True),
    Column("body", Text, nullable=False),
)

DIALECTS = {"sqlite": "sqlite", "postgresql": "postgresql", "postgres": "postgresql"}
IN_MEMORY = (None, "", ":memory:")


class DatabaseError(RuntimeError):
    """The database could not be reached or refused a statement; the message is for logs, never clients."""


class DatabaseUnavailable(DatabaseError):
    """The database could not be reached: no connection, a lost one, or none free in the pool in time."""


def dialect_of(url: str) -> str:
    # Only the scheme is ever shown: the rest of a URL may hold a password.
    scheme = urlsplit(url).scheme.split("+")[0]
    got = f"{scheme}://..." if scheme else "no scheme"
    if scheme not in DIALECTS:
        raise ValueError(f"DATABASE_URL must start with sqlite://, postgresql:// or postgres://: got {got}")
    try:
        make_url(url)
    except (ArgumentError, ValueError):
        raise ValueError(f"DATABASE_URL must be a URL such as {scheme}://user@host:5432/name: got {got}") from None
    return DIALECTS[scheme]


def engine_url(url: str, password: SecretStr | None = None) -> URL:
    """DATABASE_URL on psycopg 3 for PostgreSQL, with DATABASE_PASSWORD if given (a URL prints it as ***)."""
    parsed = make_url(url).set(drivername="postgresql+psycopg" if dialect_of(url) == "postgresql" else "sqlite")
    return parsed if password is None else parsed.set(password=password.get_secret_value())


class Database:
    def __init__(
        self, url: str, password: SecretStr | None = None, pool_size: int = 10, pool_timeout: float = 5.0
    ) -> None:
        self.dialect = dialect_of(url)
        target = engine_url(url, password)
        if self.dialect == "postgresql":
            # pre_ping: a connection the server dropped (a restart, an idle timeout) is replaced, not handed out.
            options = {"pool_size": pool_size, "max_overflow": 0, "pool_timeout": pool_timeout, "pool_pre_ping": True}
            self.engine = create_engine(target, connect_args={"connect_timeout": 3}, **options)
        elif target.database in IN_MEMORY:
            # An in-memory database lives as long as its connection: one, lent to one request at a time.
            options = {"poolclass": QueuePool, "pool_size": 1, "max_overflow": 0, "pool_timeout": pool_timeout}
            self.engine = create_engine(target, connect_args={"check_same_thread": False}, **options)
            from .migrate import upgrade_engine  # migrate.py imports this module

            upgrade_engine(self.engine)
        else:
            self.engine = create_engine(target)

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """A connection in a transaction: committed when the block ends, rolled back when it raises."""
        try:
            with self.engine.begin() as connection:
                yield connection
        except SQLAlchemyError as exc:
            unavailable = isinstance(exc, (OperationalError, PoolTimeoutError))
            # The driver's own message, without the statement and its parameters.
            message = f"{self.dialect}: {getattr(exc, 'orig', None) or exc}"
            raise (DatabaseUnavailable if unavailable else DatabaseError)(message) from exc

    def close(self) -> None:
        """Close every pooled connection; the server calls this as it shuts down."""
        self.engine.dispose()

    def ping(self) -> None:
        with self.transaction() as connection:
            connection.scalar(select(1))

    def add_note(self, body: str) -> dict[str, Any]:
        with self.transaction() as connection:
            return connection.execute(insert(notes).values(body=body).returning(*notes.c)).one()._asdict()

    def list_notes(self, limit: int, after: int = 0) -> list[dict[str, Any]]:
        """At most `limit` notes with an id above `after`, oldest first (keyset paging: no OFFSET scan)."""
        query = select(notes).where(notes.c.id > after).order_by(notes.c.id).limit(limit)
        with self.transaction() as connection:
            return [dict(row) for row in connection.execute(query).mappings()]
