"""One composer per answer shape; `COMPOSERS[plan.shape]` answers a plan."""

from __future__ import annotations

from retrieval.answering.composers.commission import CommissionTextComposer
from retrieval.answering.composers.compare import CompareComposer
from retrieval.answering.composers.fact import FactComposer
from retrieval.answering.composers.inverse import InverseComposer
from retrieval.answering.composers.lists import CountComposer, ListByStanceComposer
from retrieval.answering.composers.no_statement import NoStatementComposer
from retrieval.answering.composers.overview import MeasureOverviewComposer
from retrieval.answering.composers.position import PositionComposer
from retrieval.answering.composers.profile import ProfileComposer

COMPOSERS = {c.shape: c() for c in (
    PositionComposer, FactComposer, ListByStanceComposer, CountComposer, CompareComposer,
    ProfileComposer, InverseComposer, MeasureOverviewComposer, NoStatementComposer,
    CommissionTextComposer,
)}

__all__ = ["COMPOSERS"]
