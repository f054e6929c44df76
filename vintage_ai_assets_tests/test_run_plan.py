"""How backfills are cut into runs of days: by the inbox text a run may read."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from vintage_ai_assets.run_plan import (
    COMPRESSION_RATIO,
    day_ranges,
    inbox_text_bytes,
    run_inbox_bytes,
)


def test_an_inbox_that_fits_is_one_run():
    assert day_ranges(date(2025, 5, 1), date(2026, 10, 31), 28 << 20, 192 << 20) == [
        (date(2025, 5, 1), date(2026, 10, 31))
    ]


def test_a_large_inbox_is_cut_into_consecutive_ranges_of_near_equal_length():
    first, last = date(2025, 5, 1), date(2026, 10, 31)
    ranges = day_ranges(first, last, 500 << 20, 192 << 20)
    assert len(ranges) == 3  # ceil(500 / 192)
    assert ranges[0][0] == first and ranges[-1][1] == last
    for (_, end), (begin, _) in zip(ranges, ranges[1:], strict=False):
        assert begin == end + timedelta(days=1)  # no gap, no overlap
    lengths = [(end - begin).days + 1 for begin, end in ranges]
    assert max(lengths) - min(lengths) <= 1 and sum(lengths) == 549


def test_never_more_runs_than_days_and_nothing_for_an_empty_range():
    assert day_ranges(date(2026, 1, 1), date(2026, 1, 3), 10**12, 1) == [
        (date(2026, 1, d), date(2026, 1, d)) for d in (1, 2, 3)
    ]
    assert day_ranges(date(2026, 1, 2), date(2026, 1, 1), 100, 1) == []


def test_inbox_text_counts_text_folders_and_scales_compressed_files(tmp_path):
    (tmp_path / "reddit").mkdir()
    (tmp_path / "social").mkdir()
    (tmp_path / "auctions").mkdir()
    (tmp_path / "reddit" / "a.ndjson").write_bytes(b"x" * 1000)
    (tmp_path / "reddit" / "b.ndjson.zst").write_bytes(b"x" * 100)
    (tmp_path / "reddit" / "notes.txt").write_bytes(b"x" * 5000)  # not an inbox file
    (tmp_path / "social" / "c.jsonl").write_bytes(b"x" * 10)
    (tmp_path / "auctions" / "lots.csv").write_bytes(b"x" * 7000)  # small tables: not counted
    assert inbox_text_bytes(tmp_path) == 1000 + 100 * COMPRESSION_RATIO + 10
    assert inbox_text_bytes(tmp_path / "missing") == 0


def test_the_run_budget_comes_from_the_settings():
    from vintage_ai_assets import settings

    settings.use(settings.Settings.from_env({"VINTAGE_AI_RUN_INBOX_MB": "1.5"}))
    assert run_inbox_bytes() == int(1.5 * 1024 * 1024)
    for bad in ("0", "-5", "lots", "nan"):
        with pytest.raises(ValueError, match="VINTAGE_AI_RUN_INBOX_MB must be a positive"):
            settings.Settings.from_env({"VINTAGE_AI_RUN_INBOX_MB": bad})
