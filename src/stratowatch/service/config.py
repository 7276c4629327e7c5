"""Service settings: one pydantic-settings class, read from ``STRATOWATCH_*`` environment
variables and overridden by the ``stratowatch serve`` options."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings"]


class Settings(BaseSettings):
    """What a running service needs to know.

    db : database URL or SQLite file (default ``<data_dir>/stratowatch.db``); ``postgresql://``
        URLs use psycopg 3.
    data_dir : folder of the default SQLite database.
    wind : the wind of predictions, tracking and Tawhiri requests without ``dataset``
        (``climatology``, ``calm`` or a wind file).
    wind_dir : folder of wind files that Tawhiri's ``dataset`` selects from.
    workers : processes that run prediction and engagement jobs.
    private_predictions : the Tawhiri endpoint needs a read token (open by default).
    max_body_bytes : largest request body accepted (413 above).
    max_batch : most observations in one POST.
    max_members, max_hours : largest prediction job, and longest horizon (also Tawhiri).
    cors_origins : origins allowed to call the API from a browser (Tawhiri web clients).
    """

    model_config = SettingsConfigDict(env_prefix="STRATOWATCH_", extra="ignore")

    db: str | None = None
    data_dir: Path = Path("stratowatch-data")
    wind: str = "climatology"
    wind_dir: Path | None = None
    workers: int = Field(default=1, ge=1, le=64)
    private_predictions: bool = False
    max_body_bytes: int = Field(default=2_000_000, ge=1_000)
    max_batch: int = Field(default=5_000, ge=1)
    max_members: int = Field(default=100_000, ge=1)
    max_hours: float = Field(default=336.0, gt=0)
    cors_origins: list[str] = Field(default_factory=lambda: ["*"])
    tracker_checkpoint_every: int = Field(default=200, ge=1)
