"""Alembic environment: runs the migrations on the engine the caller passes in the config."""

from __future__ import annotations

from alembic import context

from stratowatch.store.models import Base

engine = context.config.attributes["engine"]
with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
