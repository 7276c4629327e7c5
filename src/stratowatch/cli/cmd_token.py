"""`stratowatch token create|list|revoke`: API tokens of the service (stored as hashes)."""

from __future__ import annotations

import typer
from rich.table import Table

from ..errors import InputError
from ..timeutil import iso
from .common import console, print_json

__all__ = ["register"]

token_app = typer.Typer(help="API tokens for the service.", no_args_is_help=True)

_DB = typer.Option(None, "--db", help="Database URL or SQLite file (default as `serve`).")
_DIR = typer.Option("stratowatch-data", "--data-dir", help="Folder of the default database.")


def _store(db: str | None, data_dir: str):  # type: ignore[no-untyped-def]
    from ..store import Store, database_url

    return Store(database_url(db, data_dir=data_dir))


@token_app.command("create")
def create(
    scope: str = typer.Option(..., "--scope", help="read or write."),
    name: str = typer.Option("", "--name", help="Who or what uses it (shown in the audit log)."),
    db: str | None = _DB,
    data_dir: str = _DIR,
    as_json: bool = typer.Option(False, "--json", help='Print {"token": ...} only.'),
) -> None:
    """Create a token and print it once (only its hash is stored)."""
    if scope not in ("read", "write"):
        raise InputError("unknown --scope", value=scope, expected="read or write")
    store = _store(db, data_dir)
    try:
        token, info = store.create_token(scope=scope, name=name)
    finally:
        store.close()
    if as_json:
        print_json({"token": token, "id": info.id, "scope": info.scope, "name": info.name})
        return
    console.print(
        f"{scope} token {info.id} ({info.name}); shown once, keep it safe:", highlight=False
    )
    console.print(token, highlight=False, soft_wrap=True)


@token_app.command("list")
def list_tokens(
    db: str | None = _DB,
    data_dir: str = _DIR,
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """The tokens (id, name, scope, prefix, created, revoked): never the tokens themselves."""
    store = _store(db, data_dir)
    try:
        tokens = store.list_tokens()
    finally:
        store.close()
    rows = [
        {
            "id": t.id,
            "name": t.name,
            "scope": t.scope,
            "prefix": t.prefix,
            "created": iso(t.created_at),
            "revoked": None if t.revoked_at is None else iso(t.revoked_at),
        }
        for t in tokens
    ]
    if as_json:
        print_json({"tokens": rows})
        return
    table = Table("id", "name", "scope", "prefix", "created", "revoked")
    for r in rows:
        table.add_row(
            *(str(r[k] or "-") for k in ("id", "name", "scope", "prefix", "created", "revoked"))
        )
    console.print(table)


@token_app.command("revoke")
def revoke(
    token_id: int = typer.Argument(..., help="The token's id (from `token list`)."),
    db: str | None = _DB,
    data_dir: str = _DIR,
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Revoke a token: requests with it get 401 from then on."""
    store = _store(db, data_dir)
    try:
        done = store.revoke_token(token_id)
    finally:
        store.close()
    if not done:
        raise InputError("no such live token", field="id", value=token_id)
    if as_json:
        print_json({"revoked": token_id})
        return
    console.print(f"token {token_id} revoked", highlight=False)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the top-level app."""
    app.add_typer(token_app, name="token")
