"""The JSON API under ``/api/v1`` for the bureau's mobile app and other front ends: bearer
tokens, the same permissions, scopes, audit and services as the pages, one error format."""

from webapp.api import unit_routes as unit_routes  # noqa: F401  (registers on bp)
from webapp.api.views import bp
from webapp.api import individual  # noqa: E402,F401  (its routes on bp)

__all__ = ["bp"]
