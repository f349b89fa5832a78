"""The layering docs/layout.md describes, and the public API, pinned."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import analyzer

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN_IN_CORE = {"boto3", "botocore", "streamlit", "smtplib", "click", "moto", "aiosmtpd"}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    mods: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            mods |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            mods.add(node.module.split(".")[0] if node.level == 0 else "")
            if node.module.startswith("analyzer."):
                mods.add(node.module)
    return mods


def test_core_imports_no_io_libraries() -> None:
    for path in sorted((ROOT / "analyzer" / "core").glob("*.py")):
        bad = imported_modules(path) & FORBIDDEN_IN_CORE
        assert not bad, f"{path.name} imports {bad}"


def test_core_does_not_depend_on_adapters_or_presentation() -> None:
    for path in sorted((ROOT / "analyzer" / "core").glob("*.py")):
        deps = {m for m in imported_modules(path) if m.startswith("analyzer.")}
        assert not any(
            m.startswith(("analyzer.adapters", "analyzer.present", "analyzer.cli")) for m in deps
        ), path


def test_public_api_is_pinned() -> None:
    assert sorted(analyzer.__all__) == sorted(
        [
            "DEFAULTS",
            "FIELDS",
            "Analysis",
            "Assumptions",
            "CollectionError",
            "CrossoverError",
            "DeliveryError",
            "ExportError",
            "FleetData",
            "InputError",
            "PriceBook",
            "PriceBookError",
            "StoreError",
            "__version__",
            "analyze",
            "cost_curves",
            "demo_fleet",
            "read_scenario",
            "scenario_fleet",
        ]
    )
    for name in analyzer.__all__:
        assert hasattr(analyzer, name)


def test_every_assumption_has_a_unit_and_a_one_line_meaning() -> None:
    for name, info in analyzer.FIELDS.items():
        assert info.unit, name
        assert info.help and "\n" not in info.help and len(info.help) < 120, name


def test_demo_fleet_is_deterministic_and_varied() -> None:
    a, b = analyzer.demo_fleet(), analyzer.demo_fleet()
    assert a.traffic.equals(b.traffic)
    f = a.functions
    assert 40 <= len(f) <= 80
    assert set(f["environment"]) == {"dev", "test", "prod"}
    assert f["account_id"].nunique() == 3 and f["region"].nunique() == 2
    assert (f["pc_allocated"] > 0).any() and (f["ephemeral_storage_mb"] > 512).any()
    assert a.hours == 90 * 24


def test_pricebook_snapshot_rebuilds_identically(tmp_path: Path) -> None:
    import json
    import subprocess
    import sys

    out = tmp_path / "pb.json"
    subprocess.run(
        [sys.executable, str(ROOT / "pricing_data" / "build_snapshot.py"), "--out", str(out)],
        check=True,
        capture_output=True,
    )
    assert json.loads(out.read_text()) == json.loads(
        (ROOT / "analyzer" / "data" / "pricebook.json").read_text()
    )


def test_every_price_carries_its_source() -> None:
    book = analyzer.PriceBook.load()
    frame = book.to_frame()
    assert frame["source"].str.len().gt(0).all()
    assert (frame["usd"] > 0).all()
    lam = book.lambda_rates("us-east-1", "x86_64")
    assert lam.request_usd * 1e6 == pytest.approx(0.20) and lam.duration.first_rate == 0.0000166667
    assert book.ec2_price("us-east-1", "m7g.xlarge") == 0.1632  # AWS's own quote


SOURCES = sorted(
    [*(ROOT / "analyzer").rglob("*.py"), ROOT / "app.py", *(ROOT / "app_pages").glob("*.py")]
)
MAX_LINES = 400


def test_no_module_imports_another_modules_private_name() -> None:
    offenders = []
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("analyzer"):
                private = [
                    a.name
                    for a in node.names
                    if a.name.startswith("_") and not a.name.endswith("__")
                ]
                if private:
                    offenders.append(f"{path.relative_to(ROOT)}: {node.module}.{private}")
    assert offenders == []


def test_long_files_say_why_at_the_top() -> None:
    """A file over 400 lines is two concepts, unless its docstring says why it is one."""
    for path in SOURCES:
        text = path.read_text()
        if text.count("\n") > MAX_LINES:
            doc = ast.get_docstring(ast.parse(text)) or ""
            assert "400 lines" in doc, f"{path.relative_to(ROOT)} is long and does not say why"


def test_user_facing_text_points_nowhere_outside_the_project() -> None:
    """Users have the project, not the team's design notes: no pointer to them in shipped code."""
    outside = ("INTERFACES.md", "DESIGN.md", "AWS-FACTS.md", "STYLE.md", "../shared")
    for path in [
        *SOURCES,
        *(ROOT / "analyzer").rglob("*.j2"),
        *(ROOT / "analyzer").rglob("*.json"),
    ]:
        text = path.read_text()
        assert not [word for word in outside if word in text], path.relative_to(ROOT)


def test_one_monthly_basis() -> None:
    """HOURS_PER_MONTH lives in core/vocabulary.py; no other module defines it or types 730."""
    for path in SOURCES:
        if path.name == "vocabulary.py":
            continue
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign):
                names = [t.id for t in node.targets if isinstance(t, ast.Name)]
                assert "HOURS_PER_MONTH" not in names, path.relative_to(ROOT)
            if isinstance(node, ast.Constant) and node.value in (730, 730.0):
                raise AssertionError(f"{path.relative_to(ROOT)}:{node.lineno} types 730")
