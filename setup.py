"""Build step: the bundled rule sets (``rules/*.yaml`` at the top of the repository, where people
read and edit them) are copied into the package as ``perfscore/rules/`` when a wheel is built, so
a normal ``pip install`` finds them with :mod:`importlib.resources`.  An editable install reads
``rules/`` from the source tree instead (see ``perfscore.catalog.default_rules_dir``).
Everything else about the build is in pyproject.toml."""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


class BuildPyWithRules(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return
        target = Path(self.build_lib) / "perfscore" / "rules"
        target.mkdir(parents=True, exist_ok=True)
        for path in sorted((HERE / "rules").glob("*.yaml")):
            shutil.copyfile(path, target / path.name)

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        outputs = list(super().get_outputs(include_bytecode))
        if not self.editable_mode:
            target = Path(self.build_lib) / "perfscore" / "rules"
            outputs += [str(target / p.name) for p in sorted((HERE / "rules").glob("*.yaml"))]
        return outputs


setup(cmdclass={"build_py": BuildPyWithRules})
