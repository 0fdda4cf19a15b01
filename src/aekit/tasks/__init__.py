"""Tasks: plain functions of a trained model. They never train."""

from .evaluate import evaluate, evaluation_data

__all__ = ["evaluate", "evaluation_data"]
