"""The ``console`` blueprint (webapp.console.views.bp) and the modules adding pages to it:
the batch-deduction pages (:mod:`batches`) and the reports (:mod:`reports`)."""

from webapp.console import batches as _batches  # noqa: F401  (registers the batch routes)
from webapp.console import reports  # noqa: F401  (registers the report pages on the blueprint)
