"""What each part of `podium run --only gateway|worker|web` runs, and who may run split."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Role:
    """One kind of Podium process (``podium run`` without ``--only`` runs ``ALL``)."""

    name: str
    #: the discord.py gateway connection: commands, interactions and events
    gateway: bool
    #: fires the scheduled jobs and makes the Discord posts they return (worker)
    jobs: bool
    #: sends the WhatsApp outbox
    relay: bool
    #: the pages, the dashboard, /metrics and the Twilio webhooks
    site: bool

    @property
    def discord(self) -> bool:
        """Whether the process logs in to Discord (the gateway, or the REST client alone)."""
        return self.gateway or self.jobs

    def runs(self) -> list[str]:
        """What this process runs, as /healthz reports it."""
        parts = {
            "gateway": self.gateway,
            "scheduler": self.jobs,
            "relay": self.relay,
            "web": self.site,
        }
        return [name for name, on in parts.items() if on]


ALL = Role("all", gateway=True, jobs=True, relay=True, site=True)
GATEWAY = Role("gateway", gateway=True, jobs=False, relay=False, site=False)
WORKER = Role("worker", gateway=False, jobs=True, relay=True, site=False)
WEB = Role("web", gateway=False, jobs=False, relay=False, site=True)

#: ``--only`` choices.
SPLIT = {role.name: role for role in (GATEWAY, WORKER, WEB)}


def split_refusal(role: Role) -> str:
    """What ``podium run --only gateway|worker`` says on SQLite (several processes write
    the database together, which SQLite here cannot do safely)."""
    return (
        f"podium run --only {role.name}: split processes (gateway, workers, web) share one "
        "database and need PostgreSQL; this DATABASE_URL is SQLite, which one process "
        "writes at a time.\n"
        "Fix: run everything in one process with `podium run` (no --only), or set "
        "DATABASE_URL=postgresql+asyncpg://USER:PASSWORD@HOST/DB (README: Processes).\n"
    )
