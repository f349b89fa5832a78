"""Every command's `--help`: the options it lists (pinned, in order) and a real example."""

from __future__ import annotations

import re

import click
import pytest
from click.testing import CliRunner

from analyzer.cli import cli

AWS = [
    "--profile",
    "--role-arn",
    "--org-role",
    "--region",
    "--days",
    "--endpoint-url",
    "--env-config",
    "-y, --yes",
    "--no-price-refresh",
    "--data-dir",
]
SOURCE = ["--demo", "--functions", "--traffic", "--aws", "--store", *AWS]
ASSUMPTIONS = ["--pricebook", "--assumptions", "--price-proxy", "--set"]
REPORT = [
    "--config",
    "--to",
    "--from",
    "--subject",
    "--attach",
    "--top",
    "--no-chart",
    "--smtp-host",
    "--smtp-port",
    "--starttls",
    "--tls",
    "--smtp-user",
    "--smtp-password-file",
    "--ses",
    "--ses-region",
    "--attempts",
    "--dry-run",
    "--out",
]
OPTIONS: dict[str, list[str]] = {
    "": ["--version", "-v, --verbose", "-h, --help"],
    "analyze": [*SOURCE, "--format", *ASSUMPTIONS, "--dask", "-h, --help"],
    "collect": [*AWS, "-h, --help"],
    "cost": ["--format", "--pricebook", "--price-proxy", "--data-dir", "-h, --help"],
    "export": [
        *SOURCE,
        "--format",
        "--out",
        "--verdict",
        "--sort",
        *ASSUMPTIONS,
        "--account",
        "--environment",
        "-h, --help",
    ],
    "prices": ["-h, --help"],
    "prices refresh": ["--region", "--profile", "--endpoint-url", "--data-dir", "-h, --help"],
    "prices show": ["--pricebook", "--region", "--format", "--data-dir", "-h, --help"],
    "report": [*SOURCE, *REPORT, *ASSUMPTIONS, "-h, --help"],
    "schedule": [
        "--cron",
        "--tz",
        "--catch-up-minutes",
        *SOURCE,
        *REPORT,
        *ASSUMPTIONS,
        "-h, --help",
    ],
}


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[str]:
    names = [" ".join(prefix)]
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            names += _commands(command, (*prefix, name))
        else:
            names.append(" ".join((*prefix, name)))
    return names


def test_every_command_is_pinned() -> None:
    assert sorted(_commands(cli)) == sorted(OPTIONS)


@pytest.mark.parametrize("command", sorted(OPTIONS))
def test_help_lists_the_same_options_and_an_example(command: str) -> None:
    result = CliRunner().invoke(cli, [*command.split(), "--help"], terminal_width=200)
    assert result.exit_code == 0
    listed = re.findall(r"^  (-[-\w]+(?:, --[-\w]+)?)", result.output.split("Options:")[1], re.M)
    assert listed == OPTIONS[command]
    if command != "prices":
        assert "Example" in result.output
