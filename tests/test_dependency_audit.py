"""pip-audit over the pinned dependencies (constraints.txt, exact versions, no resolution):
every known vulnerability fails the test unless dependency_audit_allowlist.txt names it with
a reason. It needs PyPI's vulnerability data: when that cannot be reached, or a package
could not be looked up, the test fails saying so (an audit that checked nothing passes
nothing)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

# Opt-in (`-m audit`): run where pypi.org's per-version JSON answers (docs/RELIABILITY.md).
pytestmark = pytest.mark.audit

ROOT = Path(__file__).resolve().parents[1]
CONSTRAINTS = ROOT / "constraints.txt"
ALLOWLIST = Path(__file__).with_name("dependency_audit_allowlist.txt")
PIP_AUDIT = Path(sys.executable).with_name("pip-audit")


def allowlist() -> dict[str, str]:
    """{vulnerability id: reason}; a line without a reason is an error."""
    allowed = {}
    for number, line in enumerate(ALLOWLIST.read_text().splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(None, 2)
        assert len(parts) == 3, f"{ALLOWLIST.name}:{number}: give '<id> <package> <reason>'"
        allowed[parts[0]] = parts[2]
    return allowed


def audit() -> dict:
    # --no-deps --disable-pip: audit exactly the pinned versions, without building an env.
    result = subprocess.run(
        [str(PIP_AUDIT), "-r", str(CONSTRAINTS), "--no-deps", "--disable-pip", "--format", "json",
         "--progress-spinner", "off"], capture_output=True, text=True, timeout=600)
    try:
        return json.loads(result.stdout)
    except ValueError:
        raise AssertionError(
            "pip-audit gave no report: is PyPI's vulnerability data (https://pypi.org/pypi/<name>/"
            f"<version>/json) reachable from here?\n{result.stderr[-3000:]}") from None


def problems(report: dict, allowed: dict[str, str]) -> tuple[list[str], list[str], int]:
    """(packages not audited, vulnerabilities not allowed, vulnerabilities found) of a report."""
    dependencies = report["dependencies"]
    unaudited = [f"{d['name']}: {d['skip_reason']}" for d in dependencies if "skip_reason" in d]
    found = [(d["name"], d["version"], v) for d in dependencies for v in d.get("vulns", [])]
    unexplained = [f"{name} {version}: {v['id']} {v.get('aliases', [])} fixed in {v.get('fix_versions')}"
                   for name, version, v in found
                   if not ({v["id"], *v.get("aliases", [])} & set(allowed))]
    return unaudited, unexplained, len(found)


def test_the_report_is_read_strictly():
    report = {"dependencies": [
        {"name": "a", "version": "1", "vulns": [{"id": "PYSEC-1", "aliases": ["CVE-1"], "fix_versions": ["2"]}]},
        {"name": "b", "version": "1", "vulns": [{"id": "GHSA-2", "aliases": [], "fix_versions": []}]},
        {"name": "c", "version": "1", "vulns": []},
        {"name": "d", "skip_reason": "Dependency not found on PyPI"}]}
    unaudited, unexplained, found = problems(report, {"CVE-1": "not reachable: we never parse X"})
    assert unaudited == ["d: Dependency not found on PyPI"]
    assert unexplained == ["b 1: GHSA-2 [] fixed in []"] and found == 2


def test_no_known_vulnerability_in_the_pinned_dependencies():
    allowed = allowlist()
    report = audit()
    pinned = [line for line in CONSTRAINTS.read_text().splitlines() if "==" in line]
    assert len(report["dependencies"]) == len(pinned), (len(report["dependencies"]), len(pinned))
    unaudited, unexplained, found = problems(report, allowed)
    assert not unaudited, (
        f"{len(unaudited)} of {len(pinned)} pinned packages could not be audited; PyPI's "
        "vulnerability data is unreachable or incomplete from this machine:\n" + "\n".join(unaudited[:20]))
    assert not unexplained, "known vulnerabilities not in the allow-list:\n" + "\n".join(unexplained)
    print(f"pip-audit: {len(pinned)} pinned packages audited, {found} known vulnerabilities, "
          f"{found - len(unexplained)} allowed with a reason")
