"""The ``portal`` blueprint (views.py) and the individual portal's pages registered on it."""

from webapp.portal import person_views, resident_views  # noqa: F401  (routes on views.bp)
