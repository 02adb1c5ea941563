"""feeds: permanent-redirect tracking, parser used, warnings

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("feeds", schema=None) as batch_op:
        batch_op.add_column(sa.Column("redirect_url", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("redirect_streak", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(sa.Column("parser", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("warning", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("feeds", schema=None) as batch_op:
        batch_op.drop_column("warning")
        batch_op.drop_column("parser")
        batch_op.drop_column("redirect_streak")
        batch_op.drop_column("redirect_url")
