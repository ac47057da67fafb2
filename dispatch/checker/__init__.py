"""An independent check of a schedule: every rule of the model, recomputed from the table.

``check_schedule(site, inputs, schedule)`` takes a plan's schedule DataFrame (or one edited by
hand), the site configuration, the inputs and the state the plan started from, and returns
the list of :class:`Violation` found; an empty list means the schedule is valid.  It never
looks at the optimisation model: it reads only the schedule's columns and recomputes every
rule and every profit term from the configuration and the inputs, so a bug in an asset
module or in the results code shows up here as a violation.  No module of this package
imports :mod:`dispatch.model`, :mod:`dispatch.solve` or :mod:`dispatch.assets` (an
import-linter contract in ``pyproject.toml`` enforces it).

The package mirrors :mod:`dispatch.assets`: one rule module per asset module, each holding
only its own rules (a table in its docstring) and profit terms:

=======================  ===================================================================
module                   rules
=======================  ===================================================================
``base``                 :class:`Violation`, the shared ``Context`` and its tolerances,
                         the ``RuleSet`` a rule module exports
``driver``               ``check_schedule``/``check_plan``; the index, the columns, the
                         price input, the power balance, the totals and the profit sums;
                         ``RULE_SETS``, the registry
``hpc``                  ``hpc``; lost load
``grid``                 ``grid_limit``; energy cost, export revenue
``fleet``                ``integer``, ``availability``, ``mining_power``, ``hashrate``,
                         ``starts``, ``ramp``, ``min_up``, ``min_down``, ``mode``; mining
                         revenue, startup cost
``battery``              ``battery_power``, ``battery_soc``, ``battery_end_soc``,
                         ``battery_simultaneous``, ``mode``; battery wear
``genset``               ``integer``, ``genset_output``, ``fuel``, ``mode``; fuel, O&M and
                         startup cost
``solar``                ``inputs``, ``solar``, ``mode``
``demand_response``      ``dr``; DR penalty and credit
``demand_charge``        ``demand_charge_peak``; demand charge
``coincident_peak``      ``inputs``; coincident-peak charge
=======================  ===================================================================

Adding an asset type: one rule module exporting ``RULES`` and one line in
``driver.RULE_SETS``.

Symbols: ``t`` an interval of ``dt`` hours, ``x[-1]`` the value carried in by the state;
column names in ``code``.  *Derived* columns (starts, mining MW, fuel, billing peak, DR excess,
profit terms ...) must equal what the rule gives; *decision* columns must satisfy it.

Choices:

- **Tolerances** are relative above 1 MW (see :mod:`dispatch.checker.base`).  A schedule
  read back from ``schedule.csv`` (full precision) passes at the default tolerances; its
  index may be the CSV's ISO strings with UTC offsets, and its flags ``True``/``False``.
- **Informational findings** (``severity="info"``, returned when ``info=True``) break no rule:
  simultaneous charge and discharge at a positive buy price, a hashrate below the curve
  (revenue left unclaimed).
- **Mode.**  ``mode`` is the plan's :class:`~dispatch.Mode` (``Plan.mode``; default
  ``"optimise"``).  In ``no_miners`` and ``fallback`` the fleets start from zero running
  containers and no start/stop history, as the model does (the site without miners, or
  miners switched off at once); the mode's own rules (``mode``) are checked too.
- **Starting state.**  ``state`` as the plan got it; a fleet said to run more containers
  than are in service (containers - containers_unavailable) starts with just those on.
- **Derived columns must be exact.**  A starts column, a billing peak or a DR excess larger
  than the schedule implies is a violation too (it overstates a cost or the risk); so is a
  startup cost the schedule's starts do not explain (a solve stopped early can leave
  containers both started and stopped in one interval).

``check_plan(plan)`` checks a :class:`~dispatch.Plan` with its own inputs, state and mode.
"""

from dispatch.checker.base import Violation
from dispatch.checker.driver import check_plan, check_schedule

__all__ = ["Violation", "check_plan", "check_schedule"]
