"""``python -m gateway.cli`` is the same as ``etsgw``."""

from gateway.cli import main

main()
