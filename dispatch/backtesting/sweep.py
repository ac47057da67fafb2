"""Scenario sweeps: every combination of a few site parameters, input scalings and years.

A sweep file (YAML)::

    base: site.yaml              # optional: the site to vary (relative to this file);
                                 # default: the site given to the command / function
    vary:                        # every combination runs as one scenario
      hpc_halls[0].it_load_mw: [40, 60, 80]
      fleets[s21].containers: [5, 10]
      inputs.hashprice_scale: [0.8, 1.0, 1.2]
      battery: [on, off]
      years: [2021, 2022, 2023]

Keys of ``vary``:

- **a site field path**: dotted field names as in the site file, with ``[i]`` for the i-th
  item of a list or ``[name]`` for the item with that ``name`` (``fleets[s21]``).  Each
  value is written there and the site validated again (a bad value is a ``ConfigError``
  naming the scenario).  A section (``battery``, ``solar``, ``demand_charge``,
  ``coincident_peak``, ``gensets``, ...) takes ``off`` (removed) or ``on`` (kept as in the
  base site).  Setting a hall's ``it_load_mw`` also scales that hall's IT-load series, when
  the inputs give one, by new / base ``it_load_mw``: the hall is resized, its profile kept.
- ``inputs.hashprice_scale``, ``inputs.price_scale``, ``inputs.rt_price_scale``,
  ``inputs.hpc_load_scale``: multiply that input series.
- ``years``: the scenario runs over that calendar year (local time) instead of the
  backtest's start and end; the inputs must cover it.

An unknown key or field is a ``ConfigError`` naming it.  Scenario names list the values,
``key=value`` joined by commas (``battery=off,years=2022``); with no ``vary``, the one
scenario is named ``base``.

**Size.** The scenarios are counted (the product of the numbers of values) before any is
built: above ``max_scenarios`` (default :data:`MAX_SCENARIOS` = 1,000, each a whole
backtest) the sweep is refused with the count; raise the limit to confirm
(``backtest(..., max_scenarios=N)``, ``dispatch backtest --max-scenarios N``).  8 keys of 10
values are 10^8 scenarios: refused at once, where expanding them grew past 4.8 GB.

**Fleet sizes.** A sweep that makes a fleet smaller than its ``containers_initially_on``
(``fleets[s21].containers: [5, 10]`` with 10 initially on) clamps the initial count to the
containers in service (``containers - containers_unavailable``) in that scenario, with a
note, instead of refusing the scenario.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from dispatch.config import Site
from dispatch.errors import ConfigError
from dispatch.horizon import local_timestamp
from dispatch.inputs import Inputs

INPUT_SCALES = {
    "inputs.hashprice_scale": "hashprice_usd_per_ph_day",
    "inputs.price_scale": "price_usd_per_mwh",
    "inputs.rt_price_scale": "rt_price_usd_per_mwh",
    "inputs.hpc_load_scale": "hpc_it_load_mw",
}
#: Scenarios a sweep may expand to unless the caller raises the limit (see the docstring).
MAX_SCENARIOS = 1_000
_PIECE = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)((?:\[[^\].\[]+\])*)")
_INDEX = re.compile(r"\[([^\]]+)\]")


@dataclass(frozen=True)
class Scenario:
    """One run of the backtest: a site, its inputs and its period."""

    name: str
    params: Mapping[str, Any]
    site: Site
    inputs: Inputs
    start: pd.Timestamp
    end: pd.Timestamp
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Sweep:
    """The parsed sweep file: ``vary`` in file order, and an optional base site."""

    vary: Mapping[str, tuple[Any, ...]]
    base: Path | None = None
    source: str = "sweep"

    @classmethod
    def from_yaml(cls, path: str | Path) -> Sweep:
        path = Path(path)
        try:
            raw = yaml.safe_load(path.read_text())
        except FileNotFoundError:
            raise ConfigError(f"{path}: sweep file not found") from None
        except yaml.YAMLError as exc:
            raise ConfigError(f"{path}: invalid YAML: {str(exc).splitlines()[0]}") from None
        return cls.from_dict(raw or {}, source=str(path), folder=path.parent)

    @classmethod
    def from_dict(
        cls, raw: Mapping[str, Any], *, source: str = "sweep", folder: Path | None = None
    ) -> Sweep:
        if not isinstance(raw, Mapping):
            raise ConfigError(f"{source}: expected a mapping with 'vary' (and 'base')")
        unknown = set(raw) - {"base", "vary"}
        if unknown:
            raise ConfigError(f"{source}: unknown key {sorted(unknown)[0]!r} (known: base, vary)")
        vary_raw = raw.get("vary") or {}
        if not isinstance(vary_raw, Mapping):
            raise ConfigError(f"{source}: vary must map keys to lists of values")
        vary: dict[str, tuple[Any, ...]] = {}
        for key, values in vary_raw.items():
            values = tuple(values) if isinstance(values, (list, tuple)) else (values,)
            if not values:
                raise ConfigError(f"{source}: vary.{key}: give at least one value")
            if key == "years":
                for v in values:
                    if not isinstance(v, int) or isinstance(v, bool):
                        raise ConfigError(f"{source}: vary.years: {v!r} is not a year")
            elif key.startswith("inputs."):
                if key not in INPUT_SCALES:
                    raise ConfigError(
                        f"{source}: vary key {key!r} is unknown (inputs keys: "
                        f"{', '.join(INPUT_SCALES)})"
                    )
                for v in values:
                    if isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0:
                        raise ConfigError(f"{source}: vary.{key}: {v!r} is not a factor >= 0")
            else:
                _parse_path(key, source)
            vary[str(key)] = values
        base = raw.get("base")
        base_path = None
        if base is not None:
            base_path = Path(base)
            if not base_path.is_absolute() and folder is not None:
                base_path = folder / base_path
        return cls(vary=vary, base=base_path, source=source)

    def count(self) -> int:
        """How many scenarios the sweep expands to (without expanding them)."""
        return math.prod(len(v) for v in self.vary.values())

    def scenarios(
        self,
        site: Site | None,
        inputs: Inputs,
        start: pd.Timestamp | None,
        end: pd.Timestamp | None,
        *,
        max_scenarios: int | None = MAX_SCENARIOS,
    ) -> list[Scenario]:
        """Every combination, in file order (the last key varies fastest); more than
        ``max_scenarios`` is a ``ConfigError`` raised before any is built."""
        count = self.count()
        if max_scenarios is not None and count > max_scenarios:
            sizes = " x ".join(str(len(v)) for v in self.vary.values())
            raise ConfigError(
                f"{self.source}: {count:,} scenarios ({len(self.vary)} keys: {sizes} values), "
                f"above the limit of {max_scenarios:,}, each a whole backtest; vary fewer "
                f"values, or confirm with max_scenarios={count}"
            )
        if self.base is not None:
            site = Site.from_yaml(self.base)
        if site is None:
            raise ConfigError(f"{self.source}: no base site (give 'base' or a site)")
        keys = list(self.vary)
        out = []
        for combo in itertools.product(*(self.vary[k] for k in keys)):
            params = dict(zip(keys, combo, strict=True))
            name = ",".join(f"{k}={_fmt(v)}" for k, v in params.items()) or "base"
            out.append(self._scenario(name, params, site, inputs, start, end))
        return out

    def _scenario(
        self,
        name: str,
        params: dict[str, Any],
        site: Site,
        inputs: Inputs,
        start: pd.Timestamp | None,
        end: pd.Timestamp | None,
    ) -> Scenario:
        raw = site.model_dump(mode="json")
        for key, value in params.items():
            if key != "years" and not key.startswith("inputs."):
                _set(raw, _parse_path(key, self.source), value, key, site, self.source)
        notes = (
            _clamp_initially_on(raw, name) if any(k.startswith("fleets") for k in params) else []
        )
        new_site = Site.from_dict(raw, source=f"{self.source}: scenario {name}")
        new_inputs = _resize_halls(site, new_site, inputs)
        factors = {INPUT_SCALES[k]: float(v) for k, v in params.items() if k in INPUT_SCALES}
        for field, factor in factors.items():
            if getattr(new_inputs, field) is None:
                if field == "hpc_it_load_mw":
                    new_inputs = new_inputs.replace(
                        hpc_it_load_mw=new_inputs.hall_it_load_mw(new_site)
                    )
                else:
                    raise ConfigError(
                        f"{self.source}: scenario {name}: cannot scale {field}, which the "
                        "inputs do not give"
                    )
            new_inputs = new_inputs.scaled(**{field: factor})
        if "years" in params:
            year = int(params["years"])
            start = local_timestamp(f"{year}-01-01", site.timezone)
            end = local_timestamp(f"{year + 1}-01-01", site.timezone)
        if start is None or end is None:
            raise ConfigError(f"{self.source}: give the backtest's start and end, or vary years")
        return Scenario(name, params, new_site, new_inputs, start, end, tuple(notes))


def single_scenario(site: Site, inputs: Inputs, start: pd.Timestamp, end: pd.Timestamp) -> Scenario:
    return Scenario("base", {}, site, inputs, start, end)


def _fmt(value: Any) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if value is None:
        return "off"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _parse_path(key: str, source: str) -> list[str | int]:
    """``hpc_halls[0].it_load_mw`` -> ``["hpc_halls", 0, "it_load_mw"]`` (``[s21]`` kept
    as the string ``"[s21]"``: the item named s21)."""
    parts: list[str | int] = []
    for piece in key.split("."):
        m = _PIECE.fullmatch(piece)
        if m is None:
            raise ConfigError(
                f"{source}: vary key {key!r} is not a field path like hpc_halls[0].pue"
            )
        parts.append(m.group(1))
        for index in _INDEX.findall(m.group(2)):
            parts.append(int(index) if index.lstrip("-").isdigit() else f"[{index}]")
    return parts


def _set(raw: dict, path: list[str | int], value: Any, key: str, site: Site, source: str) -> None:
    node: Any = raw
    for k, part in enumerate(path):
        last = k == len(path) - 1
        where = f"{source}: vary key {key!r}"
        if isinstance(part, int) or part.startswith("["):
            if not isinstance(node, list):
                raise ConfigError(f"{where}: {path[k - 1]} is not a list")
            if isinstance(part, int):
                if not -len(node) <= part < len(node):
                    raise ConfigError(f"{where}: no item [{part}] ({len(node)} items)")
                pos = part
            else:
                wanted = part[1:-1]
                names = [item.get("name") for item in node if isinstance(item, dict)]
                if wanted not in names:
                    raise ConfigError(f"{where}: no item named {wanted!r} (names: {names})")
                pos = names.index(wanted)
            if last:
                node[pos] = value
                return
            node = node[pos]
            continue
        if not isinstance(node, dict):
            raise ConfigError(f"{where}: {part!r} cannot be looked up in a {type(node).__name__}")
        if part not in node:
            raise ConfigError(f"{where}: unknown field {part!r}")
        if last:
            current = node[part]
            toggles = isinstance(value, bool) or value is None
            if toggles and (current is None or isinstance(current, (dict, list))):
                if value:
                    if not current:
                        raise ConfigError(f"{where}: the base site has no {part} to switch on")
                    return
                node[part] = [] if isinstance(current, list) else None
                return
            node[part] = value
            return
        if node[part] is None:
            raise ConfigError(f"{where}: the base site has no {part}")
        node = node[part]


def _clamp_initially_on(raw: dict, name: str) -> list[str]:
    """Clamp each fleet's ``containers_initially_on`` to its containers in service, in the
    scenario's raw site; one note per fleet clamped."""
    notes = []
    for fleet in raw.get("fleets") or []:
        if not isinstance(fleet, dict):
            continue
        try:
            in_service = int(fleet["containers"]) - int(fleet.get("containers_unavailable") or 0)
            initially = int(fleet.get("containers_initially_on") or 0)
        except (KeyError, TypeError, ValueError):
            continue  # a bad value: the site's validation names it
        if in_service >= 0 and initially > in_service:
            fleet["containers_initially_on"] = in_service
            notes.append(
                f"scenario {name}: fleet {fleet.get('name')}: containers_initially_on "
                f"{initially} clamped to the {in_service} containers in service"
            )
    return notes


def _resize_halls(base: Site, site: Site, inputs: Inputs) -> Inputs:
    """Scale a hall's IT-load series by new / base ``it_load_mw`` when the sweep changed it."""
    series = inputs.hpc_it_load_mw
    if series is None:
        return inputs
    before = {h.name: h.it_load_mw for h in base.hpc_halls}
    changed = series.copy()
    touched = False
    for hall in site.hpc_halls:
        old = before.get(hall.name)
        if hall.name in changed.columns and old and hall.it_load_mw != old:
            changed[hall.name] = changed[hall.name] * (hall.it_load_mw / old)
            touched = True
    return inputs.replace(hpc_it_load_mw=changed) if touched else inputs
