"""Alembic's environment: our metadata, and the URL handed over in ``config.attributes``."""

from __future__ import annotations

from alembic import context

from bot.database import Base, make_engine
from bot.leads import models  # noqa: F401 - registers the tables on Base.metadata

config = context.config
url = config.attributes["database_url"]
engine = make_engine(url)
with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        # Rasa's tracker store shares the database (table "events"): not ours to migrate.
        include_name=lambda name, type_, _parent: type_ != "table" or name in Base.metadata.tables,
    )
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()
