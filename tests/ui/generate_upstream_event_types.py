#!/usr/bin/env python3
"""Writes tests/tests/upstream_event_types.rs from the upstream catalog.

The catalog (catalog.json: every event of openedx-events with its type, constant name, data
keys, key field, trigger repository and warnings, and every data class with its fields) is
reference data kept outside this repository. The generated Rust file is checked in, so the
test builds and runs without it; run this script again when the catalog changes:

    python3 tests/ui/generate_upstream_event_types.py [--catalog PATH] [--out PATH]

Each event becomes one `#[open_edx_event]` with the upstream type, the upstream name (given
with `name = ...` only where it differs from the derived one) and a minimal payload: each data
class becomes an `#[event_data]` struct holding only the fields that the upstream key fields
go through, or else its first plain field. The full payloads live in events-catalog; this test
is about the type grammar, the name rules and the registry accepting every upstream event.
"""

import argparse
import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DEFAULT_CATALOG = REPO.parent / "shared" / "reference" / "catalog.json"
DEFAULT_OUT = REPO / "tests" / "tests" / "upstream_event_types.rs"

LEGACY_UNVERSIONED = {
    "org.openedx.authz.role_assignment.created",
    "org.openedx.authz.role_assignment.deleted",
}

# Opaque keys travel as their canonical text; this test holds them as `String` so that it does
# not depend on the key types, which have tests of their own.
SCALARS = {
    "str": "String",
    "int": "i64",
    "bool": "bool",
    "float": "f64",
    "datetime": "DateTime<Utc>",
    "UUID": "Uuid",
    "CourseKey": "String",
    "UsageKey": "String",
    "LibraryLocatorV2": "String",
    "LibraryUsageLocatorV2": "String",
    "LibraryCollectionLocator": "String",
    "LibraryContainerLocator": "String",
    "CCXLocator": "String",
}


def derived_name(event_type, subdomain):
    """The signal name the macro derives from an event type."""
    segments = event_type.split(".")
    after = segments[segments.index(subdomain, 2) + 1 :]
    major = None
    last = after[-1]
    if last.startswith("v") and last[1:].isdigit():
        major = int(last[1:])
        after = after[:-1]
    name = "_".join(after).upper().replace("-", "_")
    if major is not None and major > 1:
        name += f"_V{major}"
    return name


def camel(screaming):
    return "".join(word.capitalize() for word in screaming.split("_"))


def rust_str(text):
    return json.dumps(text, ensure_ascii=False)


class Catalog:
    def __init__(self, data):
        self.events = data["events"]
        self.classes = data["data_classes"]
        # class key -> ordered set of field names the minimal struct keeps
        self.kept = {}
        self.key_fields = {}
        for event in self.events:
            if self.resolves(event):
                self.key_fields[event["event_type"]] = event["key_field"]
                self.keep_path(event)
        for event in self.events:
            for class_key in event["data"].values():
                self.keep_something(class_key)

    def nested_class(self, class_key, type_name):
        """The class key a field type names, preferring the module of `class_key`."""
        module = class_key.split(".")[0]
        if f"{module}.{type_name}" in self.classes:
            return f"{module}.{type_name}"
        matches = [key for key in self.classes if key.split(".")[1] == type_name]
        return matches[0] if len(matches) == 1 else None

    def field(self, class_key, name):
        for field in self.classes[class_key]["fields"]:
            if field["name"] == name:
                return field
        return None

    def resolves(self, event):
        """Whether the upstream key field is a path through the event's data to a scalar."""
        path = event["key_field"]
        if not path:
            return False
        first, *rest = path.split(".")
        class_key = event["data"].get(first)
        if class_key is None:
            return False
        for i, segment in enumerate(rest):
            field = self.field(class_key, segment)
            if field is None or field["default"] != "required":
                return False
            nested = self.nested_class(class_key, field["type"])
            last = i == len(rest) - 1
            if last:
                return nested is None and field["type"] in SCALARS
            if nested is None:
                return False
            class_key = nested
        return False

    def keep(self, class_key, name):
        self.kept.setdefault(class_key, [])
        if name not in self.kept[class_key]:
            self.kept[class_key].append(name)

    def keep_path(self, event):
        first, *rest = event["key_field"].split(".")
        class_key = event["data"][first]
        for segment in rest:
            self.keep(class_key, segment)
            field = self.field(class_key, segment)
            class_key = self.nested_class(class_key, field["type"]) or class_key

    def keep_something(self, class_key):
        if self.kept.get(class_key):
            return
        for field in self.classes[class_key]["fields"]:
            if field["type"] in SCALARS:
                self.keep(class_key, field["name"])
                return
        sys.exit(f"{class_key} has no plain field to keep")

    def rust_type(self, class_key, field):
        nested = self.nested_class(class_key, field["type"])
        if nested is not None:
            ty = self.struct_path(nested, class_key.split(".")[0])
        else:
            ty = SCALARS[field["type"]]
        if field["default"] == "optional (None)":
            ty = f"Option<{ty}>"
        return ty

    def struct_path(self, class_key, from_module):
        module, name = class_key.split(".")
        return name if module == from_module else f"super::{module}::{name}"


def field_option(field):
    default = field["default"]
    if default == "default: True":
        return "#[event_data(default = true)]"
    if default in ("default: False", "default: ''", "default: 0"):
        return "#[event_data(default)]"
    return None


def generate(data, catalog_label):
    catalog = Catalog(data)
    lines = [
        "//! Every event of the upstream Python library, defined with `#[open_edx_event]` and found",
        "//! through the registry: the macros accept every upstream event type and name, and derive",
        "//! the same names and subdomains.",
        "//!",
        "//! Generated by `tests/ui/generate_upstream_event_types.py` from the upstream catalog",
        f"//! ({catalog_label}); do not edit by hand, run the script again.",
        "//!",
        "//! Payloads are minimal stand-ins for the upstream data classes: each keeps only the fields",
        "//! that key fields go through, or else its first plain field (opaque keys are held as",
        "//! `String`). Upstream declares four key fields that do not resolve through the event's own",
        "//! data (`org.openedx.authz.role_assignment.created` and `.deleted` declare",
        "//! `user.pii.username` but carry `role_assignment`;",
        "//! `content_authoring.course.import.completed.v1` and `course.rerun.completed.v1` declare",
        "//! `catalog_info.course_key` but carry `course`). The compile-time key field check rejects",
        "//! those, as it should, so those four events are defined here without `key_field`; every",
        "//! other upstream key field is kept and checked.",
        "",
        "// The builder setter generated for an `is_*` field takes the builder by value, which this",
        "// lint takes for a misnamed conversion.",
        "#![allow(clippy::wrong_self_convention)]",
        "",
        "use events_core::prelude::*;",
        "use events_core::registry::{all_events, get_signal_by_type};",
        "",
    ]
    class_modules = sorted({key.split(".")[0] for key in catalog.kept})
    event_modules = sorted({event["subdomain"] for event in data["events"]})
    used_names = {key.split(".")[1] for key in catalog.kept}
    expected = []
    for module in sorted(set(class_modules) | set(event_modules)):
        lines.append(f"/// Upstream `openedx_events.{module}`.")
        lines.append(f"mod {module} {{")
        lines.append("    #[allow(unused_imports)]")
        lines.append("    use super::*;")
        for class_key in sorted(key for key in catalog.kept if key.split(".")[0] == module):
            name = class_key.split(".")[1]
            lines.append("")
            lines.append(f"    /// Minimal stand-in for upstream `{class_key}`.")
            lines.append("    #[event_data]")
            lines.append(f"    pub(crate) struct {name} {{")
            for field_name in catalog.kept[class_key]:
                field = catalog.field(class_key, field_name)
                lines.append(f"        /// Upstream field `{field_name}` (`{field['type']}`, {field['default']}).")
                option = field_option(field)
                if option:
                    lines.append(f"        {option}")
                lines.append(f"        {field_name}: {catalog.rust_type(class_key, field)},")
            lines.append("    }")
        for event in [e for e in data["events"] if e["subdomain"] == module]:
            event_type = event["event_type"]
            name = event["event_name"]
            struct = camel(name)
            if struct in used_names:
                struct += "Event"
            args = [f"type = {rust_str(event_type)}"]
            if name != derived_name(event_type, event["subdomain"]):
                args.append(f"name = {rust_str(name)}")
            key_field = catalog.key_fields.get(event_type)
            if key_field:
                args.append(f"key_field = {rust_str(key_field)}")
            if event["minor_version"]:
                args.append(f"minor_version = {event['minor_version']}")
            if event["trigger_repository"]:
                args.append(f"trigger_repository = {rust_str(event['trigger_repository'])}")
            if event["warnings"]:
                args.append(f"warning = {rust_str(event['warnings'])}")
            if not event["serializable"]:
                args.append('unserializable = "not serializable upstream"')
            if event_type in LEGACY_UNVERSIONED:
                args.append("legacy_unversioned")
            lines.append("")
            lines.append(f"    /// Upstream `{name}`.")
            lines.append("    #[open_edx_event(")
            # rustfmt's layout: one argument a line, no comma after the last.
            lines.extend(f"        {arg}," for arg in args[:-1])
            lines.append(f"        {args[-1]}")
            lines.append("    )]")
            lines.append(f"    pub(crate) struct {struct} {{")
            for data_key, class_key in event["data"].items():
                lines.append(f"        /// Upstream data key `{data_key}`.")
                if data_key.endswith("_data") or data_key.endswith("_payload"):
                    lines.append("        #[open_edx_event(legacy_data_key)]")
                lines.append(f"        {data_key}: {catalog.struct_path(class_key, module)},")
            lines.append("    }")
            expected.append((event_type, name, event["subdomain"], key_field, event))
        lines.append("}")
        lines.append("")

    lines.append("/// One upstream event as the registry should show it.")
    lines.append("struct Upstream {")
    lines.append("    event_type: &'static str,")
    lines.append("    name: &'static str,")
    lines.append("    subdomain: &'static str,")
    lines.append("    key_field: Option<&'static str>,")
    lines.append("    trigger_repository: Option<&'static str>,")
    lines.append("    has_warning: bool,")
    lines.append("    serializable: bool,")
    lines.append("}")
    lines.append("")
    lines.append(f"const UPSTREAM: [Upstream; {len(expected)}] = [")
    for event_type, name, subdomain, key_field, event in sorted(expected, key=lambda e: e[0]):
        lines.append("    Upstream {")
        lines.append(f"        event_type: {rust_str(event_type)},")
        lines.append(f"        name: {rust_str(name)},")
        lines.append(f"        subdomain: {rust_str(subdomain)},")
        lines.append(f"        key_field: {'Some(' + rust_str(key_field) + ')' if key_field else 'None'},")
        repository = event["trigger_repository"]
        lines.append(f"        trigger_repository: {'Some(' + rust_str(repository) + ')' if repository else 'None'},")
        lines.append(f"        has_warning: {'true' if event['warnings'] else 'false'},")
        lines.append(f"        serializable: {'true' if event['serializable'] else 'false'},")
        lines.append("    },")
    lines.append("];")
    lines.append("")
    lines.append(TESTS)
    return "\n".join(lines)


TESTS = """#[test]
fn the_registry_holds_exactly_the_upstream_event_types() {
    let registered: Vec<&str> = all_events().iter().map(|signal| signal.event_type()).collect();
    let upstream: Vec<&str> = UPSTREAM.iter().map(|event| event.event_type).collect();
    assert_eq!(registered, upstream);
}

#[test]
fn every_upstream_event_has_its_upstream_name_subdomain_and_annotations() {
    for upstream in &UPSTREAM {
        let event_type = upstream.event_type;
        let info = get_signal_by_type(event_type)
            .unwrap_or_else(|error| panic!("{event_type}: {error}"))
            .info();
        assert_eq!(info.name, upstream.name, "{event_type}");
        assert_eq!(info.subdomain, upstream.subdomain, "{event_type}");
        assert_eq!(info.key_field, upstream.key_field, "{event_type}");
        assert_eq!(info.trigger_repository, upstream.trigger_repository, "{event_type}");
        assert_eq!(!info.warnings.is_empty(), upstream.has_warning, "{event_type}");
        assert_eq!(info.is_serializable(), upstream.serializable, "{event_type}");
        assert_eq!(info.minor_version, 0, "{event_type}");
    }
}

#[test]
fn only_the_two_authz_role_assignment_types_are_unversioned() {
    let unversioned: Vec<&str> = all_events()
        .iter()
        .filter(|signal| signal.info().major_version.is_none())
        .map(|signal| signal.event_type())
        .collect();
    assert_eq!(
        unversioned,
        ["org.openedx.authz.role_assignment.created", "org.openedx.authz.role_assignment.deleted"]
    );
}

#[test]
fn every_standard_subdomain_has_events() {
    let subdomains: std::collections::BTreeSet<&str> =
        all_events().iter().map(|signal| signal.info().subdomain).collect();
    let expected = ["analytics", "authz", "content_authoring", "enterprise", "learning"];
    assert_eq!(subdomains, expected.into());
}
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--catalog", type=Path, default=DEFAULT_CATALOG)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    data = json.loads(args.catalog.read_text())
    label = data.get("source", "openedx-events")
    args.out.write_text(generate(data, label))
    # The layout is rustfmt's, so that `cargo fmt --check` accepts the checked-in file.
    try:
        subprocess.run(
            ["rustfmt", "--edition", "2024", "--config-path", str(REPO / "rustfmt.toml"), str(args.out)],
            check=True,
        )
    except FileNotFoundError:
        print("rustfmt not found: run `cargo fmt` before committing", file=sys.stderr)
    print(f"wrote {args.out} ({len(data['events'])} events)")


if __name__ == "__main__":
    main()
