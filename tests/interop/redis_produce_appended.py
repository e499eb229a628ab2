#!/usr/bin/env python3
"""
Publish XBLOCK_PUBLISHED events with the Python reference producer (edx-event-bus-redis) after
appending a field to XBlockData, as a newer openedx-events does when it adds an optional field
without raising the event's minorversion (XBlockData gained ``version`` that way).

The appended field, ``revision_note`` (a string with a default), is a real attrs field of a
subclass of XBlockData that the signal is given as its data class, so the Python serializer
derives the schema with the field appended and fastavro writes it after ``version``. Writes one
JSON object a line on stdout: ``{"metadata": <to_json() shape>, "data": <to_dict shape>}``.

Usage: redis_produce_appended.py --url redis://127.0.0.1:6379/0 --topic TOPIC --count N
"""
import argparse
import json
import sys

import attr

from redis_django import configure, data_dict, metadata_json


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--topic", required=True)
    parser.add_argument("--count", type=int, required=True)
    args = parser.parse_args()
    configure(args.url)

    # pylint: disable=import-outside-toplevel
    from edx_event_bus_redis.internal import producer as producer_module
    from opaque_keys.edx.keys import UsageKey
    from openedx_events.content_authoring.data import XBlockData
    from openedx_events.content_authoring.signals import XBLOCK_PUBLISHED

    @attr.s(frozen=True)
    class XBlockDataWithNote(XBlockData):
        """XBlockData of a newer producer: one more field, appended, with a default."""

        revision_note = attr.ib(type=str, default="", kw_only=True)

    XBLOCK_PUBLISHED.init_data = {"xblock_info": XBlockDataWithNote}

    failures = []
    producer_module.record_producing_error = lambda error, context: failures.append(f"{error!r} {context!r}")
    producer = producer_module.create_producer()
    for number in range(args.count):
        usage_key = UsageKey.from_string(f"block-v1:edX+DemoX+Demo_Course+type@html+block@note{number}")
        data = {"xblock_info": XBlockDataWithNote(usage_key=usage_key, block_type="html",
                                                  revision_note=f"revision {number}")}
        metadata = XBLOCK_PUBLISHED.generate_signal_metadata()
        producer.send(signal=XBLOCK_PUBLISHED, topic=args.topic, event_key_field="xblock_info.usage_key",
                      event_data=data, event_metadata=metadata)
        if failures:
            print(failures[-1], file=sys.stderr)
            return 1
        print(json.dumps({"metadata": metadata_json(metadata), "data": data_dict(XBLOCK_PUBLISHED, data)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
