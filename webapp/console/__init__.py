"""The ``console`` blueprint: its views (:mod:`views`) and the batch-deduction pages
(:mod:`batches`), which add their routes to the same blueprint when imported here."""

from webapp.console import batches as _batches  # noqa: F401  (registers the batch routes)
