#!/usr/bin/env python3
"""
Check that confluent-kafka's Schema Registry client works against a registry at URL.

Written for the test registry of this repository (``tests/schema-registry``, the
``schema-registry-stub`` binary), which implements only the part of the Confluent REST API that
the clients use: this script is the proof that the part is enough for confluent-kafka 2.16's
``SchemaRegistryClient`` with ``AvroSerializer`` and ``AvroDeserializer``. It checks that:

- a value (a record) and a key (a primitive schema) serialize with
  ``topic_record_subject_name_strategy``, registering their schemas (``POST .../versions``);
- the bytes are Confluent-framed: magic byte 0, then the registered schema id (4 bytes, big
  endian), then the Avro body;
- ``AvroDeserializer`` reads both back (``GET /schemas/ids/{id}``);
- serializers with ``auto.register.schemas`` off find the registered schemas by lookup
  (``POST /subjects/{subject}``) and with ``use.latest.version`` by the latest version
  (``GET /subjects/{subject}/versions/latest``), giving the same bytes.

It prints the subjects, the schema texts the registry holds for them, and the bytes in hex, and
exits 1 on the first check that fails. Needs a registry with no subjects yet.

Usage: schema_registry_check.py URL [--basic-auth user:password]
"""
import argparse
import sys

from confluent_kafka.schema_registry import SchemaRegistryClient, topic_record_subject_name_strategy
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
from confluent_kafka.serialization import MessageField, SerializationContext

TOPIC = "dev-topic"
VALUE_SCHEMA = (
    '{"type":"record","name":"CloudEvent","namespace":"org.openedx.test.v1","fields":'
    '[{"name":"thing","type":{"type":"record","name":"ThingData","fields":[{"name":"course_key","type":"string"}]}}]}'
)
KEY_SCHEMA = '{"name": "course_key", "type": "string"}'
VALUE = {"thing": {"course_key": "course-v1:a+b+c"}}
KEY = "course-v1:a+b+c"

# The subjects topic_record_subject_name_strategy gives: {topic}-{full record name}. For the key,
# fastavro parses a primitive to {"type": "string"}, dropping "name", so the client names it after
# its type.
VALUE_SUBJECT = "dev-topic-org.openedx.test.v1.CloudEvent"
KEY_SUBJECT = "dev-topic-string"


def check(condition, message):
    if not condition:
        print(f"FAILED: {message}", file=sys.stderr)
        sys.exit(1)


def framed_id(data):
    """The schema id of Confluent-framed bytes (magic byte 0, 4-byte big-endian id, body)."""
    check(len(data) > 5 and data[0] == 0, f"not Confluent-framed: {data.hex()}")
    return int.from_bytes(data[1:5], "big")


def serializers(client, **conf):
    conf = {"subject.name.strategy": topic_record_subject_name_strategy, **conf}
    return AvroSerializer(client, VALUE_SCHEMA, conf=conf), AvroSerializer(client, KEY_SCHEMA, conf=conf)


def main():
    parser = argparse.ArgumentParser(description=__doc__.strip().split("\n", maxsplit=1)[0])
    parser.add_argument("url")
    parser.add_argument("--basic-auth", metavar="USER:PASSWORD")
    args = parser.parse_args()

    def new_client():
        # A new client each time: each has its own cache, so every step asks the registry.
        conf = {"url": args.url}
        if args.basic_auth:
            conf["basic.auth.user.info"] = args.basic_auth
        return SchemaRegistryClient(conf)

    value_ctx = SerializationContext(TOPIC, MessageField.VALUE)
    key_ctx = SerializationContext(TOPIC, MessageField.KEY)

    # Serialize, registering the schemas.
    client = new_client()
    value_serializer, key_serializer = serializers(client)
    value_bytes = value_serializer(VALUE, value_ctx)
    key_bytes = key_serializer(KEY, key_ctx)
    print(f"value bytes: {value_bytes.hex()}")
    print(f"key bytes: {key_bytes.hex()}")

    # Deserialize with other clients, which know no schema yet.
    check(AvroDeserializer(new_client())(value_bytes, value_ctx) == VALUE, "value round trip")
    check(AvroDeserializer(new_client())(key_bytes, key_ctx) == KEY, "key round trip")

    # What the registry holds.
    subjects = client.get_subjects()
    print(f"subjects: {subjects}")
    check(subjects == sorted([VALUE_SUBJECT, KEY_SUBJECT]), f"subjects {subjects}")
    for name, subject, data, schema_text in [
        ("value", VALUE_SUBJECT, value_bytes, VALUE_SCHEMA),
        ("key", KEY_SUBJECT, key_bytes, KEY_SCHEMA),
    ]:
        latest = client.get_latest_version(subject)
        print(f"{name} subject {subject!r}: id {latest.schema_id}, version {latest.version}")
        print(f"{name} schema: {latest.schema.schema_str}")
        check(latest.schema.schema_str == schema_text, f"{name} schema text as registered")
        check(framed_id(data) == latest.schema_id, f"{name} bytes framed with schema id {latest.schema_id}")

    # Without registering: by lookup, then by latest version.
    for conf in [{"auto.register.schemas": False}, {"auto.register.schemas": False, "use.latest.version": True}]:
        value_serializer, key_serializer = serializers(new_client(), **conf)
        check(value_serializer(VALUE, value_ctx) == value_bytes, f"value bytes with {conf}")
        check(key_serializer(KEY, key_ctx) == key_bytes, f"key bytes with {conf}")

    print("ok")


if __name__ == "__main__":
    main()
