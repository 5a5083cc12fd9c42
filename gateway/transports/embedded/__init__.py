"""The embedded queue manager: queues, channels and syncpoint in a SQL database (the single-machine
default). :class:`EmbeddedTransport` is the entry; the rest are its parts."""

from gateway.transports.embedded.transport import EmbeddedTransport

__all__ = ["EmbeddedTransport"]
