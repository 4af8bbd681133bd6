"""Alembic's environment: runs the versions/ scripts on the connection migrate.py opened."""

from alembic import context
from sqlalchemy import text

# Any constant shared by every migrator of this database: it names the lock they queue on.
MIGRATION_LOCK = 7_410_262_817

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=None)
with context.begin_transaction():
    if connection.dialect.name == "postgresql":
        # Replicas' init containers may migrate at once: one applies, the others then find nothing to do.
        connection.execute(text(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})"))
    context.run_migrations()
