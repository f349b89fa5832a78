"""Refresh on demand: before a fleet collected from AWS is analysed, read from the Pricing API the
prices of every collected region the price book in use lacks, and save the new book in the data
directory exactly as `crossover prices refresh` does (so the next run makes no pricing calls).

`refresh_missing(book, regions, ...)` is used by `analyze --aws`, `collect`, `export --aws`,
`report --aws` and the app's live AWS page. It returns the book to price with and the notes to
add to the result; a region it cannot price raises `PriceBookError`, one line naming the region
and the two fixes (`missing_region_fix`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from analyzer.adapters.pricebooks import PathArg, save
from analyzer.core.pricebook import PriceBook
from analyzer.exceptions import PriceBookError

#: the price kinds a provisioned option needs; a region missing any of them is refreshed
NEEDED_KINDS = ("lambda", "ec2", "fargate", "alb")


def missing_regions(book: PriceBook, regions: Iterable[str]) -> list[str]:
    """The regions (sorted) for which `book` lacks Lambda, EC2, Fargate or ALB prices."""
    held = {kind: set(book.regions(kind)) for kind in NEEDED_KINDS}
    return sorted({r for r in regions if any(r not in held[k] for k in NEEDED_KINDS)})


def missing_region_fix(region: str) -> str:
    """The two fixes for a region the price book lacks, in the words every message uses."""
    return (
        f"run `crossover prices refresh --region {region}` with access to the AWS Pricing API "
        f"(pricing:GetProducts), or price it like another region with "
        f"`--price-proxy {region}=us-east-1`"
    )


@dataclass
class Refreshed:
    """What `refresh_missing` did: the book to price with, notes for the result, the saved path."""

    book: PriceBook
    notes: list[str] = field(default_factory=list)
    path: str | None = None
    regions: list[str] = field(default_factory=list)


def refresh_missing(
    book: PriceBook,
    regions: Iterable[str],
    *,
    client_factory: Callable[[], Any],
    data_dir: PathArg = None,
    proxied: Mapping[str, str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> Refreshed:
    """Refresh the regions `book` lacks (those priced by a proxy are left as the user asked).

    `client_factory()` makes the Pricing API client (only called when something is missing).
    Regions that refresh are saved (one new book) even if another region fails; the first
    failure then raises `PriceBookError` naming the region and both fixes.
    """
    from analyzer.adapters.pricing_refresh import refresh

    wanted = [r for r in missing_regions(book, regions) if r not in (proxied or {})]
    if not wanted:
        return Refreshed(book)
    client = client_factory()
    doc = book.doc
    done: list[str] = []
    failed: list[tuple[str, str]] = []
    for region in wanted:
        if progress:
            progress(
                f"prices: {region} is not in the price book of {book.as_of} ({book.origin}); "
                "reading it from the AWS Pricing API"
            )
        try:
            doc = refresh([region], client, base=doc)
            done.append(region)
        except PriceBookError as exc:
            failed.append((region, str(exc)))
    out = Refreshed(book, regions=done)
    if done:
        path = save(doc, data_dir)
        out = Refreshed(PriceBook(doc), path=str(path), regions=done)
        out.notes.append(
            f"Prices for {', '.join(done)} read from the AWS Pricing API on {doc['as_of']} "
            f"and saved as price book {path.name} (now in use)"
        )
    if failed:
        region, why = failed[0]
        raise PriceBookError(f"no prices for region {region} ({why}): {missing_region_fix(region)}")
    return out
