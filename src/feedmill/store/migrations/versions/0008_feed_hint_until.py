"""feeds.hint_until: until when the server asked not to be polled

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from feedmill.store.schema import UTCDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("feeds", schema=None) as batch_op:
        batch_op.add_column(sa.Column("hint_until", UTCDateTime(), nullable=True))
    # What a server asked for before is not known: the next attempt already
    # set stands as its hint, so that a shorter interval cannot skip it.
    op.execute("UPDATE feeds SET hint_until = next_attempt_at WHERE error_streak = 0")


def downgrade() -> None:
    with op.batch_alter_table("feeds", schema=None) as batch_op:
        batch_op.drop_column("hint_until")
