"""The ``console`` blueprint (webapp.console.views.bp) and the modules adding pages to it."""

from webapp.console import reports  # noqa: F401  (registers the report pages on the blueprint)
