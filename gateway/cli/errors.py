"""The one place where the CLI turns an error into one line and an exit code.

Every message is Chinese first, then English (``中文 / English``), and names what to do. One exit
code per kind of error:

- 2: the operator can fix it: usage, configuration, not found, refused (a business rule, a lease
  held by another process, a database without its schema);
- 1: internal or environment failure (the transport or database is unreachable, a bug); the
  traceback goes to the log at DEBUG level only;
- 3: ``queue get`` found the queue empty; 130: interrupted.
"""

from __future__ import annotations

from typing import IO

import click
import structlog

EXIT_FIXABLE = 2
EXIT_INTERNAL = 1
EXIT_INTERRUPTED = 130



class CliError(click.ClickException):
    """An error with its kind's exit code; ``zh`` and ``en`` say the same thing."""

    exit_code = EXIT_FIXABLE
    kind = ("错误", "error")

    def __init__(self, zh: str, en: str = "") -> None:
        self.zh, self.en = zh, en
        super().__init__(self.line())

    def line(self) -> str:
        k_zh, k_en = self.kind
        return f"{k_zh}：{self.zh} / {k_en}: {self.en}" if self.en else f"{k_zh} / {k_en}：{self.zh}"

    def show(self, file: IO[str] | None = None) -> None:
        click.echo(self.line(), err=True)


class NotFoundError(CliError):
    kind = ("未找到", "not found")


class RefusedError(CliError):
    kind = ("已拒绝", "refused")


class InternalError(CliError):
    exit_code = EXIT_INTERNAL
    kind = ("内部错误", "internal error")


class DescribedError(CliError):
    """Any exception already turned into its line and exit code (see :func:`translate`)."""

    def __init__(self, line: str, exit_code: int) -> None:
        self._line, self.exit_code = line, exit_code
        click.ClickException.__init__(self, line)

    def line(self) -> str:
        return self._line


def translate(exc: BaseException) -> CliError:
    """``exc`` as a ClickException with its one line and exit code: for command modules that
    are also run under other click roots (tests, the ops console) than :func:`main`."""
    line, code = _describe(exc)
    return DescribedError(line, code)


def _missing_schema(exc: BaseException) -> bool:
    """A table or column the code expects is missing: the schema is absent or behind."""
    text = str(getattr(exc, "orig", exc)).lower()
    code = getattr(getattr(exc, "orig", None), "sqlstate", None)
    return (code in ("42P01", "42703") or "no such table" in text or "no such column" in text
            or ("relation" in text and "does not exist" in text))


def _describe(exc: BaseException) -> tuple[str, int]:
    """(the line, the exit code) for any exception."""
    from alembic.util.exc import CommandError
    from sqlalchemy import exc as sa_exc

    from gateway.codec.errors import EncodeError
    from gateway.config import ConfigError
    from gateway.domain.errors import DomainError, NotFound
    from gateway.persistence.leases import LeaseHeld
    from gateway.transports.base import (ChannelNotFound, QueueFull, QueueNotFound,
                                         TransportError)

    if isinstance(exc, CliError):
        return exc.line(), exc.exit_code
    no_args = getattr(click.exceptions, "NoArgsIsHelpError", ())
    if no_args and isinstance(exc, no_args):  # a group given no subcommand: its help is the answer
        return exc.format_message(), EXIT_FIXABLE
    if isinstance(exc, click.UsageError):
        where = exc.ctx.command_path if exc.ctx is not None else "etsgw"
        return (f"用法错误：{exc.format_message()}（运行 {where} --help 查看用法）/ usage error: "
                f"see {where} --help", EXIT_FIXABLE)
    if isinstance(exc, click.ClickException):
        return f"错误 / error：{exc.format_message()}", EXIT_FIXABLE
    if isinstance(exc, ConfigError):
        return f"配置错误：{exc} / configuration error: fix the named key", EXIT_FIXABLE
    if isinstance(exc, NotFound):
        return f"未找到：{exc} / not found [{exc.rule}]", EXIT_FIXABLE
    if isinstance(exc, DomainError):
        return f"已拒绝：{exc} / refused by rule [{exc.rule}]", EXIT_FIXABLE
    if isinstance(exc, LeaseHeld):
        return (f"已拒绝：另一个进程正在运行，{exc} / refused: another process holds the "
                f"{exc.info.name} lease (pid {exc.info.pid} on {exc.info.host}); stop it first",
                EXIT_FIXABLE)
    if isinstance(exc, EncodeError):
        return f"报文无法生成，未发送：{exc} / message not sent", EXIT_FIXABLE
    if isinstance(exc, (QueueNotFound, ChannelNotFound)):
        return f"未找到：{exc} / not found on the queue manager", EXIT_FIXABLE
    if isinstance(exc, QueueFull):
        return f"已拒绝：{exc} / refused: the queue is full", EXIT_FIXABLE
    if isinstance(exc, TransportError):
        return (f"队列管理器错误：{exc} / transport error: check the queue manager and "
                "[transport] settings", EXIT_INTERNAL)
    if isinstance(exc, CommandError):
        return (f"数据库版本错误：{exc} / schema revision error: see etsgw db current",
                EXIT_FIXABLE)
    if isinstance(exc, sa_exc.DBAPIError) and _missing_schema(exc):
        return ("数据库尚未初始化或版本过旧，请先运行 etsgw db upgrade / database has no schema "
                "(or an old one): run etsgw db upgrade", EXIT_FIXABLE)
    if isinstance(exc, (sa_exc.OperationalError, sa_exc.InterfaceError)):
        first = str(getattr(exc, "orig", exc)).strip().splitlines()[0][:200]
        return (f"无法访问数据库：{first} / cannot use the database: check database.url",
                EXIT_INTERNAL)
    first = (str(exc).strip().splitlines() or [""])[0][:200]
    return (f"内部错误：{type(exc).__name__}: {first}（设置 ETSGW_LOG__LEVEL=DEBUG 可查看详情）"
            f" / internal error: set ETSGW_LOG__LEVEL=DEBUG for the traceback", EXIT_INTERNAL)


def report(exc: BaseException) -> int:
    """Print the one line for ``exc`` to stderr and return the exit code."""
    line, code = _describe(exc)
    if code == EXIT_INTERNAL and structlog.is_configured():
        structlog.get_logger("gateway.cli").debug("command failed", exc_info=exc)
    click.echo(line, err=True)
    return code
