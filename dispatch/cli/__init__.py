"""The ``dispatch`` command line: a thin layer over the public API.

Commands::

    dispatch plan SITE.yaml [--prices FILE] [--hashprice FILE|VALUE] [--hpc-load FILE|VALUE]
                  [--cp-probability FILE] [--solar FILE] [--location NAME]
                  [--day YYYY-MM-DD] [--horizon 1d|24h|36h|...] [--time-limit SECONDS]
                  [--out DIR]
    dispatch validate SITE.yaml [the same inputs, --day, --horizon]
    dispatch backtest SITE.yaml --prices FILE --hashprice FILE|VALUE --from DATE --to DATE ...
    dispatch study STUDY.yaml [--out DIR] [--workers N] [--no-validate]
    dispatch compare PORTFOLIO.yaml [--from DATE --to DATE] [--out DIR]

Exit codes: 0 the plan is fine (or nothing is wrong); 1 the plan was written but is
``at_risk`` or ``fallback`` (the reason on one line on stderr); 2 bad input (one line naming
the file, field or row on stderr; nothing written).

One module per subcommand (:mod:`~dispatch.cli.plan`, :mod:`~dispatch.cli.validate`,
:mod:`~dispatch.cli.backtest`, :mod:`~dispatch.cli.study`), each documenting its own choices;
what they share (the input options, the error and exit helpers, writing the outputs) is in
:mod:`dispatch.cli.common`.
Adding a subcommand: write its module and add one line below.
"""

from __future__ import annotations

import typer

from dispatch.cli import backtest, compare, plan, study, validate

app = typer.Typer(
    name="dispatch",
    help="Day-ahead dispatch for hybrid AI/HPC + bitcoin-mining sites.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)

app.command("plan")(plan.plan_command)
app.command("validate")(validate.validate_command)
app.command("backtest")(backtest.backtest_command)
app.command("study")(study.study_command)
app.command("compare")(compare.compare_command)


def main() -> None:
    """Entry point of the ``dispatch`` console script."""
    app()


__all__ = ["app", "main"]
