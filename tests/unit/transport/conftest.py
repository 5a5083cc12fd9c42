"""A Fake of IBM's ``ibmmq`` module: the MQI classes the IBM MQ transport uses, over an
in-memory queue manager with units of work, backout counts and PCF replies. Constants carry
MQ's real values."""

from __future__ import annotations

import types
from collections import deque
from typing import Any

import pytest

CMQC = types.SimpleNamespace(
    MQCC_FAILED=2, MQMT_DATAGRAM=8, MQFMT_STRING=b"MQSTR   ", MQPER_PERSISTENT=1,
    MQEI_UNLIMITED=-1, MQPMO_SYNCPOINT=0x2, MQPMO_FAIL_IF_QUIESCING=0x2000, MQPMO_NEW_MSG_ID=0x40,
    MQGMO_WAIT=0x1, MQGMO_NO_WAIT=0x0, MQGMO_SYNCPOINT=0x2, MQGMO_BROWSE_FIRST=0x10,
    MQGMO_BROWSE_NEXT=0x20, MQGMO_FAIL_IF_QUIESCING=0x2000, MQGMO_CONVERT=0x4000,
    MQGMO_VERSION_2=2, MQMO_NONE=0, MQMO_MATCH_MSG_ID=1, MQMO_MATCH_CORREL_ID=2,
    MQOO_INPUT_AS_Q_DEF=0x1, MQOO_BROWSE=0x8, MQOO_OUTPUT=0x10, MQOO_INQUIRE=0x20,
    MQOO_FAIL_IF_QUIESCING=0x2000, MQCNO_CLIENT_BINDING=0x800, MQCNO_RECONNECT=0x1000000,
    MQIA_CURRENT_Q_DEPTH=3, MQIA_USAGE=12, MQIA_MAX_Q_DEPTH=15, MQIA_Q_TYPE=20,
    MQIA_BACKOUT_THRESHOLD=22, MQCA_DEAD_LETTER_Q_NAME=2006, MQCA_Q_NAME=2016,
    MQCA_BACKOUT_REQ_Q_NAME=2019, MQQT_LOCAL=1, MQQT_MODEL=2, MQQT_ALIAS=3, MQQT_REMOTE=6,
    MQQT_ALL=1001, MQUS_NORMAL=0, MQUS_TRANSMISSION=1, MQRC_NO_MSG_AVAILABLE=2033)
CMQXC = types.SimpleNamespace(MQCHT_SENDER=1, MQCHT_SERVER=2, MQCHT_RECEIVER=3,
                              MQCHT_REQUESTER=4, MQCHT_CLNTCONN=6, MQCHT_SVRCONN=7, MQXPT_TCP=2)
CMQCFC = types.SimpleNamespace(
    MQCACH_CHANNEL_NAME=3501, MQCACH_XMIT_Q_NAME=3505, MQCACH_CONNECTION_NAME=3506,
    MQIACH_CHANNEL_TYPE=1511, MQIACH_CHANNEL_STATUS=1527, MQIACF_Q_ATTRS=1002, MQIACF_ALL=1009,
    MQIACF_CHANNEL_ATTRS=1015, MQCHS_INACTIVE=0, MQCHS_BINDING=1, MQCHS_STARTING=2,
    MQCHS_RUNNING=3, MQCHS_STOPPING=4, MQCHS_RETRYING=5, MQCHS_STOPPED=6, MQCHS_REQUESTING=7,
    MQCHS_PAUSED=8, MQCHS_DISCONNECTED=9, MQCHS_INITIALIZING=13, MQCHS_SWITCHING=14)


class FakeMQMIError(Exception):
    def __init__(self, comp: int, reason: int) -> None:
        super().__init__(f"MQI Error. Comp: {comp}, Reason {reason}")
        self.comp, self.reason = comp, reason


class _Struct:
    defaults: dict[str, Any] = {}

    def __init__(self, **kw: Any) -> None:
        for key, value in {**self.defaults, **kw}.items():
            setattr(self, key, value)


class FakeMD(_Struct):
    defaults = {"MsgId": b"\0" * 24, "CorrelId": b"\0" * 24, "Format": b" " * 8,
                "CodedCharSetId": 0, "BackoutCount": 0, "MsgType": 8, "Persistence": 2,
                "Expiry": -1, "ReplyToQ": b"", "PutDate": b"20250102", "PutTime": b"03040506"}


class FakeGMO(_Struct):
    defaults = {"Version": 1, "Options": 0, "WaitInterval": 0, "MatchOptions": 3}


class FakePMO(_Struct):
    defaults = {"Options": 0}


class FakeCD(_Struct):
    defaults = {"SSLCipherSpec": b""}


class FakeSCO(_Struct):
    pass


class FakeCSP(_Struct):
    pass


class FakeServer:
    """The queue manager behind the Fake: queues, their attributes, failures to inject."""

    def __init__(self) -> None:
        self.queues: dict[str, deque] = {}
        self.attrs: dict[str, dict[int, Any]] = {}
        self.dead_letter_queue = b"SYSTEM.DEAD.LETTER.QUEUE" + b" " * 24
        self.connects: list[dict[str, Any]] = []
        self.fail_connects: list[int] = []  # reasons for the next connects
        self.fail_next_get: int | None = None
        self.pcf_replies: dict[str, Any] = {}
        self.pcf_calls: list[tuple[str, dict]] = []
        self.gmos: list[FakeGMO] = []

    def define(self, name: str, threshold: int = 0, boq: str = "") -> None:
        self.queues[name] = deque()
        self.attrs[name] = {CMQC.MQIA_BACKOUT_THRESHOLD: threshold,
                            CMQC.MQCA_BACKOUT_REQ_Q_NAME: boq.encode().ljust(48)}


class FakeQueueManager:
    server: FakeServer

    def __init__(self, name: Any = None) -> None:
        self.uow_gets: list[tuple[str, dict, bytes]] = []
        self.uow_puts: list[tuple[str, dict, bytes]] = []
        self.connected = False

    def connect_with_options(self, name: Any, **kwargs: Any) -> None:
        self.server.connects.append({"name": name, **kwargs})
        if self.server.fail_connects:
            raise FakeMQMIError(2, self.server.fail_connects.pop(0))
        self.connected = True

    def disconnect(self) -> None:
        self.connected = False

    def inquire(self, selector: int) -> Any:
        assert selector == CMQC.MQCA_DEAD_LETTER_Q_NAME
        return self.server.dead_letter_queue

    def put1(self, name: Any, body: bytes, md: FakeMD, pmo: FakePMO) -> None:
        FakeQueue(self, name, CMQC.MQOO_OUTPUT).put(body, md, pmo)

    def commit(self) -> None:
        for queue, fields, body in self.uow_puts:
            self.server.queues[queue].append((fields, body))
        self.uow_gets, self.uow_puts = [], []

    def backout(self) -> None:
        for queue, fields, body in reversed(self.uow_gets):
            fields["BackoutCount"] += 1
            self.server.queues[queue].appendleft((fields, body))
        self.uow_gets, self.uow_puts = [], []


class FakeQueue:
    def __init__(self, qmgr: FakeQueueManager, name: Any, options: int) -> None:
        self.qmgr, self.options = qmgr, options
        self.name = name.decode() if isinstance(name, bytes) else name.strip()
        if self.name not in qmgr.server.queues:
            raise FakeMQMIError(2, 2085)
        self.cursor = 0

    def put(self, body: bytes, md: FakeMD, pmo: FakePMO) -> None:
        fields = {k: getattr(md, k) for k in FakeMD.defaults}
        fields["BackoutCount"] = 0
        if pmo.Options & CMQC.MQPMO_SYNCPOINT:
            self.qmgr.uow_puts.append((self.name, fields, body))
        else:
            self.qmgr.server.queues[self.name].append((fields, body))

    def get(self, max_length: Any, md: FakeMD, gmo: FakeGMO) -> bytes:
        server = self.qmgr.server
        server.gmos.append(gmo)
        if server.fail_next_get is not None:
            reason, server.fail_next_get = server.fail_next_get, None
            raise FakeMQMIError(2, reason)
        queue = server.queues[self.name]
        browsing = gmo.Options & (CMQC.MQGMO_BROWSE_FIRST | CMQC.MQGMO_BROWSE_NEXT)
        if gmo.Options & CMQC.MQGMO_BROWSE_FIRST:
            self.cursor = 0
        start = self.cursor if browsing else 0
        for index in range(start, len(queue)):
            fields, body = queue[index]
            if gmo.MatchOptions & CMQC.MQMO_MATCH_CORREL_ID and fields["CorrelId"] != md.CorrelId:
                continue
            for key, value in fields.items():
                setattr(md, key, value)
            if browsing:
                self.cursor = index + 1
            else:
                del queue[index]
                self.qmgr.uow_gets.append((self.name, fields, body))
            return body
        raise FakeMQMIError(2, 2033)

    def inquire(self, selector: int) -> Any:
        return self.qmgr.server.attrs[self.name][selector]

    def close(self) -> None:
        pass


class FakePCFExecute:
    server: FakeServer

    def __init__(self, qmgr: FakeQueueManager) -> None:
        self.qmgr = qmgr

    def __getattr__(self, command: str) -> Any:
        def call(args: dict) -> Any:
            self.server.pcf_calls.append((command, args))
            reply = self.server.pcf_replies.get(command, [])
            if isinstance(reply, Exception):
                raise reply
            return reply
        return call


def make_fake_mq() -> types.SimpleNamespace:
    server = FakeServer()
    qm_cls = type("FakeQueueManager", (FakeQueueManager,), {"server": server})
    pcf_cls = type("FakePCFExecute", (FakePCFExecute,), {"server": server})
    return types.SimpleNamespace(
        __name__="fake_ibmmq", CMQC=CMQC, CMQXC=CMQXC, CMQCFC=CMQCFC, MD=FakeMD, GMO=FakeGMO,
        PMO=FakePMO, CD=FakeCD, SCO=FakeSCO, CSP=FakeCSP, QueueManager=qm_cls, Queue=FakeQueue,
        PCFExecute=pcf_cls, MQMIError=FakeMQMIError, server=server)


@pytest.fixture
def fake_mq() -> types.SimpleNamespace:
    return make_fake_mq()
