"""entries: status, duplicate_of, reason, fingerprint; dedupe_bands

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("entries", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("status", sa.String(length=16), server_default="active", nullable=False)
        )
        batch_op.add_column(sa.Column("duplicate_of", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("fingerprint", sa.String(length=32), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_entries_duplicate_of_entries"),
            "entries",
            ["duplicate_of"],
            ["id"],
            ondelete="SET NULL",
        )
        # By its hash on PostgreSQL (as 0010 makes it): a btree key holds
        # ~2.7 KB, and a database from before this one may hold a longer link
        # (a tracking query string) — this upgrade failed on it, every run.
        batch_op.create_index(
            batch_op.f("ix_entries_link"), ["link"], unique=False, postgresql_using="hash"
        )
        batch_op.create_index(batch_op.f("ix_entries_fingerprint"), ["fingerprint"], unique=False)
        batch_op.create_index(batch_op.f("ix_entries_duplicate_of"), ["duplicate_of"], unique=False)
    op.create_table(
        "dedupe_bands",
        sa.Column("band", sa.BigInteger(), nullable=False),
        sa.Column("day", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["entries.id"],
            name=op.f("fk_dedupe_bands_entry_id_entries"),
            ondelete="CASCADE",
        ),
    )
    with op.batch_alter_table("dedupe_bands", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dedupe_bands_band_day"), ["band", "day"], unique=False)
        batch_op.create_index(batch_op.f("ix_dedupe_bands_entry_id"), ["entry_id"], unique=False)


def downgrade() -> None:
    op.drop_table("dedupe_bands")
    with op.batch_alter_table("entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_entries_duplicate_of"))
        batch_op.drop_index(batch_op.f("ix_entries_fingerprint"))
        batch_op.drop_index(batch_op.f("ix_entries_link"))
        batch_op.drop_constraint(batch_op.f("fk_entries_duplicate_of_entries"), type_="foreignkey")
        batch_op.drop_column("fingerprint")
        batch_op.drop_column("reason")
        batch_op.drop_column("duplicate_of")
        batch_op.drop_column("status")
