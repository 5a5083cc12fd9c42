"""Choose and open the transport named by ``settings.transport.kind`` (an entry-point helper:
the adapters themselves never see Settings, each gets its own section).

Embedded: the gateway's queue manager (``transport.queue_manager``) lives in
``settings.embedded_transport_url`` (the application database unless set apart), the simulator's
(``transport.partner_queue_manager``) in ``simulator.database_url``. Opening one creates the
``mq_`` tables and its default objects if missing (idempotent, safe from several processes).
IBM MQ: a client connection with the ``[ibmmq]`` settings; objects come from ``mq_config/``.
"""

from __future__ import annotations

from typing import Any, Callable

from gateway.config import Settings
from gateway.transports.embedded.objects import QueueManagerDefinition
from gateway.transports.base import QueueAdmin, Transport, TransportError


def embedded_url(settings: Settings, queue_manager: str) -> str:
    """The database holding an embedded queue manager."""
    if queue_manager == settings.transport.partner_queue_manager:
        return settings.simulator.database_url
    return settings.embedded_transport_url


def open_transport(settings: Settings, queue_manager: str | None = None) -> Transport:
    """The transport for ``queue_manager`` (default: the gateway's)."""
    qm = queue_manager or settings.transport.queue_manager
    if settings.transport.kind == "ibmmq":
        from gateway.transports.ibmmq.transport import IbmMqTransport
        return IbmMqTransport(settings.ibmmq, queue_manager=qm)
    return open_embedded(settings, qm)


def open_admin(settings: Settings, queue_manager: str | None = None) -> QueueAdmin:
    """Queue and channel administration for ``queue_manager`` (default: the gateway's)."""
    qm = queue_manager or settings.transport.queue_manager
    if settings.transport.kind == "ibmmq":
        from gateway.transports.ibmmq.transport import IbmMqTransport
        from gateway.transports.ibmmq.admin import IbmMqQueueAdmin
        return IbmMqQueueAdmin(IbmMqTransport(settings.ibmmq, queue_manager=qm),
                               dead_letter_queue=settings.transport.dead_letter_queue)
    from gateway.transports.embedded.admin import EmbeddedQueueAdmin
    return EmbeddedQueueAdmin(open_embedded(settings, qm))


def open_embedded(settings: Settings, queue_manager: str, *,
                  clock: Callable[[], float] | None = None) -> Any:
    """An :class:`EmbeddedTransport` with its schema and default objects in place."""
    from gateway.transports.embedded.transport import EmbeddedTransport
    t = settings.transport
    extra: dict[str, Any] = {"clock": clock} if clock is not None else {}
    transport = EmbeddedTransport(
        embedded_url(settings, queue_manager), queue_manager,
        durable=t.embedded_durable,
        busy_timeout_ms=t.embedded_busy_timeout_ms, **extra)
    transport.ensure_schema()
    definition = default_definitions(settings).get(queue_manager)
    if definition is not None:
        transport.define(definition)
    return transport


def define_default_objects(settings: Settings) -> None:
    """Create the schema and default objects of both embedded queue managers (the gateway's
    and the simulator's); idempotent. ``etsgw demo`` and tests call it once up front."""
    for qm in (settings.transport.queue_manager, settings.transport.partner_queue_manager):
        open_embedded(settings, qm).close()


def open_channel_agent(settings: Settings, queue_manager: str | None = None, *,
                       clock: Callable[[], float] | None = None) -> Any:
    """The :class:`ChannelAgent` of ``queue_manager``'s sender channel (embedded only): the
    gateway's moves ``transport.transmission_queue`` to the simulator over
    ``transport.sender_channel``; the simulator's moves its own back over
    ``transport.receiver_channel``. Run it with ``run_forever(stop_event)``."""
    if settings.transport.kind != "embedded":
        raise TransportError("channel agents run only for the embedded transport; on IBM MQ "
                             "the channel initiator moves the messages")
    from gateway.transports.embedded.channels import ChannelAgent

    t = settings.transport
    qm = queue_manager or t.queue_manager
    if qm == t.queue_manager:
        partner, channel = t.partner_queue_manager, t.sender_channel
    elif qm == t.partner_queue_manager:
        partner, channel = t.queue_manager, t.receiver_channel
    else:
        raise TransportError(f"no default channel for queue manager {qm}")
    return ChannelAgent(open_embedded(settings, qm, clock=clock), channel,
                        open_embedded(settings, partner, clock=clock),
                        batch_size=t.channel_batch_size,
                        retry_interval_s=t.channel_retry_interval_s)


def default_definitions(settings: Settings) -> dict[str, QueueManagerDefinition]:
    """The gateway's queue manager and the simulator's, by name (ets-interface §2.1)."""
    t = settings.transport
    gw_qm, ets_qm = t.queue_manager, t.partner_queue_manager
    threshold = t.backout_threshold
    depth = t.max_queue_depth
    xmit_depth = t.xmitq_max_depth
    disc = float(t.channel_disconnect_s)
    ets_xmitq = f"{gw_qm}.XMITQ"
    out_queues = (settings.online_out_queue, settings.batch_out_queue)
    in_queues = (t.online_in, t.batch_in)

    gateway = QueueManagerDefinition(gw_qm, dead_letter_queue=t.dead_letter_queue)
    simulator = QueueManagerDefinition(ets_qm, dead_letter_queue=t.dead_letter_queue)
    for name in out_queues:
        gateway = gateway.with_backout(name, threshold, max_depth=depth)
        simulator = simulator.remote(name, name, gw_qm, ets_xmitq)
    for name in in_queues:
        simulator = simulator.with_backout(name, threshold, max_depth=depth)
        gateway = gateway.remote(name, name, ets_qm, t.transmission_queue)
    gateway = (gateway.transmission(t.transmission_queue, xmit_depth)
               .sender(t.sender_channel, t.transmission_queue, ets_qm, disc)
               .receiver(t.receiver_channel, ets_qm))
    simulator = (simulator.transmission(ets_xmitq, xmit_depth)
                 .sender(t.receiver_channel, ets_xmitq, gw_qm, disc)
                 .receiver(t.sender_channel, gw_qm))
    return {gw_qm: gateway, ets_qm: simulator}
