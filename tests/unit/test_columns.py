"""The column table is the one source of the recommendation columns."""

from __future__ import annotations

import json

from analyzer.adapters.export.json_export import SCHEMA_PATH
from analyzer.core.columns import (
    COLUMN_HELP,
    COLUMN_SPECS,
    COLUMNS,
    MONEY_COLUMNS,
    TEXT_COLUMNS,
    function_item_schema,
)


def test_the_committed_schema_describes_the_columns_of_the_table() -> None:
    schema = json.loads(SCHEMA_PATH.read_text())
    assert schema["properties"]["functions"]["items"] == function_item_schema()


def test_every_column_has_a_kind_a_meaning_and_numbers_have_decimals() -> None:
    assert len(set(COLUMNS)) == len(COLUMNS) == len(COLUMN_SPECS)
    for spec in COLUMN_SPECS:
        assert spec.kind in ("text", "money", "number", "bool", "date"), spec
        assert COLUMN_HELP[spec.name], spec
        assert (spec.decimals is not None) == (spec.kind in ("money", "number")), spec
    assert all("_usd" in c for c in MONEY_COLUMNS)
    assert not MONEY_COLUMNS & TEXT_COLUMNS
