"""The command line as users and scripts use it: the shapes of docs/interfaces.md, one-line
errors."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import cast

import click
import pytest
from click.testing import CliRunner

from analyzer.cli import cli

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "orders-api.json"


def run(*args: str) -> tuple[int, str, str]:
    r = CliRunner().invoke(cli, list(args))
    return r.exit_code, r.stdout, r.stderr


def scenario(tmp_path: Path, text: str, suffix: str = ".json") -> str:
    p = tmp_path / f"s{suffix}"
    p.write_text(text)
    return str(p)


def test_cost_json_has_the_documented_shape() -> None:
    code, out, err = run("cost", str(EXAMPLE), "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert set(doc["price_book"]) >= {"as_of", "source"}
    assert doc["price_book"]["as_of"] == "2026-11-26"
    f = doc["functions"][0]
    assert f["name"] == "orders-api"
    assert set(f["lambda"]) == {
        "requests_usd",
        "duration_usd",
        "storage_usd",
        "provisioned_usd",
        "front_door_usd",
        "total_usd",
    }
    # 3M x $0.20/M, 540,000 GB-s x $0.0000166667, 3M x $1.00/M (HTTP API)
    assert (
        f["lambda"]["requests_usd"],
        f["lambda"]["duration_usd"],
        f["lambda"]["front_door_usd"],
    ) == (0.6, 9.0, 3.0)
    assert f["lambda"]["total_usd"] == 12.6
    kinds = {o["kind"]: o for o in f["options"]}
    assert set(kinds) == {"ec2", "fargate", "lmi"}
    assert set(kinds["ec2"]["instances"]) == {"min", "max"}
    assert set(kinds["fargate"]["task"]) == {"vcpu", "memory_gb", "arch"}
    assert set(kinds["ec2"]["breakdown"]) >= {"compute_usd", "load_balancer_usd", "ops_usd"}
    assert f["best"]["monthly_usd"] == min(o["monthly_usd"] for o in f["options"])
    assert set(f["crossover"]) == {"multiple", "monthly_invocations", "requests_per_second"}
    # orders-api (against its tuned Lambda: arm64, same HTTP API on both sides) never crosses;
    # checkout-api crosses a little above today's 400M invocations.
    assert f["crossover"] == {
        "multiple": None,
        "monthly_invocations": None,
        "requests_per_second": None,
    }
    c = doc["functions"][1]["crossover"]
    assert c["monthly_invocations"] == pytest.approx(c["multiple"] * 400_000_000, rel=1e-3)
    # Tune and Move, each labelled: 540,000 GB-s x ($0.0000166667 - $0.0000133334) = $1.80.
    assert f["tune"]["arm64_saving_usd"] == 1.8
    assert f["tune"]["monthly_saving_usd"] == 1.8
    assert f["move"]["monthly_saving_usd"] == f["monthly_saving_usd"] == 0.0
    assert set(doc["totals"]) >= {"move_saving_usd", "tune_saving_usd", "outgrown_saving_usd"}
    assert f["verdict"] in ("outgrown", "watch", "stay")
    assert isinstance(f["monthly_saving_usd"], float)
    assert doc["totals"]["lambda_usd"] == pytest.approx(
        sum(x["lambda"]["total_usd"] for x in doc["functions"]), abs=0.01
    )


def test_cost_table_is_the_default_and_says_where_prices_came_from() -> None:
    code, out, _ = run("cost", str(EXAMPLE))
    assert code == 0
    assert "orders-api" in out and "Lambda $12.60/month" in out
    assert "price book of 2026-11-26" in out and "730 hours" in out


def test_cost_reads_yaml(tmp_path: Path) -> None:
    p = scenario(
        tmp_path,
        "region: us-east-1\nfunctions:\n  - name: y\n    memory_mb: 256\n"
        "    monthly_invocations: 1000000\n    avg_duration_ms: 50\n",
        ".yaml",
    )
    code, out, err = run("cost", p, "--format", "json")
    assert code == 0, err
    assert json.loads(out)["functions"][0]["name"] == "y"


def test_analyze_demo_json() -> None:
    code, out, err = run("analyze", "--demo", "--format", "json")
    assert code == 0, err
    doc = json.loads(out)  # stdout is JSON and nothing else
    fns = doc["functions"]
    assert 40 <= len(fns) <= 80
    assert {f["verdict"] for f in fns} == {"outgrown", "watch", "stay"}
    assert {f["environment"] for f in fns} == {"dev", "test", "prod"}
    assert len({f["region"] for f in fns}) == 2
    for f in fns:
        assert {
            "account_id",
            "region",
            "environment",
            "memory_mb",
            "arch",
            "monthly_invocations",
            "avg_duration_ms",
            "forecast",
        } <= set(f)
        assert {"monthly_growth", "months_to_crossover", "crossover_date", "confidence"} <= set(
            f["forecast"]
        )
        if f["verdict"] == "outgrown":
            # Verdicts are on the run rate: its k* and its Move saving.
            assert f["crossover"]["multiple"] < 1 and f["run_rate"]["monthly_saving_usd"] >= 50
    assert any(f["forecast"]["crossover_date"] for f in fns if f["verdict"] == "watch")
    assert doc["assumptions"]["min_instances"] == 2
    assert any("eu-west-1" in n for n in doc["notes"])


def strict_json(text: str) -> object:
    """json.loads that refuses NaN / Infinity, as JSON.parse and jq do."""

    def refuse(constant: str) -> object:
        raise ValueError(f"not JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


def test_every_json_output_is_strict_json() -> None:
    # Before: 29 of 67 demo functions had a bare NaN crossover_date, which JSON.parse rejects.
    code, out, err = run("analyze", "--demo", "--format", "json")
    assert code == 0, err
    doc = strict_json(out)
    assert isinstance(doc, dict)
    dates = [f["forecast"]["crossover_date"] for f in doc["functions"]]
    assert None in dates  # no date is null, not NaN
    assert all(d is None or isinstance(d, str) for d in dates)
    code, out, err = run("cost", str(EXAMPLE), "--format", "json")
    assert code == 0, err
    strict_json(out)
    code, out, err = run("prices", "show", "--format", "json")
    assert code == 0, err
    strict_json(out)


def test_analyze_assumption_override_changes_the_numbers() -> None:
    base = json.loads(run("analyze", "--demo", "--format", "json")[1])
    spot = json.loads(
        run("analyze", "--demo", "--format", "json", "--set", "pricing_option=spot")[1]
    )
    assert spot["totals"]["best_usd"] < base["totals"]["best_usd"]
    assert spot["assumptions"]["pricing_option"] == "spot"


BAD = [
    (
        '{"region": "us-east-1", "functions": [{"name": "a", "memory_mb": 64, "monthly_invocations": 1, "avg_duration_ms": 1}]}',
        "functions[0].memory_mb=64: must be between 128 and 10240 MB",
    ),
    (
        '{"region": "us-east-1", "functions": [{"name": "a", "memory_mb": 128, "monthly_invocations": -5, "avg_duration_ms": 1}]}',
        "functions[0].monthly_invocations=-5: must be between 0 and 1e+12",
    ),
    (
        '{"region": "us-east-1", "functions": [{"name": "a", "memory_mb": "big", "monthly_invocations": 1, "avg_duration_ms": 1}]}',
        "functions[0].memory_mb='big': must be a number",
    ),
    ('{"region": "us-east-1", "colour": "red", "functions": []}', "colour='red': unknown key"),
    (
        '{"region": "mars-north-1", "functions": [{"name": "a", "memory_mb": 128, "monthly_invocations": 1, "avg_duration_ms": 1}]}',
        "region='mars-north-1': unknown region",
    ),
    (
        '{"region": "us-east-1", "assumptions": {"instance_types": ["m9z.huge"]}, "functions": [{"name": "a", "memory_mb": 128, "monthly_invocations": 1, "avg_duration_ms": 1}]}',
        "assumptions.instance_types='m9z.huge': unknown instance type",
    ),
    (
        '{"region": "us-east-1", "functions": [{"name": "a", "memory_mb": 128, "arch": "sparc", "monthly_invocations": 1, "avg_duration_ms": 1}]}',
        "functions[0].arch='sparc': must be x86_64 or arm64",
    ),
    (
        '{"region": "us-east-1", "assumptions": {"min_instances": "two"}, "functions": [{"name": "a", "memory_mb": 128, "monthly_invocations": 1, "avg_duration_ms": 1}]}',
        "assumptions.min_instances='two': must be a number",
    ),
    (
        '{"region": "us-east-1", "assumptions": {"target_utilization": 1.5}, "functions": [{"name": "a", "memory_mb": 128, "monthly_invocations": 1, "avg_duration_ms": 1}]}',
        "assumptions.target_utilization=1.5: must be at most 1",
    ),
    (
        '{"region": "us-east-1", "assumptions": {"warp": 9}, "functions": [{"name": "a", "memory_mb": 128, "monthly_invocations": 1, "avg_duration_ms": 1}]}',
        "assumptions.warp=9: unknown assumption",
    ),
    (
        '{"region": "us-east-1", "functions": [{"name": "a", "memory_mb": 128, "monthly_invocations": 1, "avg_duration_ms": 1, "front_door": "carrier-pigeon"}]}',
        "functions[0].front_door='carrier-pigeon': must be one of",
    ),
    (
        '{"region": "us-east-1", "functions": [{"name": "a", "memory_mb": 128, "avg_duration_ms": 1}]}',
        "functions[0].monthly_invocations=None: is required",
    ),
    ('{"region": "us-east-1", "functions": [', "is not valid JSON (line 1"),
]


@pytest.mark.parametrize(("text", "message"), BAD, ids=[m.split(":")[0][:40] for _, m in BAD])
def test_bad_scenarios_give_one_clear_line(tmp_path: Path, text: str, message: str) -> None:
    code, out, err = run("cost", scenario(tmp_path, text))
    assert code == 1
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert message in lines[0]
    assert "Traceback" not in err


def test_missing_scenario_file(tmp_path: Path) -> None:
    code, _, err = run("cost", str(tmp_path / "nope.json"))
    assert code == 1 and "file not found" in err and len(err.strip().splitlines()) == 1


def test_bad_set_is_refused() -> None:
    code, _, err = run("analyze", "--demo", "--set", "min_instances=0")
    assert code == 1 and "min_instances=0: must be at least 1" in err


def test_every_command_has_help_with_an_example() -> None:
    def walk(group: click.Group, prefix: list[str]) -> Iterator[tuple[list[str], click.Command]]:
        for name, cmd in group.commands.items():
            yield [*prefix, name], cmd
            if hasattr(cmd, "commands"):
                yield from walk(cast(click.Group, cmd), [*prefix, name])

    for path, cmd in walk(cli, []):
        code, out, _ = run(*path, "--help")
        assert code == 0, path
        if not hasattr(cmd, "commands"):
            assert "Example" in out, f"crossover {' '.join(path)} --help has no example"


def test_python_dash_m_works_and_errors_have_no_traceback(tmp_path: Path) -> None:
    bad = scenario(
        tmp_path,
        '{"region": "us-east-1", "functions": [{"name": "a", "memory_mb": 1, '
        '"monthly_invocations": 1, "avg_duration_ms": 1}]}',
    )
    r = subprocess.run(
        [sys.executable, "-m", "analyzer", "cost", bad], capture_output=True, text=True, check=False
    )
    assert r.returncode == 1
    assert r.stderr.startswith("Error: functions[0].memory_mb=1")
    assert "Traceback" not in r.stderr
