"""Stage 2: from a validated operation to a query plan of subgraph fetches."""

from router.planning.errors import PlanningError
from router.planning.operation import Operation
from router.planning.plan import Condition, Fetch, Flatten, Parallel, QueryPlan, Sequence
from router.planning.planner import PlanCache, plan_operation

__all__ = [
    "Condition",
    "Fetch",
    "Flatten",
    "Operation",
    "Parallel",
    "PlanCache",
    "PlanningError",
    "QueryPlan",
    "Sequence",
    "plan_operation",
]
