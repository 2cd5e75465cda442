"""Answers by shape: a typed question plan, one composer per shape, and sentence-level
evidence. `OfflineAnswerer` ties them together."""

from retrieval.answering.answerer import OfflineAnswerer
from retrieval.answering.plan import QuestionPlan

__all__ = ["OfflineAnswerer", "QuestionPlan"]
