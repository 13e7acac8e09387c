"""The deployments of deployments/prefect.yaml, served from this machine (`khabar serve`).

The same file is the production path (`prefect deploy --prefect-file deployments/prefect.yaml --all` onto a process
work pool), so both read one list: name, entrypoint (a module path), description, tags, schedules, parameters."""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml
from prefect.deployments.runner import RunnerDeployment
from prefect.flows import Flow, load_flow_from_entrypoint
from prefect.schedules import Schedule
from prefect.types.entrypoint import EntrypointType

DEFINITIONS = Path("deployments") / "prefect.yaml"
_CHECKOUT_DEFINITIONS = Path(__file__).resolve().parents[2] / DEFINITIONS


@dataclass(frozen=True)
class Definition:
    name: str
    entrypoint: str
    description: str | None = None
    tags: list[str] = field(default_factory=list)
    schedules: list[dict[str, Any]] = field(default_factory=list)
    parameters: dict[str, Any] = field(default_factory=dict)


def default_definitions() -> Path:
    """deployments/prefect.yaml of the working directory, else of the checkout khabar runs from."""
    return DEFINITIONS if DEFINITIONS.exists() else _CHECKOUT_DEFINITIONS


def read_definitions(path: Path) -> list[Definition]:
    entries = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("deployments") or []
    keys = set(Definition.__dataclass_fields__)
    return [Definition(**{k: v for k, v in entry.items() if k in keys and v is not None}) for entry in entries]


def runner_deployments(definitions: list[Definition], settings: dict[str, Any]) -> list[RunnerDeployment]:
    """Each definition as a deployment of its flow. `settings` (the warehouse, the KHABAR_* tunables of this
    machine) become default parameters of the flows that take them; the definition's own parameters win."""
    deployments = []
    for definition in definitions:
        flow: Flow[..., Any] = load_flow_from_entrypoint(definition.entrypoint, use_placeholder_flow=False)
        accepted = inspect.signature(flow.fn).parameters
        parameters = {k: v for k, v in settings.items() if k in accepted} | definition.parameters
        deployment = RunnerDeployment.from_flow(
            flow,
            name=definition.name,
            description=definition.description,
            tags=definition.tags,
            schedules=[_schedule(entry) for entry in definition.schedules],
            parameters=parameters,
            paused=False,  # serving again resumes schedules that the last shutdown paused
            entrypoint_type=EntrypointType.MODULE_PATH,
        )
        deployments.append(deployment)
    return deployments


def _schedule(entry: dict[str, Any]) -> Schedule:
    """A schedule written as in prefect.yaml: cron, interval (seconds) or rrule, with timezone, active, parameters."""
    entry = dict(entry)
    if isinstance(entry.get("interval"), int | float):
        entry["interval"] = timedelta(seconds=entry["interval"])
    return Schedule(**entry)
