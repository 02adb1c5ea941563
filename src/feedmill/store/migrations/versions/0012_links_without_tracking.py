"""entries.link without tracking parameters (utm_…, spm), as links are stored now

An item is matched to its stored entry by its link when its guid changes:
a route writing a new tracking value into its links (its guid the link) on
every fetch found no entry stored with another value, and posted the item
once more after the upgrade.  Versions are left as they are: an unchanged
item is known by the link as its feed writes it
(`store.entries.as_stored_before_untracking`).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from feedmill.urls import without_tracking

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_BATCH = 1000


def upgrade() -> None:
    bind = op.get_bind()
    entries = sa.table("entries", sa.column("id", sa.Integer), sa.column("link", sa.Text))
    lowered = sa.func.lower(entries.c.link)
    rows = bind.execute(
        sa.select(entries.c.id, entries.c.link).where(
            sa.or_(lowered.like("%utm%"), lowered.like("%spm=%"))
        )
    ).all()
    changed = [
        {"b_id": entry_id, "b_link": without_tracking(link) or None}
        for entry_id, link in rows
        if without_tracking(link) != link
    ]
    update = (
        sa.update(entries)
        .where(entries.c.id == sa.bindparam("b_id"))
        .values(link=sa.bindparam("b_link"))
    )
    for start in range(0, len(changed), _BATCH):
        bind.execute(update, changed[start : start + _BATCH])


def downgrade() -> None:
    pass  # the parameters are gone; links without them serve as well
