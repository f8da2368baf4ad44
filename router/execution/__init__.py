"""Stage 3: run a query plan against subgraphs and shape the client's response."""

from router.execution.client import HttpSubgraphClient, SubgraphClient, SubgraphError
from router.execution.executor import ExecutionResult, execute_plan
from router.execution.response import shape_response

__all__ = [
    "ExecutionResult",
    "HttpSubgraphClient",
    "SubgraphClient",
    "SubgraphError",
    "execute_plan",
    "shape_response",
]
