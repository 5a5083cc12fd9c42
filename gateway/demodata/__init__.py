"""Reproducible Guangdong demo data (``etsgw demo-data``, ``etsgw demo``): reference data, payers,
insured persons, levies, agreements and demo logins, loaded with set-based bulk inserts."""

from gateway.demodata.generator import (DEFAULT_SEED, DemoDataExists, GenerationReport,
                                        expected_levy_count, generate)

__all__ = ["DEFAULT_SEED", "DemoDataExists", "GenerationReport", "expected_levy_count", "generate"]
