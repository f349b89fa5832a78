"""The store: collected functions and hourly metrics, collected windows, verdict history.

Layout under the data directory (default `platformdirs.user_data_dir("crossover")`, overridden
by `--data-dir` or $CROSSOVER_DATA_DIR; a local folder or s3://bucket/prefix, see store_fs.py):

    store/SCHEMA_VERSION                     "1"
    store/functions.parquet                  latest inventory, one row per function
    store/traffic/<account>_<region>.parquet hourly metrics of one (account, region)
    store/windows.json                       collected [start, end) windows per account/region
    store/meta.json                          meta of the last collection (failures, notes, ...)
    store/history/verdicts-<when>.parquet    dated snapshots of analysis verdicts
    pricebooks/                              refreshed price books (see pricebooks.py)

Every file is written atomically (a temporary file, then renamed into place; in S3, which has
no rename, a temporary object copied onto the final key, so a reader sees the old object or the
whole new one) and the traffic of a pair is written before its window is recorded, so an
interrupted run leaves a consistent store that simply re-fetches what it had not recorded. One
writer at a time (the collecting thread; collections are serialised by store_lock.py).

Each traffic file is sorted by function_id, then hour, in row groups of ROW_GROUP_ROWS, so
`StoredFleet` reads a block of functions (sorted by function_id too) by filtering on
function_id: only the row groups that hold them are read, and memory follows the block.
(Over 400 lines on purpose: the store's layout, writing and reading are one concept, and the
streamed reader must agree with the writer on the sort order and row groups.)
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import platformdirs
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from analyzer.adapters.store_fs import StorePath, is_remote, local_path, s3_root
from analyzer.core.fleet import (
    FUNCTION_COLUMNS,
    HOUR,
    METRIC_COLUMNS,
    TRAFFIC_COLUMNS,
    FleetData,
    TrafficBlock,
    hours_since,
    normalise_functions,
    traffic_block,
)
from analyzer.exceptions import StoreError

log = logging.getLogger(__name__)

ENV_DATA_DIR = "CROSSOVER_DATA_DIR"
SCHEMA_VERSION = 1
APP_NAME = "crossover"
ROW_GROUP_ROWS = 131_072  # traffic rows per Parquet row group: the unit a block read skips
# `Store.fleet`: a store of up to this many traffic rows (about 2 GB in memory; 10,000
# functions x 30 days is 6.2 M) is loaded whole for repeated analyses, a larger one is read
# block by block at each
IN_MEMORY_ROWS = 8_000_000
TRAFFIC_SCHEMA = pa.schema(
    [("function_id", pa.string()), ("timestamp", pa.timestamp("ns", tz="UTC"))]
    + [(c, pa.float64()) for c in TRAFFIC_COLUMNS if c not in ("function_id", "timestamp")]
)


def default_data_dir(data_dir: str | os.PathLike[str] | None = None) -> Path:
    """The local data directory: explicit argument > $CROSSOVER_DATA_DIR > the platform's user
    data directory. An S3 data directory holds the store only (`Store`): refreshed price books
    and the sent-report record then stay in the platform's user data directory."""
    value = data_dir or os.environ.get(ENV_DATA_DIR)
    if value and is_remote(value):
        value = None
    return Path(value or platformdirs.user_data_dir(APP_NAME))


def store_root(
    data_dir: str | os.PathLike[str] | None = None, endpoint_url: str | None = None
) -> StorePath:
    """The store's folder: `store/` under the data directory, local or s3://bucket/prefix."""
    value = data_dir or os.environ.get(ENV_DATA_DIR)
    if value and is_remote(value):
        return s3_root(os.fspath(value), endpoint_url) / "store"
    return local_path(default_data_dir(data_dir)) / "store"


def atomic_write(path: Path | StorePath, write: Callable[[Any], object]) -> None:
    """Call `write(tmp)` then move tmp over `path`: an atomic rename in the same directory (in
    S3, a server-side copy of the whole temporary object). `tmp` is of `path`'s type; a local
    temporary file is private (mkstemp: mode 0600), and so is the file it becomes."""
    if isinstance(path, StorePath) and path.local is not None:
        atomic_write(path.local, lambda tmp: write(local_path(tmp)))
        return
    if isinstance(path, StorePath):
        temp = path.parent / f".{path.name}.{uuid.uuid4().hex[:12]}.tmp"
        try:
            write(temp)
            path.fs.move(temp.path, path.path)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path | StorePath, text: str) -> None:
    atomic_write(path, lambda tmp: tmp.write_bytes(text.encode("utf-8")))


def _write_parquet(path: StorePath, df: pd.DataFrame, row_group_size: int | None = None) -> None:
    table = pa.Table.from_pandas(df.reset_index(drop=True), preserve_index=False)
    atomic_write(
        path,
        lambda tmp: pq.write_table(
            table, tmp.path, filesystem=tmp.fs, row_group_size=row_group_size
        ),
    )


def _merge_windows(
    windows: Iterable[tuple[pd.Timestamp, pd.Timestamp]],
) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    out: list[tuple[pd.Timestamp, pd.Timestamp]] = []
    for s, e in sorted(windows):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def _safe(part: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in part)


class Store:
    """Collected data on local disk or in S3 (Parquet via pyarrow). `endpoint_url`: the S3
    endpoint of an s3:// data directory (else the AWS calls' rule, see store_fs.py)."""

    def __init__(
        self, data_dir: str | os.PathLike[str] | None = None, endpoint_url: str | None = None
    ) -> None:
        self.root = store_root(data_dir, endpoint_url)
        self._check_schema()

    # -- paths ----------------------------------------------------------------------------
    @property
    def functions_path(self) -> StorePath:
        return self.root / "functions.parquet"

    @property
    def windows_path(self) -> StorePath:
        return self.root / "windows.json"

    @property
    def meta_path(self) -> StorePath:
        return self.root / "meta.json"

    @property
    def history_dir(self) -> StorePath:
        return self.root / "history"

    def traffic_path(self, account_id: str, region: str) -> StorePath:
        return self.root / "traffic" / f"{_safe(account_id)}_{_safe(region)}.parquet"

    def _check_schema(self) -> None:
        marker = self.root / "SCHEMA_VERSION"
        try:
            there = marker.exists()
        except OSError as exc:
            raise StoreError(f"cannot read the store at {self.root}: {_line(exc)}") from exc
        if there:
            try:
                found = marker.read_bytes()[:64].decode("utf-8").strip()
            except (OSError, UnicodeDecodeError) as exc:
                raise StoreError(
                    f"the store at {self.root} is damaged: {marker} is not a readable version "
                    "file; use another --data-dir or delete the store"
                ) from exc
            if found != str(SCHEMA_VERSION):
                raise StoreError(
                    f"the store at {self.root} has schema version {found}; this version of "
                    f"Crossover reads {SCHEMA_VERSION}: use another --data-dir or delete it"
                )

    def _ensure(self) -> None:
        marker = self.root / "SCHEMA_VERSION"
        if not marker.exists():
            try:
                atomic_write_text(marker, f"{SCHEMA_VERSION}\n")
            except OSError as exc:
                raise StoreError(f"cannot write the store at {self.root}: {exc}") from exc

    def exists(self) -> bool:
        return self.functions_path.exists()

    # -- windows --------------------------------------------------------------------------
    def windows(self) -> dict[str, list[tuple[pd.Timestamp, pd.Timestamp]]]:
        if not self.windows_path.exists():
            return {}
        raw = _read_json(self.windows_path)
        try:
            if not isinstance(raw, dict):
                raise TypeError("not an object")
            out = {str(k): [(_utc(s), _utc(e)) for s, e in v] for k, v in raw.items()}
        except (TypeError, ValueError, OverflowError) as exc:
            raise StoreError(
                f"the store is damaged: {self.windows_path} is not a mapping of account:region "
                f"to [start, end] UTC times ({str(exc)[:80]}); delete it to re-collect"
            ) from exc
        return out

    def missing_windows(
        self, account_id: str, region: str, start: pd.Timestamp, end: pd.Timestamp
    ) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
        """Sub-windows of [start, end) not yet collected for this account/region."""
        have = self.windows().get(f"{account_id}:{region}", [])
        gaps: list[tuple[pd.Timestamp, pd.Timestamp]] = []
        cursor = start
        for s, e in _merge_windows(have):
            if e <= cursor or s >= end:
                continue
            if s > cursor:
                gaps.append((cursor, min(s, end)))
            cursor = max(cursor, e)
        if cursor < end:
            gaps.append((cursor, end))
        return gaps

    def known_functions(self, account_id: str, region: str) -> set[str]:
        if not self.exists():
            return set()
        f = self._read_functions()
        return set(f.loc[(f["account_id"] == account_id) & (f["region"] == region), "name"])

    # -- writing --------------------------------------------------------------------------
    def _read_functions(self) -> pd.DataFrame:
        try:
            path = self.functions_path
            return pq.read_table(path.path, filesystem=path.fs).to_pandas()
        except (OSError, pa.ArrowException) as exc:
            raise StoreError(f"cannot read {self.functions_path}: {exc}") from exc

    def _read_table(
        self,
        paths: list[StorePath],
        filters: Any = None,
        id_range: tuple[str, str] | None = None,
        metrics: tuple[str, ...] = METRIC_COLUMNS,
    ) -> pa.Table:
        """Traffic files (rows matching `filters`) as one Arrow table. With `id_range` (first,
        last function_id), only the row groups whose statistics overlap it are read, the ids
        kept dictionary-encoded (one copy of each id string), only the columns of `metrics`,
        then the rows outside it dropped: pyarrow's own filter on a dictionary-read column
        decodes every row group (ten times slower)."""
        try:
            tables = [
                _read_id_range(p, *id_range, ["function_id", "timestamp", *metrics])
                if id_range is not None
                else pq.read_table(p.path, filesystem=p.fs, filters=filters)
                for p in paths
            ]
            table = tables[0] if len(tables) == 1 else pa.concat_tables(tables)
        except (OSError, pa.ArrowException) as exc:
            raise StoreError(f"cannot read {paths[0]}: {exc}") from exc
        wanted = ("function_id", "timestamp", *(metrics if id_range else ("invocations",)))
        missing = [c for c in wanted if c not in table.column_names]
        if missing:
            raise StoreError(
                f"the store is damaged: {paths[0]} has no {missing[0]} column; delete it and its "
                "windows.json entry to re-collect"
            )
        return table

    def _read_traffic(
        self,
        path: StorePath | list[StorePath],
        filters: Any = None,
        id_range: tuple[str, str] | None = None,
        metrics: tuple[str, ...] = METRIC_COLUMNS,
    ) -> pd.DataFrame:
        """`_read_table` as a frame with UTC timestamps."""
        paths = path if isinstance(path, list) else [path]
        return _table_frame(self._read_table(paths, filters, id_range, metrics), paths[0])

    def write_pair(
        self,
        account_id: str,
        region: str,
        functions: pd.DataFrame,
        traffic: pd.DataFrame,
        window: tuple[pd.Timestamp, pd.Timestamp],
    ) -> None:
        """Store one (account, region): its inventory, its new hours, then its window."""
        self._ensure()
        try:
            # 1. traffic (merged with what was there; newer values win for the same hour)
            path = self.traffic_path(account_id, region)
            new = traffic.reindex(columns=list(TRAFFIC_COLUMNS))
            if path.exists():
                old = self._read_traffic(path).reindex(columns=list(TRAFFIC_COLUMNS))
                new = pd.concat([old, new], ignore_index=True) if not new.empty else old
            new["timestamp"] = pd.to_datetime(new["timestamp"], utc=True)
            new = new.drop_duplicates(["function_id", "timestamp"], keep="last")
            for col in TRAFFIC_COLUMNS:
                if col not in ("function_id", "timestamp"):
                    new[col] = new[col].astype(float)
            new["function_id"] = new["function_id"].astype(str)
            _write_parquet(path, new.sort_values(["function_id", "timestamp"]), ROW_GROUP_ROWS)
            # 2. inventory of this pair replaces the previous one
            cols = list(FUNCTION_COLUMNS)
            inv = functions.reindex(columns=cols)
            if self.exists():
                allf = self._read_functions()
                keep = ~((allf["account_id"] == account_id) & (allf["region"] == region))
                inv = pd.concat([allf[keep].reindex(columns=cols), inv], ignore_index=True)
            inv = _typed_functions(inv)
            _write_parquet(self.functions_path, inv)
            # 3. the window, last: a crash before this only means a re-fetch
            raw = {
                k: [[s.isoformat(), e.isoformat()] for s, e in v] for k, v in self.windows().items()
            }
            key = f"{account_id}:{region}"
            merged = _merge_windows([*self.windows().get(key, []), window])
            raw[key] = [[s.isoformat(), e.isoformat()] for s, e in merged]
            atomic_write_text(self.windows_path, json.dumps(raw, indent=1, sort_keys=True))
        except OSError as exc:
            raise StoreError(f"cannot write the store at {self.root}: {exc}") from exc

    def write_streamed(
        self,
        functions: pd.DataFrame,
        parts: Iterable[pd.DataFrame],
        window: tuple[pd.Timestamp, pd.Timestamp],
        meta: dict[str, Any] | None = None,
    ) -> int:
        """Replace the store's content with `functions` and the traffic `parts` (TRAFFIC_COLUMNS
        frames, each sorted by function_id then hour, and later parts after earlier ones within
        each account/region), written as they come in whole row groups: memory follows one part
        and one row group per account/region, not the fleet. Returns the traffic rows written."""
        self._ensure()
        functions = _typed_functions(functions.reindex(columns=list(FUNCTION_COLUMNS)))
        pair_codes, pair_keys = pd.factorize(
            pd.MultiIndex.from_arrays([functions["account_id"], functions["region"]])
        )
        pair_of = pd.Series(pair_codes, index=functions["function_id"].to_numpy())
        writers: dict[tuple[str, str], tuple[pq.ParquetWriter, StorePath]] = {}
        # Rows of each file wait until they fill a row group (ROW_GROUP_ROWS, the unit a block
        # read skips by): one group per part and file would be small with many accounts.
        pending: dict[tuple[str, str], list[pa.Table]] = {}

        def flush(key: tuple[str, str], final: bool = False) -> None:
            table = pa.concat_tables(pending.pop(key))
            whole = len(table) if final else len(table) // ROW_GROUP_ROWS * ROW_GROUP_ROWS
            if whole:
                writers[key][0].write_table(table.slice(0, whole), row_group_size=ROW_GROUP_ROWS)
            if whole < len(table):
                pending[key] = [table.slice(whole)]

        rows = 0
        try:
            for part in parts:
                frame = part.reindex(columns=list(TRAFFIC_COLUMNS))
                frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True)
                # rows of functions not in the inventory get -1 and are not written
                codes = pair_of.reindex(frame["function_id"]).fillna(-1).to_numpy()
                for code in pd.unique(codes[codes >= 0]):
                    key = (str(pair_keys[int(code)][0]), str(pair_keys[int(code)][1]))
                    if key not in writers:
                        path = self.traffic_path(*key)
                        path.parent.mkdir()
                        tmp = _streaming_tmp(path)
                        writer = pq.ParquetWriter(tmp.path, TRAFFIC_SCHEMA, filesystem=tmp.fs)
                        writers[key] = (writer, path)
                    sel = frame[codes == code]
                    table = pa.Table.from_pandas(sel, schema=TRAFFIC_SCHEMA, preserve_index=False)
                    pending.setdefault(key, []).append(table)
                    if sum(len(t) for t in pending[key]) >= ROW_GROUP_ROWS:
                        flush(key)
                    rows += len(sel)
            for key in list(pending):
                flush(key, final=True)
            for writer, path in writers.values():
                writer.close()
                path.fs.move(_streaming_tmp(path).path, path.path)
            _write_parquet(self.functions_path, functions)
            raw = {
                f"{a}:{r}": [[window[0].isoformat(), window[1].isoformat()]]
                for a, r in functions[["account_id", "region"]]
                .drop_duplicates()
                .itertuples(index=False)
            }
            atomic_write_text(self.windows_path, json.dumps(raw, indent=1, sort_keys=True))
            self.write_meta(meta or {})
        except OSError as exc:
            raise StoreError(f"cannot write the store at {self.root}: {exc}") from exc
        finally:
            for writer, path in writers.values():
                writer.close()
                _streaming_tmp(path).unlink(missing_ok=True)
        return rows

    def traffic_paths(self, functions: pd.DataFrame) -> list[StorePath]:
        """The traffic files that exist for the (account, region) pairs of `functions`."""
        pairs = functions[["account_id", "region"]].drop_duplicates().itertuples(index=False)
        paths = [self.traffic_path(str(a), str(r)) for a, r in pairs]
        return [path for path in paths if path.exists()]

    def write_meta(self, meta: dict[str, Any]) -> None:
        self._ensure()
        atomic_write_text(self.meta_path, json.dumps(meta, indent=1, default=str))

    # -- reading --------------------------------------------------------------------------
    def load_fleet(
        self,
        start: pd.Timestamp | None = None,
        end: pd.Timestamp | None = None,
        pairs: set[tuple[str, str]] | None = None,
        meta: dict[str, Any] | None = None,
    ) -> FleetData:
        """The stored fleet, optionally limited to [start, end) and to some (account, region)."""
        functions = self._selected_functions(pairs)
        frames = [self._read_traffic(path) for path in self.traffic_paths(functions)]
        traffic = (
            pd.concat(frames, ignore_index=True)
            if frames
            else pd.DataFrame(columns=list(TRAFFIC_COLUMNS))
        )
        if start is not None:
            traffic = traffic[traffic["timestamp"] >= start]
        if end is not None:
            traffic = traffic[traffic["timestamp"] < end]
        info = self._fleet_meta(meta)
        if start is None or end is None:
            spans = [w for v in self.windows().values() for w in v]
            if spans:
                start = start if start is not None else min(s for s, _ in spans)
                end = end if end is not None else max(e for _, e in spans)
            elif not traffic.empty:
                start = traffic["timestamp"].min()
                end = traffic["timestamp"].max() + HOUR
        if start is not None and end is not None:
            info["start"], info["end"] = pd.Timestamp(start), pd.Timestamp(end)
        info.setdefault("regions", sorted(set(functions["region"])))
        return FleetData(functions.reset_index(drop=True), traffic.reset_index(drop=True), info)

    def open_fleet(
        self,
        start: pd.Timestamp | None = None,
        end: pd.Timestamp | None = None,
        pairs: set[tuple[str, str]] | None = None,
        meta: dict[str, Any] | None = None,
    ) -> StoredFleet:
        """The stored fleet, read block by block when analysed (`StoredFleet`); like
        `load_fleet`, optionally limited to [start, end) and to some (account, region)."""
        functions = self._selected_functions(pairs)
        info = self._fleet_meta(meta)
        if start is None or end is None:
            spans = [w for v in self.windows().values() for w in v] or self._traffic_span(functions)
            start = start if start is not None else min(s for s, _ in spans)
            end = end if end is not None else max(e for _, e in spans)
        info["start"], info["end"] = pd.Timestamp(start), pd.Timestamp(end)
        info.setdefault("regions", sorted(set(functions["region"])))
        return StoredFleet(self, functions, info)

    def traffic_files(self) -> list[tuple[str, int, int, str]]:
        """Each stored traffic file: (path, rows, bytes, last modified), read from the file
        system and the files' footers only: what a reader needs to choose between loading the
        store whole and reading it block by block, and to tell one collection from the next
        (a write replaces a file: a new modification time)."""
        out = []
        for path in self.traffic_paths(self._selected_functions(None)):
            try:
                rows = pq.ParquetFile(path.path, filesystem=path.fs).metadata.num_rows
                info = path.fs.get_file_info(path.path)
            except (OSError, pa.ArrowException) as exc:
                raise StoreError(f"cannot read {path}: {exc}") from exc
            out.append((str(path), int(rows), int(info.size or 0), str(info.mtime)))
        return out

    def fingerprint(self, files: list[tuple[str, int, int, str]] | None = None) -> str:
        """A short digest of what the store holds (its traffic files, `traffic_files` unless
        given, the collection's meta and windows): another collection gives another one."""
        held = [
            self.traffic_files() if files is None else files,
            self._stored_meta(),
            self.windows(),
        ]
        return hashlib.sha256(json.dumps(held, default=str).encode()).hexdigest()[:12]

    def fleet(
        self,
        in_memory_rows: int | None = None,
        files: list[tuple[str, int, int, str]] | None = None,
    ) -> FleetData | StoredFleet:
        """The stored fleet for repeated analyses (the app's): loaded whole when its traffic
        (`traffic_files` unless given) has at most `in_memory_rows` rows (default
        IN_MEMORY_ROWS; every analysis then reads memory: fastest), else read block by block at
        each analysis (memory follows a block, not the store)."""
        limit = IN_MEMORY_ROWS if in_memory_rows is None else in_memory_rows
        rows = sum(n for _, n, _, _ in (self.traffic_files() if files is None else files))
        return self.load_fleet() if rows <= limit else self.open_fleet()

    def _selected_functions(self, pairs: set[tuple[str, str]] | None) -> pd.DataFrame:
        """The stored functions, optionally only those of some (account, region) pairs."""
        if not self.exists():
            raise StoreError(
                f"the store at {self.root} is empty: run `crossover collect` first "
                f"(or pass --data-dir)"
            )
        functions = self._read_functions()
        if pairs is not None:
            keys = functions["account_id"] + "\x00" + functions["region"]
            functions = functions[keys.isin({f"{a}\x00{r}" for a, r in pairs})]
        return functions

    def _fleet_meta(self, meta: dict[str, Any] | None) -> dict[str, Any]:
        """The fleet's meta: `meta` if given, else the stored one, with the keys it always has."""
        info = dict(meta) if meta is not None else self._stored_meta()
        info.setdefault("source", "store")
        info.setdefault("failures", [])
        info.setdefault("notes", [])
        return info

    def _traffic_span(self, functions: pd.DataFrame) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
        """[first hour, last hour + 1 h) of the stored traffic (no window recorded), read from
        the timestamp column alone."""
        firsts, lasts = [], []
        for a, r in functions[["account_id", "region"]].drop_duplicates().itertuples(index=False):
            path = self.traffic_path(str(a), str(r))
            if path.exists():
                ts = self._read_traffic_column(path, "timestamp")
                if len(ts):
                    firsts.append(ts.min())
                    lasts.append(ts.max() + HOUR)
        if not firsts:
            raise StoreError(f"the store at {self.root} has no traffic: run `crossover collect`")
        return [(min(firsts), max(lasts))]

    def _read_traffic_column(self, path: StorePath, column: str) -> pd.Series:
        try:
            table = pq.read_table(path.path, filesystem=path.fs, columns=[column])
            values = table.column(0).to_pandas()
            return pd.to_datetime(values, utc=True) if column == "timestamp" else values
        except (OSError, pa.ArrowException, KeyError, ValueError, TypeError) as exc:
            raise StoreError(f"the store is damaged: cannot read {column} of {path}") from exc

    def _stored_meta(self) -> dict[str, Any]:
        meta: dict[str, Any] = {}
        if self.meta_path.exists():
            meta = _read_json(self.meta_path)
            if not isinstance(meta, dict) or not isinstance(meta.get("failures", []), list):
                raise StoreError(
                    f"the store is damaged: {self.meta_path} is not the meta of a collection; "
                    "delete it (the next collection rewrites it)"
                )
        for k in ("start", "end"):
            meta.pop(k, None)
        meta["source"] = "store"
        return meta

    # -- verdict history ------------------------------------------------------------------
    def record_verdicts(
        self, df: pd.DataFrame, when: pd.Timestamp | str | None = None
    ) -> StorePath:
        """Keep a dated snapshot of the verdicts (needs columns function_id and verdict)."""
        missing = {"function_id", "verdict"} - set(df.columns)
        if missing:
            raise StoreError(f"record_verdicts needs columns {sorted(missing)}")
        ts = pd.Timestamp(when) if when is not None else pd.Timestamp.now(tz="UTC")
        ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
        self._ensure()
        snap = df.copy()
        for col in snap.columns:
            if snap[col].dtype == object:
                snap[col] = snap[col].astype(str)
        snap["recorded_at"] = ts
        path = self.history_dir / f"verdicts-{ts.strftime('%Y%m%dT%H%M%SZ')}.parquet"
        _write_parquet(path, snap)
        return path

    def verdict_snapshots(self) -> list[StorePath]:
        return sorted(self.history_dir.glob("verdicts-*.parquet"))

    def previous_verdicts(self, before: pd.Timestamp | str | None = None) -> pd.DataFrame | None:
        """The latest snapshot (strictly before `before`, if given), or None."""
        snaps = self.verdict_snapshots()
        if before is not None:
            b = pd.Timestamp(before)
            b = b.tz_localize("UTC") if b.tzinfo is None else b
            stamp = b.tz_convert("UTC").strftime("%Y%m%dT%H%M%SZ")
            snaps = [p for p in snaps if p.stem.removeprefix("verdicts-") < stamp]
        if not snaps:
            return None
        try:
            return pq.read_table(snaps[-1].path, filesystem=snaps[-1].fs).to_pandas()
        except (OSError, pa.ArrowException) as exc:
            raise StoreError(f"cannot read {snaps[-1]}: {exc}") from exc


class StoredFleet:
    """A `Fleet` whose traffic stays in the store: `traffic_block` reads the Parquet row groups
    of the block's functions only. Functions are sorted by function_id ("account:region:name"),
    so a block spans few (account, region) files and a narrow function_id range in each."""

    def __init__(self, store: Store, functions: pd.DataFrame, meta: dict[str, Any]) -> None:
        self.store = store
        self.functions = normalise_functions(
            functions.sort_values("function_id", kind="stable").reset_index(drop=True)
        )
        self.meta = meta
        self.overrides: dict[str, Any] = {}

    @property
    def start(self) -> pd.Timestamp:
        return pd.Timestamp(self.meta["start"])

    @property
    def end(self) -> pd.Timestamp:
        return pd.Timestamp(self.meta["end"])

    @property
    def hours(self) -> int:
        return int((self.end - self.start) / HOUR)

    @property
    def source(self) -> str:
        return str(self.meta.get("source", "store"))

    def __len__(self) -> int:
        return len(self.functions)

    def _traffic_of(self, functions: pd.DataFrame) -> pd.DataFrame:
        """The stored rows of `functions` within the window (an isin filter)."""
        paths = self.store.traffic_paths(functions)
        if not paths:
            return pd.DataFrame(columns=list(TRAFFIC_COLUMNS))
        ids = functions["function_id"].to_numpy(dtype=str)
        filt = pc.field("function_id").isin(pa.array(ids))
        return self._in_window(self.store._read_traffic(paths, filt))

    def _in_window(self, df: pd.DataFrame) -> pd.DataFrame:
        hour = hours_since(df["timestamp"], self.start)
        in_window = (hour >= 0) & (hour < self.hours)
        return df if bool(in_window.all()) else df[in_window]

    def traffic_block(
        self, lo: int, hi: int, metrics: tuple[str, ...] = METRIC_COLUMNS
    ) -> TrafficBlock:
        """The block's rows: the row groups of the function_id range that covers it in every
        file (functions are sorted by function_id), only the columns of `metrics`; straight
        from Arrow when the rows are as the store writes them (`_arrow_block`), else through
        the general normalisation."""
        functions = self.functions.iloc[lo:hi]
        paths = self.store.traffic_paths(functions)
        if not paths:
            return traffic_block(pd.DataFrame(columns=list(TRAFFIC_COLUMNS)), functions)
        ids = functions["function_id"]
        table = self.store._read_table(
            paths, id_range=(str(ids.min()), str(ids.max())), metrics=metrics
        )
        block = _arrow_block(table, functions, self.start, self.hours)
        if block is not None:
            return block
        return traffic_block(self._in_window(_table_frame(table, paths[0])), functions)

    def subset(self, function_ids: list[str] | pd.Index) -> FleetData:
        f = self.functions[self.functions["function_id"].isin(pd.Index(function_ids))]
        meta = {**self.meta, "start": self.start, "end": self.end}
        return FleetData(f, self._traffic_of(f), meta)


def _streaming_tmp(path: StorePath) -> StorePath:
    return path.parent / f".{path.name}.streaming.tmp"


def _line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:300]


def _table_frame(table: pa.Table, path: StorePath) -> pd.DataFrame:
    """A traffic table as a frame with UTC timestamps (unreadable ones: a damaged store)."""
    try:
        df = table.to_pandas()
        df["timestamp"] = pd.to_datetime(df["timestamp"], utc=True)
    except (ValueError, TypeError, OverflowError, pa.ArrowException) as exc:
        raise StoreError(f"the store is damaged: {path} has unreadable timestamps") from exc
    return df


def _arrow_block(
    table: pa.Table, functions: pd.DataFrame, start: pd.Timestamp, hours: int
) -> TrafficBlock | None:
    """The block straight from Arrow arrays, when its rows are as the store writes them: ids
    dictionary-encoded and all known, timestamps present and on the hour, sorted by function
    then hour with no hour twice (checked here, as `fleet.traffic_block` checks). Rows outside
    the window are dropped; only the metrics read are in the frame. None otherwise: the
    general path normalises them (and adds up an hour's rows). Skips the pandas conversion
    and normalisation (half of reading a block)."""
    ids, stamps = table.column("function_id"), table.column("timestamp")
    if (
        table.num_rows == 0
        or ids.null_count
        or stamps.null_count
        or not pa.types.is_dictionary(ids.type)
        or not pa.types.is_timestamp(stamps.type)
    ):
        return None
    known = pd.Index(functions["function_id"].to_numpy(dtype=object))
    codes = np.concatenate(
        [
            known.get_indexer(chunk.dictionary.to_numpy(zero_copy_only=False))[
                chunk.indices.to_numpy(zero_copy_only=False)
            ]
            for chunk in ids.chunks
        ]
    ).astype(np.int64)
    unit = stamps.type.unit
    tick = pd.Timedelta(1, unit=unit)
    raw = stamps.cast(pa.int64()).to_numpy()
    since = raw - start.value // tick.value
    per_hour = HOUR // tick
    hour = since // per_hour
    inside = (hour >= 0) & (hour < hours)
    every = bool(inside.all())
    if not every:
        codes, hour, raw, since = codes[inside], hour[inside], raw[inside], since[inside]
    key = codes * hours + hour  # strictly increasing: sorted, one row per function and hour
    if (
        codes.size == 0
        or codes.min() < 0
        or (since % per_hour).any()
        or (key[1:] <= key[:-1]).any()
    ):
        return None
    columns: dict[str, Any] = {
        "function_id": pd.Categorical.from_codes(codes, categories=known),
        "timestamp": pd.Series(raw.view(f"M8[{unit}]"), dtype=pd.DatetimeTZDtype(unit, "UTC")),
    }
    for name, default in TRAFFIC_COLUMNS.items():
        if name in columns or name not in table.column_names:  # only the metrics read
            continue
        values = table.column(name).to_numpy(zero_copy_only=False).astype(float, copy=False)
        values = values if every else values[inside]
        if default == 0.0 and np.isnan(values).any():  # as `fleet.traffic_block` fills them
            values = np.nan_to_num(values, nan=0.0)
        columns[name] = values
    return TrafficBlock(pd.DataFrame(columns, copy=False), codes)


def _read_id_range(path: StorePath, first: str, last: str, columns: list[str]) -> pa.Table:
    """The rows of a traffic file with first <= function_id <= last: the row groups whose
    statistics overlap the range (the file is sorted by function_id), ids dictionary-encoded,
    only `columns` (those the file has)."""
    file = pq.ParquetFile(path.path, filesystem=path.fs, read_dictionary=["function_id"])
    meta = file.metadata
    column = meta.schema.names.index("function_id")
    groups = []
    for i in range(meta.num_row_groups):
        stats = meta.row_group(i).column(column).statistics
        if stats is None or not stats.has_min_max or (stats.min <= last and stats.max >= first):
            groups.append(i)
    table = file.read_row_groups(groups, [c for c in columns if c in meta.schema.names])
    # In range, per chunk: compare each dictionary's few strings once, then index by the codes.
    masks = []
    for chunk in table.column("function_id").chunks:
        ids = np.asarray(chunk.dictionary.to_numpy(zero_copy_only=False), dtype=object)
        inside = (ids >= first) & (ids <= last)
        masks.append(inside[chunk.indices.to_numpy(zero_copy_only=False)])
    keep = np.flatnonzero(np.concatenate(masks)) if masks else np.zeros(0, dtype=int)
    if keep.size == 0:
        return table.slice(0, 0)
    if keep[-1] - keep[0] + 1 == keep.size:  # sorted by function_id: one run of rows, no copy
        return table.slice(int(keep[0]), int(keep.size))
    return table.take(pa.array(keep))


def _read_json(path: StorePath) -> Any:
    try:
        return json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise StoreError(
            f"the store is damaged: cannot read {path} ({type(exc).__name__}); delete it"
        ) from exc


def _utc(value: Any) -> pd.Timestamp:
    if not isinstance(value, str):
        raise TypeError(f"{value!r} is not a time")
    ts = pd.Timestamp(value)
    if pd.isna(ts) or ts.tzinfo is None:
        raise ValueError(f"{value!r} is not a UTC time")
    return ts


def _typed_functions(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for col, default in FUNCTION_COLUMNS.items():
        if isinstance(default, str):
            obj = out[col].astype(object)
            out[col] = obj.where(obj.notna(), default).astype(str)
    for col in ("memory_mb", "ephemeral_storage_mb", "pc_allocated"):
        out[col] = out[col].astype(float).fillna(float(FUNCTION_COLUMNS[col])).astype("int64")
    out["timeout_s"] = out["timeout_s"].astype(float).fillna(FUNCTION_COLUMNS["timeout_s"])
    out["pc_hours_per_month"] = out["pc_hours_per_month"].astype(float).fillna(0.0)
    out["pc_share_of_invocations"] = out["pc_share_of_invocations"].astype(float)
    billed = out["duration_is_billed"].astype(object)
    out["duration_is_billed"] = billed.where(billed.notna(), False).astype(bool)
    return out


def load_fleet(data_dir: str | os.PathLike[str] | None = None) -> FleetData:
    """Everything in the store as a FleetData."""
    return Store(data_dir).load_fleet()
