"""Operations monitoring: queue and channel rules over the ``QueueAdmin`` protocol, the
gateway's own health, server probes (psutil), alerts on state changes with their sinks, a small
history store and Prometheus exposition. Entry point: ``etsgw monitor`` (gateway.cli.monitor).

An adapter-level consumer: it reads the transports and the application database, never the
use cases, the wire edge or the runtime (an import-linter contract), and never imports Flask.
"""
