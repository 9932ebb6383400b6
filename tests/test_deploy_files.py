"""The deployment files agree with the repository and with each other.

No Docker engine or cluster runs here, so this reads docker-compose.yml, the Dockerfiles and
deploy/k8s/ as data and checks the wiring a typo would break: every deployable has an image,
a compose run + migrate pair and a Deployment; start order; commands; config references.
"""
from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
K8S = ROOT / "deploy" / "k8s"
KIT = "services/crmkit"

# deployment name (compose service, k8s Deployment, image, manifest file) -> python package
SERVICES = {
    "sales": "sales",
    "marketing": "marketing",
    "service-desk": "service_desk",
    "activities": "activities",
    "scheduler": "scheduler",
}
DEPLOYABLES = {**SERVICES, "gateway": "gateway"}
GATEWAY_PORT = 8000


def source_dir(package: str) -> str:
    return "gateway" if package == "gateway" else f"services/{package}"


def dockerfile_of(package: str) -> Path:
    return ROOT / source_dir(package) / "Dockerfile"


def run_command(package: str) -> list[str]:
    extra = ["--host", "0.0.0.0", "--port", str(GATEWAY_PORT)] if package == "gateway" else []
    return ["python", "-m", package, "run", *extra]


def as_argv(command) -> list[str]:
    return list(command) if isinstance(command, list) else shlex.split(command)


# ---- a tiny Dockerfile reader ------------------------------------------------------------

def parse_dockerfile(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs; comments dropped, continuation lines joined."""
    instructions, pending = [], ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):  # a comment inside a continued instruction
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        text = (pending + line).strip()
        pending = ""
        if text:
            keyword, _, args = text.partition(" ")
            instructions.append((keyword.upper(), args.strip()))
    assert not pending, f"{path}: dangling line continuation"
    return instructions


def exec_form(args: str) -> list[str]:
    value = json.loads(args)
    assert isinstance(value, list) and all(isinstance(v, str) for v in value), args
    return value


def env_pairs(args: str) -> dict[str, str]:
    words = shlex.split(args)
    if words and "=" not in words[0]:  # legacy `ENV KEY value`
        return {words[0]: " ".join(words[1:])}
    return dict(word.split("=", 1) for word in words)


def final_stage(instructions):
    starts = [i for i, (keyword, _) in enumerate(instructions) if keyword == "FROM"]
    assert starts, "no FROM"
    return instructions[starts[-1]:]


# ---- loaders ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def compose_services(compose) -> dict:
    return compose["services"]


@pytest.fixture(scope="module")
def k8s_documents() -> dict[str, list[dict]]:
    return {
        path.name: [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
        for path in sorted(K8S.glob("*.yaml"))
        if path.name != "kustomization.yaml"
    }


@pytest.fixture(scope="module")
def deployments(k8s_documents) -> dict[str, tuple[str, dict]]:
    found = {}
    for file_name, docs in k8s_documents.items():
        for doc in docs:
            if doc.get("kind") == "Deployment":
                name = doc["metadata"]["name"]
                assert name not in found, f"Deployment {name} defined twice"
                found[name] = (file_name, doc)
    return found


def migrate_names(compose_services) -> set[str]:
    expected = {f"{name}-migrate" for name in DEPLOYABLES}
    return expected | {name for name in compose_services if name.endswith("-migrate")}


# ---- Dockerfiles --------------------------------------------------------------------------

@pytest.mark.parametrize("package", DEPLOYABLES.values())
def test_dockerfile_installs_kit_and_service_and_runs_the_package(package):
    path = dockerfile_of(package)
    assert path.is_file(), f"missing {path.relative_to(ROOT)}"
    instructions = parse_dockerfile(path)
    final = final_stage(instructions)

    assert final[0][1].split()[0] == "python:3.11-slim"
    assert all(args.split()[0].startswith("python:3.11-slim")
               for keyword, args in instructions if keyword == "FROM")

    # Every COPY from the build context (not from another stage) names something that exists.
    copied = []
    for keyword, args in instructions:
        if keyword not in ("COPY", "ADD"):
            continue
        words = shlex.split(args)
        if any(word.startswith("--from") for word in words):
            continue
        sources = [word for word in words if not word.startswith("--")][:-1]
        assert sources, f"{path}: {keyword} {args}"
        for source in sources:
            assert (ROOT / source).exists(), f"{path}: COPY source {source} does not exist"
            copied.append(source.rstrip("/"))
    assert copied.index(KIT) < copied.index(source_dir(package)), "copy the kit first"

    installs = [args for keyword, args in instructions
                if keyword == "RUN" and "pip install" in args]
    assert len(installs) == 1, installs
    words = shlex.split(installs[0])
    assert "--no-cache-dir" in words
    assert "-e" not in words and "--editable" not in words
    targets = [word for word in words if word.startswith("./")]
    assert targets == [f"./{KIT}", f"./{source_dir(package)}"]
    for target in targets:
        assert (ROOT / target / "pyproject.toml").is_file(), f"nothing to install at {target}"

    env = {}
    for keyword, args in final:
        if keyword == "ENV":
            env.update(env_pairs(args))
    assert env.get("PYTHONUNBUFFERED") == "1"

    users = [args for keyword, args in final if keyword == "USER"]
    assert users, "the runtime stage must switch to a non-root user"
    assert users[-1].split(":")[0] not in ("root", "0")

    cmds = [args for keyword, args in final if keyword == "CMD"]
    assert cmds and exec_form(cmds[-1]) == run_command(package)


def test_dockerignore_keeps_local_state_out_of_the_build_context():
    patterns = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
                if line.strip() and not line.startswith("#")}
    for needed in (".venv", ".git", ".crm", "**/__pycache__", "**/*.egg-info"):
        assert needed in patterns, needed


# ---- docker-compose.yml -------------------------------------------------------------------

def test_infrastructure_has_health_checks(compose_services):
    assert compose_services["postgres"]["image"] == "postgres:15"
    assert "pg_isready" in " ".join(as_argv(compose_services["postgres"]["healthcheck"]["test"]))
    assert compose_services["rabbitmq"]["image"] == "rabbitmq:3.13-management"
    assert as_argv(compose_services["rabbitmq"]["healthcheck"]["test"])[-3:] == [
        "rabbitmq-diagnostics", "-q", "ping"]


@pytest.mark.parametrize("name,package", DEPLOYABLES.items())
def test_compose_has_migrate_and_run_for_each_deployable(compose_services, name, package):
    assert name in compose_services, f"compose has no {name}"
    assert f"{name}-migrate" in compose_services, f"compose has no {name}-migrate"

    migrate = compose_services[f"{name}-migrate"]
    assert as_argv(migrate["command"]) == ["python", "-m", package, "migrate"]
    for infra in ("postgres", "rabbitmq"):
        assert migrate["depends_on"][infra]["condition"] == "service_healthy"
    assert str(migrate.get("restart", "no")) == "no"

    run = compose_services[name]
    command = run.get("command")
    if command is None:  # falls back to the image's CMD
        command = exec_form([a for k, a in parse_dockerfile(dockerfile_of(package))
                             if k == "CMD"][-1])
    assert as_argv(command) == run_command(package)

    # Both containers run the same image, built from this deployable's Dockerfile.
    for service in (migrate, run):
        assert service["build"]["dockerfile"] == f"{source_dir(package)}/Dockerfile"
    assert migrate["image"] == run["image"]


@pytest.mark.parametrize("name", DEPLOYABLES)
def test_every_run_container_waits_for_every_migration(compose_services, name):
    depends_on = compose_services[name]["depends_on"]
    assert isinstance(depends_on, dict), "use the long depends_on form with conditions"
    for migrate in sorted(migrate_names(compose_services)):
        assert migrate in compose_services, f"{migrate} is not a compose service"
        assert depends_on.get(migrate, {}).get("condition") == "service_completed_successfully", (
            f"{name} must wait for {migrate}")


def test_every_build_points_at_an_existing_dockerfile_in_the_repo_root_context(compose_services):
    building = {name: s["build"] for name, s in compose_services.items() if "build" in s}
    assert len(building) == 2 * len(DEPLOYABLES)
    for name, build in building.items():
        assert (ROOT / build["context"]).resolve() == ROOT, f"{name}: context must be the root"
        assert (ROOT / build["context"] / build["dockerfile"]).is_file(), name


@pytest.mark.parametrize("name,package", DEPLOYABLES.items())
def test_compose_env_configures_bus_and_database(compose_services, name, package):
    for service_name in (name, f"{name}-migrate"):
        env = compose_services[service_name]["environment"]
        if isinstance(env, list):
            env = dict(item.split("=", 1) for item in env)
        assert env.get("CRM_AMQP_URI", "").startswith("amqp://"), service_name
        template = env.get("CRM_DATABASE_URL_TEMPLATE", "")
        assert ("{service}" in template
                or env.get(f"CRM_{package.upper()}_DATABASE_URL")), service_name


def test_gateway_publishes_its_port_and_checks_health(compose_services):
    gateway = compose_services["gateway"]
    container_ports = [str(port).rsplit(":", 1)[-1] for port in gateway["ports"]]
    assert str(GATEWAY_PORT) in container_ports
    assert f":{GATEWAY_PORT}/health" in " ".join(as_argv(gateway["healthcheck"]["test"]))


# ---- deploy/k8s ---------------------------------------------------------------------------

def test_kustomization_lists_every_manifest():
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    manifests = {path.name for path in K8S.iterdir()
                 if path.suffix in (".yaml", ".yml") and path.name != "kustomization.yaml"}
    listed = kustomization["resources"]
    assert len(listed) == len(set(listed))
    assert set(listed) == manifests


def pod_containers(deployment: dict) -> list[dict]:
    spec = deployment["spec"]["template"]["spec"]
    return spec.get("initContainers", []) + spec["containers"]


@pytest.mark.parametrize("name,package", DEPLOYABLES.items())
def test_each_deployable_has_a_deployment_that_migrates_then_runs(deployments, name, package):
    assert name in deployments, f"no Deployment {name} in deploy/k8s"
    file_name, deployment = deployments[name]
    assert file_name == f"{name}.yaml"
    assert deployment["spec"]["replicas"] == (2 if name == "gateway" else 1)

    selector = deployment["spec"]["selector"]["matchLabels"]
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert selector.items() <= labels.items()

    spec = deployment["spec"]["template"]["spec"]
    (init,) = spec["initContainers"]
    assert init["command"] == ["python", "-m", package, "migrate"]
    (main,) = spec["containers"]
    assert main.get("command", run_command(package)) == run_command(package)
    assert init["image"] == main["image"]
    assert main["image"].split(":")[0] == f"crm-{name}"

    for container in pod_containers(deployment):
        for kind in ("requests", "limits"):
            assert {"cpu", "memory"} <= set(container["resources"][kind]), container["name"]


def test_images_match_between_compose_and_k8s(compose_services, deployments):
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    retaggable = {image["name"] for image in kustomization.get("images", [])}
    for name in DEPLOYABLES:
        compose_image = compose_services[name]["image"].split(":")[0]
        k8s_image = deployments[name][1]["spec"]["template"]["spec"]["containers"][0]["image"]
        assert compose_image == k8s_image.split(":")[0]
        assert compose_image in retaggable


def test_deployments_take_config_from_the_configmap_and_secret(k8s_documents, deployments):
    config = k8s_documents["config.yaml"]
    configmaps = {d["metadata"]["name"]: d.get("data", {}) for d in config if d["kind"] == "ConfigMap"}
    secrets = {d["metadata"]["name"]: {**d.get("stringData", {}), **d.get("data", {})}
               for d in config if d["kind"] == "Secret"}
    assert "crm-config" in configmaps and "crm-secrets" in secrets

    keys = set().union(*configmaps.values(), *secrets.values())
    assert "CRM_AMQP_URI" in keys
    assert "CRM_DATABASE_URL_TEMPLATE" in keys or all(
        f"CRM_{package.upper()}_DATABASE_URL" in keys for package in DEPLOYABLES.values())

    for name, (_, deployment) in deployments.items():
        for container in pod_containers(deployment):
            sources = container.get("envFrom", [])
            used_maps = {s["configMapRef"]["name"] for s in sources if "configMapRef" in s}
            used_secrets = {s["secretRef"]["name"] for s in sources if "secretRef" in s}
            where = f"{name}/{container['name']}"
            assert used_maps and used_maps <= configmaps.keys(), where
            assert used_secrets and used_secrets <= secrets.keys(), where


def test_gateway_probes_and_service(k8s_documents, deployments):
    gateway = deployments["gateway"][1]["spec"]["template"]["spec"]["containers"][0]
    assert gateway["readinessProbe"]["httpGet"] == {"path": "/ready", "port": GATEWAY_PORT}
    assert gateway["livenessProbe"]["httpGet"] == {"path": "/health", "port": GATEWAY_PORT}

    (service,) = [d for d in k8s_documents["gateway.yaml"] if d["kind"] == "Service"]
    assert service["metadata"]["name"] == "gateway"
    (port,) = service["spec"]["ports"]
    assert (port["port"], port["targetPort"]) == (80, GATEWAY_PORT)
    pod_labels = deployments["gateway"][1]["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= pod_labels.items()
