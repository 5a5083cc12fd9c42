"""The ``portal`` blueprint (views.py) and the pages registered on it: the unit portal
(issue 15) and the individual portal (issue 16)."""

from webapp.portal import person_views, resident_views  # noqa: F401  (routes on views.bp)
from webapp.portal import unit_views as unit_views  # noqa: F401
