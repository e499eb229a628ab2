#!/usr/bin/env python3
"""
Generate golden Avro vectors for the serializable events that openedx-events 10.5.0 cannot write.

openedx-events 11.2 serializes 72 events; 10.5.0 (the newest release that installs on Python
3.11) writes 63 of them, which ``golden_vectors.py`` covers. The others are missing from
10.5.0 or lack the type annotations its schema generator needs. For those, this script takes
the Avro schema openedx-events 11.2 generates (``avro-schemas/current/*.avsc`` of the
reference folder) and the data classes of ``catalog.json``, builds the same payload cases as
``golden_vectors.py`` (its ``PayloadBuilder``, on attrs classes made from the catalog),
converts them to the Avro datum ``AvroSignalSerializer.to_dict`` gives (datetimes as
``isoformat()``, opaque keys as ``str(key)``, UUIDs as ``str(uuid)``, map keys sorted) and
writes the bytes with ``fastavro.schemaless_writer``. The files have the format of the other
golden files; their ``generator.source`` names fastavro and the 11.2 schema.

The reference folder is ``$OPENEDX_EVENTS_REFERENCE``, else ``../shared/reference`` next to
the repository root. It is not part of the repository: the vectors are committed, and
``--check`` prints a note and exits 0 when the folder is absent (as in a fresh clone).

Usage:
    python tests/interop/golden_vectors_fastavro.py            # (re)write these files of tests/fixtures/golden/
    python tests/interop/golden_vectors_fastavro.py --check    # compare with the files on disk
    python tests/interop/golden_vectors_fastavro.py --out DIR  # write somewhere else
"""
import argparse
import datetime as dt
import io
import json
import random
import sys
import typing
import uuid
from importlib.metadata import version as dist_version
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent))

# pylint: disable=wrong-import-position
import data_classes_snapshot as catalog_types  # noqa: E402
import golden_vectors as gv  # noqa: E402  (configures Django, imports openedx-events 10.5.0)

import attr  # noqa: E402
import fastavro  # noqa: E402
from opaque_keys import OpaqueKey  # noqa: E402
from openedx_events.event_bus.avro.serializer import AvroSignalSerializer  # noqa: E402
from openedx_events.tooling import OpenEdxPublicSignal, load_all_signals  # noqa: E402

SCRIPT_PATH = "tests/interop/golden_vectors_fastavro.py"
SEED = "openedx-events-golden-vectors-fastavro/1"
SOURCE = "fastavro.schemaless_writer with the Avro schema of openedx-events 11.2 (not openedx-events 10.5.0)"
README_NAME = "README-fastavro.md"
GENERATOR_DISTRIBUTIONS = ["fastavro", "edx-opaque-keys", "edx-ccx-keys", "attrs"]

PYTHON_TYPES = {"string": str, "long": int, "double": float, "boolean": bool, "bytes": bytes}
CUSTOM_TYPES = {
    "datetime": dt.datetime,
    "UUID": uuid.UUID,
    **{cls.__name__: cls for cls in gv.KEY_VARIANTS},
}


class ClassFactory:
    """attrs classes made from the data classes of catalog.json, one per catalog key."""

    def __init__(self, data_classes):
        self.data_classes = data_classes
        self.made = {}

    def annotation(self, shape):
        kind = shape["type"]
        if kind == "array":
            return typing.List[self.annotation(shape["items"])]
        if kind == "map":
            return typing.Dict[str, self.annotation(shape["values"])]
        if kind == "record":
            return self.make(shape["class"])
        if kind == "custom":
            return CUSTOM_TYPES[shape["name"]]
        return PYTHON_TYPES[kind]

    def make(self, key):
        if key not in self.made:
            cls = self.data_classes[key]
            module = key.split(".", 1)[0]
            attributes = {}
            for field in cls["fields"]:
                shape = catalog_types.parse_type(field["type"], module, self.data_classes)
                # PayloadBuilder only asks whether the default is None (an optional field);
                # every field is always given, so other defaults do not matter.
                default = None if field["default"] == "optional (None)" else attr.NOTHING
                attributes[field["name"]] = attr.ib(type=self.annotation(shape), default=default)
            self.made[key] = attr.make_class(cls["name"], attributes, kw_only=True)
        return self.made[key]


def to_datum(value):
    """The Avro datum of a payload value, as AvroSignalSerializer.to_dict writes it."""
    if hasattr(value, "__attrs_attrs__"):
        return {field.name: to_datum(getattr(value, field.name)) for field in attr.fields(type(value))}
    if isinstance(value, dict):
        return {key: to_datum(item) for key, item in value.items()}
    if isinstance(value, list):
        return [to_datum(item) for item in value]
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, (uuid.UUID, OpaqueKey)):
        return str(value)
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    raise TypeError(f"no datum for {type(value).__name__}")


def event_datum(event_data):
    # to_dict goes through json.dumps(sort_keys=True): map keys come out sorted.
    datum = {key: to_datum(value) for key, value in event_data.items()}
    return json.loads(json.dumps(datum, sort_keys=True))


def check_schema_matches_classes(event_type, schema, factory, data):
    """The .avsc fields are the catalog fields, in order, optional exactly when default None."""

    def record(avro, cls):
        names = [field["name"] for field in avro["fields"]]
        expected = [a.name for a in attr.fields(cls)]
        if names != expected:
            raise AssertionError(f"{event_type}: {avro.get('name')} fields {names} != {expected}")
        for avro_field, attribute in zip(avro["fields"], attr.fields(cls)):
            optional = isinstance(avro_field["type"], list)
            if optional != (attribute.default is None) or (optional and avro_field.get("default", 0) is not None):
                raise AssertionError(f"{event_type}: {cls.__name__}.{attribute.name} optionality differs")

    def walk(avro_type, tp, seen):
        if isinstance(avro_type, list):
            avro_type = [t for t in avro_type if t != "null"][0]
        if isinstance(avro_type, dict):
            if avro_type["type"] == "record":
                seen[avro_type["name"]] = avro_type
                record(avro_type, tp)
                for avro_field, attribute in zip(avro_type["fields"], attr.fields(tp)):
                    walk(avro_field["type"], attribute.type, seen)
            elif avro_type["type"] == "array":
                walk(avro_type["items"], typing.get_args(tp)[0], seen)
            elif avro_type["type"] == "map":
                walk(avro_type["values"], typing.get_args(tp)[1], seen)
        elif isinstance(avro_type, str) and avro_type in seen:
            record(seen[avro_type], tp)

    if [f["name"] for f in schema["fields"]] != list(data):
        raise AssertionError(f"{event_type}: data keys differ from the schema")
    seen = {}
    for avro_field, key in zip(schema["fields"], data):
        walk(avro_field["type"], factory.make(data[key]), seen)


def make_case(event_type, schema, init_data, case):
    rng = random.Random(f"{SEED}|{event_type}|{case}")
    builder = gv.PayloadBuilder(case, rng)
    event_data = {key: builder.build(tp) for key, tp in init_data.items()}
    data = event_datum(event_data)

    out = io.BytesIO()
    fastavro.schemaless_writer(out, schema, data)
    avro = out.getvalue()
    # fastavro reads back exactly the datum (so nothing was coerced), and re-encodes identically.
    read_back = fastavro.schemaless_reader(io.BytesIO(avro), schema)
    if gv.canonical(read_back) != gv.canonical(data):
        raise AssertionError(f"{event_type}/{case}: fastavro read-back differs from the datum")
    again = io.BytesIO()
    fastavro.schemaless_writer(again, schema, read_back)
    if again.getvalue() != avro:
        raise AssertionError(f"{event_type}/{case}: re-encoding the read-back differs")
    if gv.canonical(json.loads(json.dumps(data, ensure_ascii=False))) != gv.canonical(data):
        raise AssertionError(f"{event_type}/{case}: JSON text does not round-trip")
    return {"name": case, "data": data, "avro_hex": avro.hex()}


def covered_by_10_5(event_type):
    """Whether openedx-events 10.5.0 defines the event and can serialize it (golden_vectors.py)."""
    try:
        signal = OpenEdxPublicSignal.get_signal_by_type(event_type)
    except KeyError:
        return False
    try:
        AvroSignalSerializer(signal)
    except Exception:  # pylint: disable=broad-except
        return False
    return True


def generate(reference):
    """Return ({file name: text}, [(event type, case names)])."""
    gv.validate_key_variants()
    load_all_signals()
    catalog = catalog_types.load_catalog(reference)
    factory = ClassFactory(catalog["data_classes"])
    schema_dir = reference / "avro-schemas" / "current"

    events = sorted(
        (e for e in catalog["events"] if e["serializable"] and not covered_by_10_5(e["event_type"])),
        key=lambda e: e["event_type"],
    )
    signals = [SimpleNamespace(event_type=e["event_type"],
                               init_data={k: factory.make(v) for k, v in e["data"].items()})
               for e in events]
    long_events = gv.long_string_events(signals)
    versions = {name: dist_version(name) for name in GENERATOR_DISTRIBUTIONS}

    files, covered = {}, []
    for event, signal in zip(events, signals):
        event_type = event["event_type"]
        schema_name = event_type.replace(".", "+") + "_schema.avsc"
        schema = json.loads((schema_dir / schema_name).read_text(encoding="utf-8"))
        if schema.get("namespace") != event_type:
            raise AssertionError(f"{schema_name}: namespace {schema.get('namespace')!r}")
        check_schema_matches_classes(event_type, schema, factory, event["data"])
        cases = [c for c in gv.CASES
                 if (c != "long_string" or event_type in long_events)
                 and (c != gv.FALSY_CASE or any(gv.has_falsy_optional(t) for t in signal.init_data.values()))]
        built = [make_case(event_type, schema, signal.init_data, case) for case in cases]
        generator = {
            "source": SOURCE,
            "schema": f"avro-schemas/current/{schema_name} of the reference folder ({catalog['source']})",
            **versions,
            "script": SCRIPT_PATH,
            "seed": SEED,
        }
        doc = {"event_type": event_type, "generator": generator, "schema": schema, "cases": built}
        files[event_type.replace(".", "+") + ".json"] = \
            json.dumps(doc, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
        covered.append((event_type, [c["name"] for c in built]))

    files[README_NAME] = render_readme(catalog["source"], versions, covered)
    return files, covered


def render_readme(source, versions, covered):
    n_cases = sum(len(cases) for _, cases in covered)
    lines = [
        "# Golden Avro vectors from the openedx-events 11.2 schemas (fastavro)",
        "",
        "Generated; do not edit by hand. Needs the reference folder (`../shared/reference` or",
        "`$OPENEDX_EVENTS_REFERENCE`):",
        "",
        "```sh",
        "PY=$(scripts/python-env | tail -1)",
        f"\"$PY\" {SCRIPT_PATH}",
        "```",
        "",
        "`--check` compares instead of writing (exit status 1 on any difference); without the",
        "reference folder it prints a note and exits 0.",
        "",
        f"Generator: fastavro.schemaless_writer, {', '.join(f'{k} {v}' for k, v in versions.items())};",
        f"schemas and data classes of {source}.",
        "",
        f"{len(covered)} event types, {n_cases} cases: the events openedx-events 11.2 serializes",
        "that openedx-events 10.5.0 does not define or cannot serialize (see `README.md`),",
        "so the library itself did not write these bytes:",
        "",
        "| event type | cases |",
        "| --- | --- |",
    ]
    for event_type, cases in covered:
        lines.append(f"| `{event_type}` | {len(cases)} |")
    lines += [
        "",
        "## How they are made",
        "",
        "- The payloads are built by `golden_vectors.py`'s `PayloadBuilder` (same cases, same",
        "  values, a different seed) on attrs classes made from the data classes of",
        "  `catalog.json` (field order, types, `None` defaults).",
        "- `data` is the Avro datum `AvroSignalSerializer.to_dict` gives: datetimes as",
        "  `isoformat()`, opaque keys as `str(key)`, UUIDs as `str(uuid)` (lower-case,",
        "  hyphenated), map keys sorted (it goes through `json.dumps(sort_keys=True)`).",
        "- `avro_hex` is what `fastavro.schemaless_writer` writes for `data` with the 11.2 schema,",
        "  the `schema` field (the `.avsc` file as is).",
        "- Checked for every case: fastavro reads the bytes back to exactly `data` and re-encodes",
        "  them to the same bytes, and the schema's fields are the catalog's (names, order,",
        "  `[\"null\", T]` with a `null` default exactly for the fields that default to None).",
        "",
        "Same file format as the openedx-events 10.5.0 vectors (`README.md`), except that",
        "`generator.source` says where the bytes come from and `generator.schema` names the",
        "schema file, and there is no `python_decoded`: openedx-events' own decoder is not run.",
        "The `falsy_optionals` cases hold falsy optional values, which openedx-events' decoder",
        "would turn into None; the bytes hold the values.",
        "",
    ]
    return "\n".join(lines)


def owned_files(out):
    """The files of `out` this script wrote (by `generator.script`), and its README."""
    owned = set()
    for path in out.glob("*.json"):
        try:
            script = json.loads(path.read_text(encoding="utf-8")).get("generator", {}).get("script")
        except (ValueError, AttributeError):
            continue
        if script == SCRIPT_PATH:
            owned.add(path.name)
    if (out / README_NAME).exists():
        owned.add(README_NAME)
    return owned


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--out", type=Path, default=gv.DEFAULT_OUT, help="output directory")
    parser.add_argument("--check", action="store_true",
                        help="do not write; exit 1 if the files in --out differ")
    args = parser.parse_args(argv)

    reference = catalog_types.reference_dir()
    if reference is None:
        print(f"note: {SCRIPT_PATH}: no reference folder (../shared/reference or "
              f"${catalog_types.REFERENCE_ENV}); the committed vectors in {args.out} "
              f"{'are not checked' if args.check else 'cannot be generated'}")
        return 0 if args.check else 1

    files, covered = generate(reference)
    out = args.out
    stale = sorted(owned_files(out) - set(files))
    clashes = sorted(name for name in files
                     if (out / name).exists() and name not in owned_files(out))
    if clashes:
        print(f"error: files written by another generator: {clashes}", file=sys.stderr)
        return 1

    if args.check:
        differing = [n for n, text in sorted(files.items())
                     if not (out / n).exists() or (out / n).read_text(encoding="utf-8") != text]
        for name in differing + stale:
            print(f"differs: {out / name}", file=sys.stderr)
        if differing or stale:
            return 1
    else:
        out.mkdir(parents=True, exist_ok=True)
        for name in stale:
            (out / name).unlink()
        for name, text in sorted(files.items()):
            path = out / name
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                path.write_text(text, encoding="utf-8")

    print(f"covered: {len(covered)} event types, {sum(len(c) for _, c in covered)} cases "
          "(fastavro, openedx-events 11.2 schemas)")
    for event_type, cases in covered:
        print(f"  {event_type}: {len(cases)} cases")
    return 0


if __name__ == "__main__":
    sys.exit(main())
