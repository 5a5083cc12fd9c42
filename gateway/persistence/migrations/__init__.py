"""Alembic migrations of the gateway schema (``env.py``, ``versions/``), shipped as a package so
that a wheel carries them; Alembic loads the files by path, nobody imports them."""
