"""entries.link indexed by its hash on PostgreSQL

A btree key holds at most ~2.7 KB: an item whose link is longer (a tracking
query string) failed its whole feed's transaction, every pass.  A hash index
has no such limit and serves the equality lookups that read it.  SQLite's
btree has no such limit: nothing changes there.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("ix_entries_link", table_name="entries")
    op.create_index("ix_entries_link", "entries", ["link"], postgresql_using="hash")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index("ix_entries_link", table_name="entries")
    op.create_index("ix_entries_link", "entries", ["link"])
