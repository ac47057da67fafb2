"""Rules of the gas supplies (:mod:`dispatch.assets.gas_supply`) and their emission columns.

=================  ===============================================================  =======
rule               what must hold                                                   unit
=================  ===============================================================  =======
``inputs``         supply = flow x dt (the inputs' gas_flow column, else the         MMBtu
                   constant flow_mmbtu_per_h); gas price = fixed + share x index    USD/MMBtu
``gas_balance``    burnt + flared = supply, burnt >= 0, flared >= 0;                MMBtu
                   burnt = sum of the fuel of the gensets on the supply
``emissions``      the CO2e columns, recomputed from burnt and flared               t CO2e
=================  ===============================================================  =======

Emissions, recomputed here from the stated parameters (not from :mod:`dispatch.emissions`,
so a slip there shows)::

    ch4 = methane_mole_frac x 1000 / heating_value x 0.019175 kg/scf      kg CH4 per MMBtu
    e(eta) = eta x co2_kg_per_mmbtu + (1 - eta) x ch4 x methane_gwp         kg CO2e per MMBtu
    co2e_t = (burnt e(engine) + flared e(flare)) / 1000
    co2e_all_flared_t = supply e(flare) / 1000,  co2e_avoided_t = the difference

Profit term (USD per interval; a cost is negative, a negative price a revenue)::

    gas_cost = -gas_price x burnt
"""

from __future__ import annotations

import numpy as np

from dispatch.checker.base import Context, RuleSet
from dispatch.config import Site

_SUFFIXES = (
    "supply_mmbtu",
    "burnt_mmbtu",
    "flared_mmbtu",
    "price_usd_per_mmbtu",
    "co2e_t",
    "co2e_all_flared_t",
    "co2e_avoided_t",
)
#: kg of methane per standard cubic foot (60 F, 14.696 psia): 16.043 / 379.5 lb x 0.45359.
_KG_CH4_PER_SCF = 0.0191752


def columns(site: Site) -> list[str]:
    return [f"gas_{gs.name}_{x}" for gs in site.gas_supplies for x in _SUFFIXES]


def check(ctx: Context) -> None:
    for gs in ctx.site.gas_supplies:
        who, pre = f"gas supply {gs.name}", f"gas_{gs.name}_"
        supply, burnt, flared, price = (ctx.c(pre + x) for x in _SUFFIXES[:4])
        given = ctx.inputs.gas_flow_mmbtu_per_h
        if given is not None and gs.name in given.columns:
            flow = given[gs.name].to_numpy(dtype=float)
        else:
            flow = np.full(ctx.n, gs.flow_mmbtu_per_h if gs.flow_mmbtu_per_h is not None else 0.0)
        ctx.equal(
            "inputs", f"{who}: supply MMBtu (flow x dt)", supply, flow * ctx.dt, ctx.tol(flow)
        )
        expected_price = np.full(ctx.n, gs.price_usd_per_mmbtu)
        index = ctx.inputs.gas_price_usd_per_mmbtu
        if gs.index_price_share > 0 and index is not None:
            expected_price = expected_price + gs.index_price_share * index.to_numpy(dtype=float)
        ctx.equal(
            "inputs", f"{who}: gas price USD/MMBtu", price, expected_price, ctx.tol(expected_price)
        )
        tol = ctx.tol(supply, burnt, flared)
        zero = np.zeros(ctx.n)
        ctx.at_least("gas_balance", f"{who}: flared MMBtu", flared, zero, tol, "zero:")
        ctx.at_least("gas_balance", f"{who}: burnt MMBtu", burnt, zero, tol, "zero:")
        ctx.equal("gas_balance", f"{who}: burnt + flared MMBtu", burnt + flared, supply, tol)
        fuel = sum(
            (ctx.c(f"{g.name}_fuel_mmbtu") for g in ctx.site.gensets if g.fuel_supply == gs.name),
            np.zeros(ctx.n),
        )
        ctx.equal("gas_balance", f"{who}: burnt MMBtu (the gensets' fuel)", burnt, fuel, tol)
        ch4 = gs.methane_mole_frac * 1000.0 / gs.heating_value_mmbtu_per_mcf * _KG_CH4_PER_SCF

        def kg(eta: float, ch4: float = ch4, gs=gs) -> float:  # type: ignore[no-untyped-def]
            return eta * gs.co2_kg_per_mmbtu + (1 - eta) * ch4 * gs.methane_gwp

        plan_t = burnt * kg(gs.engine_destruction_frac) + flared * kg(gs.flare_destruction_frac)
        plan_t = plan_t / 1000
        all_t = supply * kg(gs.flare_destruction_frac) / 1000
        for name, expected in (
            ("co2e_t", plan_t),
            ("co2e_all_flared_t", all_t),
            ("co2e_avoided_t", all_t - plan_t),
        ):
            ctx.equal(
                "emissions",
                f"{who}: {name}",
                ctx.c(pre + name),
                expected,
                ctx.tol(expected),
            )
        ctx.profit("gas_cost", -price * burnt, ctx.money_tol(price, burnt))


RULES = RuleSet(check=check, columns=columns)
