"""Every export, by the pages they come from: importing this module fills the registry (the
views, the task and the benchmark import it)."""

from reporting.exports import (  # noqa: F401 -- each module registers its definitions
    definitions,
    definitions_evaluation,
    definitions_kpis,
    definitions_payments,
)
