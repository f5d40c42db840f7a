"""The Prefect deployments of handover: registered by `handover deploy`, served by `handover serve`.

``handover deploy`` registers them with the Prefect server of ``PREFECT_API_URL`` in the process work
pool ``settings.work_pool`` (created when missing). Their entrypoints are module paths
(``flows.offboarding.offboarding``): a worker imports the flows from the handover package installed
beside it, so every worker machine installs the same handover release, and no code is uploaded.
Registering again updates the deployments in place. They carry no schedule: `handover scheduler` is
the one clock (docs/deploy.md).
"""

from __future__ import annotations

from importlib.metadata import version
from typing import Any

from handover.errors import HandoverError

TAGS = ["handover"]
OFFBOARDING = "offboarding/offboarding"


def handover_flows() -> list[tuple[Any, str]]:
    """(flow, deployment name) of every deployment, HR's entry point first."""
    from flows.evaluation import evaluation
    from flows.offboarding import offboarding, start_offboarding
    from flows.pool import pool_reclaim
    from flows.revisit import follow_up

    return [(start_offboarding, "start-offboarding"), (offboarding, "offboarding"), (follow_up, "follow-up"),
            (pool_reclaim, "pool-reclaim"), (evaluation, "evaluation")]


def deployment_names() -> list[str]:
    """Full names as the Prefect API and `prefect deployment run` know them: ``flow/deployment``."""
    return [f"{flow.name}/{name}" for flow, name in handover_flows()]


def ensure_work_pool(pool: str) -> bool:
    """Create the process work pool when it does not exist; True when it was created now."""
    from prefect import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound
    from prefect.workers.process import ProcessWorker

    with get_client(sync_client=True) as client:
        try:
            client.read_work_pool(pool)
            return False
        except ObjectNotFound:
            pass
        try:
            client.create_work_pool(WorkPoolCreate(
                name=pool, type=ProcessWorker.type, base_job_template=ProcessWorker.get_default_base_job_template(),
                description="handover: process workers run the offboarding procedure"))
            return True
        except ObjectAlreadyExists:  # a worker started meanwhile creates its pool too
            return False


def check_server() -> str:
    """The configured Prefect API URL, once it answers; HandoverError naming what to do otherwise."""
    from prefect import get_client
    from prefect.settings import PREFECT_API_URL

    url = PREFECT_API_URL.value()
    if not url:
        raise HandoverError("PREFECT_API_URL is not set: deployments are registered with a Prefect server; "
                            "start one and set PREFECT_API_URL=http://HOST:4200/api (docs/deploy.md)")
    with get_client(sync_client=True) as client:
        problem = client.api_healthcheck()
    if problem is not None:
        raise HandoverError(f"PREFECT_API_URL {url}: the Prefect server does not answer ({problem}); "
                            "start `prefect server start` or correct the URL")
    return url


def register(pool: str) -> dict[str, Any]:
    """Register (or update) every deployment in ``pool``; what was registered, for the CLI to print."""
    from prefect.deployments.runner import deploy
    from prefect.types.entrypoint import EntrypointType

    server = check_server()
    created = ensure_work_pool(pool)
    flows = handover_flows()
    ids = deploy(*(flow.to_deployment(name=name, tags=TAGS, version=version("handover"),
                                      entrypoint_type=EntrypointType.MODULE_PATH) for flow, name in flows),
                 work_pool_name=pool, build=False, push=False, print_next_steps_message=False, ignore_warnings=True)
    return {"prefect_api": server, "work_pool": pool, "work_pool_created": created, "version": version("handover"),
            "deployments": [{"deployment": f"{flow.name}/{name}", "id": str(deployment_id)}
                            for (flow, name), deployment_id in zip(flows, ids)]}
