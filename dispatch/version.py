"""The package version, from the installed distribution's metadata (bottom layer).

Read here rather than from :mod:`dispatch` itself so that any layer can name the version
without importing the top-level package (and with it every layer above).

``__version__`` is read on first use (a module ``__getattr__``): :mod:`importlib.metadata`
and what it imports (email, zipfile, csv) cost 20-50 ms, which ``dispatch --help`` and
``import dispatch`` need not pay.
"""

from __future__ import annotations


def __getattr__(name: str) -> str:
    if name != "__version__":
        raise AttributeError(f"module 'dispatch.version' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        value = version("hybrid-dispatch")
    except PackageNotFoundError:  # run from a source tree that was never installed
        value = "0.0.0+unknown"
    globals()["__version__"] = value  # the next access is a plain attribute
    return value


__all__ = ["__version__"]  # noqa: F822 (set on first use by __getattr__)
