"""The transition study: how much of the site should become AI, and when (DESIGN.md 10).

(The package is ``dispatch.transition``, not ``dispatch.study``: the public function
``dispatch.study`` would shadow a subpackage of that name, as ``dispatch.backtest`` did.)

``study(spec)`` chooses HPC blocks, mining containers per model, a battery and the phasing
of the HPC blocks, maximising the expected NPV over hashprice scenarios, with every design's
operating value from the dispatch model on representative days of history, and re-checks the
choice with a full-year backtest per historical year.

- :mod:`.spec`        the study file (money with units, sourced defaults)
- :mod:`.periods`     representative days (tsam typical days, extremes kept)
- :mod:`.scenarios`   hashprice paths (halvings, BTC price and hashrate growth)
- :mod:`.designs`     configs and designs, and the site the dispatch model plans
- :mod:`.operations`  operating value of a config: ``plan()`` of each representative day
- :mod:`.finance`     yearly cash flows, NPV, IRR, payback
- :mod:`.search`      choosing the design: enumeration, coarse to fine
- :mod:`.run`         :func:`study`
- :mod:`.result`      :class:`StudyResult`; :mod:`.report` its charts and HTML
"""

from dispatch.transition.result import StudyResult
from dispatch.transition.run import study
from dispatch.transition.spec import StudySpec

__all__ = ["StudyResult", "StudySpec", "study"]
