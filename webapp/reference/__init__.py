"""The ``reference`` blueprint (社保参数): reference parameters with effective dates under
maker-checker, the year's workbook import and export, and the bank-branch directory editor, for
office heads (their city) and the security administrator (every city). Every route demands
``reference.manage``; records of another city answer 404."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("reference", __name__, url_prefix="/reference")

from webapp.reference import banks, transfer, views  # noqa: E402,F401  (routes register on bp)
