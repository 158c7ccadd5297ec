"""zoomsim: a stateful Zoom API simulator (OAuth, Users, SCIM2, Phone, Accounts) over real HTTP."""

__version__ = "0.1.0"
