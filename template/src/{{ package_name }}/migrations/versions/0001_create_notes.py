"""Create the notes table.

Revision 0001, the first.
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Release 0.1.0 created this table on the first request: adopt it as it is.
    if sa.inspect(op.get_bind()).has_table("notes"):
        return
    op.create_table(
        "notes",
        # BIGINT identity on PostgreSQL; SQLite auto-increments only an INTEGER primary key.
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("body", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("notes")
