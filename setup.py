"""The package layout, the one part of the build configuration setup.cfg cannot express.

The XSDs stay in the repository's top-level ``schemas/`` (the one copy, part of the product
layout); the wheel ships that folder as ``gateway/codec/xsd/`` through a ``package_dir`` mapping,
and ``gateway.codec.schemas`` finds it there with importlib.resources. ``setup.cfg`` cannot list
a mapped package next to ``packages = find:``, hence this file. Metadata and dependencies stay in
``setup.cfg``; build with ``pip wheel .`` or ``python -m build``, never ``python setup.py``.
"""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["gateway*", "webapp*", "jobs*"]), "gateway.codec.xsd"],
    package_dir={"gateway.codec.xsd": "schemas"},
    package_data={
        "gateway.codec.xsd": ["*.xsd"],
        # env.py and the revisions are modules of their packages; the template is data.
        "gateway.persistence.migrations": ["script.py.mako"],
        # The web application's templates and the CSS it ships (no CDN).
        "webapp": ["templates/*.html", "templates/*/*.html", "static/css/*.css"],
    },
)
