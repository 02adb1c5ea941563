"""search_pending: entries stored unindexed (search: false), for the next search to index

A pass with `search: false` said only "the index is out of date", and the
next `feedmill search` rebuilt all of it in one write transaction (39 s at
38,000 entries, every daemon pass meanwhile failing with "database is
locked").  An index out of date when this runs is still rebuilt whole, once.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "search_pending",
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["entries.id"],
            name=op.f("fk_search_pending_entry_id_entries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("entry_id", name=op.f("pk_search_pending")),
    )


def downgrade() -> None:
    op.drop_table("search_pending")
    # What it listed is not indexed: an older feedmill's search rebuilds.
    op.execute("DELETE FROM meta WHERE name = 'search_index'")
