#!/usr/bin/env python3
"""
Publish enrollment events written with other versions of their schema, as another producer
would: the Python stack registers the writer's schema (confluent-kafka's AvroSerializer, with
edx-event-bus-kafka's subject strategy and headers) and frames the value with its id.

Reads the payloads (``to_dict`` shape of org.openedx.learning.course.enrollment.created.v1) one
a line on stdin and publishes each three times, written with:

- ``added``: a newer schema whose ``CourseData`` gained ``language`` (a string defaulting to
  "en") between ``display_name`` and ``start``; the value written is "fr";
- ``removed``: an older schema without ``CourseData.start`` (which ours defaults to null);
- ``incompatible``: a schema whose ``CourseData.display_name`` is an int.

Writes one JSON object a line on stdout: ``{"variant": ..., "metadata": <to_json() shape>,
"data": <what a reader with our schema must see>}``.

Usage: kafka_produce_evolved.py --bootstrap-servers HOST:PORT --schema-registry-url URL --topic T < payloads.jsonl
"""
import argparse
import copy
import json
import sys

from kafka_django import configure


def course_fields(schema):
    """The field list of the CourseData record inside the enrollment schema."""
    enrollment = schema["fields"][0]["type"]
    course = next(field for field in enrollment["fields"] if field["name"] == "course")
    return course["type"]["fields"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--bootstrap-servers", required=True)
    parser.add_argument("--schema-registry-url", required=True)
    parser.add_argument("--topic", required=True)
    args = parser.parse_args()
    configure(args.bootstrap_servers, args.schema_registry_url)

    # pylint: disable=import-outside-toplevel
    from confluent_kafka import Producer
    from confluent_kafka.schema_registry import topic_record_subject_name_strategy
    from confluent_kafka.schema_registry.avro import AvroSerializer
    from confluent_kafka.serialization import MessageField, SerializationContext
    from edx_event_bus_kafka.internal.config import get_full_topic, get_schema_registry_client
    from edx_event_bus_kafka.internal.utils import _get_headers_from_metadata
    from openedx_events.event_bus.avro.schema import schema_from_signal
    from openedx_events.tooling import OpenEdxPublicSignal, load_all_signals

    load_all_signals()
    signal = OpenEdxPublicSignal.get_signal_by_type("org.openedx.learning.course.enrollment.created.v1")
    ours = schema_from_signal(signal)

    added = copy.deepcopy(ours)
    fields = course_fields(added)
    fields.insert(2, {"name": "language", "type": "string", "default": "en"})
    removed = copy.deepcopy(ours)
    course_fields(removed)[:] = [field for field in course_fields(removed) if field["name"] != "start"]
    incompatible = copy.deepcopy(ours)
    next(field for field in course_fields(incompatible) if field["name"] == "display_name")["type"] = "int"

    client = get_schema_registry_client()
    conf = {"subject.name.strategy": topic_record_subject_name_strategy}
    full_topic = get_full_topic(args.topic)
    producer = Producer({"bootstrap.servers": args.bootstrap_servers})
    failures = []

    def on_delivery(error, _message):
        if error is not None:
            failures.append(str(error))

    out = []
    for line in sys.stdin:
        if not line.strip():
            continue
        data = json.loads(line)
        for variant, schema in [("added", added), ("removed", removed), ("incompatible", incompatible)]:
            written = copy.deepcopy(data)
            course = written["enrollment"]["course"]
            expected = copy.deepcopy(data)
            if variant == "added":
                course["language"] = "fr"
            elif variant == "removed":
                del course["start"]
                expected["enrollment"]["course"]["start"] = None
            else:
                course["display_name"] = 7
            serializer = AvroSerializer(client, json.dumps(schema), conf=conf)
            metadata = signal.generate_signal_metadata()
            headers = _get_headers_from_metadata(metadata)
            value = serializer(written, SerializationContext(full_topic, MessageField.VALUE, headers))
            producer.produce(full_topic, value=value, headers=headers, on_delivery=on_delivery)
            out.append({"variant": variant, "metadata": json.loads(metadata.to_json()), "data": expected})
    producer.flush(30)
    for event in out:
        print(json.dumps(event, sort_keys=True), flush=True)
    if failures:
        print("\n".join(failures), file=sys.stderr)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
