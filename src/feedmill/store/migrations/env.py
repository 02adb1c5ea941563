"""Alembic environment: feedmill passes the connection in; no alembic.ini."""

from __future__ import annotations

from alembic import context

from feedmill.store.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - feedmill always passes one
    raise RuntimeError("feedmill runs its migrations with an open connection")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
