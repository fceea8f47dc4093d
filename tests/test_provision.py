"""tests/provision.sh: the one step that gives `make test` and `.ci/run` jekyll and redis-server.

The script runs here with a PATH of stand-in commands, so each machine it may meet is real to it: a
root user with apt-get, a user with password-less sudo, a user who can install nothing, a machine
without apt. The stand-ins record how they were called; nothing is installed on this machine.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent / "provision.sh"
BASH = shutil.which("bash")


def stub(bin_dir: Path, name: str, body: str) -> None:
    path = bin_dir / name
    path.write_text(f"#!{BASH}\n{body}\n")
    path.chmod(0o755)


@pytest.fixture
def machine(tmp_path: Path):
    """A bin folder with the basic tools the script uses, and a log of the stand-ins' calls."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("cut", "cat", "chmod"):
        (bin_dir / tool).symlink_to(shutil.which(tool))
    log = tmp_path / "calls.log"
    return bin_dir, log


def run(bin_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {"PATH": str(bin_dir), "HOME": str(bin_dir.parent)}
    return subprocess.run([BASH, str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60)


def fake_apt(bin_dir: Path, log: Path) -> None:
    """An apt-get that records its arguments and 'installs' jekyll and redis-server as stand-ins."""
    stub(
        bin_dir,
        "apt-get",
        f'echo "apt-get $*" >> {log}\n'
        f'if [ "$1" = install ]; then\n'
        f"  printf '#!{BASH}\\necho jekyll 4.3.1\\n' > {bin_dir}/jekyll; chmod +x {bin_dir}/jekyll\n"
        f"  printf '#!{BASH}\\necho Redis server v=7.0.15 sha=0\\n' > {bin_dir}/redis-server\n"
        f"  chmod +x {bin_dir}/redis-server\n"
        f"  printf '#!{BASH}\\necho Chromium 156\\n' > {bin_dir}/chromium; chmod +x {bin_dir}/chromium\n"
        f"fi",
    )


def test_nothing_to_do_when_both_tools_are_there(machine):
    bin_dir, log = machine
    stub(bin_dir, "jekyll", "echo jekyll 4.3.1")
    stub(bin_dir, "redis-server", "echo Redis")
    stub(bin_dir, "chromium", "echo Chromium 156")
    stub(bin_dir, "id", "echo 1000")
    fake_apt(bin_dir, log)
    result = run(bin_dir)
    assert result.returncode == 0, result.stderr
    assert result.stderr == "" and not log.exists()


def test_root_installs_only_what_is_missing(machine):
    bin_dir, log = machine
    stub(bin_dir, "redis-server", "echo Redis server v=7.0.15")
    stub(bin_dir, "chromium", "echo Chromium 156")
    stub(bin_dir, "id", "echo 0")
    fake_apt(bin_dir, log)
    result = run(bin_dir)
    assert result.returncode == 0, result.stderr
    calls = log.read_text().splitlines()
    assert calls[0].startswith("apt-get update")
    assert calls[1].startswith("apt-get install") and calls[1].split()[-1] == "jekyll"
    assert "redis-server" not in calls[1]
    assert "provision: installing jekyll with apt-get" in result.stderr


def test_a_user_with_passwordless_sudo_installs_through_it(machine):
    bin_dir, log = machine
    stub(bin_dir, "id", "echo 1000")
    stub(bin_dir, "sudo", f'echo "sudo $*" >> {log}\nif [ "$1" = -n ]; then shift; fi\n"$@"')
    fake_apt(bin_dir, log)
    result = run(bin_dir)
    assert result.returncode == 0, result.stderr
    calls = log.read_text().splitlines()
    assert "sudo -n apt-get install -y -qq --no-install-recommends jekyll redis-server chromium" in calls
    assert all((bin_dir / tool).exists() for tool in ("jekyll", "redis-server", "chromium"))


def test_a_user_who_cannot_install_gets_one_message_and_no_install(machine):
    bin_dir, log = machine
    stub(bin_dir, "id", "echo 1000")
    stub(bin_dir, "sudo", f'echo "sudo $*" >> {log}\necho "sudo: a password is required" >&2; exit 1')
    fake_apt(bin_dir, log)
    result = run(bin_dir)
    assert result.returncode == 3
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0].startswith("provision: the tests need jekyll redis-server chromium, which this machine lacks")
    assert "apt-get update && apt-get install -y --no-install-recommends jekyll redis-server chromium" in lines[1]
    assert "apt-get install" not in (log.read_text() if log.exists() else "").replace("sudo -n true", "")


def test_a_machine_without_apt_names_the_programs(machine):
    bin_dir, _log = machine
    stub(bin_dir, "id", "echo 0")
    stub(bin_dir, "jekyll", "echo jekyll 4.3.1")
    stub(bin_dir, "chromium", "echo Chromium 156")
    result = run(bin_dir)
    assert result.returncode == 3
    assert "the tests need redis-server" in result.stderr
    assert "with your system's package manager" in result.stderr


def test_make_test_provisions_before_any_test():
    """`make test` runs the script before pytest, and .ci/run goes through the same target."""
    root = SCRIPT.parent.parent
    plan = subprocess.run(["make", "-n", "-C", str(root), "test"], capture_output=True, text=True, check=True)
    commands = plan.stdout.splitlines()
    provision = next(i for i, line in enumerate(commands) if "tests/provision.sh" in line)
    pytest_run = next(i for i, line in enumerate(commands) if "-m pytest" in line)
    assert provision < pytest_run
    assert "make provision" in (root / ".ci" / "run").read_text()
