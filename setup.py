"""The package layout, the one part of the build configuration setup.cfg cannot express.

The XSDs stay in the repository's top-level ``schemas/`` (the one copy, part of the product
layout); the wheel ships that folder as ``gateway/codec/xsd/`` through a ``package_dir`` mapping,
and ``gateway.codec.schemas`` finds it there with importlib.resources. ``setup.cfg`` cannot list
a mapped package next to ``packages = find:``, hence this file. Metadata and dependencies stay in
``setup.cfg``; build with ``pip wheel .`` or ``python -m build``, never ``python setup.py``.
"""

from setuptools import find_namespace_packages, find_packages, setup

setup(
    packages=[*find_packages(include=["gateway*", "webapp*", "jobs*"]), "gateway.codec.xsd",
              # The web's templates and static files are data folders: listed as (namespace)
              # packages so that setuptools ships them without warning.
              *find_namespace_packages(include=["webapp.templates*", "webapp.static*"])],
    package_dir={"gateway.codec.xsd": "schemas"},
    package_data={
        "gateway.codec.xsd": ["*.xsd"],
        # env.py and the revisions are modules of their packages; the template is data.
        "gateway.persistence.migrations": ["script.py.mako"],
        # The web application's templates and the CSS it ships (no CDN).
        **{pkg: ["*.html", "*.css", "*.js", "*.svg", "*.png"]
           for pkg in find_namespace_packages(include=["webapp.templates*", "webapp.static*"])},
    },
)
