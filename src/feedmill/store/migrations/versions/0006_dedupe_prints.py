"""dedupe_prints; dedupe_bands indexed by (band, day, entry_id)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dedupe_prints",
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("moment", sa.BigInteger(), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["entries.id"],
            name=op.f("fk_dedupe_prints_entry_id_entries"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("entry_id", name=op.f("pk_dedupe_prints")),
    )
    # Covers the per-band lookup of the newest stories (store/dedupe.py).
    op.drop_index("ix_dedupe_bands_band_day", table_name="dedupe_bands")
    op.create_index(
        "ix_dedupe_bands_band_day_entry_id", "dedupe_bands", ["band", "day", "entry_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_dedupe_bands_band_day_entry_id", table_name="dedupe_bands")
    op.create_index("ix_dedupe_bands_band_day", "dedupe_bands", ["band", "day"])
    op.drop_table("dedupe_prints")
