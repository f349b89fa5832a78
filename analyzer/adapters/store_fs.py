"""Where the store lives: a local folder or an S3 prefix (`--data-dir s3://bucket/prefix`), as a
pyarrow file system and a path on it (`StorePath`).

S3 goes through `pyarrow.fs.S3FileSystem` with the AWS SDK's usual credential chain
(environment, AWS_PROFILE and the shared config files, web identity / IRSA, container and
instance roles): Crossover never reads, logs, stores or pickles a key. The endpoint follows the
AWS calls' rule (`resolve_endpoint`: $AWS_ENDPOINT_URL_S3 > --endpoint-url > $AWS_ENDPOINT_URL >
AWS), so an empty or malformed endpoint is refused, never replaced by the real AWS one.
"""

from __future__ import annotations

import fnmatch
import os
import re
from pathlib import Path
from typing import Any

import pyarrow.fs as pafs

from analyzer.exceptions import InputError

S3_PREFIX = "s3://"
DATA_DIR_FIELD = "--data-dir"
CONNECT_TIMEOUT_S = 10.0  # as the boto3 clients (aws/session.py)
REQUEST_TIMEOUT_S = 30.0
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")


def is_remote(data_dir: str | os.PathLike[str] | None) -> bool:
    """Whether a data directory is a URL (s3://..., or another scheme, which is refused)."""
    return data_dir is not None and "://" in os.fspath(data_dir)


class StorePath:
    """A file or folder of the store on its file system, with the few `Path` operations the
    store needs. `str()` is what the user gave (a local path, or s3://bucket/key)."""

    def __init__(self, fs: pafs.FileSystem, path: str, shown: str, s3: dict[str, Any]) -> None:
        self.fs = fs
        self.path = path  # the file system's own path ("/abs/dir" or "bucket/key")
        self.shown = shown
        self.s3 = s3  # {} on local disk; else {"bucket", "key", "endpoint", "region"}

    def __truediv__(self, name: str) -> StorePath:
        s3 = {**self.s3, "key": f"{self.s3['key']}/{name}".lstrip("/")} if self.s3 else {}
        return StorePath(self.fs, f"{self.path}/{name}", f"{self.shown}/{name}", s3)

    def __str__(self) -> str:
        return self.shown

    def __repr__(self) -> str:
        return f"StorePath({self.shown!r})"

    def __lt__(self, other: StorePath) -> bool:
        return self.path < other.path

    @property
    def local(self) -> Path | None:
        """The local path, or None in S3."""
        return None if self.s3 else Path(self.path)

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]

    @property
    def stem(self) -> str:
        name = self.name
        return name.rsplit(".", 1)[0] if "." in name.lstrip(".") else name

    @property
    def parent(self) -> StorePath:
        path, shown = self.path.rsplit("/", 1)[0], self.shown.rsplit("/", 1)[0]
        s3 = {**self.s3, "key": self.s3["key"].rsplit("/", 1)[0]} if self.s3 else {}
        return StorePath(self.fs, path, shown, s3)

    def exists(self) -> bool:
        return bool(self.fs.get_file_info(self.path).type != pafs.FileType.NotFound)

    def read_bytes(self) -> bytes:
        with self.fs.open_input_stream(self.path) as f:
            return bytes(f.read())

    def read_text(self, encoding: str = "utf-8") -> str:
        return self.read_bytes().decode(encoding)

    def write_bytes(self, data: bytes) -> None:
        with self.fs.open_output_stream(self.path) as f:
            f.write(data)

    def mkdir(self) -> None:
        """The folder and its parents on local disk (an S3 prefix needs no folder)."""
        if not self.s3:
            self.fs.create_dir(self.path, recursive=True)

    def unlink(self, missing_ok: bool = True) -> None:
        try:
            self.fs.delete_file(self.path)
        except FileNotFoundError:
            if not missing_ok:
                raise

    def glob(self, pattern: str) -> list[StorePath]:
        """The files directly in this folder whose name matches `pattern`."""
        infos = self.fs.get_file_info(pafs.FileSelector(self.path, allow_not_found=True))
        return [
            self / i.base_name
            for i in infos
            if i.type == pafs.FileType.File and fnmatch.fnmatchcase(i.base_name, pattern)
        ]


def local_path(path: Path) -> StorePath:
    """A local file or folder as a StorePath."""
    return StorePath(pafs.LocalFileSystem(), os.path.abspath(path), str(path), {})


def s3_root(uri: str, endpoint_url: str | None = None) -> StorePath:
    """s3://bucket/prefix as a StorePath, after checking the URI, the endpoint and that the
    bucket can be reached (`InputError` naming --data-dir otherwise)."""
    from analyzer.adapters.aws.session import DEFAULT_REGION, resolve_endpoint

    bucket, key = parse_s3_uri(uri)
    endpoint = resolve_endpoint(endpoint_url, "s3")
    options: dict[str, Any] = {
        "connect_timeout": CONNECT_TIMEOUT_S,
        "request_timeout": REQUEST_TIMEOUT_S,
        "allow_bucket_creation": False,
        "allow_bucket_deletion": False,
    }
    if endpoint:
        scheme, _, rest = endpoint.partition("://")
        region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
        options.update(scheme=scheme, endpoint_override=rest.rstrip("/"))
        region = region or DEFAULT_REGION
    else:
        try:  # the bucket's own region (an unsigned HEAD); a missing bucket stops here
            region = pafs.resolve_s3_region(bucket)
        except OSError as exc:
            raise InputError(
                DATA_DIR_FIELD, uri, f"cannot use bucket {bucket}: {_line(exc)}"
            ) from None
    fs = pafs.S3FileSystem(region=region, **options)
    try:
        found = fs.get_file_info(bucket).type
    except OSError as exc:
        raise InputError(
            DATA_DIR_FIELD, uri, f"cannot reach bucket {bucket}: {_line(exc)}"
        ) from None
    if found == pafs.FileType.NotFound:
        raise InputError(
            DATA_DIR_FIELD,
            uri,
            f"bucket {bucket} does not exist (or these credentials cannot see it)",
        )
    path = f"{bucket}/{key}" if key else bucket
    s3 = {"bucket": bucket, "key": key, "endpoint": endpoint, "region": region}
    return StorePath(fs, path, f"{S3_PREFIX}{path}", s3)


def parse_s3_uri(uri: str) -> tuple[str, str]:
    """(bucket, key prefix) of s3://bucket[/prefix], or `InputError` naming --data-dir."""
    if not uri.startswith(S3_PREFIX):
        scheme = uri.split("://", 1)[0]
        raise InputError(
            DATA_DIR_FIELD,
            uri[:200],
            f"{scheme}:// is not supported: give a local directory or s3://bucket/prefix",
        )
    bucket, _, key = uri[len(S3_PREFIX) :].partition("/")
    if not _BUCKET.match(bucket) or ".." in bucket:
        raise InputError(
            DATA_DIR_FIELD,
            uri[:200],
            "needs a bucket name of 3 to 63 lowercase letters, digits, dots and hyphens after s3://",
        )
    parts = key.strip("/").split("/") if key.strip("/") else []
    if any(p in ("", ".", "..") or not p.isprintable() for p in parts):
        raise InputError(
            DATA_DIR_FIELD, uri[:200], "has an empty, '.', '..' or unprintable part in its prefix"
        )
    return bucket, "/".join(parts)


def _line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= 200 else text[:199] + "…"
