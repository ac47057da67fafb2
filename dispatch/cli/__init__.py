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

import gc
import sys
from typing import Annotated

import typer

from dispatch.cli import backtest, common, compare, plan, study, validate
from dispatch.cli.common import OneLineErrors

app = typer.Typer(
    name="dispatch",
    cls=OneLineErrors,
    help="Day-ahead dispatch for hybrid AI/HPC + bitcoin-mining sites.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)


def _version(value: bool) -> None:
    if value:
        from dispatch.version import __version__

        typer.echo(f"dispatch {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="print the version and exit"
        ),
    ] = False,
) -> None:
    """Day-ahead dispatch for hybrid AI/HPC + bitcoin-mining sites."""


app.command("plan")(plan.plan_command)
app.command("validate")(validate.validate_command)
app.command("backtest")(backtest.backtest_command)
app.command("study")(study.study_command)
app.command("compare")(compare.compare_command)


def main() -> None:
    """Entry point of the ``dispatch`` console script (and of ``python -m dispatch.cli``).

    The process is the command's own, so the commands may tune its garbage collector
    (:func:`~dispatch.cli.common.frozen_imports`); at exit every object left is frozen first,
    so the interpreter's last collections do not walk the imported packages' million objects
    once more (0.1-0.2 s after a plan, measured at load 1).
    """
    common.OWN_PROCESS = True
    try:
        _run(sys.argv[1:])
    finally:
        gc.freeze()


def _run(args: list[str]) -> None:
    if args[:1] == ["plan"] and any(a == "--sweep" or a.startswith("--sweep=") for a in args):
        typer.echo(
            "error: dispatch plan plans one window; sweeps run over history with "
            "dispatch backtest SITE.yaml ... --sweep FILE (see dispatch backtest --help)",
            err=True,
        )
        raise SystemExit(2)
    app()


__all__ = ["app", "main"]
