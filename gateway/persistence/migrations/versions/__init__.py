"""One Alembic revision per file; a package only so that the wheel ships the files."""
