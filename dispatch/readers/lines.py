"""A big CSV file in blocks of whole lines, and its malformed rows named by file row.

The windowed read (:mod:`dispatch.readers.window`) parses each block on its own with
pyarrow; this module cuts the blocks and turns a block's failure into a message that
names the file row (pyarrow's own message counts from the block's start, or not at all).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

#: A block's size before it is cut back to its last line end (4 MiB: the block and its
#: parsed time column stay in the processor's cache; 1 MiB is slower, 16 MiB no faster).
BLOCK_BYTES = 4 * 2**20
_FIELDS = re.compile(r"Row #(\d+): Expected (\d+) columns, got (\d+)")


class QuotedLineBreak(Exception):
    """A block may end inside a quoted value (an odd number of ``"`` in it): the caller
    reads the file another way."""


def line_blocks(path: Path) -> Iterator[bytes] | None:
    """The file after its header line in blocks of about :data:`BLOCK_BYTES`, each ending
    at a line end (``\\n`` or ``\\r``).  ``None`` when the first line is blank (pandas then
    takes the next one as the header) or longer than a block.  Iterating raises
    :class:`QuotedLineBreak` at a block whose cut may be inside a quoted value (a line
    break in a value; a stray ``"`` in an unquoted one does it too, harmlessly)."""
    with open(path, "rb") as file:
        head = file.read(BLOCK_BYTES)
    ends = [i for i in (head.find(b"\n"), head.find(b"\r")) if i >= 0]
    if not ends or not head[: min(ends)].strip():
        return None
    end = min(ends)
    return _blocks(path, end + (2 if head[end : end + 2] == b"\r\n" else 1))


def _blocks(path: Path, start: int) -> Iterator[bytes]:
    with open(path, "rb") as file:
        file.seek(start)
        carry = b""
        while more := file.read(BLOCK_BYTES):
            data = carry + more
            cut = max(data.rfind(b"\n"), data.rfind(b"\r")) + 1
            block, carry = data[:cut], data[cut:]
            if block:
                yield _whole(block)
        if carry:
            yield _whole(carry)


def _whole(block: bytes) -> bytes:
    if b'"' in block and block.count(b'"') % 2:
        raise QuotedLineBreak
    return block


def fields_problem(message: str, offset: int) -> str | None:
    """pyarrow's ``Row #N: Expected H columns, got F`` in a block whose first row is file
    row ``offset + 1``, said with the file row; ``None`` for another message."""
    found = _FIELDS.search(message)
    if found is None:
        return None
    row, header, fields = (int(g) for g in found.groups())
    if fields > header:
        fix = "remove the extra field or add its column to the header"
    else:
        fix = "add the missing field (an empty value still has its comma)"
    return f"row {offset + row} has {fields} field{'s' * (fields != 1)}, the header {header}; {fix}"


def text_problem(
    block: bytes, error: UnicodeDecodeError, offset: int, count_rows: Callable[[bytes], int]
) -> str:
    """A byte that is not UTF-8, named by its file row (``count_rows``: the data rows in
    a piece of a block, empty lines not counted, as the parser counts them)."""
    line_start = max(block.rfind(b"\n", 0, error.start), block.rfind(b"\r", 0, error.start)) + 1
    row = offset + (count_rows(block[:line_start]) if line_start else 0) + 1
    return (
        f"row {row}: byte 0x{block[error.start]:02x} is not UTF-8 (Latin-1 or Windows-1252 "
        "text?); save the file as UTF-8"
    )
