"""The ONNX runtime side of learned policies: the graph's names and a single-threaded CPU session.

Training (agents/training/export.py) writes graphs with these names; strategies read them. Both import
this module, so the names exist once and strategies never reach up into agents.
"""

from __future__ import annotations

from pathlib import Path

ONNX_INPUT = "observation"
ONNX_OUTPUT = "action"


def onnx_session(path: Path):
    """An onnxruntime session on one CPU thread (policies are tiny; threads would only add overhead)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
