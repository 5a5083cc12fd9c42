"""The IBM MQ transport against a Fake ``ibmmq`` module: MQMD/GMO building, reason codes,
connection options, backout handling and the PCF status mapping."""

from __future__ import annotations

import sys

import pytest

from gateway.config import Settings
from gateway.transports.base import (REQUEST_CORREL_ID, ChannelNotFound, ConnectionBroken,
                                     QueueFull, QueueNotFound, TransportError, msg_id_from_digits)
from gateway.transports.ibmmq.transport import IbmMqTransport
from gateway.transports.ibmmq.admin import IbmMqQueueAdmin, channel_infos, channel_status
from gateway.transports.ibmmq.mqi import (connect_options, get_gmo, get_md, map_error, put_md,
                                          put_pmo)
from gateway.transports.retry import retrying

from .conftest import CMQC, CMQCFC, CMQXC, FakeMQMIError

MSG = msg_id_from_digits("20250102030405000001")
OTHER = msg_id_from_digits("20250102030405000002")


def transport(fake_mq, **ibmmq):
    settings = Settings().replace(transport={"kind": "ibmmq"}, ibmmq=ibmmq) if ibmmq else \
        Settings().replace(transport={"kind": "ibmmq"})
    return IbmMqTransport(settings.ibmmq, queue_manager=settings.transport.queue_manager, mq=fake_mq,
                          retry_policy=retrying(attempts=3, sleep=lambda _s: None))


def test_ibmmq_is_not_imported_with_the_transport_modules() -> None:
    assert "ibmmq" not in sys.modules and "pymqi" not in sys.modules


def test_put_md_follows_the_interface(fake_mq) -> None:
    md = put_md(fake_mq, msg_id=MSG, correl_id=REQUEST_CORREL_ID, ccsid=5488)
    assert md.MsgType == 8 and md.Format == b"MQSTR   " and md.CodedCharSetId == 5488
    assert md.MsgId == MSG and md.CorrelId == REQUEST_CORREL_ID
    assert md.Persistence == CMQC.MQPER_PERSISTENT and md.Expiry == CMQC.MQEI_UNLIMITED
    assert md.ReplyToQ == b""
    pmo = put_pmo(fake_mq)
    assert pmo.Options & CMQC.MQPMO_SYNCPOINT and not pmo.Options & CMQC.MQPMO_NEW_MSG_ID
    with pytest.raises(ValueError):
        put_md(fake_mq, msg_id=b"short", correl_id=REQUEST_CORREL_ID, ccsid=1386)


def test_get_options_syncpoint_no_convert_and_correl_match(fake_mq) -> None:
    gmo = get_gmo(fake_mq, wait_s=1.5, correl_id=MSG)
    assert gmo.Options & CMQC.MQGMO_SYNCPOINT and gmo.Options & CMQC.MQGMO_WAIT
    assert not gmo.Options & CMQC.MQGMO_CONVERT
    assert gmo.WaitInterval == 1500 and gmo.Version == 2
    assert gmo.MatchOptions == CMQC.MQMO_MATCH_CORREL_ID
    plain = get_gmo(fake_mq, wait_s=0, correl_id=None)
    assert plain.MatchOptions == CMQC.MQMO_NONE and not plain.Options & CMQC.MQGMO_WAIT
    assert get_gmo(fake_mq, wait_s=0, correl_id=None, convert=True).Options & CMQC.MQGMO_CONVERT
    assert get_md(fake_mq, MSG).CorrelId == MSG
    assert get_md(fake_mq) is not get_md(fake_mq)


@pytest.mark.parametrize("reason, error", [
    (2009, ConnectionBroken), (2019, ConnectionBroken), (2059, ConnectionBroken),
    (2538, ConnectionBroken), (2161, ConnectionBroken), (2085, QueueNotFound),
    (2053, QueueFull), (2035, TransportError)])
def test_reason_codes_map_to_transport_errors(reason: int, error: type) -> None:
    mapped = map_error(FakeMQMIError(2, reason), "put")
    assert type(mapped) is error and mapped.reason == reason
    assert mapped.retryable is (error is ConnectionBroken)


def test_client_connection_with_tls_credentials_and_reconnect(fake_mq) -> None:
    settings = Settings().replace(ibmmq={
        "host": "mq.example", "port": 1415, "channel": "TAX.SVRCONN",
        "cipher_spec": "TLS_AES_256_GCM_SHA384", "key_repository": "/etc/mq/key",
        "user": "etsgw", "password": "secret"})
    kw = connect_options(fake_mq, settings.ibmmq)
    cd = kw["cd"]
    assert (cd.ChannelName, cd.ConnectionName) == (b"TAX.SVRCONN", b"mq.example(1415)")
    assert cd.ChannelType == CMQXC.MQCHT_CLNTCONN and cd.TransportType == CMQXC.MQXPT_TCP
    assert cd.SSLCipherSpec == b"TLS_AES_256_GCM_SHA384"
    assert kw["sco"].KeyRepository == b"/etc/mq/key"
    assert (kw["csp"].CSPUserId, kw["csp"].CSPPassword) == ("etsgw", "secret")
    assert kw["opts"] & CMQC.MQCNO_RECONNECT and kw["opts"] & CMQC.MQCNO_CLIENT_BINDING
    bare = connect_options(fake_mq, Settings().replace(ibmmq={"reconnect": False}).ibmmq)
    assert "sco" not in bare and "csp" not in bare and not bare["opts"] & CMQC.MQCNO_RECONNECT


def test_put_get_commit_and_backout_under_syncpoint(fake_mq) -> None:
    fake_mq.server.define("IN")
    t = transport(fake_mq)
    with t.session() as s:
        s.put("IN", b"<a/>", msg_id=MSG, correl_id=REQUEST_CORREL_ID, ccsid=1386)
        assert not fake_mq.server.queues["IN"]  # not before commit
        s.commit()
    with t.session() as s:
        env = s.get("IN")
        assert env.body == b"<a/>" and env.msg_id == MSG and env.ccsid == 1386
        assert env.format == "MQSTR" and env.put_time.year == 2025
        s.backout()
        again = s.get("IN", wait_s=0.5)
        assert again.backout_count == 1
        s.commit()
        assert s.get("IN") is None  # 2033 is "empty", not an error
    assert not any(g.Options & CMQC.MQGMO_CONVERT for g in fake_mq.server.gmos)


def test_get_matches_correl_id(fake_mq) -> None:
    fake_mq.server.define("IN")
    t = transport(fake_mq)
    with t.session() as s:
        s.put("IN", b"1", msg_id=MSG, correl_id=REQUEST_CORREL_ID, ccsid=1386)
        s.put("IN", b"2", msg_id=OTHER, correl_id=MSG, ccsid=1386)
        s.commit()
        assert s.get("IN", correl_id=MSG).body == b"2"
        assert [e.msg_id for e in s.browse("IN", 10)] == [MSG]
        s.commit()


def test_message_at_backout_threshold_is_moved_to_backout_queue(fake_mq) -> None:
    fake_mq.server.define("IN", threshold=2, boq="IN.BACKOUT")
    fake_mq.server.define("IN.BACKOUT")
    t = transport(fake_mq)
    with t.session() as s:
        s.put("IN", b"poison", msg_id=MSG, correl_id=REQUEST_CORREL_ID, ccsid=1386)
        s.put("IN", b"good", msg_id=OTHER, correl_id=REQUEST_CORREL_ID, ccsid=1386)
        s.commit()
        for _ in range(2):
            assert s.get("IN").msg_id == MSG
            s.backout()
        assert s.get("IN").msg_id == OTHER  # the poison one was moved on the way
        s.commit()
    moved = fake_mq.server.queues["IN.BACKOUT"]
    assert [(fields["MsgId"], body) for fields, body in moved] == [(MSG, b"poison")]


def test_without_backout_queue_the_dead_letter_queue_takes_it(fake_mq) -> None:
    fake_mq.server.define("IN", threshold=1)
    fake_mq.server.define("SYSTEM.DEAD.LETTER.QUEUE")
    t = transport(fake_mq)
    with t.session() as s:
        s.put("IN", b"poison", msg_id=MSG, correl_id=REQUEST_CORREL_ID, ccsid=1386)
        s.commit()
        s.get("IN")
        s.backout()
        assert s.get("IN") is None
    assert len(fake_mq.server.queues["SYSTEM.DEAD.LETTER.QUEUE"]) == 1


def test_broken_connection_is_retryable_and_reconnects(fake_mq) -> None:
    fake_mq.server.define("IN")
    fake_mq.server.fail_connects = [2538]  # host not available, then fine
    t = transport(fake_mq)
    with t.session() as s:
        fake_mq.server.fail_next_get = 2009
        with pytest.raises(ConnectionBroken):
            s.get("IN")
        assert s.get("IN") is None
    assert len(fake_mq.server.connects) == 3  # failed, connected, reconnected after 2009
    with t.session() as s, pytest.raises(QueueNotFound):
        s.put("NOPE", b"x", msg_id=MSG, correl_id=REQUEST_CORREL_ID, ccsid=1386)


def test_one_session_per_thread(fake_mq) -> None:
    t = transport(fake_mq)
    with t.session(), pytest.raises(TransportError):
        with t.session():
            pass


@pytest.mark.parametrize("code, ours", [
    (None, "INACTIVE"), (CMQCFC.MQCHS_RUNNING, "RUNNING"), (CMQCFC.MQCHS_RETRYING, "RETRYING"),
    (CMQCFC.MQCHS_STOPPED, "STOPPED"), (CMQCFC.MQCHS_STOPPING, "STOPPED"),
    (CMQCFC.MQCHS_BINDING, "RETRYING"), (CMQCFC.MQCHS_INACTIVE, "INACTIVE")])
def test_channel_status_mapping(fake_mq, code, ours) -> None:
    assert channel_status(fake_mq, code)[0] == ours


def test_channel_infos_join_definitions_and_status(fake_mq) -> None:
    f = CMQCFC
    definitions = [
        {f.MQCACH_CHANNEL_NAME: b"TAX.TO.ETS          ", f.MQIACH_CHANNEL_TYPE: 1,
         f.MQCACH_XMIT_Q_NAME: b"QM.ETS.XMITQ", f.MQCACH_CONNECTION_NAME: b"ets(1414)"},
        {f.MQCACH_CHANNEL_NAME: b"ETS.TO.TAX", f.MQIACH_CHANNEL_TYPE: 3},
        {f.MQCACH_CHANNEL_NAME: b"TAX.SVRCONN", f.MQIACH_CHANNEL_TYPE: 7},
        {f.MQCACH_CHANNEL_NAME: b"SYSTEM.DEF.SENDER", f.MQIACH_CHANNEL_TYPE: 1},
        {f.MQCACH_CHANNEL_NAME: b"SOME.CLNTCONN", f.MQIACH_CHANNEL_TYPE: 6}]
    statuses = [{f.MQCACH_CHANNEL_NAME: b"TAX.TO.ETS", f.MQIACH_CHANNEL_STATUS: 5},
                {f.MQCACH_CHANNEL_NAME: b"TAX.SVRCONN", f.MQIACH_CHANNEL_STATUS: 6},
                {f.MQCACH_CHANNEL_NAME: b"TAX.SVRCONN", f.MQIACH_CHANNEL_STATUS: 3}]
    infos = {c.name: c for c in channel_infos(fake_mq, definitions, statuses)}
    assert set(infos) == {"TAX.TO.ETS", "ETS.TO.TAX", "TAX.SVRCONN"}
    assert (infos["TAX.TO.ETS"].type, infos["TAX.TO.ETS"].status) == ("sender", "RETRYING")
    assert (infos["TAX.TO.ETS"].xmitq, infos["TAX.TO.ETS"].partner) == ("QM.ETS.XMITQ",
                                                                        "ets(1414)")
    assert (infos["ETS.TO.TAX"].type, infos["ETS.TO.TAX"].status) == ("receiver", "INACTIVE")
    assert infos["TAX.SVRCONN"].status == "RUNNING"


def test_admin_over_pcf(fake_mq) -> None:
    c, f = CMQC, CMQCFC
    fake_mq.server.pcf_replies = {
        "MQCMD_INQUIRE_Q": [
            {c.MQCA_Q_NAME: b"ETS.244000000000.ONLINE.OUT", c.MQIA_Q_TYPE: 1, c.MQIA_USAGE: 0,
             c.MQIA_CURRENT_Q_DEPTH: 4, c.MQIA_MAX_Q_DEPTH: 5000,
             c.MQCA_BACKOUT_REQ_Q_NAME: b"ETS.244000000000.ONLINE.OUT.BACKOUT",
             c.MQIA_BACKOUT_THRESHOLD: 3},
            {c.MQCA_Q_NAME: b"QM.ETS.XMITQ", c.MQIA_Q_TYPE: 1, c.MQIA_USAGE: 1,
             c.MQIA_CURRENT_Q_DEPTH: 9, c.MQIA_MAX_Q_DEPTH: 50000},
            {c.MQCA_Q_NAME: b"ETS.EXT.ONLINE.IN", c.MQIA_Q_TYPE: 6},
            {c.MQCA_Q_NAME: b"SYSTEM.DEAD.LETTER.QUEUE", c.MQIA_Q_TYPE: 1, c.MQIA_USAGE: 0,
             c.MQIA_CURRENT_Q_DEPTH: 1, c.MQIA_MAX_Q_DEPTH: 5000},
            {c.MQCA_Q_NAME: b"SYSTEM.ADMIN.COMMAND.QUEUE", c.MQIA_Q_TYPE: 1},
            {c.MQCA_Q_NAME: b"AN.ALIAS", c.MQIA_Q_TYPE: 3}],
        "MQCMD_INQUIRE_CHANNEL": [{f.MQCACH_CHANNEL_NAME: b"TAX.TO.ETS",
                                   f.MQIACH_CHANNEL_TYPE: 1}],
        "MQCMD_INQUIRE_CHANNEL_STATUS": FakeMQMIError(2, 3065),
        "MQCMD_START_CHANNEL": FakeMQMIError(2, 3047)}
    admin = IbmMqQueueAdmin(transport(fake_mq), dead_letter_queue="SYSTEM.DEAD.LETTER.QUEUE")
    queues = {q.name: q for q in admin.queues()}
    assert set(queues) == {"ETS.244000000000.ONLINE.OUT", "QM.ETS.XMITQ", "ETS.EXT.ONLINE.IN",
                           "SYSTEM.DEAD.LETTER.QUEUE"}
    assert queues["QM.ETS.XMITQ"].type == "transmission" and queues["QM.ETS.XMITQ"].depth == 9
    assert queues["ETS.EXT.ONLINE.IN"].type == "remote"
    assert queues["ETS.244000000000.ONLINE.OUT"].backout_threshold == 3
    command, args = fake_mq.server.pcf_calls[0]
    assert command == "MQCMD_INQUIRE_Q" and c.MQIA_USAGE in args[f.MQIACF_Q_ATTRS]
    assert [ch.status for ch in admin.channels()] == ["INACTIVE"]  # 3065: no status at all
    admin.stop_channel("TAX.TO.ETS")
    assert fake_mq.server.pcf_calls[-1] == ("MQCMD_STOP_CHANNEL",
                                            {f.MQCACH_CHANNEL_NAME: b"TAX.TO.ETS"})
    with pytest.raises(ChannelNotFound):
        admin.start_channel("NOPE")


def test_backout_queue_refusing_falls_back_to_dead_letter_queue(fake_mq) -> None:
    fake_mq.server.define("IN", threshold=1, boq="MISSING.BACKOUT")  # not defined: 2085
    fake_mq.server.define("SYSTEM.DEAD.LETTER.QUEUE")
    t = transport(fake_mq)
    with t.session() as s:
        s.put("IN", b"poison", msg_id=MSG, correl_id=REQUEST_CORREL_ID, ccsid=1386)
        s.commit()
        s.get("IN")
        s.backout()
        assert s.get("IN") is None
    assert [body for _, body in fake_mq.server.queues["SYSTEM.DEAD.LETTER.QUEUE"]] == [b"poison"]
    assert not fake_mq.server.queues["IN"]


def test_close_disconnects_every_threads_connection(fake_mq) -> None:
    import threading

    fake_mq.server.define("IN")
    t = transport(fake_mq)
    connections = []

    def work() -> None:
        with t.session() as s:
            s.get("IN")
        connections.append(t.qmgr())

    threads = [threading.Thread(target=work) for _ in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(10)
    assert len({id(c) for c in connections}) == 2 and all(c.connected for c in connections)
    t.close()
    assert not any(c.connected for c in connections)
