"""The wire edge: between the use cases' ports and the codec and persistence adapters.

Outbound, :mod:`gateway.wire.messenger` implements the services' ``Messenger`` port by writing the
outbox; inbound, :mod:`gateway.wire.inbound` decodes, de-duplicates, cross-checks and refuses;
:mod:`gateway.wire.registry` holds one entry per message number for both. It never touches a
transport: the runtime adds one.
"""
