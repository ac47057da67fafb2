"""Greenhouse-gas arithmetic of a gas supply: gas burnt in gensets versus gas flared.

Pure arithmetic on numbers (no model, no solver), so a reader can check it by hand.  Gas is
counted in MMBtu (higher heating value).  For one MMBtu burnt with methane destruction
efficiency ``eta`` (the share of the methane oxidised; ``1 - eta`` is the methane slip)::

    ch4_kg_per_mmbtu = x_ch4 * (1000 / HV) * RHO_CH4                 methane in one MMBtu
    co2e_kg(eta)     = eta * EF_co2 + (1 - eta) * ch4_kg_per_mmbtu * GWP

    x_ch4    methane mole (= volume) fraction of the gas          (GasSupply.methane_mole_frac)
    HV       heating value, MMBtu/Mcf, so 1000 / HV scf per MMBtu  (heating_value_mmbtu_per_mcf)
    RHO_CH4  kg of methane per standard cubic foot (60 F, 14.696 psia): 16.043 lb/lbmol /
             379.5 scf/lbmol x 0.45359 kg/lb = 0.019175 kg/scf
    EF_co2   kg CO2 per MMBtu burnt completely (EPA 40 CFR 98 Table C-1, natural gas: 53.06)
    GWP      methane's global warming potential (IPCC AR6 fossil CH4: GWP100 29.8, GWP20 82.5)

Simplifications, stated: CO2 scales with ``eta`` (the carbon of the slipped methane leaves
as methane); heavier hydrocarbons that slip and the CO2 already in the raw gas are not
counted; gas is either burnt in a genset or flared (no venting).  With the defaults
(``x_ch4`` 0.80, HV 1.037: 14.79 kg CH4 per MMBtu; flare 0.98, engine 0.995, GWP100 29.8)
one MMBtu costs 60.82 kg CO2e flared and 55.00 kg in an engine: mining avoids 5.82 kg CO2e
per MMBtu it burns instead of the flare, ~10 % of the flare's emissions (17.5 kg, 23 %, with
GWP20 82.5; more again with the lower flare efficiencies measured in the field).

Per interval, for a supply with ``burnt`` and ``flared`` MMBtu::

    co2e_t            = (burnt * co2e_kg(eta_engine) + flared * co2e_kg(eta_flare)) / 1000
    co2e_all_flared_t = (burnt + flared) * co2e_kg(eta_flare) / 1000        (no miners)
    co2e_avoided_t    = co2e_all_flared_t - co2e_t
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from dispatch.config import GasSupply

#: kg of methane per standard cubic foot at 60 F and 14.696 psia.
RHO_CH4_KG_PER_SCF = 16.043 / 379.5 * 0.45359237
#: IPCC AR6 (WG1, Table 7.15) methane GWPs, fossil origin.
GWP100_CH4_AR6 = 29.8
GWP20_CH4_AR6 = 82.5


def methane_kg_per_mmbtu(gas: GasSupply) -> float:
    """Methane in one MMBtu of the gas, kg."""
    return gas.methane_mole_frac * (1000.0 / gas.heating_value_mmbtu_per_mcf) * RHO_CH4_KG_PER_SCF


def co2e_kg_per_mmbtu(gas: GasSupply, destruction_frac: float) -> float:
    """kg CO2e emitted per MMBtu burnt with methane destruction ``destruction_frac``."""
    slip = 1.0 - destruction_frac
    return (
        destruction_frac * gas.co2_kg_per_mmbtu + slip * methane_kg_per_mmbtu(gas) * gas.methane_gwp
    )


def emission_columns(gas: GasSupply, burnt_mmbtu: Any, flared_mmbtu: Any) -> dict[str, Any]:
    """Tonnes CO2e per interval: ``co2e_t`` (the plan), ``co2e_all_flared_t`` (every MMBtu
    supplied flared) and ``co2e_avoided_t`` (their difference)."""
    burnt = np.asarray(burnt_mmbtu, dtype=float)
    flared = np.asarray(flared_mmbtu, dtype=float)
    engine = co2e_kg_per_mmbtu(gas, gas.engine_destruction_frac)
    flare = co2e_kg_per_mmbtu(gas, gas.flare_destruction_frac)
    plan_t = (burnt * engine + flared * flare) / 1000.0
    all_flared_t = (burnt + flared) * flare / 1000.0
    return {
        "co2e_t": plan_t,
        "co2e_all_flared_t": all_flared_t,
        "co2e_avoided_t": all_flared_t - plan_t,
    }


def gas_kpis(gas_supplies: Mapping[str, GasSupply], totals: Mapping[str, float]) -> dict:
    """The report's gas and emissions numbers from per-supply totals.

    ``totals`` holds, per supply ``<s>``: ``<s>_supply_mmbtu``, ``<s>_burnt_mmbtu``,
    ``<s>_flared_mmbtu``, ``<s>_cost_usd`` (gas bought, USD), ``<s>_co2e_t``,
    ``<s>_co2e_all_flared_t``.
    """
    out: dict[str, Any] = {}
    for name, gas in gas_supplies.items():
        supplied = totals[f"{name}_supply_mmbtu"]
        burnt = totals[f"{name}_burnt_mmbtu"]
        out[name] = {
            "supplied_mmbtu": supplied,
            "burnt_mmbtu": burnt,
            "flared_mmbtu": totals[f"{name}_flared_mmbtu"],
            "burnt_frac": burnt / supplied if supplied > 0 else 0.0,
            "gas_cost_usd": totals[f"{name}_cost_usd"],
            "co2e_t": totals[f"{name}_co2e_t"],
            "co2e_all_flared_t": totals[f"{name}_co2e_all_flared_t"],
            "co2e_avoided_t": totals[f"{name}_co2e_all_flared_t"] - totals[f"{name}_co2e_t"],
            "assumptions": {
                "methane_mole_frac": gas.methane_mole_frac,
                "heating_value_mmbtu_per_mcf": gas.heating_value_mmbtu_per_mcf,
                "flare_destruction_frac": gas.flare_destruction_frac,
                "engine_destruction_frac": gas.engine_destruction_frac,
                "co2_kg_per_mmbtu": gas.co2_kg_per_mmbtu,
                "methane_gwp": gas.methane_gwp,
                "co2e_kg_per_mmbtu_flared": co2e_kg_per_mmbtu(gas, gas.flare_destruction_frac),
                "co2e_kg_per_mmbtu_engine": co2e_kg_per_mmbtu(gas, gas.engine_destruction_frac),
            },
        }
    return out
