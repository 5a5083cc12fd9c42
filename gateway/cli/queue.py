"""``etsgw queue`` and ``etsgw channel``: look at and move wire messages by hand (operations).

Works on either transport (``transport.kind``); ``--qmgr QM.ETS`` selects the simulator's queue
manager on the embedded transport (any other name is an error there). Bodies are wire bytes,
passed through untouched: ``put`` reads them from a file or stdin, ``get`` writes them to stdout
(exit code 3 when the queue is empty). Errors are reported by :mod:`gateway.cli.errors`: an
unknown queue or channel exits 2, an unreachable queue manager 1.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import secrets
import sys
from typing import Any, Iterator

import click

from gateway.cli.errors import NotFoundError, translate
from gateway.clock import beijing_now
from gateway.transports.base import (CCSID_BY_ENCODING, REQUEST_CORREL_ID, TransportError,
                                     describe_id, msg_id_from_digits)
from gateway.transport_factory import open_admin, open_transport

EXIT_EMPTY = 3
_HEAD_MSG_ID = re.compile(rb"<MsgID>(\d{20})</MsgID>")
_DECLARED_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding=["']([A-Za-z0-9_-]+)["']""")


def _settings() -> Any:
    return click.get_current_context().obj.settings


def _check_qmgr(ctx: click.Context, _param: Any, value: str | None) -> str | None:
    """On the embedded transport only the gateway's and the simulator's queue managers exist;
    opening another name would silently show an empty one."""
    if value is None:
        return None
    settings = ctx.find_root().obj.settings
    t = settings.transport
    known = (t.queue_manager, t.partner_queue_manager)
    if t.kind == "embedded" and value not in known:
        raise click.BadParameter(f"未知的队列管理器 {value}（可用：{', '.join(known)}）/ unknown "
                                 f"queue manager {value}", param_hint="--qmgr")
    return value


qmgr_option = click.option(
    "--qmgr", default=None, metavar="NAME", callback=_check_qmgr,
    help="队列管理器（默认 transport.queue_manager；QM.ETS 为模拟器的）/ queue manager (default: "
         "transport.queue_manager; QM.ETS = the simulator's).")


@contextlib.contextmanager
def _errors() -> Iterator[None]:
    """Transport errors become one line with their kind's exit code (gateway.cli.errors)."""
    try:
        yield
    except TransportError as exc:
        raise translate(exc) from exc


@contextlib.contextmanager
def _closing(thing: Any) -> Iterator[Any]:
    try:
        yield thing
    finally:
        close = getattr(thing, "close", None)
        if close is not None:
            close()


@click.group("queue")
def queue() -> None:
    """队列 / Queues: put, get, browse, depth."""


@click.group("channel")
def channel() -> None:
    """通道 / Channels: status, start, stop."""


def msg_id_for(body: bytes) -> bytes:
    """The MQMD MsgId of a wire message: its HEAD MsgID (found by pattern, without the codec),
    else a fresh unique id in the same 20-digit form."""
    found = _HEAD_MSG_ID.search(body)
    if found:
        return msg_id_from_digits(found.group(1).decode("ascii"))
    stamp = beijing_now().strftime("%Y%m%d%H%M%S")
    return msg_id_from_digits(stamp + f"{secrets.randbelow(10**6):06d}")


def ccsid_for(body: bytes, default_encoding: str) -> int:
    """CodedCharSetId from the XML declaration (it must match, ets-interface §2.2)."""
    found = _DECLARED_ENCODING.search(body[:200])
    name = found.group(1).decode("ascii").upper() if found else default_encoding.upper()
    return CCSID_BY_ENCODING.get(name, CCSID_BY_ENCODING.get(default_encoding.upper(), 1386))


def _id_option(value: str | None, name: str) -> bytes | None:
    if value is None:
        return None
    try:
        raw = bytes.fromhex(value)
    except ValueError:
        raise click.BadParameter("hexadecimal, at most 24 bytes", param_hint=name) from None
    if len(raw) > 24:
        raise click.BadParameter("at most 24 bytes", param_hint=name)
    return raw.ljust(24, b"\0")


@queue.command("put")
@click.argument("queue_name", metavar="QUEUE")
@click.argument("source", type=click.File("rb"), metavar="FILE")
@click.option("--msg-id", default=None,
              help="十六进制 MsgId / MsgId in hex (default: HEAD MsgID + 4 NULs).")
@click.option("--correl-id", default=None,
              help="十六进制 CorrelId / CorrelId in hex (default: REQ + 21 NULs).")
@click.option("--ccsid", type=int, default=None,
              help="字符集 / CodedCharSetId (default: from the XML declaration).")
@qmgr_option
def put(queue_name: str, source: Any, msg_id: str | None, correl_id: str | None,
        ccsid: int | None, qmgr: str | None) -> None:
    """放入一条消息：FILE 的字节（'-' 为标准输入）原样放入 QUEUE / Put FILE's bytes ('-' =
    stdin) on QUEUE untouched."""
    settings = _settings()
    body = source.read()
    mid = _id_option(msg_id, "--msg-id") or msg_id_for(body)
    cid = _id_option(correl_id, "--correl-id") or REQUEST_CORREL_ID
    ccsid = ccsid or ccsid_for(body, settings.gateway.encoding)
    with _errors(), _closing(open_transport(settings, qmgr)) as transport:
        with transport.session() as s:
            s.put(queue_name, body, msg_id=mid, correl_id=cid, ccsid=ccsid)
            s.commit()
    click.echo(f"put {len(body)} bytes to {queue_name}: MsgId {describe_id(mid)}, "
               f"CorrelId {describe_id(cid)}, CCSID {ccsid}", err=True)


@queue.command("get")
@click.argument("queue_name", metavar="QUEUE")
@click.option("--wait", "wait_s", type=float, default=0.0, show_default=True,
              help="等待消息的秒数 / seconds to wait for a message.")
@click.option("--correl-id", default=None,
              help="仅取此 CorrelId（十六进制）/ only a message with this CorrelId (hex).")
@qmgr_option
def get(queue_name: str, wait_s: float, correl_id: str | None, qmgr: str | None) -> None:
    """取出一条消息，字节写到标准输出；队列为空时退出码 3 / Get one message to stdout; exit
    code 3 when the queue is empty."""
    settings = _settings()
    with _errors(), _closing(open_transport(settings, qmgr)) as transport:
        with transport.session() as s:
            env = s.get(queue_name, wait_s=wait_s, correl_id=_id_option(correl_id, "--correl-id"))
            if env is None:
                click.echo(f"{queue_name}: 队列为空 (no message)", err=True)
                # SystemExit, not ctx.exit(): it survives click's standalone_mode=False.
                sys.exit(EXIT_EMPTY)
            click.echo(env.body, nl=False)  # bytes go to the binary stdout untouched
            s.commit()
    click.echo(f"got MsgId {describe_id(env.msg_id)} CCSID {env.ccsid} "
               f"backout count {env.backout_count}", err=True)


@queue.command("browse")
@click.argument("queue_name", metavar="QUEUE")
@click.option("--limit", type=int, default=20, show_default=True,
              help="最多显示条数 / at most this many messages.")
@qmgr_option
def browse(queue_name: str, limit: int, qmgr: str | None) -> None:
    """浏览队列中的消息（不取出）/ Browse the messages of a queue (without getting them)."""
    settings = _settings()
    with _errors(), _closing(open_transport(settings, qmgr)) as transport:
        with transport.session() as s:
            envelopes = s.browse(queue_name, limit)
    beijing = dt.timezone(dt.timedelta(hours=8))
    rows = [(str(i), describe_id(e.msg_id), describe_id(e.correl_id), str(e.ccsid),
             str(len(e.body)), str(e.backout_count),
             e.put_time.astimezone(beijing).strftime("%Y-%m-%d %H:%M:%S"))
            for i, e in enumerate(envelopes, 1)]
    _table(("#", "MSGID", "CORRELID", "CCSID", "LENGTH", "BACKOUT", "PUT TIME (UTC+8)"), rows)
    if not rows:
        click.echo(f"{queue_name}: 队列为空 (no message)", err=True)


@queue.command("depth")
@qmgr_option
def depth(qmgr: str | None) -> None:
    """所有队列的类型、深度和最大深度 / Type, depth and maximum depth of every queue."""
    with _errors(), _closing(open_admin(_settings(), qmgr)) as admin:
        infos = admin.queues()
    _table(("QUEUE", "TYPE", "DEPTH", "MAXDEPTH", "BACKOUT QUEUE", "BOTHRESH"),
           [(q.name, q.type, str(q.depth), str(q.max_depth), q.backout_queue or "-",
             str(q.backout_threshold)) for q in infos])


@channel.command("status")
@click.argument("name", required=False)
@qmgr_option
def status(name: str | None, qmgr: str | None) -> None:
    """通道状态（全部或 NAME）/ Channel status (all, or NAME)."""
    with _errors(), _closing(open_admin(_settings(), qmgr)) as admin:
        infos = [c for c in admin.channels() if name is None or c.name == name]
    if name is not None and not infos:
        raise NotFoundError(f"通道 {name} 不存在", f"no such channel {name}")
    _table(("CHANNEL", "TYPE", "STATUS", "XMITQ", "PARTNER", "DETAIL"),
           [(c.name, c.type, c.status, c.xmitq or "-", c.partner or "-", c.detail or "")
            for c in infos])


@channel.command("start")
@click.argument("name")
@qmgr_option
def start(name: str, qmgr: str | None) -> None:
    """启动通道（停止状态只有它能恢复）/ Start a channel (the only way out of STOPPED)."""
    with _errors(), _closing(open_admin(_settings(), qmgr)) as admin:
        admin.start_channel(name)
    click.echo(f"channel {name} started", err=True)


@channel.command("stop")
@click.argument("name")
@qmgr_option
def stop(name: str, qmgr: str | None) -> None:
    """停止通道（传输队列将积压）/ Stop a channel (its transmission queue fills up)."""
    with _errors(), _closing(open_admin(_settings(), qmgr)) as admin:
        admin.stop_channel(name)
    click.echo(f"channel {name} stopped", err=True)


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(header)]
    for line in (header, *rows):
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(line, widths)).rstrip())
