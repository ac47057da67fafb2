"""An independent check of a schedule: every rule of the model, recomputed from the table.

``check_schedule(site, inputs, schedule)`` takes a plan's schedule DataFrame (or one edited by
hand), the site configuration, the inputs and the state the plan started from, and returns
the list of :class:`Violation` found; an empty list means the schedule is valid.  It never
looks at the optimisation model: it reads only the schedule's columns and recomputes every
rule and every profit term from the configuration and the inputs, so a bug in an asset
module or in the results code shows up here as a violation.

Symbols: ``t`` an interval of ``dt`` hours, ``x[-1]`` the value carried in by the state;
column names in ``code``.  *Derived* columns (starts, mining MW, fuel, billing peak, DR excess,
profit terms ...) must equal what the rule gives; *decision* columns must satisfy it.

==========================  ============================================================  =====
rule                        what must hold                                                unit
==========================  ============================================================  =====
``index``                   the schedule's index is the inputs' interval starts           -
``missing_column``          every column the site's assets produce is there               -
``not_finite``              no NaN/inf (and nothing non-numeric) in a required column     -
``inputs``                  ``price_usd_per_mwh``, ``cp_probability``, breakeven,         -
                            availability and solar-available columns equal the inputs
``balance``                 import - export + gensets + discharge - charge + solar        MW
                            + HPC shortfall = HPC load + sum of fleet mining
``grid_limit``              0 <= import <= import_limit, 0 <= export <= export_limit      MW
``hpc``                     HPC load = sum over halls of IT x PUE;                        MW
                            0 <= shortfall <= load; served = load - shortfall
``integer``                 containers on and genset units on are whole numbers           count
``availability``            0 <= containers on <= available = containers - unavailable    count
                            - outages in force (never below 0)
``mining_power``            no power target: mining = (P + aux) on;                       MW
                            with one: min_frac P on <= mining - aux on <= max_frac P on,
                            and power_frac = (mining - aux on) / (P on) (0 when off)
``hashrate``                no power target: hashrate = H on; with one: hashrate <=       TH/s
                            a_k (mining - aux on) + b_k on for every curve segment k
``hashrate_below_curve``    (info) with a power target, hashrate below that curve value   TH/s
``starts``                  starts = max(0, on[t] - on[t-1]),                             count
                            stops = max(0, on[t-1] - on[t])
``ramp``                    stops <= ramp + drop[t], drop[t] = max(0, ceil[t-1] -         count
                            ceil[t]) (ceil = available, or in price_blind what the site
                            can host; ceil[-1] = on at the start); starts <= ramp
``min_up``                  on[t] >= sum of starts over the last UT intervals             count
                            (history before the horizon from the state) - sum of drop
                            over the same window (only forced stops may be early)
``min_down``                N - on[t] >= sum of stops over the last DT intervals, with     count
                            N = containers - containers_unavailable (in service)
``battery_power``           0 <= charge, discharge <= power_mw                            MW
``battery_soc``             soc_min <= soc[t] <= soc_max, soc[t] = soc[t-1]               MWh
                            + eta_c charge dt - discharge dt / eta_d (soc[-1] = soc0,
                            the state's SOC clipped to the limits)
``battery_end_soc``         soc[n-1] >= target (the state's battery_soc_target_mwh,       MWh
                            else soc0) when ``end_soc_at_least_initial``
``battery_inverter``        charge + discharge <= power_mw (one shared inverter)          MW
``battery_simultaneous``    not charge > 0 and discharge > 0 where price + adder <= 0     MW
                            (info where the buy price is positive)
``genset_output``           min_load C units_on <= output <= C units_on,                  MW
                            0 <= units_on <= units
``fuel``                    fuel = HR output dt (per interval);                           MMBtu
                            per local day: fuel + already used (first day) <= budget
``solar``                   0 <= solar <= available = clip(cf, 0, 1) capacity             MW
``dr``                      active = start <= t < end; cap column = cap in the window     MW
                            (empty outside); excess = max(0, import - cap) in the window,
                            0 outside
``demand_charge_peak``      billing_peak[t] = max(billing_peak[t-1], import[t]), from     MW
                            the carried peak (or 0 in a new month)
``mode``                    no_miners/fallback: every fleet off; fallback: battery,       -
                            gensets and solar idle; price_blind: at max_frac, on <= ceil
                            (room = import limit + solar + firm gensets - HPC, whole
                            containers, lowest J/TH first), stops only where on = ceil,
                            on < ceil only while the ramp or min down holds starts
``totals``                  mining_mw, hashrate_th_s, dr_active are the sums/max          -
``profit_<kind>``           each ``profit_<kind>_usd`` equals the term recomputed below   USD
``profit_total``            profit_total_usd = sum of the profit_<kind>_usd columns       USD
==========================  ============================================================  =====

Profit terms (USD per interval; costs negative)::

    energy_cost      = -(price + import_adder) * dt * import
    export_revenue   =  (price - export_adder) * dt * export
    mining_revenue   =  sum_f hashprice * (1 - pool_fee_f) * hashrate_f[TH/s] / 1000 * dt / 24
                        (hashprice is USD per PH/s per day; 1 PH/s = 1000 TH/s)
    startup_cost     = -sum_f startup_cost_f * starts_f - sum_g startup_cost_g * max(0, units_on
                        increase)
    battery_wear     = -wear * discharge * dt
    fuel_cost        = -sum_g HR * fuel_price * output * dt
    om_cost          = -sum_g variable_om * output * dt
    dr_penalty       = -sum_e penalty_e * excess_e * dt
    dr_credit        =  sum_e credit_e * (baseline_e - import) * dt       in e's window
    demand_charge    = -rate * (peak[t] - peak[t-1])                      running month peak
    coincident_peak  = -charge * cp_probability * import
    lost_load        = -value_of_lost_load * shortfall * dt

Choices:

- **Tolerances.**  A power relation holds within ``tol_mw * max(1, |largest quantity in
  it|)`` (so 1e-4 MW on a 100 MW balance at the default ``tol_mw = 1e-6``), an energy one the
  same in MWh, counts within 1e-6 of a whole number, a hashrate within the power tolerance
  times the curve's steepest slope, fractions and flags within ``max(1e-6, tol_mw)``; a
  profit term within ``sum_k |coef_k| * tol_mw * max(1, |quantity_k|)`` plus
  ``max(1e-6, tol_mw)`` relative.  A schedule read back from ``schedule.csv`` (6 significant
  digits) needs ``tol_mw=1e-4``; its index may be the CSV's ISO strings with UTC offsets.
- **Simultaneous charge and discharge** where the buy price is positive is *not* a violation:
  the model allows it there (DESIGN.md section 4: it cannot pay, so no binary is added), the
  accounting stays right, and a positive-price plan that does it merely wastes energy.  It is
  reported as an informational finding (``severity="info"``) when ``info=True``, as is a
  hashrate below the curve (revenue left unclaimed, not a broken rule).
- **Mode.**  ``mode`` is the plan's :class:`~dispatch.Mode` (``Plan.mode``; default
  ``"optimise"``).  In ``no_miners`` and ``fallback`` the fleets start from zero running
  containers and no start/stop history, as the model does (the site without miners, or
  miners switched off at once), so no stop is reported at the first interval and no ramp
  limit or min up time carried in binds; the mode's own rules (``mode``) are checked too.
- **Starting state.**  ``state`` as the plan got it; a fleet said to run more containers
  than are in service (containers - containers_unavailable) starts with just those on.
- **Derived columns must be exact.**  A starts column, a billing peak or a DR excess larger
  than the schedule implies is a violation too (it overstates a cost or the risk); so is a
  startup cost the schedule's starts do not explain (a solve stopped early can leave
  containers both started and stopped in one interval).

``check_plan(plan)`` checks a :class:`~dispatch.Plan` with its own inputs, state and mode.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from dispatch.config import MinerFleet, Site
from dispatch.horizon import local_timestamp
from dispatch.inputs import Inputs
from dispatch.state import FleetState, SiteState

if TYPE_CHECKING:
    from dispatch.results import Plan

INTEGER_TOL = 1e-6
MONEY_RTOL = 1e-6
MODES = ("optimise", "no_miners", "price_blind", "fallback")
#: Old mode names still accepted.
MODE_ALIASES = {"always_on": "price_blind"}

Severity = Literal["violation", "info"]


@dataclass(frozen=True)
class Violation:
    """One broken rule: where (``interval``, None for the whole horizon), which ``rule``, by
    how much (``amount``, in the rule's unit: MW, MWh, containers, MMBtu or USD), and a
    one-line ``detail`` naming the asset, the time and the numbers."""

    interval: pd.Timestamp | None
    rule: str
    amount: float
    detail: str
    severity: Severity = "violation"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable form."""
        return {
            "interval": None if self.interval is None else self.interval.isoformat(),
            "rule": self.rule,
            "amount": float(self.amount),
            "detail": self.detail,
            "severity": self.severity,
        }

    def __str__(self) -> str:
        return f"[{self.rule}] {self.detail}"


def check_plan(plan: Plan, *, tol_mw: float = 1e-6, info: bool = False) -> list[Violation]:
    """:func:`check_schedule` on a plan, with the plan's own inputs, starting state and mode."""
    return check_schedule(
        plan.site,
        plan.inputs,
        plan.schedule,
        state=plan.state_in,
        tol_mw=tol_mw,
        mode=str(plan.mode),
        info=info,
    )


def check_schedule(
    site: Site,
    inputs: Inputs,
    schedule: pd.DataFrame,
    *,
    state: SiteState | None = None,
    tol_mw: float = 1e-6,
    mode: str = "optimise",
    info: bool = False,
) -> list[Violation]:
    """Every rule the schedule breaks (see the module docstring); empty when it is valid.

    Parameters
    ----------
    site, inputs
        The site and the inputs the schedule was planned on.
    schedule
        A plan's ``schedule`` DataFrame, possibly edited by hand.
    state
        The state the plan started from (``plan.state_in``); default: the site file's.
    tol_mw
        Absolute tolerance on power for quantities up to 1 MW, relative above (see above).
    mode
        The plan's mode (``plan.mode``): ``optimise``, ``no_miners``, ``price_blind`` (old
        name ``always_on``) or ``fallback``.
    info
        Also return informational findings (``severity="info"``) that break no rule.

    Returns
    -------
    list[Violation]
        Sorted by interval (whole-horizon findings first).  A schedule whose index or
        columns are unusable gives only those violations.
    """
    mode = MODE_ALIASES.get(str(mode), str(mode))
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    if not tol_mw > 0:
        raise ValueError(f"tol_mw must be positive, got {tol_mw}")
    checker = _Checker(site, inputs, schedule, state or SiteState.initial(site), tol_mw, mode)
    found = checker.run()
    if not info:
        found = [v for v in found if v.severity == "violation"]
    first = pd.Timestamp.min.tz_localize("UTC")
    return sorted(found, key=lambda v: first if v.interval is None else v.interval)


class _Checker:
    """The rules, one method per asset, sharing the schedule's columns as float arrays."""

    def __init__(
        self,
        site: Site,
        inputs: Inputs,
        schedule: pd.DataFrame,
        state: SiteState,
        tol_mw: float,
        mode: str,
    ) -> None:
        self.site, self.inputs, self.s, self.state = site, inputs, schedule, state
        self.tol_mw, self.mode, self.dt = tol_mw, mode, site.dt_h
        # dimensionless columns (fractions, flags) and money, relative: looser with tol_mw
        self.frac_tol = max(1e-6, tol_mw)
        self.money_rtol = max(MONEY_RTOL, tol_mw)
        self.found: list[Violation] = []
        self.index: pd.DatetimeIndex = pd.DatetimeIndex([])
        self.n = len(schedule)
        self.cols: dict[str, np.ndarray] = {}
        self.expected_profit: dict[str, np.ndarray] = {}
        self.profit_tol: dict[str, np.ndarray] = {}

    # -- helpers -------------------------------------------------------------------------------
    def c(self, name: str) -> np.ndarray:
        return self.cols[name]

    def when(self, t: int) -> str:
        return self.index[t].strftime("%Y-%m-%d %H:%M %Z")

    def tol(self, *arrays: np.ndarray | float) -> np.ndarray:
        """``tol_mw * max(1, |largest|)`` per interval."""
        scale = np.ones(self.n)
        for arr in arrays:
            scale = np.maximum(scale, np.abs(np.broadcast_to(np.asarray(arr, dtype=float), self.n)))
        return self.tol_mw * scale

    def flag(
        self,
        rule: str,
        amount: np.ndarray,
        mask: np.ndarray,
        detail: Callable[[int], str],
        severity: Severity = "violation",
    ) -> None:
        """One violation per interval where ``mask`` holds (NaN-safe: NaN never flags)."""
        mask = np.asarray(mask, dtype=bool)
        amount = np.broadcast_to(np.asarray(amount, dtype=float), self.n)
        for t in np.flatnonzero(mask):
            self.found.append(
                Violation(self.index[t], rule, float(abs(amount[t])), detail(int(t)), severity)
            )

    def equal(
        self, rule: str, what: str, reported: np.ndarray, expected: np.ndarray, tol: np.ndarray
    ) -> None:
        """``reported == expected`` within ``tol`` in every interval."""
        diff = reported - expected
        self.flag(
            rule,
            diff,
            np.abs(diff) > tol,
            lambda t: (
                f"{what} is {reported[t]:.6g} at {self.when(t)} but should be {expected[t]:.6g}"
            ),
        )

    def at_most(
        self, rule: str, what: str, value: np.ndarray, limit: np.ndarray, tol: np.ndarray, why: str
    ) -> None:
        """``value <= limit`` within ``tol``; ``why`` names the limit."""
        over = value - limit
        self.flag(
            rule,
            over,
            over > tol,
            lambda t: f"{what} is {value[t]:.6g} at {self.when(t)} but {why} is {limit[t]:.6g}",
        )

    def at_least(
        self, rule: str, what: str, value: np.ndarray, limit: np.ndarray, tol: np.ndarray, why: str
    ) -> None:
        under = limit - value
        self.flag(
            rule,
            under,
            under > tol,
            lambda t: f"{what} is {value[t]:.6g} at {self.when(t)}, below {why} {limit[t]:.6g}",
        )

    def whole(self, rule: str, what: str, value: np.ndarray) -> None:
        off = value - np.round(value)
        self.flag(
            rule,
            off,
            np.abs(off) > INTEGER_TOL,
            lambda t: f"{what} is {value[t]:.6g} at {self.when(t)}, not a whole number",
        )

    def profit(self, kind: str, value: np.ndarray, tol: np.ndarray) -> None:
        """Add to the expected ``profit_<kind>_usd`` and its tolerance."""
        self.expected_profit[kind] = self.expected_profit.get(kind, np.zeros(self.n)) + value
        self.profit_tol[kind] = self.profit_tol.get(kind, np.zeros(self.n)) + tol

    def money_tol(self, coef: np.ndarray | float, quantity: np.ndarray) -> np.ndarray:
        return np.abs(np.asarray(coef, dtype=float)) * self.tol(quantity)

    # -- driver --------------------------------------------------------------------------------
    def run(self) -> list[Violation]:
        if not self._index_ok() or not self._columns_ok():
            return self.found
        self._inputs_and_hpc()
        self._grid()
        for fleet in self.site.fleets:
            self._fleet(fleet)
        self._battery()
        self._gensets()
        self._solar()
        self._dr_events()
        self._demand_charge()
        self._coincident_peak()
        self._balance()
        self._totals()
        self._profits()
        return self.found

    def _index_ok(self) -> bool:
        idx = _interval_starts(self.s.index)
        expected = self.inputs.index
        if idx is None:
            self.found.append(
                Violation(
                    None,
                    "index",
                    float(self.n),
                    "schedule index must be tz-aware interval starts (timestamps with a UTC "
                    "offset, as schedule.csv writes them)",
                )
            )
            return False
        if len(idx) != len(expected) or not (idx == expected).all():
            bad = next(
                (k for k, (a, b) in enumerate(zip(idx, expected, strict=False)) if a != b),
                min(len(idx), len(expected)),
            )
            self.found.append(
                Violation(
                    None,
                    "index",
                    float(abs(len(idx) - len(expected)) or 1),
                    f"schedule has {len(idx)} intervals, inputs {len(expected)}; they differ "
                    f"from position {bad}",
                )
            )
            return False
        self.index = idx.tz_convert(self.site.timezone)
        return True

    def _required(self) -> list[str]:
        site = self.site
        cols = [
            "price_usd_per_mwh",
            "grid_import_mw",
            "grid_export_mw",
            "hpc_load_mw",
            "hpc_shortfall_mw",
            "hpc_served_mw",
            "mining_mw",
            "hashrate_th_s",
            "dr_active",
            "profit_total_usd",
        ]
        if len(site.hpc_halls) > 1:
            cols += [f"hpc_{h.name}_mw" for h in site.hpc_halls]
        for f in site.fleets:
            cols += [
                f"{f.name}_{x}"
                for x in (
                    "containers_on",
                    "containers_available",
                    "starts",
                    "stops",
                    "mining_mw",
                    "hashrate_th_s",
                    "breakeven_usd_per_mwh",
                )
            ]
            if f.power_target is not None:
                cols.append(f"{f.name}_power_frac")
        if site.battery is not None:
            cols += ["battery_charge_mw", "battery_discharge_mw", "battery_soc_mwh"]
        for g in site.gensets:
            cols += [f"{g.name}_output_mw", f"{g.name}_units_on", f"{g.name}_fuel_mmbtu"]
        if site.solar is not None:
            cols += ["solar_mw", "solar_available_mw"]
        for e in site.dr_events:
            cols.append(f"dr_{e.name}_active")
            if e.import_cap_mw is not None:
                cols += [f"dr_{e.name}_import_cap_mw", f"dr_{e.name}_excess_mw"]
        if site.demand_charge is not None:
            cols.append("billing_peak_mw")
        if site.coincident_peak is not None:
            cols.append("cp_probability")
        return cols

    def _columns_ok(self) -> bool:
        missing = [c for c in self._required() if c not in self.s.columns]
        for name in missing:
            self.found.append(
                Violation(None, "missing_column", 1.0, f"schedule has no column {name!r}")
            )
        if missing:
            return False
        nan_allowed = {f"dr_{e.name}_import_cap_mw" for e in self.site.dr_events}
        numeric = [
            c for c in self.s.columns if c in set(self._required()) or c.startswith("profit_")
        ]
        for name in numeric:
            values = pd.to_numeric(self.s[name], errors="coerce").to_numpy(dtype=float)
            self.cols[name] = values
            if name in nan_allowed:
                continue
            bad = ~np.isfinite(values)
            self.flag(
                "not_finite",
                np.ones(self.n),
                bad,
                lambda t, name=name: (
                    f"{name} at {self.when(t)} is {self.s[name].iloc[t]!r}, not a finite number"
                ),
            )
        return True

    # -- assets --------------------------------------------------------------------------------
    def _inputs_and_hpc(self) -> None:
        price = self.inputs.price_usd_per_mwh.to_numpy(dtype=float)
        self.equal(
            "inputs", "price_usd_per_mwh", self.c("price_usd_per_mwh"), price, self.tol(price)
        )
        it = self.inputs.hall_it_load_mw(self.site)
        total = np.zeros(self.n)
        for hall in self.site.hpc_halls:
            load = it[hall.name].to_numpy(dtype=float) * hall.pue
            total = total + load
            if len(self.site.hpc_halls) > 1:
                what = f"hall {hall.name}: load (IT x PUE {hall.pue:g})"
                self.equal("hpc", what, self.c(f"hpc_{hall.name}_mw"), load, self.tol(load))
        load, short = self.c("hpc_load_mw"), self.c("hpc_shortfall_mw")
        self.equal("hpc", "HPC load (IT x PUE)", load, total, self.tol(total))
        tol = self.tol(total)
        self.at_least("hpc", "HPC shortfall", short, np.zeros(self.n), tol, "zero:")
        self.at_most("hpc", "HPC shortfall", short, total, tol, "the HPC load")
        self.equal("hpc", "HPC served", self.c("hpc_served_mw"), total - short, tol)
        voll = self.site.value_of_lost_load_usd_per_mwh * self.dt
        self.profit("lost_load", -voll * short, self.money_tol(voll, short))

    def _grid(self) -> None:
        g, dt = self.site.grid, self.dt
        imp, exp_ = self.c("grid_import_mw"), self.c("grid_export_mw")
        zero = np.zeros(self.n)
        for what, value, limit in (
            ("grid import", imp, g.import_limit_mw),
            ("grid export", exp_, g.export_limit_mw),
        ):
            tol = self.tol(value, limit)
            self.at_least("grid_limit", what, value, zero, tol, "zero:")
            self.at_most("grid_limit", what, value, np.full(self.n, limit), tol, "the limit")
        price = self.c("price_usd_per_mwh")
        buy = (price + g.import_adder_usd_per_mwh) * dt
        self.profit("energy_cost", -buy * imp, self.money_tol(buy, imp))
        if g.export_limit_mw > 0:
            sell = (price - g.export_adder_usd_per_mwh) * dt
            self.profit("export_revenue", sell * exp_, self.money_tol(sell, exp_))

    def _available(self, f: MinerFleet) -> np.ndarray:
        avail = np.full(self.n, float(f.containers - f.containers_unavailable))
        for outage in f.outages:
            start, end = (
                _local(outage.start, self.site.timezone),
                _local(outage.end, self.site.timezone),
            )
            avail -= outage.containers * np.asarray((self.index >= start) & (self.index < end))
        return np.clip(avail, 0.0, None)

    def _fleet(self, f: MinerFleet) -> None:
        name, who = f.name, f"fleet {f.name}"
        on = self.c(f"{name}_containers_on")
        mining, hashrate = self.c(f"{name}_mining_mw"), self.c(f"{name}_hashrate_th_s")
        avail = self._available(f)
        self.whole("integer", f"{who}: containers on", on)
        self.equal(
            "inputs",
            f"{who}: containers available",
            self.c(f"{name}_containers_available"),
            avail,
            np.full(self.n, INTEGER_TOL),
        )
        self.flag(
            "availability",
            on - avail,
            on > avail + INTEGER_TOL,
            lambda t: (
                f"{who}: {on[t]:g} containers on at {self.when(t)} but only {avail[t]:g} available"
            ),
        )
        self.flag(
            "availability",
            on,
            on < -INTEGER_TOL,
            lambda t: f"{who}: {on[t]:g} containers on at {self.when(t)} (negative)",
        )
        p_mw, aux_mw, h_th = f.asic_power_mw, f.container_aux_kw / 1e3, f.container_hashrate_th_s
        pt = f.power_target
        tol = self.tol(mining, (p_mw + aux_mw) * on)
        if pt is None:
            self.equal(
                "mining_power",
                f"{who}: mining MW (nameplate x containers on)",
                mining,
                (p_mw + aux_mw) * on,
                tol,
            )
            self.equal(
                "hashrate",
                f"{who}: hashrate TH/s (nameplate x containers on)",
                hashrate,
                h_th * on,
                self.tol(hashrate, h_th * on),
            )
        else:
            asic = mining - aux_mw * on
            self.at_least(
                "mining_power",
                f"{who}: miners' MW (mining less auxiliaries)",
                asic,
                pt.min_frac * p_mw * on,
                tol,
                f"min_frac {pt.min_frac:g} x nameplate x on",
            )
            self.at_most(
                "mining_power",
                f"{who}: miners' MW (mining less auxiliaries)",
                asic,
                pt.max_frac * p_mw * on,
                tol,
                f"max_frac {pt.max_frac:g} x nameplate x on",
            )
            with np.errstate(invalid="ignore", divide="ignore"):
                frac = np.where(on > INTEGER_TOL, asic / (p_mw * np.maximum(on, 1)), 0.0)
            self.equal(
                "mining_power",
                f"{who}: power_frac",
                self.c(f"{name}_power_frac"),
                frac,
                np.full(self.n, self.frac_tol),
            )
            curve, slope = _curve_ceiling_th_s(f, asic, on)
            # the curve moves by slope x (the power's tolerance): TH/s per MW of miners
            curve_tol = self.tol(hashrate, curve) + slope * self.tol(asic)
            self.at_most(
                "hashrate",
                f"{who}: hashrate TH/s",
                hashrate,
                curve,
                curve_tol,
                "the power-to-hashrate curve's value",
            )
            self.at_least(
                "hashrate",
                f"{who}: hashrate TH/s",
                hashrate,
                np.zeros(self.n),
                self.tol(hashrate),
                "zero:",
            )
            short = curve - hashrate
            self.flag(
                "hashrate_below_curve",
                short,
                short > curve_tol,
                lambda t: (
                    f"{who}: hashrate {hashrate[t]:.6g} TH/s at {self.when(t)} is below "
                    f"the curve's {curve[t]:.6g} TH/s at this power (revenue left unclaimed)"
                ),
                "info",
            )
        hashprice = self.inputs.hashprice_usd_per_ph_day.to_numpy(dtype=float)
        breakeven = hashprice * (1 - f.pool_fee_frac) * 1000 / (f.j_per_th * 24)
        self.equal(
            "inputs",
            f"{who}: breakeven USD/MWh",
            self.c(f"{name}_breakeven_usd_per_mwh"),
            breakeven,
            self.tol(breakeven),
        )
        rev_coef = hashprice * (1 - f.pool_fee_frac) / 1000 * self.dt / 24
        self.profit("mining_revenue", rev_coef * hashrate, self.money_tol(rev_coef, hashrate))
        self._fleet_dynamics(f, on, avail)

    def _fleet_dynamics(self, f: MinerFleet, on: np.ndarray, avail: np.ndarray) -> None:
        name, who = f.name, f"fleet {f.name}"
        off = self.mode in ("no_miners", "fallback")
        fs = self.state.fleet(name, f.containers_initially_on)
        in_service = f.containers - f.containers_unavailable
        if off:  # no fleet, or switched off at once: nothing running, no history
            fs = FleetState(on=0)
        elif fs.on > in_service:  # the extra containers are out of service, already off
            fs = FleetState(in_service, fs.recent_starts, fs.recent_stops)
        before = np.concatenate(([float(fs.on)], on[:-1]))
        starts, stops = np.clip(on - before, 0, None), np.clip(before - on, 0, None)
        count_tol = np.full(self.n, INTEGER_TOL)
        self.equal("starts", f"{who}: starts", self.c(f"{name}_starts"), starts, count_tol)
        self.equal("starts", f"{who}: stops", self.c(f"{name}_stops"), stops, count_tol)
        cost = f.startup_cost_usd_per_container
        self.profit("startup_cost", -cost * starts, self.money_tol(cost, starts))
        if off:
            self.flag(
                "mode",
                on,
                np.abs(on) > INTEGER_TOL,
                lambda t: f"{who}: {on[t]:g} containers on at {self.when(t)} in a {self.mode} plan",
            )
        ceiling = avail
        if self.mode == "price_blind":
            ceiling = self._price_blind_ceiling(f, avail)
            self._price_blind(f, on, ceiling, starts, stops, fs, in_service)
        # a fall of the ceiling (an outage; in price_blind also the room the HPC load takes)
        # forces stops, whatever the ramp limit or min up time
        drop = np.clip(-np.diff(ceiling, prepend=float(fs.on)), 0, None)
        ramp = f.ramp_limit_containers_per_interval
        if ramp is not None:
            for what, moves, forced in (
                ("started", starts, 0 * drop),
                ("stopped", stops, drop),
            ):
                limit = ramp + forced
                self.flag(
                    "ramp",
                    moves - limit,
                    moves > limit + INTEGER_TOL,
                    lambda t, what=what, moves=moves, forced=forced: (
                        f"{who}: {moves[t]:g} containers {what} at {self.when(t)} but the ramp "
                        f"limit is {ramp} per interval"
                        + (f" (+{forced[t]:g} forced by the ceiling's fall)" if forced[t] else "")
                    ),
                )
        ut, dt_ = self.site.intervals(f.min_up_minutes), self.site.intervals(f.min_down_minutes)
        if ut > 1:
            # only containers the ceiling forced off within the window may stop early
            recent = _window_sums(fs.recent_starts, starts, ut) - _window_sums((), drop, ut)
            self.flag(
                "min_up",
                recent - on,
                recent > on + INTEGER_TOL,
                lambda t: (
                    f"{who}: {on[t]:g} containers on at {self.when(t)} but {recent[t]:g} "
                    f"were started in the last {ut} intervals (min up {f.min_up_minutes} min)"
                ),
            )
        if dt_ > 1:
            recent_stops = _window_sums(fs.recent_stops, stops, dt_)
            idle = in_service - on
            self.flag(
                "min_down",
                recent_stops - idle,
                recent_stops > idle + INTEGER_TOL,
                lambda t: (
                    f"{who}: {on[t]:g} of {in_service} containers on at {self.when(t)} "
                    f"but {recent_stops[t]:g} were stopped in the last {dt_} intervals (min down "
                    f"{f.min_down_minutes} min)"
                ),
            )

    def _price_blind_ceiling(self, f: MinerFleet, avail: np.ndarray) -> np.ndarray:
        """Containers of ``f`` the site can host beside the HPC load (price_blind mode)::

            room[t] = max(0, import_limit + solar available[t] + sum_g firm_g - hpc[t])
            firm_g  = units x capacity, or min(that, fuel budget / (heat rate x 24 h))

        shared by whole containers at full power, the lowest J/TH fleet first."""
        site = self.site
        firm = 0.0
        for g in site.gensets:
            cap = g.units * g.unit_capacity_mw
            if g.fuel_budget_mmbtu_per_day is not None:
                cap = min(cap, g.fuel_budget_mmbtu_per_day / (g.heat_rate_mmbtu_per_mwh * 24))
            firm += cap
        room = site.grid.import_limit_mw + firm - self.c("hpc_load_mw")
        if "solar_available_mw" in self.s:
            room = room + self.c("solar_available_mw")
        room = np.clip(room, 0.0, None)
        for other in sorted(site.fleets, key=lambda x: x.j_per_th):
            full = (
                other.container_power_mw
                if other.power_target is None
                else other.power_target.max_frac * other.asic_power_mw
                + other.container_aux_kw / 1e3
            )
            fits = np.floor((room + 1e-6) / full)
            cap = np.minimum(self._available(other), fits)
            if other.name == f.name:
                return cap
            room = room - cap * full
        return avail

    def _price_blind(
        self,
        f: MinerFleet,
        on: np.ndarray,
        ceiling: np.ndarray,
        starts: np.ndarray,
        stops: np.ndarray,
        fs: FleetState,
        in_service: int,
    ) -> None:
        """price_blind: at full power, never above the ceiling, stops only where the ceiling
        forces them, and below the ceiling only while the ramp limit or min down time holds
        the starts back."""
        who, tol = f"fleet {f.name}", INTEGER_TOL
        self.flag(
            "mode",
            on - ceiling,
            on > ceiling + tol,
            lambda t: (
                f"{who}: {on[t]:g} containers on at {self.when(t)} in a price_blind plan, but "
                f"the site can host only {ceiling[t]:g} beside the HPC load"
            ),
        )
        self.flag(
            "mode",
            stops,
            (stops > tol) & (on < ceiling - tol),
            lambda t: (
                f"{who}: {stops[t]:g} containers stopped at {self.when(t)} in a price_blind "
                f"plan though the site could host them"
            ),
        )
        ramp = f.ramp_limit_containers_per_interval or f.containers
        dt_ = self.site.intervals(f.min_down_minutes)
        recent = _window_sums(fs.recent_stops, stops, dt_) if dt_ > 1 else 0 * stops
        held = (starts >= ramp - tol) | (on >= in_service - recent - tol)
        self.flag(
            "mode",
            ceiling - on,
            (on < ceiling - tol) & ~held,
            lambda t: (
                f"{who}: {on[t]:g} containers on at {self.when(t)} in a price_blind plan, but "
                f"{ceiling[t]:g} could run (neither the ramp limit nor min down time holds "
                f"them back)"
            ),
        )
        if f.power_target is not None:
            full = f.power_target.max_frac * np.ones(self.n) * (on > 0)
            self.equal(
                "mode",
                f"{who}: power_frac in a price_blind plan",
                self.c(f"{f.name}_power_frac"),
                full,
                np.full(self.n, self.frac_tol),
            )

    def _battery(self) -> None:
        b = self.site.battery
        if b is None:
            return
        dt, n = self.dt, self.n
        ch, dis, soc = (self.c(f"battery_{x}") for x in ("charge_mw", "discharge_mw", "soc_mwh"))
        zero = np.zeros(n)
        power = 0.0 if self.mode == "fallback" else b.power_mw
        for what, value in (("battery charge", ch), ("battery discharge", dis)):
            tol = self.tol(value, b.power_mw)
            self.at_least("battery_power", what, value, zero, tol, "zero:")
            rule = "mode" if self.mode == "fallback" else "battery_power"
            why = "a fallback plan's battery power" if self.mode == "fallback" else "power_mw"
            self.at_most(rule, what, value, np.full(n, power), tol, why)
        lo, hi = b.soc_min_frac * b.energy_mwh, b.soc_max_frac * b.energy_mwh
        soc0 = self.state.battery_soc_mwh
        soc0 = b.soc_initial_frac * b.energy_mwh if soc0 is None else soc0
        soc0 = float(min(max(soc0, lo), hi))
        tol = self.tol(soc, b.energy_mwh)
        self.at_least("battery_soc", "battery SOC MWh", soc, np.full(n, lo), tol, "soc_min")
        self.at_most("battery_soc", "battery SOC MWh", soc, np.full(n, hi), tol, "soc_max")
        before = np.concatenate(([soc0], soc[:-1]))
        expected = before + b.charge_efficiency * ch * dt - dis * dt / b.discharge_efficiency
        self.flag(
            "battery_soc",
            soc - expected,
            np.abs(soc - expected) > tol,
            lambda t: (
                f"battery SOC is {soc[t]:.6g} MWh at the end of {self.when(t)} but "
                f"{before[t]:.6g} + charge/discharge gives {expected[t]:.6g}"
            ),
        )
        if b.end_soc_at_least_initial and n:
            target = self.state.battery_soc_target_mwh
            target = soc0 if target is None else float(min(max(target, lo), hi))
            short = target - soc[-1]
            if short > tol[-1]:
                self.found.append(
                    Violation(
                        self.index[-1],
                        "battery_end_soc",
                        float(short),
                        f"battery ends the horizon at {soc[-1]:.6g} MWh, below its target "
                        f"{target:.6g} MWh (end_soc_at_least_initial: the state's target, "
                        "else its initial charge)",
                    )
                )
        self.at_most(
            "battery_inverter",
            "battery charge + discharge",
            ch + dis,
            np.full(n, b.power_mw),
            self.tol(ch + dis, b.power_mw),
            "power_mw (one shared inverter)",
        )
        buy = self.c("price_usd_per_mwh") + self.site.grid.import_adder_usd_per_mwh
        both = (ch > self.tol(ch)) & (dis > self.tol(dis))
        amount = np.minimum(ch, dis)
        for negative, severity in ((True, "violation"), (False, "info")):
            self.flag(
                "battery_simultaneous",
                amount,
                both & ((buy <= 0) == negative),
                lambda t: (
                    f"battery charges {ch[t]:.6g} MW and discharges {dis[t]:.6g} MW at "
                    f"once at {self.when(t)} (buy price {buy[t]:.6g} USD/MWh)"
                ),
                severity,  # type: ignore[arg-type]
            )
        wear = b.wear_cost_usd_per_mwh * dt
        self.profit("battery_wear", -wear * dis, self.money_tol(wear, dis))

    def _gensets(self) -> None:
        dt = self.dt
        day = self.index.tz_localize(None).normalize()
        for g in self.site.gensets:
            who = f"genset {g.name}"
            out, units, fuel = (
                self.c(f"{g.name}_{x}") for x in ("output_mw", "units_on", "fuel_mmbtu")
            )
            cap = g.unit_capacity_mw
            self.whole("integer", f"{who}: units on", units)
            most = 0 if self.mode == "fallback" else g.units
            rule = "mode" if self.mode == "fallback" else "genset_output"
            self.flag(
                rule,
                units - most,
                (units > most + INTEGER_TOL) | (units < -INTEGER_TOL),
                lambda t, units=units, most=most, who=who: (
                    f"{who}: {units[t]:g} units on at {self.when(t)}, outside [0, {most}]"
                ),
            )
            tol = self.tol(out, cap * units)
            self.at_most(
                "genset_output", f"{who}: output MW", out, cap * units, tol, "capacity x units on"
            )
            self.at_least(
                "genset_output",
                f"{who}: output MW",
                out,
                g.min_load_frac * cap * units,
                tol,
                "min load x units on",
            )
            hr_dt = g.heat_rate_mmbtu_per_mwh * dt
            self.equal(
                "fuel",
                f"{who}: fuel MMBtu (heat rate x output x dt)",
                fuel,
                hr_dt * out,
                hr_dt * tol,
            )
            if g.fuel_budget_mmbtu_per_day is not None and self.n:
                used0 = self.state.fuel_used_for(g.name, self.index[0])
                for d in pd.unique(day):
                    members = np.flatnonzero(day == d)
                    burnt = np.cumsum(hr_dt * out[members])
                    already = used0 if d == day[0] else 0.0
                    left = max(g.fuel_budget_mmbtu_per_day - already, 0.0)
                    over = burnt - left
                    tol_day = hr_dt * self.tol_mw * max(1.0, float(np.abs(out[members]).sum()))
                    if over[-1] > tol_day:
                        k = members[int(np.argmax(over > tol_day))]
                        self.found.append(
                            Violation(
                                self.index[k],
                                "fuel",
                                float(over[-1]),
                                f"{who}: {burnt[-1] + already:.6g} MMBtu burnt on "
                                f"{pd.Timestamp(d):%Y-%m-%d} ({already:.6g} before the plan) but "
                                f"the daily budget is {g.fuel_budget_mmbtu_per_day:.6g}; over "
                                f"from {self.when(k)}",
                            )
                        )
            fuel_coef = g.heat_rate_mmbtu_per_mwh * g.fuel_price_usd_per_mmbtu * dt
            self.profit("fuel_cost", -fuel_coef * out, self.money_tol(fuel_coef, out))
            om = g.variable_om_usd_per_mwh * dt
            self.profit("om_cost", -om * out, self.money_tol(om, out))
            first = float(self.state.genset_units_on.get(g.name, g.units_initially_on))
            started = np.clip(units - np.concatenate(([first], units[:-1])), 0, None)
            cost = g.startup_cost_usd_per_unit
            self.profit("startup_cost", -cost * started, self.money_tol(cost, started))

    def _solar(self) -> None:
        s = self.site.solar
        if s is None:
            return
        cf = self.inputs.solar_cf
        avail = np.zeros(self.n) if cf is None else np.clip(cf.to_numpy(dtype=float), 0, 1)
        avail = avail * s.capacity_mw
        out = self.c("solar_mw")
        self.equal(
            "inputs", "solar available MW", self.c("solar_available_mw"), avail, self.tol(avail)
        )
        limit = np.zeros(self.n) if self.mode == "fallback" else avail
        tol = self.tol(out, avail)
        self.at_least("solar", "solar MW", out, np.zeros(self.n), tol, "zero:")
        self.at_most(
            "mode" if self.mode == "fallback" else "solar",
            "solar MW",
            out,
            limit,
            tol,
            "the fallback's 0 MW" if self.mode == "fallback" else "the available MW",
        )

    def _dr_events(self) -> None:
        imp, dt = self.c("grid_import_mw"), self.dt
        for e in self.site.dr_events:
            who = f"DR event {e.name}"
            start, end = _local(e.start, self.site.timezone), _local(e.end, self.site.timezone)
            inside = np.asarray((self.index >= start) & (self.index < end))
            self.equal(
                "dr",
                f"{who}: active flag",
                self.c(f"dr_{e.name}_active"),
                inside.astype(float),
                np.full(self.n, self.frac_tol),
            )
            if e.import_cap_mw is not None:
                cap_col = self.c(f"dr_{e.name}_import_cap_mw")
                wrong = np.where(inside, ~np.isclose(cap_col, e.import_cap_mw), ~np.isnan(cap_col))
                self.flag(
                    "dr",
                    np.nan_to_num(cap_col - e.import_cap_mw),
                    wrong,
                    lambda t, cap_col=cap_col, who=who, e=e, inside=inside: (
                        f"{who}: import cap column is "
                        f"{cap_col[t]:.6g} at {self.when(t)}, expected "
                        f"{e.import_cap_mw if inside[t] else 'empty (outside the window)'}"
                    ),
                )
                excess = self.c(f"dr_{e.name}_excess_mw")
                true = np.where(inside, np.clip(imp - e.import_cap_mw, 0, None), 0.0)
                self.equal(
                    "dr",
                    f"{who}: excess import over the {e.import_cap_mw:g} MW cap",
                    excess,
                    true,
                    self.tol(imp, e.import_cap_mw),
                )
                pen = e.penalty_usd_per_mwh * dt
                self.profit("dr_penalty", -pen * true, self.money_tol(pen, imp))
            if e.baseline_mw is not None and e.credit_usd_per_mwh > 0:
                rate = e.credit_usd_per_mwh * dt * inside
                self.profit(
                    "dr_credit",
                    rate * (e.baseline_mw - imp),
                    self.money_tol(rate, imp) + self.money_rtol * rate * e.baseline_mw,
                )

    def _demand_charge(self) -> None:
        dc = self.site.demand_charge
        if dc is None or not self.n:
            return
        imp, peak = self.c("grid_import_mw"), self.c("billing_peak_mw")
        month = self.index.year * 12 + self.index.month
        carried = self.state.peak_for(self.index[0])
        true = np.empty(self.n)
        prev_true = np.empty(self.n)
        running = carried
        for t in range(self.n):
            if t > 0 and month[t] != month[t - 1]:
                running = 0.0
            prev_true[t] = running
            running = max(running, imp[t])
            true[t] = running
        what = "billing peak MW (running max of import this month)"
        tol = self.tol(true)
        if dc.rate_usd_per_mw > 0:
            self.equal("demand_charge_peak", what, peak, true, tol)
        else:
            self.at_least("demand_charge_peak", what, peak, true, tol, "the running peak")
        rate = dc.rate_usd_per_mw
        self.profit("demand_charge", -rate * (true - prev_true), 2 * self.money_tol(rate, true))

    def _coincident_peak(self) -> None:
        cp = self.site.coincident_peak
        if cp is None:
            return
        given = self.inputs.cp_probability
        prob = np.zeros(self.n) if given is None else given.to_numpy(dtype=float)
        self.equal(
            "inputs",
            "cp_probability",
            self.c("cp_probability"),
            prob,
            np.full(self.n, self.frac_tol),
        )
        imp = self.c("grid_import_mw")
        coef = cp.charge_usd_per_mw * prob
        self.profit("coincident_peak", -coef * imp, self.money_tol(coef, imp))

    def _balance(self) -> None:
        supply = [self.c("grid_import_mw"), -self.c("grid_export_mw"), self.c("hpc_shortfall_mw")]
        demand = [self.c("hpc_load_mw")] + [self.c(f"{f.name}_mining_mw") for f in self.site.fleets]
        if self.site.battery is not None:
            supply += [self.c("battery_discharge_mw"), -self.c("battery_charge_mw")]
        supply += [self.c(f"{g.name}_output_mw") for g in self.site.gensets]
        if self.site.solar is not None:
            supply.append(self.c("solar_mw"))
        inflow, outflow = sum(supply), sum(demand)
        resid = inflow - outflow
        self.flag(
            "balance",
            resid,
            np.abs(resid) > self.tol(*supply, *demand),
            lambda t: (
                f"power does not balance at {self.when(t)}: supply {inflow[t]:.6g} MW "
                f"(import - export + generation + discharge - charge + solar + HPC shortfall) vs "
                f"demand {outflow[t]:.6g} MW (HPC + mining), off by {resid[t]:+.6g} MW"
            ),
        )

    def _totals(self) -> None:
        fleets = self.site.fleets
        mining = sum((self.c(f"{f.name}_mining_mw") for f in fleets), np.zeros(self.n))
        hashrate = sum((self.c(f"{f.name}_hashrate_th_s") for f in fleets), np.zeros(self.n))
        self.equal(
            "totals", "mining_mw (sum of the fleets)", self.c("mining_mw"), mining, self.tol(mining)
        )
        self.equal(
            "totals",
            "hashrate_th_s (sum of the fleets)",
            self.c("hashrate_th_s"),
            hashrate,
            self.tol(hashrate),
        )
        flags = [self.c(f"dr_{e.name}_active") for e in self.site.dr_events]
        active = np.max(flags, axis=0) if flags else np.zeros(self.n)
        self.equal(
            "totals",
            "dr_active (any event active)",
            self.c("dr_active"),
            active,
            np.full(self.n, self.frac_tol),
        )

    def _profits(self) -> None:
        columns = {
            c.removeprefix("profit_").removesuffix("_usd")
            for c in self.cols
            if c.startswith("profit_") and c != "profit_total_usd"
        }
        reported_sum = np.zeros(self.n)
        tol_sum = np.zeros(self.n)
        for kind in sorted(columns | set(self.expected_profit)):
            expected = self.expected_profit.get(kind, np.zeros(self.n))
            tol = self.profit_tol.get(kind, np.zeros(self.n)) + self.money_rtol * np.maximum(
                1.0, np.abs(expected)
            )
            tol_sum = tol_sum + tol
            col = f"profit_{kind}_usd"
            if kind not in columns:
                if np.any(np.abs(expected) > tol):
                    self.found.append(
                        Violation(
                            None,
                            f"profit_{kind}",
                            float(np.abs(expected).sum()),
                            f"schedule has no {col} column but the schedule implies "
                            f"{expected.sum():.2f} USD of {kind.replace('_', ' ')}",
                        )
                    )
                continue
            reported = self.c(col)
            reported_sum = reported_sum + reported
            self.equal(f"profit_{kind}", f"{col} (USD)", reported, expected, tol)
        total = self.c("profit_total_usd")
        self.equal(
            "profit_total",
            "profit_total_usd (sum of the profit_<kind>_usd columns)",
            total,
            reported_sum,
            tol_sum,
        )


def _curve_ceiling_th_s(
    f: MinerFleet, asic_mw: np.ndarray, on: np.ndarray
) -> tuple[np.ndarray, float]:
    """The concave curve's hashrate, TH/s: ``min_k a_k * asic_mw + b_k * on``, and the
    steepest slope ``max_k |a_k|`` (TH/s per MW)."""
    assert f.power_target is not None
    p_mw, h_th = f.asic_power_mw, f.container_hashrate_th_s
    ceiling = np.full(len(on), np.inf)
    steepest = 0.0
    for (p0, h0), (p1, h1) in itertools.pairwise(f.power_target.curve_points):
        a = h_th * (h1 - h0) / (p_mw * (p1 - p0))  # TH/s per MW of miners
        b = h_th * h0 - a * p_mw * p0  # TH/s per running container
        ceiling = np.minimum(ceiling, a * asic_mw + b * on)
        steepest = max(steepest, abs(a))
    return ceiling, steepest


def _interval_starts(index: pd.Index) -> pd.DatetimeIndex | None:
    """The index as tz-aware timestamps; ISO strings with offsets (a schedule read back from
    CSV) are parsed.  None when it is neither."""
    if isinstance(index, pd.DatetimeIndex):
        return index if index.tz is not None else None
    try:
        parsed = pd.to_datetime(index.astype(str), utc=True, format="ISO8601")
    except (ValueError, TypeError):
        return None
    has_offset = index.astype(str).str.contains(r"(?:[+-]\d{2}:?\d{2}|Z)$", regex=True)
    return pd.DatetimeIndex(parsed) if bool(has_offset.all()) else None


def _window_sums(history: Sequence[int], moves: np.ndarray, window: int) -> np.ndarray:
    """Sum of ``moves`` over the last ``window`` intervals up to each t, the part before the
    horizon taken from ``history`` (its last item is the interval just before the horizon)."""
    past = np.asarray(list(history)[-(window - 1) :] if window > 1 else [], dtype=float)
    full = np.concatenate((past, moves))
    csum = np.concatenate(([0.0], np.cumsum(full)))
    ends = np.arange(len(moves)) + len(past) + 1
    return csum[ends] - csum[np.maximum(ends - window, 0)]


def _local(value: Any, tz: str) -> pd.Timestamp:
    """A config timestamp in the site timezone (naive = local), as the planner reads it."""
    return local_timestamp(value, tz)


__all__ = ["Violation", "check_plan", "check_schedule"]
