"""Generate the site-file field reference from the pydantic models' descriptions.

    python tools/gen_field_reference.py           # rewrite the block in docs/site_file.md
    python tools/gen_field_reference.py --print   # print the block

The block sits between ``<!-- fields:start -->`` and ``<!-- fields:end -->`` in
``docs/site_file.md``; ``tests/test_docs.py`` fails when it is out of date or misses a field.
"""

from __future__ import annotations

import sys
import types
import typing
from pathlib import Path

from annotated_types import Ge, Gt, Le, Lt, MaxLen, MinLen
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from dispatch import config

PAGE = Path(__file__).parents[1] / "docs" / "site_file.md"
START, END = "<!-- fields:start -->", "<!-- fields:end -->"

#: (model, where it sits in the site file), in reading order.
MODELS: list[tuple[type[BaseModel], str]] = [
    (config.Site, "top level"),
    (config.Grid, "`grid`"),
    (config.HpcHall, "each item of `hpc_halls`"),
    (config.MinerFleet, "each item of `fleets`"),
    (config.MinerUnit, "`fleets[].miner`"),
    (config.PowerTarget, "`fleets[].power_target`"),
    (config.Outage, "each item of `fleets[].outages`"),
    (config.Battery, "`battery`"),
    (config.Genset, "each item of `gensets`"),
    (config.Solar, "`solar`"),
    (config.GasSupply, "each item of `gas_supplies`"),
    (config.DemandResponseEvent, "each item of `dr_events`"),
    (config.DemandCharge, "`demand_charge`"),
    (config.CoincidentPeak, "`coincident_peak`"),
    (config.ReserveProduct, "each item of `reserve_products`"),
    (config.StandbyCommitment, "each item of `standby_dr`"),
    (config.StandbyTerm, "`standby_dr[].term`"),
]


def field_reference() -> str:
    """The markdown block (without the markers)."""
    covered = {model for model, _ in MODELS}
    missing = [
        name
        for name, obj in vars(config).items()
        if isinstance(obj, type)
        and issubclass(obj, BaseModel)
        and obj.__module__ == config.__name__
        and not name.startswith("_")
        and obj not in covered
    ]
    if missing:
        raise SystemExit(f"add {', '.join(missing)} to MODELS in {__file__}")
    parts = []
    for model, where in MODELS:
        doc = " ".join((model.__doc__ or "").strip().split("\n\n")[0].split())
        parts.append(f"#### `{model.__name__}` ({where})\n\n{doc}\n")
        parts.append("| field | type | default | description |")
        parts.append("|---|---|---|---|")
        for name, info in model.model_fields.items():
            parts.append(
                f"| `{name}` | {_type(info.annotation)}{_limits(info)} | {_default(info)} "
                f"| {_description(info)} |"
            )
        parts.append("")
    return "\n".join(parts).rstrip() + "\n"


def _type(annotation: object) -> str:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return _type(args[0])
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        text = " or ".join(_type(a) for a in inner)
        return f"{text} or none" if len(inner) < len(args) else text
    if origin is typing.Literal:
        return " / ".join(str(a) for a in args)
    if origin is tuple:
        return f"[{', '.join(_type(a) for a in args if a is not Ellipsis)}]"
    if origin is list:
        return f"list of {_type(args[0])}"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return f"`{annotation.__name__}`"
    name = getattr(annotation, "__name__", str(annotation))
    return "date-time" if name == "datetime" else name


def _constraints(info: FieldInfo) -> list[object]:
    found = list(info.metadata)
    annotation = info.annotation
    for arg in typing.get_args(annotation):  # Annotated inside Optional
        if typing.get_origin(arg) is typing.Annotated:
            found += list(typing.get_args(arg)[1:])
    if typing.get_origin(annotation) is typing.Annotated:
        found += list(typing.get_args(annotation)[1:])
    for item in list(found):
        if isinstance(item, FieldInfo):
            found += list(item.metadata)
    return found


def _limits(info: FieldInfo) -> str:
    text = []
    for c in _constraints(info):
        if isinstance(c, Gt):
            text.append(f"> {c.gt:g}")
        elif isinstance(c, Ge):
            text.append(f">= {c.ge:g}")
        elif isinstance(c, Lt):
            text.append(f"< {c.lt:g}")
        elif isinstance(c, Le):
            text.append(f"<= {c.le:g}")
        elif isinstance(c, MinLen):
            text.append(f"at least {c.min_length} items")
        elif isinstance(c, MaxLen):
            text.append(f"at most {c.max_length} items")
        elif getattr(c, "pattern", None):
            text.append("letters, digits and _, starting with a letter")
    text = list(dict.fromkeys(text))
    return f", {', '.join(text)}" if text else ""


def _default(info: FieldInfo) -> str:
    if info.default_factory is not None:
        return f"`{info.default_factory()!r}`"
    if info.default is PydanticUndefined:
        return "**required**"
    if info.default is None:
        return "none"
    value = info.default
    return f"`{value:g}`" if isinstance(value, float) else f"`{value}`"


def _description(info: FieldInfo) -> str:
    text = info.description
    if text is None:
        for c in _constraints(info):
            if isinstance(c, FieldInfo) and c.description:
                text = c.description
    if text is None:
        nested = [
            a
            for a in (info.annotation, *typing.get_args(info.annotation))
            if isinstance(a, type) and issubclass(a, BaseModel)
        ]
        if nested:
            text = (nested[0].__doc__ or "").strip().split("\n")[0].rstrip(".")
            text = f"{text} (see `{nested[0].__name__}`)"
    return (text or "").replace("|", "\\|")


def main() -> None:
    block = field_reference()
    if "--print" in sys.argv:
        sys.stdout.write(block)
        return
    text = PAGE.read_text()
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    if not rest:
        raise SystemExit(f"{PAGE}: no {START} marker")
    PAGE.write_text(f"{head}{START}\n{block}{END}{tail}")


if __name__ == "__main__":
    main()
