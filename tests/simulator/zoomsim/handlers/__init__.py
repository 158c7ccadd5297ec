"""Importing this package registers every route (see zoomsim.routing)."""

from zoomsim.handlers import control, phone, scim, users  # noqa: F401  pylint: disable=unused-import
