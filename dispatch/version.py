"""The package version, from the installed distribution's metadata (bottom layer).

Read here rather than from :mod:`dispatch` itself so that any layer can name the version
without importing the top-level package (and with it every layer above).
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("hybrid-dispatch")
except PackageNotFoundError:  # run from a source tree that was never installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
