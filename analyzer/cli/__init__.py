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

from typing import Any

import click

from analyzer import __version__
from analyzer.adapters.logs import configure_logging, redact
from analyzer.cli.analysis import analyze_cmd, cost
from analyzer.cli.data import collect, prices
from analyzer.cli.export import export_cmd
from analyzer.cli.report import report, schedule
from analyzer.exceptions import CrossoverError
from analyzer.present.terminal import terminal_safe

__all__ = ["cli", "main"]

INTERNAL_ERROR_EXIT = 3  # an unexpected error (a bug), told apart from bad input (1) and usage (2)


class CrossoverGroup(click.Group):
    """Turns library errors into one clear line and a non-zero exit (no traceback)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except CrossoverError as exc:
            raise click.ClickException(terminal_safe(str(exc))) from exc
        except KeyboardInterrupt:
            click.echo("interrupted: nothing half-written was kept", err=True)
            raise SystemExit(130) from None
        except (click.ClickException, click.exceptions.Exit, click.Abort, SystemExit):
            raise
        except (RecursionError, MemoryError) as exc:
            click.echo(
                f"Error: input too large or too deeply nested ({type(exc).__name__})", err=True
            )
            raise SystemExit(1) from None
        except Exception as exc:  # a bug: still one line, never a traceback (nor secrets)
            text = terminal_safe(redact(" ".join(str(exc).split())))[:300]
            click.echo(
                f"Error: internal error, please report it: {type(exc).__name__}: {text}", err=True
            )
            raise SystemExit(INTERNAL_ERROR_EXIT) from None


@click.group(cls=CrossoverGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="crossover")
@click.option("-v", "--verbose", count=True, help="More log output on stderr (-vv for debug).")
def cli(verbose: int) -> None:
    """Crossover: has each Lambda function outgrown Lambda, and if not, when will it?

    \b
    Example:
      crossover analyze --demo
    """
    configure_logging(verbose)  # secrets redacted; AWS wire dumps stay off even at -vv


cli.add_command(cost)
cli.add_command(analyze_cmd)
cli.add_command(collect)
cli.add_command(prices)
cli.add_command(export_cmd)
cli.add_command(report)
cli.add_command(schedule)


def main() -> None:
    cli(prog_name="crossover")
