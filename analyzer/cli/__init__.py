"""The `crossover` command line: a thin click layer over the library.

Errors raised by the library (CrossoverError) become one line on stderr and exit status 1;
`--format json` writes JSON to stdout and nothing else does.

    options.py    the option sets several commands share, as decorators
    sources.py    the data source options -> a FleetData
    analysis.py   cost, analyze
    data.py       collect, prices show|refresh
    export.py     export
    report.py     report, schedule
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import click

from analyzer import __version__
from analyzer.cli.analysis import analyze_cmd, cost
from analyzer.cli.data import collect, prices
from analyzer.cli.export import export_cmd
from analyzer.cli.report import report, schedule
from analyzer.exceptions import CrossoverError

__all__ = ["cli", "main"]


class CrossoverGroup(click.Group):
    """Turns library errors into one clear line and a non-zero exit (no traceback)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except CrossoverError as exc:
            raise click.ClickException(str(exc)) from exc
        except KeyboardInterrupt:
            click.echo("interrupted: nothing half-written was kept", err=True)
            raise SystemExit(130) from None


@click.group(cls=CrossoverGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="crossover")
@click.option("-v", "--verbose", count=True, help="More log output on stderr (-vv for debug).")
def cli(verbose: int) -> None:
    """Crossover: has each Lambda function outgrown Lambda, and if not, when will it?

    \b
    Example:
      crossover analyze --demo
    """
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(
        level=level, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s"
    )


cli.add_command(cost)
cli.add_command(analyze_cmd)
cli.add_command(collect)
cli.add_command(prices)
cli.add_command(export_cmd)
cli.add_command(report)
cli.add_command(schedule)


def main() -> None:
    cli(prog_name="crossover")
