"""Caseloads: reading them (`read`: case folders, JSON Lines, CSV, Parquet), deciding them in chunks
with one output row per input row (`run`: clingo with reasons, or the columnar reading; across
processes or a Dask cluster; resumable), and generating them (`generate`)."""

from .generate import CaseGenerator, generate, variants
from .read import FORMATS, FlatColumn, Row, count_rows, flat_columns, input_format, read_rows, unflatten
from .run import ChunkResult, Disagreement, Totals, decide_chunk, read_journal, run_batch, write_parquet

__all__ = ["CaseGenerator", "generate", "variants", "FORMATS", "FlatColumn", "Row", "count_rows", "flat_columns",
           "input_format", "read_rows", "unflatten", "ChunkResult", "Disagreement", "Totals", "decide_chunk",
           "read_journal", "run_batch", "write_parquet"]  # fmt: skip
