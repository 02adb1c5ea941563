"""search_index: full-text search over entries (FTS5 on SQLite, tsvector + GIN on PostgreSQL)

Not in schema.metadata (an FTS5 table is a virtual table); see store/search.py.
Existing entries are indexed here: a minute or two for a hundred thousand.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

import os

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from feedmill.store.search import FTS5_TOKENIZE, reindex_all

    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        # Contentless: FTS5 keeps no copy of the tokens; search_index_tokens
        # does, compressed, for replacing and removing rows.  (No trigger on
        # entries: SQL cannot decompress.  Entries are never deleted but with
        # their feed; rows left behind are invisible, as searches join with
        # entries, and replaced if SQLite ever reuses the id.)
        op.execute(
            "CREATE VIRTUAL TABLE search_index USING fts5("
            "title, body, title_parts, body_parts, "
            f"content='', tokenize=\"{FTS5_TOKENIZE}\")"
        )
        op.create_table(
            "search_index_tokens",
            sa.Column("entry_id", sa.Integer(), nullable=False),
            sa.Column("tokens", sa.LargeBinary(), nullable=False),
            sa.PrimaryKeyConstraint("entry_id", name=op.f("pk_search_index_tokens")),
        )
    else:
        op.create_table(
            "search_index",
            sa.Column("entry_id", sa.Integer(), nullable=False),
            sa.Column("document", postgresql.TSVECTOR(), nullable=False),
            sa.ForeignKeyConstraint(
                ["entry_id"],
                ["entries.id"],
                name=op.f("fk_search_index_entry_id_entries"),
                ondelete="CASCADE",
            ),
            sa.PrimaryKeyConstraint("entry_id", name=op.f("pk_search_index")),
        )
        op.create_index(
            op.f("ix_search_index_document"),
            "search_index",
            ["document"],
            postgresql_using="gin",
        )
    # Segmenting is most of the cost: a big database is indexed by several processes.
    # (search_pending comes with 0013.)
    reindex_all(bind, workers=min(4, os.cpu_count() or 1), pending_table=False)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.drop_table("search_index_tokens")
    op.execute("DROP TABLE search_index")
    op.execute("DELETE FROM meta WHERE name = 'search_index'")
