"""How many items the strawberry subgraphs' list fields return, as ``@listSize`` tells the
router's demand control. (``@cost`` weights are declared on the fields themselves, with why.)

Arguments left ``UNSET`` are left out of the SDL (``None`` would print as ``null``).
"""

from __future__ import annotations

from strawberry import UNSET
from strawberry.federation.schema_directives import ListSize

from subgraphs.common.pagination import MAX_PAGE


def assumed(size: int) -> ListSize:
    """A list of at most about ``size`` items, whatever the query asks."""
    return ListSize(assumed_size=size, slicing_arguments=UNSET, sized_fields=UNSET,
                    require_one_slicing_argument=UNSET)  # fmt: skip


def sliced(argument: str = "first") -> ListSize:
    """A list of as many items as the query's ``argument`` asks for."""
    return ListSize(assumed_size=UNSET, slicing_arguments=[argument], sized_fields=UNSET,
                    require_one_slicing_argument=UNSET)  # fmt: skip


def page_of(*sized_fields: str) -> ListSize:
    """A page whose ``sized_fields`` hold as many items as the query's ``first`` asks for."""
    return ListSize(
        assumed_size=UNSET,
        slicing_arguments=["first"],
        sized_fields=list(sized_fields),
        require_one_slicing_argument=UNSET,
    )


PAGE_ITEMS = assumed(MAX_PAGE)
"""A page's own list (``edges``, ``nodes``): the paginated field that returns the page sizes it
from ``first``; reached any other way, a page holds at most :data:`MAX_PAGE` items."""
