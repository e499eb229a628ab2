"""
Write the text vectors of datetimes and event metadata, as the Python stack renders and reads
them, to events-core/tests/fixtures/text_vectors.json.

- datetimes: for generated UTC datetimes, `isoformat()`; and for generated texts, whether
  `datetime.fromisoformat()` reads them and, when it does, the UTC instant (naive values taken
  as UTC, as the Rust side does).
- metadata: `EventsMetadata.to_json()` for generated metadata, which the Rust `to_json()` must
  reproduce byte for byte and `from_json()` must read back.

Run with the interop virtualenv: `$(scripts/python-env | tail -1) tests/interop/text_vectors.py`.
Pass `--check` to compare with the committed file instead of writing it.
"""
import json
import random
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from uuid import UUID

import django
from django.conf import settings

settings.configure(EVENTS_SERVICE_NAME="lms")
django.setup()

from openedx_events.data import EventsMetadata  # noqa: E402  (needs configured settings)

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "events-core" / "tests" / "fixtures" / "text_vectors.json"
rng = random.Random(20261201)


def random_instant():
    seconds = rng.randrange(-62135596800, 253402300799)  # 0001-01-01 .. 9999-12-31
    micros = rng.choice([0, 0, rng.randrange(1_000_000), 500_000, 1])
    return datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(seconds=seconds, microseconds=micros)


def isoformat_vectors():
    instants = [
        datetime(1, 1, 1, tzinfo=timezone.utc),
        datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=timezone.utc),
        datetime(1970, 1, 1, tzinfo=timezone.utc),
        datetime(2000, 2, 29, 12, 0, 0, 123000, tzinfo=timezone.utc),
        datetime(1900, 2, 28, 23, 59, 59, tzinfo=timezone.utc),
        datetime(2024, 2, 1, 12, 0, 0, 1, tzinfo=timezone.utc),
    ] + [random_instant() for _ in range(300)]
    return [{"timestamp_micros": to_micros(t), "isoformat": t.isoformat()} for t in instants]


def to_micros(t):
    delta = t - datetime(1970, 1, 1, tzinfo=timezone.utc)
    return (delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds


def parse_vectors():
    texts = set()
    for _ in range(200):
        t = random_instant()
        offset = timedelta(minutes=rng.randrange(-23 * 60 - 59, 23 * 60 + 60))
        if rng.random() < 0.1:
            offset += timedelta(seconds=rng.randrange(60), microseconds=rng.choice([0, rng.randrange(1_000_000)]))
        try:
            local = t.astimezone(timezone(offset))
        except (OverflowError, ValueError):
            continue
        spec = rng.choice(["auto", "hours", "minutes", "seconds", "milliseconds", "microseconds"])
        texts.add(local.isoformat(timespec=spec))
        texts.add(local.isoformat(sep=" ", timespec=spec))
        texts.add(local.replace(tzinfo=None).isoformat(timespec=spec))
        texts.add(local.date().isoformat())
    texts.update([
        "2024-02-01T12:00:00Z", "2024-02-01T12:00:00.5", "2024-02-01T12:00:00.1234567",
        "2024-02-30T00:00:00", "2024-13-01", "0000-01-01", "2024-02-01T24:00:00", "2024-02-01T12:60",
        "2024-02-01T12:00:60", "2024-02-01T12:00:00+24:00", "2024-02-01T12:00:00+00:60", "",
        "2024-02-01T12:00:00 UTC", "2024/02/01", "24-02-01", "2024-02-01T12:00:00.", "2024-02-01T12:00:00+0000",
        "2023-02-29", "2024-02-29", "1900-02-29", "2000-02-29", "9999-12-31T23:59:59.999999+00:00",
    ])
    vectors = []
    for text in sorted(texts):
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            vectors.append({"text": text, "python_accepts": False})
            continue
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=timezone.utc)
        try:
            micros = to_micros(parsed.astimezone(timezone.utc))
        except OverflowError:
            vectors.append({"text": text, "python_accepts": True, "out_of_range": True})
            continue
        vectors.append({"text": text, "python_accepts": True, "utc_micros": micros})
    return vectors


def metadata_vectors():
    vectors = []
    sources = ["openedx/lms/web", "openedx/cms/web", "openedx/SERVICE_NAME_UNSET/web", "openedx/ünïcode/web"]
    hosts = ["lms-1", "edx.devstack.lms", "host with \"quotes\" and \\ backslash", "主机",
             "controls \x00\x1f\t\n and DEL \x7f", "astral \U0001f600"]
    for index in range(40):
        t = random_instant() if index % 3 else datetime(2024, 2, 1, 12, 0, 0, tzinfo=timezone.utc)
        metadata = EventsMetadata(
            event_type=rng.choice([
                "org.openedx.learning.course.enrollment.created.v1",
                "org.openedx.content_authoring.xblock.published.v1",
                "com.example.billing.invoice.paid.v2",
            ]),
            id=UUID(int=rng.getrandbits(128)),
            minorversion=rng.choice([0, 0, 1, 7]),
            source=rng.choice(sources),
            sourcehost=rng.choice(hosts),
            time=t,
            sourcelib=rng.choice([(10, 5, 0), (0, 1, 0), (11, 2, 0), (1, 2)]),
        )
        vectors.append({"to_json": metadata.to_json()})
    return vectors


def main():
    document = {
        "generator": "tests/interop/text_vectors.py with openedx-events " + __import__("openedx_events").__version__,
        "isoformat": isoformat_vectors(),
        "fromisoformat": parse_vectors(),
        "metadata": metadata_vectors(),
    }
    text = json.dumps(document, indent=1, ensure_ascii=False, sort_keys=True) + "\n"
    if "--check" in sys.argv:
        if OUT.read_text(encoding="utf-8") != text:
            sys.exit(f"{OUT} is out of date; regenerate it with tests/interop/text_vectors.py")
        return
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
