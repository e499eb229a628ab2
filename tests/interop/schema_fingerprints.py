#!/usr/bin/env python3
"""
Write the Parsing Canonical Form and CRC-64-AVRO fingerprint of every openedx-events 11.2
schema, as fastavro computes them, for the Rust ``EventSchema`` to be checked against.

Reads the ``.avsc`` files of ``avro-schemas/current`` in the reference folder
(``$OPENEDX_EVENTS_REFERENCE``, else ``../shared/reference`` next to the repository root) and
writes ``events-catalog/tests/fixtures/schema_fingerprints.json``: for each event type (the
schema's namespace), the canonical form and fastavro's hexadecimal fingerprint (the eight
bytes little-endian, as Avro's single-object encoding writes them). Checked by
``events-catalog/tests/schema_fingerprints.rs``.

The reference folder is not part of the repository; the file is committed so the test runs
without it. ``--check`` prints a note and exits 0 when the folder is absent.

Usage:
    python tests/interop/schema_fingerprints.py           # (re)write the fixture
    python tests/interop/schema_fingerprints.py --check   # compare with the file on disk
"""
import argparse
import json
import sys
from pathlib import Path

from fastavro.schema import fingerprint, to_parsing_canonical_form

from data_classes_snapshot import REFERENCE_ENV, REPO_ROOT, reference_dir

DEFAULT_OUT = REPO_ROOT / "events-catalog" / "tests" / "fixtures" / "schema_fingerprints.json"
SCRIPT_PATH = "tests/interop/schema_fingerprints.py"


def fingerprints(reference):
    document = {}
    for path in sorted((reference / "avro-schemas" / "current").glob("*.avsc")):
        schema = json.loads(path.read_text(encoding="utf-8"))
        canonical = to_parsing_canonical_form(schema)
        document[schema["namespace"]] = {
            "canonical": canonical,
            "crc64_avro": fingerprint(canonical, "CRC-64-AVRO"),
        }
    return document


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output file")
    parser.add_argument("--check", action="store_true", help="do not write; exit 1 if the file differs")
    args = parser.parse_args(argv)
    reference = reference_dir()
    if reference is None:
        print(f"note: {SCRIPT_PATH}: no reference folder (../shared/reference or ${REFERENCE_ENV}); "
              f"{'not checked' if args.check else 'cannot generate'}: {args.out}")
        return 0 if args.check else 1
    text = json.dumps(fingerprints(reference), indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    if args.check:
        if not args.out.exists() or args.out.read_text(encoding="utf-8") != text:
            print(f"differs: {args.out}", file=sys.stderr)
            return 1
    else:
        args.out.write_text(text, encoding="utf-8")
    print(f"schema fingerprints: {len(json.loads(text))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
