"""The XSDs of ``schemas/``: loaded once, validated against on the hot path with libxml2.

Where they are: the repository keeps them in its top-level ``schemas/`` (the one copy); a wheel
ships that folder as the package data ``gateway/codec/xsd/`` (``setup.py`` maps it), found here
through :mod:`importlib.resources`. A source checkout or an editable install has no such folder
and reads ``schemas/`` beside the package.

lxml keeps the last error log on the validator object, so each thread gets its own compiled
:class:`lxml.etree.XMLSchema` per message number (compiling one takes well under a
millisecond). ``xmlschema`` is loaded only when a rejected message needs a precise,
path-qualified report; it never runs for a valid message.
"""

from __future__ import annotations

import threading
from importlib import resources
from pathlib import Path
from typing import Any

from lxml import etree

from gateway.codec import contract_choices as choices
from gateway.codec.messages import BODY_CLASSES


def _default_schema_dir() -> Path:
    packaged = resources.files("gateway.codec").joinpath("xsd")
    if packaged.is_dir():  # installed from a wheel
        # lxml and xmlschema read the files by name (xs:include finds common.xsd beside each one),
        # so the package must be installed as files, as pip does, not imported from a zip.
        return Path(str(packaged))
    return Path(__file__).resolve().parents[2] / "schemas"


#: The XSD folder: ``gateway/codec/xsd/`` in an installed wheel, else ``schemas/`` of the checkout.
DEFAULT_SCHEMA_DIR = _default_schema_dir()

_PER_THREAD = threading.local()
_PRECISE: dict[tuple[Path, str], Any] = {}
_PRECISE_LOCK = threading.Lock()
_OCCURS: dict[tuple[Path, str, str, str], tuple[int, float]] = {}
_XS = {"xs": "http://www.w3.org/2001/XMLSchema"}
# Our own XSD files: no network, no entities, but xs:include must still read common.xsd.
_XSD_PARSER_OPTIONS = {"resolve_entities": False, "no_network": True, "load_dtd": False}


class SchemaSet:
    """The 22 message schemas of one directory."""

    def __init__(self, schema_dir: Path | str | None = None) -> None:
        self.directory = Path(schema_dir or DEFAULT_SCHEMA_DIR).resolve()
        missing = [n for n in ("common", *BODY_CLASSES) if not (self.directory / f"{n}.xsd").is_file()]
        if missing:
            raise FileNotFoundError(f"{self.directory}: missing {', '.join(m + '.xsd' for m in missing)}")

    def path(self, msg_no: str) -> Path:
        """The XSD file of a message number."""
        return self.directory / f"{msg_no}.xsd"

    def validator(self, msg_no: str) -> etree.XMLSchema:
        """The compiled schema of ``msg_no`` for the calling thread (KeyError if unknown)."""
        cache: dict[tuple[Path, str], etree.XMLSchema] | None = getattr(_PER_THREAD, "schemas", None)
        if cache is None:
            cache = _PER_THREAD.schemas = {}
        key = (self.directory, msg_no)
        schema = cache.get(key)
        if schema is None:
            if msg_no not in BODY_CLASSES:
                raise KeyError(msg_no)
            parser = etree.XMLParser(**_XSD_PARSER_OPTIONS)
            schema = cache[key] = etree.XMLSchema(etree.parse(str(self.path(msg_no)), parser))
        return schema

    def occurs(self, msg_no: str, complex_type: str, element: str) -> tuple[int, float]:
        """minOccurs and maxOccurs (inf for unbounded) of ``element`` in the named complex
        type of ``msg_no``'s XSD, as written there (cached)."""
        key = (self.directory, msg_no, complex_type, element)
        found = _OCCURS.get(key)
        if found is None:
            tree = etree.parse(str(self.path(msg_no)), etree.XMLParser(**_XSD_PARSER_OPTIONS))
            (decl,) = tree.xpath(
                "//xs:complexType[@name=$t]//xs:element[@name=$e]", namespaces=_XS, t=complex_type, e=element
            )
            high = decl.get("maxOccurs", "1")
            found = _OCCURS[key] = (int(decl.get("minOccurs", "1")), float("inf") if high == "unbounded" else int(high))
        return found

    def report(self, msg_no: str, root: etree._Element, size: int) -> str:
        """Why ``root`` is not valid: ``"<path>: <reason>"`` for the first error found."""
        if size <= choices.PRECISE_REPORT_MAX_BYTES and _attributes(root) <= \
                choices.PRECISE_REPORT_MAX_ATTRIBUTES:
            precise = self._precise_report(msg_no, root)
            if precise:
                return precise
        validator = self.validator(msg_no)
        validator.validate(root)
        for entry in validator.error_log:
            return f"{entry.path or 'line ' + str(entry.line)}: {entry.message}"
        return "the message does not match its schema"

    def _precise_report(self, msg_no: str, root: etree._Element) -> str | None:
        try:
            schema = self._precise(msg_no)
            for error in schema.iter_errors(root):
                reason = error.reason or error.message
                if isinstance(error.obj, str):
                    reason = f"{reason} (value {error.obj!r})"
                return f"{error.path}: {reason}" if error.path else str(reason)
        except Exception:  # noqa: BLE001 - a report must never turn into a crash
            return None
        return None

    def _precise(self, msg_no: str) -> Any:
        key = (self.directory, msg_no)
        with _PRECISE_LOCK:
            schema = _PRECISE.get(key)
            if schema is None:
                import xmlschema  # off the hot path: only a rejected message pays for it

                schema = _PRECISE[key] = xmlschema.XMLSchema10(str(self.path(msg_no)))
            return schema


def _attributes(root: etree._Element) -> int:
    """How many attributes the document carries (linear in its size)."""
    return sum(len(el.attrib) for el in root.iter())
