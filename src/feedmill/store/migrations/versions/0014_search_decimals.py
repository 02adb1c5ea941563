"""search_index (SQLite): "." kept inside a token, so that a decimal is one

The index gives FTS5 its tokens ready-made; FTS5's tokenizer split 2.1 at
its point all the same (tokenchars '+#'), and 1.8 found the 1-8 of 1-8月.
A virtual table's tokenizer cannot be altered: the index is made again,
empty, every entry listed as waiting for it, and the next `feedmill search`
fills it batch by batch (as after any change of how text is indexed; the
write lock is not held for the whole of it).  PostgreSQL stores the lexemes
as given: its index is only listed to be made again.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05
"""

from __future__ import annotations

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

_BEFORE = "unicode61 remove_diacritics 0 tokenchars '+#'"


def _remake(tokenize: str) -> None:
    op.execute("DROP TABLE search_index")
    op.execute(
        "CREATE VIRTUAL TABLE search_index USING fts5("
        "title, body, title_parts, body_parts, "
        f"content='', tokenize=\"{tokenize}\")"
    )
    op.execute("DELETE FROM search_index_tokens")


def upgrade() -> None:
    from feedmill.store.search import FTS5_TOKENIZE, start_over

    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        _remake(FTS5_TOKENIZE)
    start_over(bind)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _remake(_BEFORE)
    op.execute("DELETE FROM search_pending")
    # An index of no scheme: the older feedmill's search builds its own.
    op.execute("DELETE FROM meta WHERE name = 'search_index'")
