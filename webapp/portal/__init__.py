"""The ``portal`` blueprint (views); the unit portal's pages (issue 15) register on it too."""

from webapp.portal import unit_views as unit_views  # noqa: F401
