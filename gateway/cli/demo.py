"""``etsgw demo-data`` and ``etsgw demo``: the whole system on one machine with embedded defaults."""

from __future__ import annotations

import click

from gateway.bootstrap import build
from gateway.cli import demo_parts
from gateway.cli.errors import InternalError

DEMO_SIZES = {"units": 200, "persons_per_unit": 5, "residents": 400}


@click.command("demo-data")
@click.option("--units", type=click.IntRange(0), default=DEMO_SIZES["units"], show_default=True,
              help="参保单位数 / employer units.")
@click.option("--persons-per-unit", type=click.IntRange(1), default=DEMO_SIZES["persons_per_unit"],
              show_default=True, help="每单位参保人数 / insured persons per unit.")
@click.option("--residents", type=click.IntRange(0), default=DEMO_SIZES["residents"],
              show_default=True, help="城乡居民数 / urban-rural residents.")
@click.option("--periods", type=click.IntRange(1, 24), default=6, show_default=True,
              help="申报的月度费款所属期数（截至本月）/ monthly fee periods to declare, ending with "
                   "the current month.")
@click.option("--seed", type=int, default=20241105, show_default=True,
              help="随机种子 / random seed.")
@click.pass_obj
def demo_data(obj, units: int, persons_per_unit: int, residents: int, periods: int, seed: int) -> None:
    """演示数据 / Generate the demo data set.

    生成可重现的广东省演示数据（必要时创建表结构）/ reproducible; the schema is created if
    missing."""
    from gateway.demodata import generate
    from gateway.persistence import migrate

    app = build(obj.settings)
    try:
        migrate.upgrade(app.engine)
        report = generate(app.engine, units=units, persons_per_unit=persons_per_unit,
                          residents=residents, periods=periods, seed=seed,
                          demo_password=demo_parts.demo_password())
    finally:
        app.close()
    click.echo(str(report))


@click.command("demo")
@click.option("--smoke", is_flag=True,
              help="运行一次脚本化场景，成功退出码 0 / run the scripted scenario once and exit 0 "
                   "on success.")
@click.pass_obj
def demo(obj, smoke: bool) -> None:
    """演示系统 / Run the whole demo until Ctrl-C.

    初始化数据库、加载演示数据、运行各部分直到 Ctrl-C / initialise the database, load demo data,
    start every part; prints the demo logins."""
    from gateway.cli.singleton import singleton
    from gateway.persistence import migrate

    app = build(obj.settings)
    try:
        migrate.upgrade(app.engine)
        with singleton(app, "demo"):  # a second demo on this database is refused here
            demo_parts.prepare(app, DEMO_SIZES)
            demo_parts.print_logins(app, echo=click.echo)
            if smoke:
                # The scenario runs the gateway worker in this process: it holds that lease too.
                with singleton(app, "gateway"):
                    failures = demo_parts.smoke(app, echo=click.echo)
                if failures:
                    raise InternalError(f"演示场景失败 {failures} 步，见上文",
                                        f"smoke scenario failed: {failures} step(s); see above")
                click.echo("演示场景通过 / smoke scenario passed")
                return
            demo_parts.run_until_interrupted(app, echo=click.echo, config_path=obj.config_path)
    finally:
        app.close()
