"""``etsgw web``: serve the web application with waitress (host and port from ``[web]``)."""

from __future__ import annotations

import dataclasses

import click


@click.command("web")
@click.option("--host", default=None, help="监听地址 / listen address (default: web.host).")
@click.option("--port", type=int, default=None, help="端口 / port (default: web.port).")
@click.option("--demo-accounts", is_flag=True,
              help="先添加演示用科长与三员账号（仅演示）/ add the demo office head and the three "
                   "administrators first (demo only).")
@click.pass_obj
def web(obj, host: str | None, port: int | None, demo_accounts: bool) -> None:
    """网页服务 / Serve the web application (portal, console, ops, administration) with waitress."""
    from webapp import serve

    settings = serve.with_demo_secret(obj.settings)
    changes = {k: v for k, v in (("host", host), ("port", port)) if v is not None}
    if changes:
        settings = dataclasses.replace(settings, web=dataclasses.replace(settings.web, **changes))
    if demo_accounts:
        from gateway.bootstrap import build
        from webapp.demo_accounts import describe, ensure_demo_accounts
        app = build(settings)
        try:
            ensure_demo_accounts(app)
        finally:
            app.close()
        click.echo(describe(f"http://{settings.web.host}:{settings.web.port}/"))
    serve.serve(settings)
