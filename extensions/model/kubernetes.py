"""Kubernetes: names within its limits, the schedule, the manifests a project deploys and their policies."""

from __future__ import annotations

from typing import Any

from .commands import WEB_KINDS
from .images import DATABASE_PORT

# Kubernetes object names are DNS labels (63); a CronJob's leaves 11 characters for its Jobs' suffix.
KUBERNETES_NAME_MAX = 63
KUBERNETES_CRONJOB_NAME_MAX = 52
# The job's schedule is read in UTC everywhere: a host's or a cluster's local zone would shift it.
SCHEDULE_TIME_ZONE = "Etc/UTC"


def kubernetes_name(slug: str, limit: int = KUBERNETES_NAME_MAX) -> str:
    """A name or label value within the limit that still ends on a letter or digit."""
    return slug[:limit].rstrip("-")


def cron_schedule(schedule: str) -> str:
    """The schedule as cron and Kubernetes want it: single spaces, none around it."""
    return " ".join(schedule.split())


def host_crontab_line(schedule: str) -> str:
    """The crontab entry that runs the production compose job on the schedule, for hosts without Kubernetes."""
    # As the crontab's owner, so that the job may delete that user's files (the image's own uid owns none).
    user = '--user "$(id -u):$(id -g)"'
    return f"{cron_schedule(schedule)} cd /path/to/project && docker compose -f compose.prod.yaml run --rm {user} app"


def network_policy(is_web: bool, port: int, uses_postgres: bool) -> dict[str, list[dict[str, Any]]]:
    """Ports a workload's pods may be reached on and may reach: the service port in; the cluster's DNS
    pods and the database out."""
    ingress = [{"port": port, "protocol": "TCP"}] if is_web else []
    dns = [{"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}]
    database = [{"port": DATABASE_PORT, "protocol": "TCP"}] if uses_postgres else []
    return {"ingress": ingress, "dns": dns, "database": database}


def database_secret_files(uses_postgres: bool) -> dict[str, str]:
    """Keys of the database Secret a Deployment mounts, by the setting that reads each from its file."""
    return {"DATABASE_URL": "url", "DATABASE_PASSWORD": "password"} if uses_postgres else {}


def kubernetes_resources(app_kind: str, with_kubernetes: bool) -> list[str]:
    """The manifests k8s/kustomization.yaml deploys; a command-line tool has no workload, so none."""
    web = ["deployment.yaml", "service.yaml", "poddisruptionbudget.yaml"]
    workload = web if app_kind in WEB_KINDS else {"job": ["cronjob.yaml"]}.get(app_kind)
    return ["namespace.yaml", "networkpolicy.yaml", *workload] if with_kubernetes and workload else []
