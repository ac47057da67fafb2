"""Asset modules and the registry that turns a site into its list of assets.

Adding an asset type: write its module (implementing :class:`dispatch.assets.base.Asset`)
and add one line to ``_FACTORIES``.  Order matters: the grid comes first, because the
tariffs and DR events refer to its import; the reserves, standby DR and swing headroom come
after the fleets and the battery, whose power they sell or hold.
"""

from __future__ import annotations

from collections.abc import Callable

from dispatch.assets.base import Asset
from dispatch.assets.battery import BatteryAsset
from dispatch.assets.coincident_peak import CoincidentPeakAsset
from dispatch.assets.demand_charge import DemandChargeAsset
from dispatch.assets.demand_response import DemandResponseAsset
from dispatch.assets.fleet import FleetAsset
from dispatch.assets.gas_supply import GasSupplyAsset
from dispatch.assets.genset import GensetAsset
from dispatch.assets.grid import GridAsset
from dispatch.assets.hpc import HpcAsset
from dispatch.assets.reserves import ReservesAsset
from dispatch.assets.solar import SolarAsset
from dispatch.assets.standby_dr import StandbyDrAsset
from dispatch.assets.swing_headroom import SwingHeadroomAsset
from dispatch.config import Genset, Site

_FACTORIES: tuple[Callable[[Site], list[Asset]], ...] = (
    lambda s: [GridAsset(s.grid)],
    lambda s: [HpcAsset(tuple(s.hpc_halls), s.value_of_lost_load_usd_per_mwh, s.dt_h)],
    lambda s: [FleetAsset(f, s) for f in s.fleets],
    lambda s: (
        [BatteryAsset(s.battery, s.grid.import_adder_usd_per_mwh, s.dt_h)] if s.battery else []
    ),
    lambda s: [GensetAsset(g, s.dt_h) for g in s.gensets],
    lambda s: [SolarAsset(s.solar)] if s.solar else [],
    lambda s: [DemandResponseAsset(e, s) for e in s.dr_events],
    lambda s: [DemandChargeAsset(s.demand_charge)] if s.demand_charge else [],
    lambda s: [CoincidentPeakAsset(s.coincident_peak)] if s.coincident_peak else [],
    # after the fleets and the battery: they sell and hold what those draw and store
    lambda s: [ReservesAsset(tuple(s.reserve_products), s)] if s.reserve_products else [],
    lambda s: [StandbyDrAsset(tuple(s.standby_dr), s)] if s.standby_dr else [],
    lambda s: [SwingHeadroomAsset(s)] if any(h.swing_frac > 0 for h in s.hpc_halls) else [],
    lambda s: [GasSupplyAsset(gs, _burners(s, gs.name), s.dt_h) for gs in s.gas_supplies],
)


def _burners(site: Site, supply: str) -> tuple[Genset, ...]:
    return tuple(g for g in site.gensets if g.fuel_supply == supply)


def assets_for(site: Site) -> list[Asset]:
    """The site's assets in build order (grid first)."""
    return [asset for factory in _FACTORIES for asset in factory(site)]
