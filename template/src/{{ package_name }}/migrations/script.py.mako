<%!
def literal(value):
    if value is None:
        return "None"
    if isinstance(value, str):
        return '"%s"' % value
    return "(%s)" % ", ".join('"%s"' % item for item in value)
%>"""${message}

Revision ${up_revision}, after ${down_revision | comma,n}.
"""

import sqlalchemy as sa
from alembic import op

revision = ${literal(up_revision)}
down_revision = ${literal(down_revision)}
branch_labels = ${literal(branch_labels)}
depends_on = ${literal(depends_on)}


def upgrade() -> None:
    ${upgrades if upgrades else "pass"}


def downgrade() -> None:
    ${downgrades if downgrades else "pass"}
