"""`foi web`: the staff workbench in the browser (FastAPI + uvicorn; never Prefect)."""

from __future__ import annotations

import typer

from .common import require_schema, settings, user_errors


@user_errors
def web(
    host: str = typer.Option("127.0.0.1", "--host", help="监听地址（默认只在本机）"),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="端口"),
) -> None:
    """Serve the workbench on host:port until stopped (Ctrl-C)."""
    import uvicorn

    from ..web.app import create_app

    from ..documents import fonts

    config = settings()
    require_schema(config.database_url)
    fonts.check(config)  # the font files the settings name: a Chinese message now, not at a notice
    typer.echo(f"工作台：http://{host}:{port}/（数据库 {config.database_url.split('@')[-1]}）")
    # the access log shows paths only: case and notice numbers, never personal data
    uvicorn.run(create_app(config), host=host, port=port, proxy_headers=False, server_header=False)
