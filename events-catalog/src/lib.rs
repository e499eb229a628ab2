//! The standard Open edX events and the `openedx-events` command.
