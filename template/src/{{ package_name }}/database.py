"""The notes store: PostgreSQL through a connection pool, or SQLite (the default, in-memory included).

The schema comes from migrations (migrate.py), run before the server starts: no request creates it.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import closing, contextmanager
from typing import Any
from urllib.parse import urlsplit

PLACEHOLDER = {"sqlite": "?", "postgresql": "%s"}
IN_MEMORY = {"", ":memory:"}


class DatabaseError(RuntimeError):
    """The database could not be reached or refused a statement; the message is for logs, never clients."""


def dialect_of(url: str) -> str:
    scheme = urlsplit(url).scheme.split("+")[0]
    dialect = {"sqlite": "sqlite", "postgresql": "postgresql", "postgres": "postgresql"}.get(scheme)
    if dialect is None:
        # Only the scheme is shown: the rest of a URL may hold a password.
        got = f"{scheme}://..." if scheme else "no scheme"
        raise ValueError(f"DATABASE_URL must start with sqlite://, postgresql:// or postgres://: got {got}")
    return dialect


def sqlite_path(url: str) -> str:
    """The file of a sqlite:// URL (sqlite:///relative.db, sqlite:////absolute.db); empty means in memory."""
    return url.split("://", 1)[1].removeprefix("/")


def libpq_url(url: str) -> str:
    """The URL psycopg reads: libpq knows no `+driver` suffix."""
    scheme, rest = url.split("://", 1)
    return f"{scheme.split('+')[0]}://{rest}"


class Database:
    def __init__(
        self,
        url: str,
        password: str | None = None,
        pool_size: int = 10,
        pool_timeout: float = 5.0,
        connect_timeout: float = 3.0,
    ) -> None:
        self.dialect = dialect_of(url)
        self.url = url
        self.connect_timeout = connect_timeout
        self._pool: Any = None
        self._shared: sqlite3.Connection | None = None
        self._shared_lock = threading.Lock()
        if self.dialect == "postgresql":
            from psycopg_pool import ConnectionPool  # imported here so SQLite users never load the driver

            options: dict[str, Any] = {"connect_timeout": max(1, int(connect_timeout))}
            if password is not None:
                options["password"] = password
            self._pool = ConnectionPool(
                libpq_url(url),
                kwargs=options,
                min_size=1,
                max_size=pool_size,
                timeout=pool_timeout,
                # A connection the server dropped (a restart, an idle timeout) is replaced, not handed out.
                check=ConnectionPool.check_connection,
                open=False,
            )
            # Connects in the background: the server starts, and /ready says when the database answers.
            self._pool.open(wait=False)
        elif sqlite_path(url) in IN_MEMORY:
            from .migrate import upgrade_sqlite_connection

            # An in-memory database lives as long as its connection: every request shares this one.
            self._shared = sqlite3.connect(":memory:", check_same_thread=False)
            upgrade_sqlite_connection(self._shared)

    @contextmanager
    def connection(self) -> Iterator[Any]:
        """A connection in a transaction: committed when the block ends, rolled back when it raises."""
        if self._pool is not None:
            import psycopg
            import psycopg_pool

            try:
                with self._pool.connection() as connection:
                    yield connection
            except (psycopg.Error, psycopg_pool.PoolTimeout) as exc:
                raise DatabaseError(f"postgresql: {exc}") from exc
        elif self._shared is not None:
            with self._shared_lock:
                yield from self._sqlite_transaction(self._shared)
        else:
            try:
                connection = sqlite3.connect(sqlite_path(self.url), timeout=self.connect_timeout)
            except sqlite3.Error as exc:
                raise DatabaseError(f"sqlite: {exc}") from exc
            with closing(connection):
                yield from self._sqlite_transaction(connection)

    @staticmethod
    def _sqlite_transaction(connection: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
        try:
            yield connection
            connection.commit()
        except sqlite3.Error as exc:
            connection.rollback()
            raise DatabaseError(f"sqlite: {exc}") from exc
        except BaseException:
            connection.rollback()
            raise

    def close(self) -> None:
        """Close every pooled or shared connection; the server calls this as it shuts down."""
        if self._pool is not None:
            self._pool.close()
        if self._shared is not None:
            self._shared.close()

    def ping(self) -> None:
        with self.connection() as connection, closing(connection.cursor()) as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()

    def add_note(self, body: str) -> dict[str, Any]:
        mark = PLACEHOLDER[self.dialect]
        with self.connection() as connection, closing(connection.cursor()) as cursor:
            cursor.execute(f"INSERT INTO notes (body) VALUES ({mark}) RETURNING id", (body,))  # noqa: S608
            (note_id,) = cursor.fetchone()
        return {"id": note_id, "body": body}

    def list_notes(self, limit: int, after: int = 0) -> list[dict[str, Any]]:
        """At most `limit` notes with an id above `after`, oldest first (keyset paging: no OFFSET scan)."""
        mark = PLACEHOLDER[self.dialect]
        with self.connection() as connection, closing(connection.cursor()) as cursor:
            cursor.execute(
                f"SELECT id, body FROM notes WHERE id > {mark} ORDER BY id LIMIT {mark}",  # noqa: S608
                (after, limit),
            )
            return [{"id": note_id, "body": body} for note_id, body in cursor.fetchall()]
