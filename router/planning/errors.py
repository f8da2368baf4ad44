"""Errors of the planning stage."""

from router.types import RouterError


class PlanningError(RouterError):
    """The operation cannot be planned over this supergraph."""

    code = "QUERY_PLANNING_FAILED"
