"""Store stage: feeds, entries and posts in SQLite (default) or PostgreSQL."""
