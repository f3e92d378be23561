"""Policies behind one interface: fee strategies (observation -> fee) and portfolio strategies (prices ->
target weights), static, heuristic and learned (run from ONNX), with their command-line specs. Imports only
envs."""
