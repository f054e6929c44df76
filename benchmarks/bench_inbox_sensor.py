"""One inbox sensor tick for a new 500 MB Reddit archive, against parsing every record.

A temporary data directory gets a Reddit archive of ``--mb`` MB (500 by default) of
NDJSON submissions, one a line, time-ordered over the 30 days before yesterday (UTC):
with ``--shape shared`` (the default) the records of the shared Reddit file
(``../shared/data/reddit_submissions_cars_teslamotors_2019-10_2020-02.ndjson``, 11 fields,
about 670 bytes) repeated, each copy with its own id and time; with ``--shape pushshift``
(or without the shared data) synthesised submissions with the fields of a pushshift
``RS_`` dump (79, keys sorted, about 2.4 kB). A ``.zst`` copy (level 3) goes in a second
inbox. For each of the two files, timed: (a) the old way, every line JSON-parsed
(``inbox.parsed_days_touched``, what ``days_touched`` did before the sensor's cheap scan);
(b) the cheap scan alone (``inbox.days_touched``); (c) one evaluation of ``inbox_sensor``
(``dg.build_sensor_context`` over an ephemeral instance and an inbox holding only that
file: listing, scan, run requests, cursor, and the span written to the span store). The
days found by (a) and (b) and the days the sensor's run requests cover must be the same;
the script fails otherwise. The files are read from the page cache (written just before).
Target: (c) ≤ 5 s for the plain 500 MB file.

    python benchmarks/bench_inbox_sensor.py [--mb 500] [--rounds 1] [--shape shared|pushshift]
                                            [--skip-parse]

Prints a table and writes ``benchmarks/results/inbox_sensor.json``
(``inbox_sensor-pushshift.json`` for ``--shape pushshift``).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from pipeline_runs import write_results  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "inbox_sensor.json"
SHARED_REDDIT = (
    ROOT.parent / "shared" / "data" / "reddit_submissions_cars_teslamotors_2019-10_2020-02.ndjson"
)
TARGET_SECONDS = 5.0
DAYS = 30
ID, TIME = "IDIDID", 1_111_111_111  # stand-ins for each record's id and time
WORDS = (  # noqa: SIM905 (a sentence is easier to read than a list of 34 strings)
    "the car engine gearbox clutch rust paint restoration price auction sold bid market "
    "mileage service belt timing carburettor injection dealer owner classic vintage coupe "
    "spider convertible original matching numbers respray interior leather dash gauge"
).split()


def _pushshift_submission(rng: random.Random, n: int) -> dict:
    """A submission with the fields of a pushshift ``RS_`` dump (keys sorted, as there)."""
    subreddit = rng.choice(["classiccars", "Porsche", "cars", "ferrari", "projectcar"])
    title = " ".join(rng.choices(WORDS, k=rng.randint(4, 14)))
    body = " ".join(rng.choices(WORDS, k=rng.randint(0, 160)))
    return {
        "all_awardings": [],
        "allow_live_comments": False,
        "archived": False,
        "author": f"user_{rng.randint(1, 50_000)}",
        "author_flair_css_class": None,
        "author_flair_richtext": [],
        "author_flair_text": None,
        "author_flair_type": "text",
        "author_fullname": f"t2_{rng.randint(10**6, 10**7):x}",
        "author_patreon_flair": False,
        "author_premium": False,
        "awarders": [],
        "can_gild": True,
        "can_mod_post": False,
        "category": None,
        "content_categories": None,
        "contest_mode": False,
        "created_utc": TIME,
        "discussion_type": None,
        "distinguished": None,
        "domain": f"self.{subreddit}",
        "edited": False,
        "gilded": 0,
        "gildings": {},
        "hidden": False,
        "hide_score": False,
        "id": ID,
        "is_created_from_ads_ui": False,
        "is_crosspostable": True,
        "is_meta": False,
        "is_original_content": False,
        "is_reddit_media_domain": False,
        "is_robot_indexable": True,
        "is_self": True,
        "is_video": False,
        "link_flair_background_color": "",
        "link_flair_css_class": None,
        "link_flair_richtext": [],
        "link_flair_text": rng.choice([None, "Discussion", "Help", "For sale"]),
        "link_flair_text_color": "dark",
        "link_flair_type": "text",
        "locked": False,
        "media": None,
        "media_embed": {},
        "media_only": False,
        "name": f"t3_{ID}",
        "no_follow": n % 4 == 0,
        "num_comments": rng.randint(0, 80),
        "num_crossposts": 0,
        "over_18": False,
        "parent_whitelist_status": "all_ads",
        "permalink": f"/r/{subreddit}/comments/{ID}/",
        "pinned": False,
        "pwls": 6,
        "quarantine": False,
        "removed_by_category": None if n % 3 else "moderator",
        "retrieved_on": TIME + 86_400 * 30,
        "score": rng.randint(0, 500),
        "secure_media": None,
        "secure_media_embed": {},
        "selftext": body if n % 3 else "[removed]",
        "send_replies": True,
        "spoiler": False,
        "stickied": False,
        "subreddit": subreddit,
        "subreddit_id": "t5_2qh1b",
        "subreddit_name_prefixed": f"r/{subreddit}",
        "subreddit_subscribers": 512_345,
        "subreddit_type": "public",
        "suggested_sort": None,
        "thumbnail": "self",
        "title": title,
        "top_awarded_type": None,
        "total_awards_received": 0,
        "treatment_tags": [],
        "upvote_ratio": round(rng.random(), 2),
        "url": f"https://www.reddit.com/r/{subreddit}/comments/{ID}/",
        "whitelist_status": "all_ads",
        "wls": 6,
    }


def templates(rng: random.Random, shape: str) -> tuple[list[str], str]:
    """The lines of the records as %-templates of their id and time, and where they are
    from."""
    records: list[dict] = []
    source = "the shared Reddit file"
    if shape == "shared" and SHARED_REDDIT.is_file():
        with SHARED_REDDIT.open(encoding="utf-8") as handle:
            records = [
                {**json.loads(line), "id": ID, "name": f"t3_{ID}", "created_utc": TIME}
                for line in handle
                if line.strip()
            ]
    if not records:
        source = "synthesised pushshift submissions (79 fields)"
        if shape == "shared":
            source += "; no shared data"
        records = [_pushshift_submission(rng, n) for n in range(2000)]
    shapes = []
    for record in records:
        line = json.dumps(record).replace("%", "%%")
        shapes.append(line.replace(ID, "%(id)s").replace(str(TIME), "%(time)d", 1) + "\n")
    return shapes, source


def write_archive(path: Path, megabytes: int, first: date, shape: str) -> dict:
    """A time-ordered NDJSON archive of about ``megabytes`` MB over ``DAYS`` days."""
    shapes, source = templates(random.Random(7), shape)
    target = megabytes * 10**6
    mean = sum(len(line) + 8 for line in shapes) / len(shapes)
    count = int(target / mean)
    start = datetime(first.year, first.month, first.day, tzinfo=UTC).timestamp()
    step = DAYS * 86_400 / count
    size = records = 0
    with path.open("w", encoding="utf-8") as out:
        lines = []
        while size < target:
            moment = int(start + min(records * step, DAYS * 86_400 - 1))
            line = shapes[records % len(shapes)] % {"id": f"b{records:x}", "time": moment}
            lines.append(line)
            size += len(line)
            records += 1
            if len(lines) == 10_000:
                out.write("".join(lines))
                lines = []
        out.write("".join(lines))
    return {"records": records, "bytes": path.stat().st_size, "records_from": source}


def compress(plain: Path, packed: Path) -> None:
    import zstandard

    with plain.open("rb") as source, packed.open("wb") as out:
        zstandard.ZstdCompressor(level=3, threads=-1).copy_stream(source, out)


def timed(function, *args):
    start = time.perf_counter()
    value = function(*args)
    return time.perf_counter() - start, value


def sensor_tick(root: Path):
    """(seconds, result) of one evaluation of the inbox sensor over ``root``."""
    import dagster as dg

    from vintage_ai_assets.defs.ingest.sensors import inbox_sensor
    from vintage_ai_assets.defs.platform.resources import InboxResource

    with dg.instance_for_test() as instance:
        context = dg.build_sensor_context(
            instance=instance, resources={"inbox": InboxResource(root=str(root))}
        )
        return timed(inbox_sensor, context)


def covered_days(result) -> set[date]:
    days: set[date] = set()
    for request in result.run_requests:
        first = date.fromisoformat(request.tags["dagster/asset_partition_range_start"])
        last = date.fromisoformat(request.tags["dagster/asset_partition_range_end"])
        days |= {first + timedelta(days=n) for n in range((last - first).days + 1)}
    return days


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=500, help="size of the plain archive, MB")
    parser.add_argument("--rounds", type=int, default=1, help="timings of each; medians")
    parser.add_argument("--skip-parse", action="store_true", help="not the old full parse")
    parser.add_argument(
        "--shape",
        choices=["shared", "pushshift"],
        default="shared",
        help="records: the shared file's (11 fields) or synthesised full pushshift ones",
    )
    args = parser.parse_args(argv)
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    first = yesterday - timedelta(days=DAYS - 1)
    with tempfile.TemporaryDirectory(prefix="bench-inbox-sensor-") as tmp:
        work = Path(tmp)
        os.environ["VINTAGE_AI_DATA_DIR"] = str(work / "data")
        os.environ["VINTAGE_AI_START_DATE"] = first.isoformat()
        from vintage_ai_assets import settings
        from vintage_ai_assets.sources import inbox

        settings.use(settings.Settings.from_env())
        roots = {"plain": work / "data" / "inbox", "zst": work / "zst" / "inbox"}
        for root in roots.values():
            (root / "reddit").mkdir(parents=True)
        plain = roots["plain"] / "reddit" / "archive.ndjson"
        packed = roots["zst"] / "reddit" / "archive.ndjson.zst"
        seconds, archive = timed(write_archive, plain, args.mb, first, args.shape)
        compress_seconds, _ = timed(compress, plain, packed)
        print(
            f"archive: {archive['records']:,} records, {archive['bytes'] / 1e6:,.0f} MB "
            f"(records: {archive['records_from']}), written in {seconds:.0f} s; "
            f".zst {packed.stat().st_size / 1e6:,.0f} MB in {compress_seconds:.0f} s"
        )
        rows: dict[str, dict] = {}
        for name, path in (("plain", plain), ("zst", packed)):
            file = inbox.InboxFile("reddit", path)
            parse, scan, tick = [], [], []
            parsed = found = result = None
            for _ in range(args.rounds):
                if not args.skip_parse:
                    seconds, parsed = timed(inbox.parsed_days_touched, file)
                    parse.append(seconds)
                seconds, found = timed(inbox.days_touched, file)
                scan.append(seconds)
                seconds, result = sensor_tick(roots[name])
                tick.append(seconds)
            launched = covered_days(result)
            if parsed is not None and parsed != found:
                raise SystemExit(f"{name}: the scan found other days than the full parse")
            if launched != {d for d in found if first <= d <= yesterday}:
                raise SystemExit(f"{name}: the sensor's runs do not cover the file's days")
            rows[name] = {
                "file_mb": round(path.stat().st_size / 1e6, 1),
                "parse_seconds": round(statistics.median(parse), 2) if parse else None,
                "scan_seconds": round(statistics.median(scan), 2),
                "sensor_tick_seconds": round(statistics.median(tick), 2),
                "days": len(found),
                "runs": len(result.run_requests),
            }
    print(
        f"{args.rounds} round(s), medians; load average {os.getloadavg()[0]:.2f}; "
        f"{os.cpu_count()} CPUs"
    )
    print(
        f"{'file':<18}{'MB':>7}{'(a) parse s':>13}{'(b) scan s':>12}{'(c) tick s':>12}"
        f"{'a/c':>7}{'days':>6}{'runs':>6}"
    )
    for name, row in rows.items():
        parse = row["parse_seconds"]
        print(
            f"{'archive.ndjson' + ('.zst' if name == 'zst' else ''):<18}{row['file_mb']:>7.0f}"
            f"{parse if parse is not None else float('nan'):>13.2f}{row['scan_seconds']:>12.2f}"
            f"{row['sensor_tick_seconds']:>12.2f}"
            f"{(parse or float('nan')) / row['sensor_tick_seconds']:>7.1f}"
            f"{row['days']:>6}{row['runs']:>6}"
        )
    tick = rows["plain"]["sensor_tick_seconds"]
    verdict = "met" if tick <= TARGET_SECONDS else "not met"
    print(f"target: one sensor tick ≤ {TARGET_SECONDS:.0f} s for {args.mb} MB — {verdict}")
    write_results(
        RESULTS if args.shape == "shared" else RESULTS.with_name("inbox_sensor-pushshift.json"),
        {
            "archive_mb": args.mb,
            "shape": args.shape,
            "records": archive["records"],
            "records_from": archive["records_from"],
            "rounds": args.rounds,
            "files": rows,
            "target_seconds": TARGET_SECONDS,
        },
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
