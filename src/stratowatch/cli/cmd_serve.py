"""`stratowatch serve`: run the HTTP service; `stratowatch db upgrade`: migrate a database."""

from __future__ import annotations

import logging
from pathlib import Path

import typer

from .common import console, print_json

__all__ = ["register"]


def serve(
    db: str | None = typer.Option(
        None,
        "--db",
        help="Database: postgresql://USER:PASS@HOST/DB, sqlite:///FILE or a file path "
        "(default: <data-dir>/stratowatch.db).",
    ),
    data_dir: str = typer.Option(
        "stratowatch-data", "--data-dir", help="Folder of the default SQLite database."
    ),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="Port to listen on."),
    wind: str = typer.Option(
        "climatology",
        "--wind",
        help="Wind for predictions and tracking: climatology, calm or a file.",
    ),
    wind_dir: str | None = typer.Option(
        None, "--wind-dir", help="Folder of wind files that Tawhiri's 'dataset' selects from."
    ),
    workers: int = typer.Option(
        1, "--workers", min=1, max=64, help="Processes that run prediction and engagement jobs."
    ),
    private_predictions: bool = typer.Option(
        False, "--private-predictions", help="The Tawhiri endpoint needs a read token."
    ),
    log_level: str = typer.Option("info", "--log-level", help="uvicorn log level."),
) -> None:
    """Serve the HTTP API (OpenAPI docs at /docs) until interrupted."""
    import uvicorn

    from ..service import Settings, create_app

    settings = Settings(
        db=db,
        data_dir=Path(data_dir),
        wind=wind,
        wind_dir=None if wind_dir is None else Path(wind_dir),
        workers=workers,
        private_predictions=private_predictions,
    )
    logging.basicConfig(level=log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    app = create_app(settings)
    console.print(
        f"stratowatch serving on http://{host}:{port} (docs: /docs, Tawhiri: /api/v1/)\n"
        f"live map: http://{host}:{port}/map",
        highlight=False,
    )
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level=log_level,
        timeout_graceful_shutdown=3,
        access_log=False,
    )


db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade(
    db: str | None = typer.Option(None, "--db", help="Database URL or SQLite file."),
    data_dir: str = typer.Option("stratowatch-data", "--data-dir"),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Migrate the database to this version's schema (the service also does it at start)."""
    from ..store import Store, database_url

    store = Store(database_url(db, data_dir=data_dir), upgrade=False)
    try:
        revision = store.upgrade()
    finally:
        store.close()
    if as_json:
        print_json({"database": store.display_url, "revision": revision})
        return
    console.print(f"{store.display_url}: schema at revision {revision}", highlight=False)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the top-level app."""
    app.command("serve")(serve)
    app.add_typer(db_app, name="db")
