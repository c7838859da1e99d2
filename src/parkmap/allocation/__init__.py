"""Project allocation: whether a park's pipeline fits, and where the projects go.

:func:`allocate` places the projects of a park (its ``projects`` layer or an imported
list) on the plots of a layout: each project gets one plot or a group of touching
plots in a sub-park that takes its industry, of at least its land demand and at most a
slack above it, on plots whose buildings meet its FAR minimum. The choice is an integer
programme solved with ``scipy.optimize.milp`` (HiGHS): statuses served in order
(lexicographic), then the least land wasted. The :class:`Allocation` it returns holds a
per-project table, the plots with their project, the unplaced projects, a land balance
per sub-park, a headline and the notes of every assumption.

Modules: :mod:`~parkmap.allocation.rules` (rules and their tables),
:mod:`~parkmap.allocation.demand` (land demand), :mod:`~parkmap.allocation.supply`
(plots and their neighbours), :mod:`~parkmap.allocation.candidates` (plot groups),
:mod:`~parkmap.allocation.solver` (the programme), :mod:`~parkmap.allocation.result`.
"""

from __future__ import annotations

from parkmap.allocation.engine import allocate
from parkmap.allocation.result import Allocation
from parkmap.allocation.rules import AllocationRules, allocation_rules

__all__ = ["Allocation", "AllocationRules", "allocate", "allocation_rules"]
