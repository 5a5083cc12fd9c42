"""``etsgw errors``: the error store (inbound messages that could not be processed): list, show
the bytes (masked) and the reason, and redrive one after the cause is fixed.

Redrive puts the stored bytes back on the inbound queue they came from, through the transport,
with the MsgId of their HEAD, so the gateway worker processes them like any arrival: the inbox
de-duplicates by SRC+MsgID, which makes a second redrive, or a redrive of something processed
meanwhile, harmless. The outbox is not used: it holds the messages *we* send, and its MsgIDs are
what 9120 acknowledgements are matched against; an ETS MsgID there would corrupt that matching.
Refused: a message already answered with an error code (the ETS has been told it was rejected
and will resend it if needed; processing it now would contradict that answer), one whose MsgID
has been processed since, and a queue that is not one of the gateway's inbound queues. The copy
on the queue's backout queue is left where it is.
"""

from __future__ import annotations

import re

import click

from gateway.bootstrap import build
from gateway.cli.errors import NotFoundError, RefusedError
from gateway.cli.output import ListGroup, fields, list_options, page

_MSG_REF = re.compile(rb"<MsgRef>(\d{20})</MsgRef>")


@click.group("errors", cls=ListGroup)
def errors() -> None:
    """错误报文 / Error store: list, show, redrive.

    无法处理的入站报文；无子命令时列出 / inbound messages that could not be processed."""


@errors.command("list")
@list_options
@click.pass_obj
def errors_list(obj, as_json: bool = False, limit: int = 50, offset: int = 0) -> None:
    """列出无法处理的入站报文（最新在前）/ List the messages that could not be processed."""
    from gateway.persistence.ops_queries import errors as error_rows

    app = build(obj.settings)
    try:
        with app.reader.connect() as conn:
            rows = error_rows(conn, limit, offset)
    finally:
        app.close()
    page([("id", "ID"), ("created_at", "CREATED"), ("queue", "QUEUE"), ("msg_no", "MSGNO"),
          ("msg_id", "MSGID"), ("code", "CODE"), ("answered", "ANSWERED"), ("size", "BYTES"),
          ("redriven", "REDRIVEN"), ("reason", "REASON")],
         rows, as_json=as_json, limit=limit, offset=offset, noun="条")


@errors.command("show")
@click.argument("error_id", type=int)
@click.option("--hex", "as_hex", is_flag=True, help="十六进制转储 / hex dump of the bytes.")
@click.option("--max-bytes", type=click.IntRange(1), default=4096, show_default=True,
              help="最多显示的字节数 / show at most this many bytes.")
@click.pass_obj
def errors_show(obj, error_id: int, as_hex: bool, max_bytes: int) -> None:
    """查看一条报文：原因与字节（账号、证件号已掩码）/ One message: why it was kept, and its bytes
    (accounts and ID numbers masked)."""
    from gateway.persistence.ops_queries import error_detail

    app = build(obj.settings)
    try:
        with app.reader.connect() as conn:
            d = error_detail(conn, error_id)
    finally:
        app.close()
    if d is None:
        raise NotFoundError(f"错误报文 {error_id} 不存在", f"no error-store entry {error_id}")
    fields([("id", d["id"]), ("created_at", d["created_at"]), ("queue", d["queue"] or "-"),
            ("msg_no", d["msg_no"] or "-"), ("msg_id", d["msg_id"] or "-"),
            ("code", d["code"] or "-"), ("answered", d["answered"]),
            ("processed since", d["processed_since"]),
            ("redriven", "; ".join(d["redriven"]) or "-"), ("bytes", d["size"]),
            ("reason", d["reason"])])
    body: bytes = d["body"][:max_bytes]
    click.echo("")
    if as_hex:
        for i in range(0, len(body), 16):
            chunk = body[i:i + 16]
            text = "".join(chr(b) if 32 <= b < 127 else "." for b in chunk)
            click.echo(f"{i:08x}  {chunk.hex(' '):<47}  {text}")
    else:
        click.echo(body.decode(_encoding(body, obj.settings.gateway.encoding), errors="replace"))
    if len(d["body"]) > max_bytes:
        click.echo(f"…（共 {d['size']} 字节，已显示 {max_bytes}）/ {d['size']} bytes, "
                   f"{max_bytes} shown")


def _encoding(body: bytes, default: str) -> str:
    found = re.search(rb"""encoding=["']([A-Za-z0-9_-]+)["']""", body[:200])
    name = found.group(1).decode("ascii") if found else default
    try:
        "".encode(name)
    except LookupError:
        return default
    return name


@errors.command("redrive")
@click.argument("error_id", type=int)
@click.option("--queue", "queue_name", default=None,
              help="放入此入站队列（默认为原队列）/ put on this inbound queue (default: the one "
                   "it came from).")
@click.option("--reason", required=True, help="为何现在可以处理（修复了什么）/ what was fixed.")
@click.option("--operator", default="cli", show_default=True, help="操作员 / operator.")
@click.pass_obj
def errors_redrive(obj, error_id: int, queue_name: str | None, reason: str,
                   operator: str) -> None:
    """将报文原样放回其入站队列再次处理（已审计）/ Put the stored bytes back on their inbound queue
    to be processed again (audited)."""
    from gateway.persistence.ops_queries import error_message, processed

    app = build(obj.settings)
    try:
        with app.reader.connect() as conn:
            m = error_message(conn, error_id)
            if m is None:
                raise NotFoundError(f"错误报文 {error_id} 不存在", f"no error-store entry {error_id}")
            done = bool(m["msg_id"]) and processed(conn, m["msg_id"])
        inbound = (app.queues.online_out, app.queues.batch_out)
        queue = queue_name or m["queue"]
        if m["answered"]:
            raise RefusedError(f"该报文已向 ETS 应答错误 {m['code']}，重放将与该应答矛盾；请 ETS 重发",
                               f"already answered {m['code']} to the ETS: ask the ETS to resend it")
        if done:
            raise RefusedError(f"MsgID {m['msg_id']} 已处理过，无需重放",
                               f"MsgID {m['msg_id']} has been processed since")
        if queue not in inbound:
            raise RefusedError(f"{queue or '(无队列)'} 不是网关的入站队列，请用 --queue 指定 "
                               f"{' 或 '.join(inbound)}",
                               "not an inbound queue of the gateway; use --queue")
        put_id = _redrive(app, m, queue, error_id, operator, reason)
    finally:
        app.close()
    click.echo(f"已放回 {queue}（MsgId {put_id}），由网关工作进程处理；备份队列 {queue}.BACKOUT 中的副本"
               f"未动 / put back on {queue}; the copy on its backout queue is left as it is")


def _redrive(app, m: dict, queue: str, error_id: int, operator: str, reason: str) -> str:
    """Put the bytes and note the redrive: one transaction when the embedded queue store is
    the application database, else the put first (a crash before the note leaves a put
    without its audit line, never an audit line without a put)."""
    from gateway.cli.queue import ccsid_for, msg_id_for
    from gateway.codec.mq_ids import REQ_CORREL_ID, correl_id_for
    from gateway.persistence.ops_actions import note_redrive
    from gateway.runtime.app import same_database
    from gateway.transport_factory import open_transport
    from gateway.transports.base import describe_id

    settings, body = app.settings, m["body"]
    mqmd_id = msg_id_for(body)
    ref = _MSG_REF.search(body)
    correl = (correl_id_for(m["msg_no"], ref.group(1).decode("ascii"))
              if ref and m["msg_no"] else REQ_CORREL_ID)
    ccsid = ccsid_for(body, settings.gateway.encoding)
    msg_id = m["msg_id"] or mqmd_id[:20].decode("ascii", "replace")
    transport = open_transport(settings)
    try:
        joined = (settings.transport.kind == "embedded"
                  and same_database(settings.embedded_transport_url, settings.database.url))
        if joined:
            with app.engine.begin() as conn, transport.session(connection=conn) as t:
                t.put(queue, body, msg_id=mqmd_id, correl_id=correl, ccsid=ccsid)
                note_redrive(conn, error_id, queue, msg_id, operator, reason, app.clock())
                t.commit()  # joined: only settles the session; the block's commit is the one
        else:
            with transport.session() as t:
                t.put(queue, body, msg_id=mqmd_id, correl_id=correl, ccsid=ccsid)
                t.commit()
            with app.engine.begin() as conn:
                note_redrive(conn, error_id, queue, msg_id, operator, reason, app.clock())
    finally:
        transport.close()
    return describe_id(mqmd_id)
