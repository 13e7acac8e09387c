"""An automation that tells the operator when a khabar run fails, crashes or times out, through a notification
block the operator configures (KHABAR_NOTIFY_BLOCK)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from prefect.automations import Automation
from prefect.blocks.core import Block
from prefect.events.actions import SendNotification
from prefect.events.schemas.automations import EventTrigger, Posture

AUTOMATION = "khabar: a run failed"
FAILED = ("prefect.flow-run.Failed", "prefect.flow-run.Crashed", "prefect.flow-run.TimedOut")
SUBJECT = "khabar: {{ flow_run.name }} {{ flow_run.state.name }}"
BODY = (
    "Flow run {{ flow_run.name }} of {{ flow.name }} ended {{ flow_run.state.name }}: "
    "{{ flow_run.state.message }}\nParameters: {{ flow_run.parameters }}"
)


def ensure_failure_automation(block: str) -> Automation:
    """Create, or replace, the automation AUTOMATION: a flow run tagged khabar (every deployment of
    deployments/prefect.yaml is) entering Failed, Crashed or TimedOut sends a notification through `block`
    (type-slug/name). Raises ValueError when the block does not exist."""
    try:
        document_id = _sync(Block.load, block)._block_document_id
    except ValueError as error:
        raise ValueError(f"KHABAR_NOTIFY_BLOCK={block}: no such block ({error})") from None
    if document_id is None:
        raise ValueError(f"KHABAR_NOTIFY_BLOCK={block}: the block has no saved document")
    with contextlib.suppress(ValueError):  # none yet
        existing = _sync(Automation.read, name=AUTOMATION)
        _sync(existing.delete)
    automation = Automation(
        name=AUTOMATION,
        description="Made by `khabar serve` from KHABAR_NOTIFY_BLOCK.",
        trigger=EventTrigger(
            expect=set(FAILED),
            match={"prefect.resource.id": "prefect.flow-run.*"},
            match_related={"prefect.resource.role": "tag", "prefect.resource.id": "prefect.tag.khabar"},
            posture=Posture.Reactive,
            threshold=1,
        ),
        actions=[SendNotification(block_document_id=document_id, subject=SUBJECT, body=BODY)],
    )
    created: Automation = _sync(automation.create)
    return created


def _sync(call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Prefect's dual sync/async methods, called synchronously whatever the caller's context."""
    return call(*args, _sync=True, **kwargs)
