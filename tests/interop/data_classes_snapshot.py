#!/usr/bin/env python3
"""
Snapshot the data classes of openedx-events 11.2 for the Rust catalog to be checked against.

Reads ``catalog.json`` of the reference folder (``$OPENEDX_EVENTS_REFERENCE``, else
``../shared/reference`` next to the repository root) and writes
``events-catalog/tests/fixtures/data_classes.json``: every data class with its fields in wire
order, each with its Python type, its default, and the type parsed into a shape the test
compares with the Rust ``Schema`` tree (``events-catalog/tests/data_classes.rs``), plus every
event's data keys, which root the walk. Only the standard library is needed.

The reference folder is not part of the repository; the snapshot is committed so the test runs
without it. ``--check`` prints a note and exits 0 when the folder is absent (as in a fresh
clone).

Usage:
    python3 tests/interop/data_classes_snapshot.py           # (re)write the snapshot
    python3 tests/interop/data_classes_snapshot.py --check   # compare with the file on disk
"""
import argparse
import json
import os
import re
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_OUT = REPO_ROOT / "events-catalog" / "tests" / "fixtures" / "data_classes.json"
SCRIPT_PATH = "tests/interop/data_classes_snapshot.py"
REFERENCE_ENV = "OPENEDX_EVENTS_REFERENCE"

SCALARS = {"str": "string", "int": "long", "float": "double", "bool": "boolean", "bytes": "bytes",
           # The Python file type of CertificateSignatoryData.image; bytes on the wire.
           "BinaryIO": "bytes"}
# Types written as text on the wire (the Rust Schema::Custom names).
CUSTOM = ["datetime", "UUID", "CCXLocator", "CourseKey", "LibraryCollectionLocator",
          "LibraryContainerLocator", "LibraryLocatorV2", "LibraryUsageLocatorV2", "UsageKey"]

# The default column of catalog.json, as a JSON value.
DEFAULTS = {
    "optional (None)": None,
    "default: ''": "",
    "default: []": [],
    "default: {}": {},
    # attr.ib(factory=dict)
    "default: <class 'dict'>": {},
    "default: False": False,
    "default: True": True,
}


def reference_dir():
    """The reference folder, or None when there is none (an empty variable means none)."""
    configured = os.environ.get(REFERENCE_ENV)
    if configured is not None:
        if not configured:
            return None
        path = Path(configured)
        if not path.is_dir():
            raise SystemExit(f"{REFERENCE_ENV} is set to {configured}, which is not a directory")
        return path
    beside = REPO_ROOT.parent / "shared" / "reference"
    return beside if beside.is_dir() else None


def load_catalog(reference):
    return json.loads((reference / "catalog.json").read_text(encoding="utf-8"))


def resolve_class(name, module, data_classes):
    """The catalog key of class `name` used by a class of `module` (same module first)."""
    if f"{module}.{name}" in data_classes:
        return f"{module}.{name}"
    matches = [key for key in data_classes if key.split(".", 1)[1] == name]
    if len(matches) != 1:
        raise ValueError(f"cannot resolve class {name!r} from {module}: {matches}")
    return matches[0]


def parse_type(text, module, data_classes):
    """A catalog.json type (e.g. ``Dict[str, List[str]]``) as a shape dict."""
    text = text.strip()
    match = re.fullmatch(r"List\[(.*)\]", text)
    if match:
        return {"type": "array", "items": parse_type(match.group(1), module, data_classes)}
    match = re.fullmatch(r"Dict\[str,\s*(.*)\]", text)
    if match:
        return {"type": "map", "values": parse_type(match.group(1), module, data_classes)}
    if text in SCALARS:
        return {"type": SCALARS[text]}
    if text in CUSTOM:
        return {"type": "custom", "name": text}
    key = resolve_class(text, module, data_classes)
    return {"type": "record", "class": key, "name": data_classes[key]["name"]}


def snapshot(catalog):
    """The fixture document."""
    data_classes = catalog["data_classes"]
    classes = {}
    for key in sorted(data_classes):
        cls = data_classes[key]
        module = key.split(".", 1)[0]
        fields = []
        for field in cls["fields"]:
            if field["default"] != "required" and field["default"] not in DEFAULTS:
                raise ValueError(f"{key}.{field['name']}: unknown default {field['default']!r}")
            entry = {
                "name": field["name"],
                "python_type": field["type"],
                "default": field["default"],
                "shape": parse_type(field["type"], module, data_classes),
                "optional": field["default"] == "optional (None)",
                "has_default": field["default"] != "required",
            }
            if field["default"] != "required":
                entry["default_value"] = DEFAULTS[field["default"]]
            fields.append(entry)
        classes[key] = {"module": cls["module"], "name": cls["name"], "fields": fields}
    events = {
        event["event_type"]: {"data": event["data"], "serializable": event["serializable"]}
        for event in sorted(catalog["events"], key=lambda event: event["event_type"])
    }
    for event_type, event in events.items():
        for data_key, cls in event["data"].items():
            if cls not in classes:
                raise ValueError(f"{event_type}.{data_key}: unknown class {cls}")
    return {
        "source": catalog["source"],
        "generator": {"script": SCRIPT_PATH, "input": "catalog.json of the reference folder"},
        "events": events,
        "data_classes": classes,
    }


def render(document):
    return json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output file")
    parser.add_argument("--check", action="store_true",
                        help="do not write; exit 1 if the file differs")
    args = parser.parse_args(argv)

    reference = reference_dir()
    if reference is None:
        print(f"note: {SCRIPT_PATH}: no reference folder (../shared/reference or ${REFERENCE_ENV}); "
              f"{'not checked' if args.check else 'cannot generate'}: {args.out}")
        return 0 if args.check else 1
    text = render(snapshot(load_catalog(reference)))
    if args.check:
        if not args.out.exists() or args.out.read_text(encoding="utf-8") != text:
            print(f"differs: {args.out}", file=sys.stderr)
            return 1
    else:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8")
    document = json.loads(text)
    print(f"data classes: {len(document['data_classes'])}, events: {len(document['events'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
