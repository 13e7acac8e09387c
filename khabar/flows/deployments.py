"""The deployments of deployments/prefect.yaml, served from this machine (`khabar serve`).

The same file is the production path (`prefect deploy --prefect-file deployments/prefect.yaml --all` onto a process
work pool), so both read one list: name, entrypoint (a module path), description, tags, schedules, parameters."""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import yaml
from prefect.client.orchestration import get_client
from prefect.deployments.runner import RunnerDeployment
from prefect.flows import Flow, load_flow_from_entrypoint
from prefect.runtime import deployment
from prefect.schedules import Schedule
from prefect.types.entrypoint import EntrypointType
from pydantic import BaseModel

from khabar import config

DEFINITIONS = Path("deployments") / "prefect.yaml"
_CHECKOUT_DEFINITIONS = Path(__file__).resolve().parents[2] / DEFINITIONS
M = TypeVar("M", bound=BaseModel)


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
    machine) become default parameters of the flows that take them; the definition's own parameters win, field
    by field. A deployment whose configuration is missing (no sources file) is registered without its schedules:
    it can be run by hand once configured, and does not fail on every tick meanwhile."""
    deployments = []
    for definition in definitions:
        flow: Flow[..., Any] = load_flow_from_entrypoint(definition.entrypoint, use_placeholder_flow=False)
        accepted = inspect.signature(flow.fn).parameters
        parameters = deep_merge({k: v for k, v in settings.items() if k in accepted}, definition.parameters)
        missing = missing_configuration(parameters)
        description = definition.description
        if missing and definition.schedules:
            description = f"{description or ''} Not scheduled: {missing}.".strip()
        deployment = RunnerDeployment.from_flow(
            flow,
            name=definition.name,
            description=description,
            tags=definition.tags,
            schedules=[] if missing else [_schedule(entry) for entry in definition.schedules],
            parameters=parameters,
            paused=False,  # serving again resumes schedules that the last shutdown paused
            entrypoint_type=EntrypointType.MODULE_PATH,
        )
        deployments.append(deployment)
    return deployments


def missing_configuration(parameters: dict[str, Any]) -> str | None:
    """Why a deployment with these default parameters cannot do its work yet, or None."""
    sources = parameters.get("sources")
    if isinstance(sources, str) and sources.strip() and not Path(config.resolve(sources)).is_file():
        return f"no sources file at {config.resolve(sources)} (examples/sources.toml is a commented example)"
    return None


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """`override` over `base`, nested dictionaries merged key by key instead of replaced whole."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def with_served_defaults(name: str, given: M) -> M:
    """A nested parameter of a deployment run, with each field the run did not set taken from the deployment's
    default for it. Prefect merges a run's parameters over its deployment's one level deep, so a run started with
    {"batch": {"batch_size": 500}} would otherwise lose the served max_bytes and min_body_words."""
    deployment_id = deployment.get_id()
    if deployment_id is None:
        return given
    with get_client(sync_client=True) as client:
        defaults = client.read_deployment(deployment_id).parameters.get(name)
    if not isinstance(defaults, dict):
        return given
    return type(given).model_validate(deep_merge(defaults, given.model_dump(mode="json", exclude_unset=True)))


def _schedule(entry: dict[str, Any]) -> Schedule:
    """A schedule written as in prefect.yaml: cron, interval (seconds) or rrule, with timezone, active, parameters."""
    entry = dict(entry)
    if isinstance(entry.get("interval"), int | float):
        entry["interval"] = timedelta(seconds=entry["interval"])
    return Schedule(**entry)
