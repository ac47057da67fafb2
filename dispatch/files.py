"""Atomic file output and strict JSON: a reader (or a crash) never sees a half-written file,
and no JSON file holds ``NaN`` or ``Infinity``.

Each writer writes to a temporary file in the target's folder and renames it into place
(``os.replace`` is atomic on POSIX and Windows within one filesystem).  The temporary file
is private while it is written (``mkstemp``); before the rename it gets the mode any new
file of the process would get (``0o666`` less the umask), as ``dispatch plan``'s outputs do.

:func:`strict_json` is the one JSON writer of the package: RFC 8259 has no ``NaN`` or
``Infinity``, so a non-finite number is written ``null`` (strict parsers such as
JavaScript's ``JSON.parse`` reject the former).  NumPy and pandas scalars become plain
numbers; anything else JSON does not know is written as its ``str``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import json
import math
import os
import stat
import sys
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any


def process_umask() -> int:
    """The process umask, read without changing it where the OS allows (Linux)."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)  # pragma: no cover - not Linux
    os.umask(mask)  # pragma: no cover
    return mask  # pragma: no cover


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` if the block succeeds.

    The file renamed into place has mode ``0o666 & ~umask`` (``mkstemp`` makes it 0600)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o666 & ~process_umask())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically (UTF-8)."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def json_safe(obj: Any) -> Any:
    """``obj`` with every non-finite float as ``None`` and NumPy/pandas scalars as Python's."""
    if isinstance(obj, bool) or obj is None or isinstance(obj, (str, int)):
        return obj
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    # a NumPy value exists only once NumPy is imported: `dispatch --help` need not import it
    np = sys.modules.get("numpy")
    if np is not None and isinstance(obj, np.generic):
        return json_safe(obj.item())
    if isinstance(obj, Mapping):
        return {
            str(k) if not isinstance(k, (str, int, float, bool)) else k: json_safe(v)
            for k, v in obj.items()
        }
    if isinstance(obj, (list, tuple)):
        return [json_safe(v) for v in obj]
    if np is not None and isinstance(obj, np.ndarray):
        return [json_safe(v) for v in obj.tolist()]
    if isinstance(obj, (dt.datetime, dt.date)):
        return obj.isoformat()
    return str(obj)


def strict_json(obj: Any, **kwargs: Any) -> str:
    """``json.dumps`` of :func:`json_safe` ``(obj)``: strict RFC 8259 (no NaN, no Infinity)."""
    return json.dumps(json_safe(obj), allow_nan=False, **kwargs)


def path_problem(path: Path, what: str = "file") -> str | None:
    """Why ``path`` cannot be read as a file, in words; ``None`` when it is a file.

    A folder, a symbolic link loop and a link to nothing are named as such (all three
    used to be reported as "file not found")."""
    path = Path(path)
    try:
        st = path.stat()
    except FileNotFoundError:
        if path.is_symlink():
            return f"is a broken symbolic link (to {os.readlink(path)}, which does not exist)"
        return f"{what} not found"
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "is a symbolic link loop (it points back to itself), not a file"
        if exc.errno == errno.ENAMETOOLONG:
            return "the path is too long"
        return f"cannot be read ({exc.strerror})"
    if stat.S_ISDIR(st.st_mode):
        return f"is a folder, not a {what}"
    if not stat.S_ISREG(st.st_mode):
        return f"is not a regular file (a device, socket or pipe), not a {what}"
    return None


def clip(text: object, limit: int = 60) -> str:
    """``repr``-free short form of a user's value for a message: at most ``limit`` chars."""
    shown = str(text)
    return shown if len(shown) <= limit else f"{shown[: limit - 3]}... ({len(shown):,} chars)"
