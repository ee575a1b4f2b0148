"""Every package the app imports at run time is pinned in requirements.txt (what ``scripts/run`` installs).

The test suite installs requirements-dev.txt, so a runtime import listed only there passes every other test
and still breaks the README's first command on a fresh machine (pypdf did, for the badges).
"""

import ast
import re
import sys
from importlib.metadata import PackageNotFoundError, packages_distributions, requires
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _pinned(path: Path) -> set[str]:
    names = set()
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            names.add(re.split(r"[\[=<>~! ]", line, maxsplit=1)[0].lower().replace("_", "-"))
    return names


def _installed_with(pinned: set[str]) -> set[str]:
    """``pinned`` and everything they require, transitively (as pip installs them; extras left out)."""
    seen, todo = set(), list(pinned)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            needs = requires(name) or []
        except PackageNotFoundError:
            continue
        for requirement in needs:
            if "extra ==" in requirement:
                continue
            todo.append(re.split(r"[\[=<>~!; (]", requirement, maxsplit=1)[0].lower().replace("_", "-"))
    return seen


def _imported_top_levels() -> set[str]:
    found = set()
    for path in [*(ROOT / "plenary").rglob("*.py"), ROOT / "wsgi.py", *(ROOT / "migrations").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return found - set(sys.stdlib_module_names) - {"plenary", "__future__"}


def test_every_runtime_import_is_pinned_in_requirements_txt():
    pinned = _installed_with(_pinned(ROOT / "requirements.txt"))
    owners = packages_distributions()
    missing = {}
    for module in sorted(_imported_top_levels()):
        distributions = {name.lower().replace("_", "-") for name in owners.get(module, [])}
        assert distributions, f"{module} is imported but installed by no package"
        if not distributions & pinned:
            missing[module] = sorted(distributions)
    assert not missing, f"imported at run time, not in requirements.txt: {missing}"


def test_the_check_sees_an_unpinned_import(tmp_path):
    """The check itself can fail: pytest is installed (requirements-dev.txt) but not a runtime requirement."""
    runtime = _installed_with(_pinned(ROOT / "requirements.txt"))
    assert packages_distributions().get("pytest") and "pytest" not in runtime
    assert {"pypdf", "jinja2", "click"} <= runtime  # pinned, and Flask's own
