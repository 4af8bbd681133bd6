"""An independent scanner agrees: checkov finds nothing in any generated project but the findings accepted here.

One checkov process scans every rendered variant, with every framework that has files there.
Generated files carry no skip comment: the projects' own CI does not run checkov, so a finding
accepted for a reason is listed below with it, not in a user's file. What kustomize supplies
(namespace, image digest) is checked on its own output too.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import jinja2
import pytest
import yaml

from extensions import context
from tooling.answers import WEB_KINDS, choices, questions
from tooling.project import Rendered, copy_template

TOOLS = Path(sys.executable).parent
FRAMEWORKS = ("kubernetes", "kustomize", "dockerfile", "secrets", "github_actions")
WEB = tuple(WEB_KINDS)
RUN_ONCE = tuple(kind for kind in choices("app_kind") if kind not in WEB_KINDS)
NAMESPACED = "kustomization.yaml sets the namespace of every resource (checked on its output below)"
PINNED = "a release pins the image by digest in kustomization.yaml (checked on its output below)"
# Findings accepted on purpose, each for a reason: (check, file name, kinds) -> the reason.
ACCEPTED: dict[tuple[str, str, tuple[str, ...]], str] = {
    ("CKV_DOCKER_2", "Dockerfile", RUN_ONCE): "a run-once program has no endpoint to probe: its exit code tells",
    ("CKV_SECRET_4", "compose.yaml", WEB): "the development database's throwaway password; production reads a secret",
    ("CKV_K8S_21", "deployment.yaml", WEB): NAMESPACED,
    ("CKV_K8S_21", "service.yaml", WEB): NAMESPACED,
    ("CKV_K8S_21", "cronjob.yaml", ("job",)): NAMESPACED,
    ("CKV_K8S_43", "deployment.yaml", WEB): PINNED,
    ("CKV_K8S_43", "cronjob.yaml", ("job",)): PINNED,
    ("CKV_K8S_43", "kustomization.yaml", (*WEB, "job")): PINNED,
}
RELEASE_IMAGE = "ghcr.io/example/sample-service@sha256:" + "a" * 64


def asked(question: str, **answers: Any) -> bool:
    """Whether copier.yml asks this question for these answers (its own `when:` rule)."""
    rule = questions()[question].get("when")
    return rule is None or jinja2.Template(rule).render(**answers) == "True"


def variants() -> list[Any]:
    """Every kind x manager pair, with and without PostgreSQL and Kubernetes where copier.yml asks."""
    params, seen = [], set()
    for kind, manager, postgres, kubernetes in itertools.product(
        choices("app_kind"), choices("package_manager"), [True, False], [True, False]
    ):
        answers = {
            "app_kind": kind,
            "package_manager": manager,
            "with_postgres": postgres and asked("with_postgres", app_kind=kind),
            "with_kubernetes": kubernetes and asked("with_kubernetes", app_kind=kind),
            "with_github_actions": True,
        }
        key = tuple(answers.values())
        if key not in seen:
            seen.add(key)
            database = (
                ("-postgres" if answers["with_postgres"] else "-sqlite")
                if asked("with_postgres", app_kind=kind)
                else ""
            )
            params.append(
                pytest.param(answers, id=f"{kind}-{manager}{database}{'-k8s' if answers['with_kubernetes'] else ''}")
            )
    return params


def checkov(target: Path, *frameworks: str) -> dict[str, dict[str, Any]]:
    """checkov's JSON reports by framework, offline: no API key, no guideline download, no ID mapping."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("BC_", "CKV_", "PRISMA_"))}
    # The suite's kubectl first: the kustomize framework renders k8s/ with it.
    env.update(BC_SKIP_MAPPING="TRUE", PATH=f"{TOOLS}{os.pathsep}{env.get('PATH', '')}", LOG_LEVEL="WARNING")
    option = "-d" if target.is_dir() else "-f"
    command = [str(TOOLS / "checkov"), option, str(target), "--framework", *frameworks]
    result = subprocess.run(
        [*command, "--skip-download", "--output", "json", "--compact"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode in (0, 1), result.stderr[-3000:]
    reports = json.loads(result.stdout)
    # One framework with results comes alone, not in a list; none with results gives a bare summary.
    reports = reports if isinstance(reports, list) else [reports] if "check_type" in reports else []
    return {report["check_type"]: report for report in reports}


def failures(reports: dict[str, dict[str, Any]], kind: str | None = None) -> list[str]:
    """Every finding, but those ACCEPTED for this kind."""
    return [
        f"{check['check_id']} {check['resource']} in {check['file_path']}: {check['check_name']}"
        for report in reports.values()
        for check in report["results"]["failed_checks"]
        if kind is None or accepted(check, kind) is None
    ]


def accepted(check: dict[str, Any], kind: str) -> tuple[str, str, tuple[str, ...]] | None:
    name = Path(check["file_path"]).name
    return next(
        (key for key in ACCEPTED if key[0] == check["check_id"] and key[1] == name and kind in key[2]),
        None,
    )


def skips(reports: dict[str, dict[str, Any]]) -> dict[str, set[str]]:
    """The reasons given for each skipped check."""
    reasons: dict[str, set[str]] = {}
    for report in reports.values():
        for check in report["results"]["skipped_checks"]:
            reasons.setdefault(check["check_id"], set()).add(check["check_result"].get("suppress_comment", ""))
    return reasons


def within(reports: dict[str, dict[str, Any]], directory: str) -> dict[str, dict[str, Any]]:
    """The part of each framework's report that concerns one project of a scan over many."""
    part = {}
    for framework, report in reports.items():
        results = {
            kind: [item for item in items if f"/{directory}/" in (item if isinstance(item, str) else item["file_path"])]
            for kind, items in report["results"].items()
        }
        if any(results.values()):
            part[framework] = {"check_type": framework, "results": results}
    return part


@pytest.fixture(scope="session")
def scanned(tmp_path_factory) -> tuple[Path, dict[str, dict[str, Any]]]:
    """Every variant rendered side by side and scanned by one checkov process (its start-up is most of its time)."""
    root = tmp_path_factory.mktemp("checkov")
    for param in variants():
        copy_template(root / param.id, {"project_name": "Sample Service", **param.values[0]})
    return root, checkov(root, *FRAMEWORKS)


# One group: the variants' checks share one worker, so the scan that feeds them all runs once per suite.
@pytest.mark.xdist_group("checkov-scan")
@pytest.mark.parametrize("variant", [param.id for param in variants()])
def test_checkov_finds_nothing(scanned, variant):
    root, everything = scanned
    reports = within(everything, variant)
    assert failures(reports, variant.split("-")[0]) == []
    expected = {"dockerfile", "github_actions"}
    if (root / variant / "k8s" / "kustomization.yaml").exists():
        expected |= {"kubernetes", "kustomize"}
    for framework in expected:
        assert framework in reports, f"checkov ran no {framework} check: is its tool (kubectl for kustomize) missing?"
        assert reports[framework]["results"]["passed_checks"], f"no {framework} check passed"
        assert reports[framework]["results"]["parsing_errors"] == []
    assert skips(reports) == {}, "a generated file carries a checkov skip: accept the finding in ACCEPTED instead"


@pytest.mark.xdist_group("checkov-scan")
def test_every_accepted_finding_is_found_for_each_of_its_kinds(scanned):
    """An accepted finding checkov no longer reports leaves ACCEPTED, rather than stay as a blind spot."""
    _, everything = scanned
    found = {
        (check["check_id"], Path(check["file_path"]).name, check["file_path"].split("/")[1].split("-")[0])
        for report in everything.values()
        for check in report["results"]["failed_checks"]
    }
    stale = [
        (check, name, kind) for check, name, kinds in ACCEPTED for kind in kinds if (check, name, kind) not in found
    ]
    assert not stale, f"accepted but not found: {stale}"


def test_checkov_reports_a_known_bad_project(render):
    """The check can fail: without its NetworkPolicy a project has a finding nothing accepts."""
    project = render(with_kubernetes=True, with_postgres=True)
    (project.path / "k8s" / "networkpolicy.yaml").unlink()
    kustomization = project.path / "k8s" / "kustomization.yaml"
    kustomization.write_text(kustomization.read_text().replace("  - networkpolicy.yaml\n", ""))
    found = {line.split()[0] for line in failures(checkov(project.path, *FRAMEWORKS), "fastapi")}
    assert "CKV2_K8S_6" in found


def kustomize(project: Rendered) -> list[dict[str, Any]]:
    """k8s/ as `kubectl apply -k k8s/` would send it, after a release pinned its image by digest."""
    kustomization_path = project.path / "k8s" / "kustomization.yaml"
    kustomization = yaml.safe_load(kustomization_path.read_text())
    # What `kustomize edit set image NAME=REGISTRY/NAME@sha256:...` writes: a new name and a digest, no tag.
    name, digest = RELEASE_IMAGE.split("@")
    for image in kustomization["images"]:
        image.pop("newTag", None)
        image.update(newName=name, digest=digest)
    kustomization_path.write_text(yaml.safe_dump(kustomization))
    result = subprocess.run(
        [str(TOOLS / "kubectl"), "kustomize", str(kustomization_path.parent)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return list(yaml.safe_load_all(result.stdout))


KUBERNETES_KINDS = [kind for kind in choices("app_kind") if asked("with_kubernetes", app_kind=kind)]


KUBERNETES_VARIANTS = [
    pytest.param(kind, postgres, id=f"{kind}-{'postgres' if postgres else 'no-postgres'}")
    for kind in KUBERNETES_KINDS
    for postgres in ([True, False] if asked("with_postgres", app_kind=kind) else [False])
]


@pytest.mark.parametrize(("app_kind", "with_postgres"), KUBERNETES_VARIANTS)
def test_kustomize_output_supplies_what_the_manifests_skip(render, tmp_path, app_kind, with_postgres):
    """Deployed as the README says, every resource is in the namespace and the image is pinned by digest."""
    project = render(app_kind=app_kind, with_kubernetes=True, with_postgres=with_postgres)
    derived = context.derive({**project.answers, **yaml.safe_load(project.read(".copier-answers.yml"))})
    documents = kustomize(project)
    assert sorted(document["kind"] for document in documents) == sorted(
        yaml.safe_load(project.read(f"k8s/{resource}"))["kind"] for resource in derived["k8s_resources"]
    )
    for document in documents:
        if document["kind"] == "Namespace":
            assert document["metadata"]["name"] == derived["k8s_namespace"]
            assert document["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
        else:
            assert document["metadata"]["namespace"] == derived["k8s_namespace"], document["kind"]
    rendered = tmp_path / "deployed.yaml"
    rendered.write_text(yaml.safe_dump_all(documents))
    reports = checkov(rendered, "kubernetes")
    # Accepted findings of the lone files do not hold for what is deployed.
    assert failures(reports) == []
    assert reports["kubernetes"]["summary"]["skipped"] == 0
    result = subprocess.run(
        [str(TOOLS / "kubernetes-validate"), "--strict", str(rendered)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("app_kind", KUBERNETES_KINDS)
def test_network_policy_admits_the_service_port_and_reaches_only_dns_and_the_database(render, app_kind):
    project = render(app_kind=app_kind, with_kubernetes=True, with_postgres=True)
    derived = context.derive({**project.answers, **yaml.safe_load(project.read(".copier-answers.yml"))})
    policy = yaml.safe_load(project.read("k8s/networkpolicy.yaml"))["spec"]
    assert policy["policyTypes"] == ["Ingress", "Egress"]
    assert policy["podSelector"]["matchLabels"] == {"app.kubernetes.io/name": derived["image_name"]}
    ingress = [port for rule in policy["ingress"] for port in rule["ports"]]
    egress = {(port["port"], port["protocol"]) for rule in policy["egress"] for port in rule["ports"]}
    assert all("from" not in rule for rule in policy["ingress"])
    # DNS only to the cluster's DNS pods; the database by its port, where its address is the cluster's own.
    dns = {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}}}
    dns["podSelector"] = {"matchLabels": {"k8s-app": "kube-dns"}}
    assert policy["egress"][0]["to"] == [dns]
    assert all(port["port"] == 53 for port in policy["egress"][0]["ports"])
    if derived["is_web"]:
        assert ingress == [{"port": derived["expose_port"], "protocol": "TCP"}]
        budget = yaml.safe_load(project.read("k8s/poddisruptionbudget.yaml"))["spec"]
        replicas = yaml.safe_load(project.read("k8s/deployment.yaml"))["spec"]["replicas"]
        assert 1 <= budget["minAvailable"] < replicas, "a drain must leave a replica and still be able to evict one"
        assert budget["selector"]["matchLabels"] == policy["podSelector"]["matchLabels"]
        assert egress == {(53, "UDP"), (53, "TCP"), (context.DATABASE_PORT, "TCP")}
        container = yaml.safe_load(project.read("k8s/deployment.yaml"))["spec"]["template"]["spec"]["containers"][0]
        assert [port["containerPort"] for port in container["ports"]] == [derived["expose_port"]]
        files = {env["name"]: env["value"] for env in container["env"] if env["name"].endswith("_FILE")}
        assert files == {
            f"{setting}_FILE": f"/run/secrets/database/{key}" for setting, key in derived["k8s_secret_files"].items()
        }
        assert not any("valueFrom" in env for env in container["env"])
    else:
        assert ingress == []
        assert egress == {(53, "UDP"), (53, "TCP")}


def test_readme_deploys_with_kustomize_and_says_how_to_pin_the_digest(render):
    project = render(with_kubernetes=True)
    section = project.read("README.md").split("## Kubernetes\n", 1)[1].split("\n## ", 1)[0]
    assert "kubectl apply -k k8s/\n" in section
    assert "kubectl apply -f" not in section
    assert "kustomize edit set image sample-service=REGISTRY/NAME@sha256:DIGEST" in section
    assert "kubectl create secret generic sample-service-database --namespace sample-service" in section
