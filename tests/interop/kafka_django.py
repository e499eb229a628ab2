"""
Minimal Django settings for running edx-event-bus-kafka outside a Django project.

Shared by kafka_produce.py and kafka_consume.py. ``configure(servers, registry)`` must run
before anything from ``edx_event_bus_kafka`` is imported.
"""
import os

import django
from django.conf import settings


def configure(bootstrap_servers, schema_registry_url):
    """
    Configure Django for the event bus on Kafka at ``bootstrap_servers`` with the schema
    registry at ``schema_registry_url``.

    EVENT_BUS_TOPIC_PREFIX is taken from the environment, as the Rust side does.
    """
    if settings.configured:
        return
    settings.configure(
        INSTALLED_APPS=[],
        USE_TZ=True,
        EVENT_BUS_KAFKA_BOOTSTRAP_SERVERS=bootstrap_servers,
        EVENT_BUS_KAFKA_SCHEMA_REGISTRY_URL=schema_registry_url,
        EVENT_BUS_TOPIC_PREFIX=os.environ.get("EVENT_BUS_TOPIC_PREFIX") or None,
        EVENT_BUS_KAFKA_CONSUMER_POLL_TIMEOUT=0.5,
        EVENT_BUS_KAFKA_CONSUMER_POLL_FAILURE_SLEEP=0.1,
    )
    django.setup()
