"""
Minimal Django settings for running edx-event-bus-redis outside a Django project.

Shared by redis_produce.py, redis_consume.py and redis_bench.py. ``configure(url)`` must run
before anything from ``edx_event_bus_redis`` is imported: that package reads some settings at
import time.
"""
import json
import os

import django
from django.conf import settings


def configure(url, poll_timeout=1):
    """
    Configure Django for the event bus on Redis at ``url``.

    EVENT_BUS_TOPIC_PREFIX is taken from the environment, as the Rust side does.
    """
    if settings.configured:
        return
    settings.configure(
        INSTALLED_APPS=[],
        USE_TZ=True,
        EVENT_BUS_REDIS_CONNECTION_URL=url,
        EVENT_BUS_TOPIC_PREFIX=os.environ.get("EVENT_BUS_TOPIC_PREFIX") or None,
        # How long one blocking read waits (seconds); short, so that a stopped consumer exits soon.
        EVENT_BUS_REDIS_CONSUMER_POLL_TIMEOUT=poll_timeout,
        EVENT_BUS_REDIS_CONSUMER_POLL_FAILURE_SLEEP=0.1,
    )
    django.setup()


def metadata_json(metadata):
    """``EventsMetadata.to_json()`` as a JSON value."""
    return json.loads(metadata.to_json())


def data_dict(signal, event_data):
    """The payload in the shape of ``AvroSignalSerializer.to_dict``."""
    # pylint: disable=import-outside-toplevel
    from openedx_events.event_bus.avro.serializer import AvroSignalSerializer

    return AvroSignalSerializer(signal).to_dict(event_data)


def event_data_from_dict(signal, data):
    """The payload objects (attrs classes, keys, datetimes) from the ``to_dict`` shape."""
    # pylint: disable=import-outside-toplevel
    from openedx_events.event_bus.avro.deserializer import AvroSignalDeserializer

    return AvroSignalDeserializer(signal).from_dict(data)
