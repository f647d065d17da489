"""The benchmark harness: what builtins-scoped state costs, stock against
patched, in one run (SPEC 6).  `python3 -m bench --help` (PYTHONPATH=Tools).

  workloads  the operations measured
  child      runs one workload inside the interpreter measured
  cext       builds the C-level workloads' extension for each interpreter
  measure    instructions per operation (callgrind) and time per operation
  report     tables, ratios, JSON and Markdown
"""
