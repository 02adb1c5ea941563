"""The search index built again once (by the next `feedmill search`)

A `fulltext` item matched under a new guid while its page was down or gone
kept its article in its post, but was indexed with the feed's teaser; the
index no longer rewrites such an item, so one indexed so before would stay
so.  Marked out of date, as a pass with `search: false` marks it.

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
    meta = sa.table("meta", sa.column("name", sa.String))
    entries = sa.table("entries", sa.column("id", sa.Integer))
    stored = sa.exists(sa.select(entries.c.id))  # (an empty index is right as it is)
    op.get_bind().execute(sa.delete(meta).where(meta.c.name == "search_index", stored))


def downgrade() -> None:
    pass  # an index marked out of date is built again by the next search
