"""The IBM MQ client adapter. IBM's ``ibmmq`` package is imported lazily, on first connect
(:func:`gateway.transports.ibmmq.transport.load_mq_module`), so importing this package needs no MQ
library."""
