"""``etsgw demo-data`` and ``etsgw demo``: the whole system on one machine with embedded defaults."""

from __future__ import annotations


import click

from gateway.bootstrap import build
from gateway.cli import demo_parts

DEMO_SIZES = {"units": 200, "persons_per_unit": 5, "residents": 400}


@click.command("demo-data")
@click.option("--units", type=click.IntRange(0), default=DEMO_SIZES["units"], show_default=True)
@click.option("--persons-per-unit", type=click.IntRange(1), default=DEMO_SIZES["persons_per_unit"],
              show_default=True)
@click.option("--residents", type=click.IntRange(0), default=DEMO_SIZES["residents"], show_default=True)
@click.option("--periods", type=click.IntRange(1, 24), default=6, show_default=True,
              help="Monthly fee periods to declare, ending with the current month.")
@click.option("--seed", type=int, default=20241105, show_default=True)
@click.pass_obj
def demo_data(obj, units: int, persons_per_unit: int, residents: int, periods: int, seed: int) -> None:
    """生成广东省演示数据 (reproducible demo data set; schema is created if missing)."""
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
@click.option("--smoke", is_flag=True, help="Run the scripted scenario once and exit 0 on success.")
@click.pass_obj
def demo(obj, smoke: bool) -> None:
    """启动演示系统 (initialise the database, load demo data, start every part until Ctrl-C)."""
    app = build(obj.settings)
    try:
        demo_parts.prepare(app, DEMO_SIZES)
        if smoke:
            failures = demo_parts.smoke(app, echo=click.echo)
            if failures:
                raise click.ClickException(f"smoke scenario failed: {failures} step(s); see above")
            click.echo("smoke scenario passed")
            return
        demo_parts.run_until_interrupted(app, echo=click.echo, config_path=obj.config_path)
    finally:
        app.close()


