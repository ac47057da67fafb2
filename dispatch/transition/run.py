"""``study()``: load the history, aggregate it, search the designs, validate the choice."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from dispatch.backtesting import backtest
from dispatch.config import Site
from dispatch.data import load_inputs
from dispatch.errors import DataError
from dispatch.hashprice import hashprice_from_network
from dispatch.inputs import Inputs
from dispatch.transition.designs import Config, Layout
from dispatch.transition.operations import (
    PRICE_BLIND,
    Task,
    interpolate,
    mean_year,
    relative_windows,
    run_tasks,
    yearly,
)
from dispatch.transition.periods import RepDays, representative_days
from dispatch.transition.result import StudyResult, design_rows
from dispatch.transition.scenarios import expected, hashprice_paths, network_state
from dispatch.transition.search import Search
from dispatch.transition.spec import StudySpec

Progress = Callable[[str], None]


def study(
    spec: StudySpec | str | Path,
    *,
    site: Site | None = None,
    inputs: Inputs | None = None,
    network: pd.DataFrame | None = None,
    workers: int | None = None,
    validate: bool | None = None,
    progress: Progress | None = None,
) -> StudyResult:
    """Run a transition study and return its designs, frontier, buffer curve and validation.

    Parameters
    ----------
    spec
        A study file (its ``site`` and ``history`` paths relative to it) or a
        :class:`StudySpec` (then give ``site``, and ``inputs``/``network`` or paths that
        resolve from the working directory).
    site, inputs, network
        Override the base site, the historical inputs (prices and the hashprice series over
        the history years, on the site's intervals) and the network data frame.
    workers
        Processes valuing designs and running the validation backtests (default: the spec's).
    validate
        Backtest the chosen design over each historical year (default: the spec's).
    progress
        Called with a short line at each stage.
    """
    t0 = time.perf_counter()
    say = progress or (lambda _msg: None)
    root = Path(".")
    if not isinstance(spec, StudySpec):
        spec, loaded, root = StudySpec.from_yaml(spec)
        site = site or loaded
    if site is None:
        raise DataError("study: give the base site (site=...) with a StudySpec object")
    spec.check_against(site)
    workers = spec.workers if workers is None else workers
    validate = spec.validate_years if validate is None else validate
    layout = Layout(spec, site)
    plan_site = layout.site(Config(0, layout.existing, 0))

    if network is None:
        network = _read_network(root / spec.history.network)
    if inputs is None:
        inputs = _load_history(plan_site, spec, root, network)
    state = network_state(network, spec.hashprice_start_days)
    years = list(range(spec.start_year, spec.start_year + spec.horizon_years))
    paths = hashprice_paths(state, spec.scenarios, years)
    paths["expected"] = expected(paths, spec.scenarios)

    say("aggregating the historical years into representative days")
    rd = spec.representative_days
    rep = representative_days(plan_site, inputs, spec.history.years, rd.per_year, rd.extremes)
    windows = relative_windows(inputs, rep)
    reference = float(paths["expected"].iloc[0])
    levels = _levels(
        paths[[s.name for s in spec.scenarios]].to_numpy(), reference, rd.hashprice_levels
    )
    cache: dict[Config, np.ndarray] = {}
    mining_cache: dict[Config, np.ndarray] = {}

    def evaluate(configs: list[Config]) -> None:
        todo = [c for c in configs if c not in cache]
        if not todo:
            return
        say(f"valuing {len(todo)} configs x {len(rep.days)} days x {len(levels)} hashprice levels")
        grid = np.tile(levels, (len(rep.days), 1))
        tasks = [Task(layout.site(c), windows, grid) for c in todo]
        for c, out in zip(todo, run_tasks(tasks, workers), strict=True):
            cache[c] = mean_year(out.profit_usd, rep)
            mining_cache[c] = mean_year(out.mining_revenue_usd, rep)

    def value(config: Config, level: float) -> float:
        return float(interpolate(levels, cache[config], level))

    t_search = time.perf_counter()
    probabilities = {s.name: s.probability for s in spec.scenarios}
    search = Search(layout, paths, probabilities, evaluate, value)
    chosen = search.run()
    search.value_designs([search.status_quo()], "status quo")
    frontier = search.best_by_blocks()
    no_mining = [
        type(v.design)(
            Config(h, tuple(0 for _ in layout.models), v.design.config.battery), v.design.phasing
        )
        for h, v in frontier.items()
    ]
    search.value_designs(no_mining, "no mining")
    search_s = time.perf_counter() - t_search

    say("valuing flexibility: the price-blind fleet at each HPC share")
    t_flex = time.perf_counter()
    ref_grid = np.full((len(rep.days), 1), reference)
    steady = [v.design.config for v in frontier.values()]
    blind = run_tasks(
        [Task(layout.site(c), windows, ref_grid, PRICE_BLIND.value) for c in steady], workers
    )
    flex = {
        c: float(mean_year(out.profit_usd, rep)[0]) for c, out in zip(steady, blind, strict=True)
    }
    flex_s = time.perf_counter() - t_flex

    validation = pd.DataFrame()
    validation_s: dict[int, float] = {}
    if validate:
        validation, validation_s = _validate(
            layout, chosen.design.config, inputs, rep, windows, workers, say
        )

    return StudyResult(
        spec=spec,
        site=site,
        layout=layout,
        rep=rep,
        paths=paths,
        network=state,
        levels=levels,
        reference_hashprice=reference,
        designs=design_rows(search, value, mining_cache, levels, reference),
        chosen=chosen,
        frontier=frontier,
        flex_price_blind=flex,
        validation=validation,
        timings_s={
            "total": time.perf_counter() - t0,
            "search": search_s,
            "flexibility": flex_s,
            **{f"validation_{y}": s for y, s in validation_s.items()},
        },
        value=value,
        search=search,
    )


def _read_network(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise DataError(f"{path}: network data file not found")
    return pd.read_csv(path)


def _load_history(site: Site, spec: StudySpec, root: Path, network: pd.DataFrame) -> Inputs:
    years = spec.history.years
    hp = hashprice_from_network(network)
    start = f"{min(years)}-01-01"
    for end in (f"{max(years) + 1}-01-02", f"{max(years) + 1}-01-01"):
        try:
            return load_inputs(
                site,
                prices=root / spec.history.prices,
                hashprice=hp,
                start=start,
                end=end,
                location=spec.history.location,
            )
        except DataError:
            if end.endswith("01-01"):
                raise
    raise AssertionError("unreachable")


def _levels(needed: np.ndarray, reference: float, k: int) -> np.ndarray:
    """``k`` hashprice levels: the lowest and highest needed, the reference, quantiles between."""
    lo, hi = float(np.min(needed)), float(np.max(needed))
    points = {lo, hi, min(max(reference, lo), hi)}
    qs = np.linspace(0, 1, k)[1:-1]
    for q in qs:
        if len(points) >= k:
            break
        points.add(float(np.quantile(needed, q)))
    return np.array(sorted(points))


def _validate(
    layout: Layout,
    config: Config,
    inputs: Inputs,
    rep: RepDays,
    windows: tuple[Inputs, ...],
    workers: int,
    say: Progress,
) -> tuple[pd.DataFrame, dict[int, float]]:
    """Backtest the config over each historical year; compare with the typical-day estimate."""
    site = layout.site(config)
    hist = np.array([[rep.hashprice_mean[d.year]] for d in rep.days])
    estimate = yearly(run_tasks([Task(site, windows, hist)], 1)[0].profit_usd, rep)
    lease = layout.spec.hpc.lease * 12 * config.blocks * layout.spec.hpc.block_it_mw
    rows, seconds = [], {}
    for y in rep.years:
        say(f"validating: full-year backtest of {y}")
        t = time.perf_counter()
        r = backtest(
            site,
            inputs,
            f"{y}-01-01",
            f"{y + 1}-01-01",
            workers=workers,
            chunk="month" if workers > 1 else None,
        )
        seconds[y] = time.perf_counter() - t
        actual = float(r.totals["optimise"]["profit_total_usd"])
        est = float(estimate[y][0])
        margin = actual + lease
        rows.append(
            {
                "year": y,
                "typical_days": sum(1 for d in rep.days if d.year == y),
                "estimate_usd": est,
                "backtest_usd": actual,
                "gap_usd": est - actual,
                "hpc_lease_usd": lease,
                "operating_margin_usd": margin,
                "gap_frac_of_margin": (est - actual) / abs(margin) if margin else None,
                "backtest_s": seconds[y],
            }
        )
    return pd.DataFrame(rows).set_index("year"), seconds


__all__ = ["study"]
