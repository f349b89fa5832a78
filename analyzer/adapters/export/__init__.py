"""Exports of recommendations: CSV, JSON, Markdown, HTML and XLSX.

    render(recs, fmt) -> bytes      the document (stable API: the app's download buttons and the
                                    email report call it)
    write(recs, fmt, path) -> Path  render, then write atomically (temp file + os.replace)
    FORMATS                         fmt -> (MIME type, file extension)

Every number in an export traces to a price, a date and an assumption printed in the same file.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from analyzer.core.recommend import Recommendations
from analyzer.exceptions import ExportError

log = logging.getLogger(__name__)

FORMATS: dict[str, tuple[str, str]] = {
    "csv": ("text/csv", ".csv"),
    "json": ("application/json", ".json"),
    "md": ("text/markdown", ".md"),
    "html": ("text/html", ".html"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"),
}

__all__ = ["FORMATS", "format_for_path", "render", "write"]


def _renderer(fmt: str) -> Callable[[Recommendations], bytes]:
    if fmt == "csv":
        from analyzer.adapters.export.csv_export import render_csv

        return render_csv
    if fmt == "json":
        from analyzer.adapters.export.json_export import render_json

        return render_json
    if fmt == "md":
        from analyzer.adapters.export.markdown import render_markdown

        return render_markdown
    if fmt == "html":
        from analyzer.adapters.export.html import render_html

        return render_html
    if fmt == "xlsx":
        from analyzer.adapters.export.xlsx import render_xlsx

        return render_xlsx
    raise ExportError(f"format={fmt!r}: must be one of {', '.join(FORMATS)}")


def render(recs: Recommendations, fmt: str) -> bytes:
    """The export of `recs` in `fmt` (csv|json|md|html|xlsx) as bytes."""
    return _renderer(fmt)(recs)


def format_for_path(path: str | Path) -> str | None:
    """The format a file name implies (by extension), or None."""
    suffix = Path(path).suffix.lower()
    aliases = {".markdown": "md", ".htm": "html"}
    if suffix in aliases:
        return aliases[suffix]
    return next((f for f, (_, ext) in FORMATS.items() if ext == suffix), None)


def _shareable_mode() -> int:
    """The mode a plain `open(path, "w")` would give: 0666 minus the process umask."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def write(recs: Recommendations, fmt: str, path: str | Path) -> Path:
    """Render and write atomically: the file appears complete or not at all."""
    data = render(recs, fmt)
    p = Path(path)
    directory = p.parent if str(p.parent) else Path(".")
    if p.is_dir():
        raise ExportError(f"--out {p}: is a directory")
    tmp: str | None = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=directory)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, _shareable_mode())  # mkstemp makes 0600; an export is meant to be shared
        os.replace(tmp, p)
        tmp = None
    except OSError as exc:
        raise ExportError(f"cannot write {p}: {exc.strerror or exc}") from exc
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    log.info("wrote %s (%s, %d bytes)", p, fmt, len(data))
    return p
