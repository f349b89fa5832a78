"""A plain `pip install .` (a wheel, not editable) works from any directory: the bundled price
book ships inside the package (`analyzer/data/pricebook.json`) and is read with
importlib.resources, so nothing outside the installed package is needed."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BASELINE_ARGS = ("analyze", "--demo", "--format", "json")


@pytest.mark.slow
def test_wheel_install_runs_the_demo_from_another_directory(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(
        ROOT / "analyzer", source / "analyzer", ignore=shutil.ignore_patterns("__pycache__")
    )
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    # the dependencies come from the test run's environment; the package itself from the wheel
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    Path(site, "crossover-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "-q",
            "--no-deps",
            str(source),
        ],
        check=True,
        capture_output=True,
    )
    shutil.rmtree(source)  # nothing of the source tree is left to lean on
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CROSSOVER_", "PYTHON"))}
    env["CROSSOVER_DATA_DIR"] = str(tmp_path / "data")
    where = subprocess.run(
        [python, "-c", "import analyzer; print(analyzer.__file__)"],
        cwd=elsewhere,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert where.startswith(site)
    installed = subprocess.run(
        [env_dir / "bin" / "crossover", *BASELINE_ARGS],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
    )
    assert installed.returncode == 0, installed.stderr
    from_source = subprocess.run(
        [sys.executable, "-m", "analyzer", *BASELINE_ARGS],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    assert installed.stdout == from_source.stdout
