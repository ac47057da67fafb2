"""``dispatch validate``: check the site file and every input without solving."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from dispatch import ConfigError, DispatchError
from dispatch.cli.common import (
    EXIT_BAD_INPUT,
    CpProbabilityOpt,
    DayOpt,
    GasFlowOpt,
    GasPriceOpt,
    HashpriceOpt,
    HorizonOpt,
    HpcLoadOpt,
    InputOptions,
    LocationOpt,
    PricesOpt,
    ReservePricesOpt,
    SiteArg,
    SolarOpt,
    TimeColumnOpt,
    TimezoneOpt,
    cli_errors,
    cli_words,
    events_in_window,
    import_frozen,
    load_site,
    plan_window,
    require_inputs,
)

if TYPE_CHECKING:  # imported where used: `dispatch --help` loads no pandas, Pyomo or rich
    import pandas as pd

    from dispatch import Site


@cli_errors
def validate_command(
    site_file: SiteArg,
    prices: PricesOpt = None,
    hashprice: HashpriceOpt = None,
    hpc_load: HpcLoadOpt = None,
    cp_probability: CpProbabilityOpt = None,
    solar: SolarOpt = None,
    location: LocationOpt = None,
    reserve_prices: ReservePricesOpt = None,
    gas_flow: GasFlowOpt = None,
    gas_price: GasPriceOpt = None,
    time_column: TimeColumnOpt = None,
    timezone: TimezoneOpt = None,
    day: DayOpt = None,
    horizon: HorizonOpt = "1d",
) -> None:
    """Check the site file and every input without solving; list every problem found."""
    import_frozen("dispatch.config", "dispatch.data", "dispatch.horizon")  # used below
    opts = InputOptions(
        prices,
        hashprice,
        hpc_load,
        cp_probability,
        solar,
        location,
        reserve_prices=tuple(reserve_prices or ()),
        gas_flow=gas_flow,
        gas_price=gas_price,
        time_column=time_column,
        timezone=timezone,
    )
    opts, _ = opts.with_sample_defaults(site_file)
    problems: list[str] = []
    given = opts.given(problems)  # a bad number is one problem among the others
    try:
        site: Site | None = load_site(site_file)
    except ConfigError as exc:
        problems += exc.problems
        site = None
    window = None
    if site is not None:
        problems += require_inputs(site, site_file, opts)
        try:
            window = plan_window(site, opts, day, horizon)
        except DispatchError as exc:
            if opts.prices is not None or day is not None:
                problems.append(str(exc))
    if site is not None and window is not None:
        problems += check_inputs(events_in_window(site, *window)[0], opts, given, *window)
    else:
        problems += read_inputs_only(site, opts, given)
    problems = list(dict.fromkeys(problems))
    for problem in problems:
        typer.echo(f"error: {cli_words(problem)}", err=True)
    if problems:
        typer.echo(f"{len(problems)} problem(s) found", err=True)
        raise typer.Exit(EXIT_BAD_INPUT)
    checked = ", ".join(given) or "no inputs"
    where = (
        "" if window is None else f" for {window[0]:%Y-%m-%d %H:%M} to {window[1]:%Y-%m-%d %H:%M}"
    )
    typer.echo(f"ok: {site_file} and {checked}{where}")


def check_inputs(
    site: Site,
    opts: InputOptions,
    given: dict[str, Any],
    start: pd.Timestamp,
    end: pd.Timestamp,
) -> list[str]:
    """Every input given, checked on its own against the site and the window.

    All of them are read together first (the inputs not given replaced as below): when that
    passes, each one does, and each file is read once.  Otherwise each is read on its own,
    the others replaced by neutral stand-ins (a zero price, a hashprice of 1), so that every
    bad input is named, not only the first."""
    import pandas as pd

    from dispatch import load_inputs, site_index

    index = site_index(site, start, end)
    stand_in: dict[str, Any] = {
        "prices": pd.Series(0.0, index=index, name="price_usd_per_mwh"),
        "hashprice": 1.0,
    }
    if site.coincident_peak is not None:
        stand_in["cp_probability"] = pd.Series(0.0, index=index, name="cp_probability")
    if site.solar is not None:
        stand_in["solar"] = pd.Series(0.0, index=index, name="solar_cf")
    # --time-column/--timezone say how to read the price file only (not the stand-ins)
    how = {"time_column": opts.time_column, "timezone": opts.timezone}
    try:
        load_inputs(
            site,
            **{**stand_in, **given},
            start=start,
            end=end,
            location=opts.location,
            **(how if "prices" in given else {}),
        )
        return []
    except DispatchError:
        pass  # at least one input is bad: find each one
    problems = []
    for key, value in given.items():
        try:
            load_inputs(
                site,
                **{**stand_in, key: value},
                start=start,
                end=end,
                location=opts.location,
                **(how if key == "prices" else {}),
            )
        except DispatchError as exc:
            problems.append(str(exc))
    return problems


def read_inputs_only(site: Site | None, opts: InputOptions, given: dict[str, Any]) -> list[str]:
    """Without a valid site or window: can each input file at least be read?"""
    from dispatch import read_series

    tz = site.timezone if site is not None else "UTC"
    names = {
        "prices": "price_usd_per_mwh",
        "hashprice": "hashprice_usd_per_ph_day",
        "hpc_load": "hpc_it_load_mw",
        "cp_probability": "cp_probability",
        "solar": "solar_cf",
    }
    problems = []
    for key, value in given.items():
        if not isinstance(value, Path) or key == "hpc_load":
            continue  # numbers are checked with the site; a per-hall file needs its halls
        how = {"time_column": opts.time_column, "timezone": opts.timezone}
        try:
            read_series(
                value,
                name=names[key],
                tz=tz,
                location=opts.location,
                **(how if key == "prices" else {}),
            )
        except DispatchError as exc:
            problems.append(str(exc))
    return problems
