"""An import-linter contract of our own (`make lint` runs it with the others in
`pyproject.toml`): capabilities reach each other only through their surface.

A capability of `bookshelf` (shelf, ledger, review...) is a package; its *surface* is the
few modules others may import (`models`, `services`, `selectors`, `error_codes`...). Every
other module of it (how the benefit centre is assembled, how a review chunk is computed) is
its own business: a module outside the capability that imports one is a broken contract, so
a rule is used through the function that owns it and can be changed in one place.

Development tools (`exempt_importers`: the seeders, the benchmark) and the wiring that
registers things (`bookshelf.apps`, `bookshelf.models`, migrations) may look inside.
"""

from __future__ import annotations

from typing import Any, cast

from grimp import ImportGraph
from importlinter import Contract, ContractCheck, fields, output


def _inside(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


class SurfaceContract(Contract):
    """Modules outside a capability import only the capability's surface modules."""

    type_name = "surface"

    capabilities = fields.ListField(subfield=fields.ModuleField())
    surface = fields.ListField(subfield=fields.StringField())
    exempt_importers = fields.ListField(subfield=fields.ModuleField(), required=False)

    def _option(self, name: str) -> list[Any]:
        """A parsed list option (the fields put plain values on the instance)."""
        return cast(list[Any], getattr(self, name) or [])

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        surface = set(self._option("surface"))
        exempt = [m.name for m in self._option("exempt_importers")]
        broken: list[dict[str, Any]] = []
        for capability in self._option("capabilities"):
            package = capability.name
            depth = package.count(".") + 1
            for module in sorted(graph.find_descendants(package)):
                if module.split(".")[depth] in surface:
                    continue
                for importer in sorted(graph.find_modules_that_directly_import(module)):
                    if _inside(importer, package) or any(_inside(importer, e) for e in exempt):
                        continue
                    lines = graph.get_import_details(importer=importer, imported=module)
                    broken.append(
                        {
                            "importer": importer,
                            "imported": module,
                            "lines": [d["line_number"] for d in lines],
                        }
                    )
        return ContractCheck(kept=not broken, metadata={"broken": broken})

    def render_broken_contract(self, check: ContractCheck) -> None:
        surface = ", ".join(self._option("surface"))
        for item in check.metadata["broken"]:
            where = ", ".join(f"l.{n}" for n in item["lines"])
            output.print_error(
                f"{item['importer']} imports {item['imported']} ({where}): not part of its "
                f"capability's surface ({surface})",
                bold=False,
            )
            output.new_line()
