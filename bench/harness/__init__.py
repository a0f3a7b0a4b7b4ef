"""The benchmark harness behind bench/run.py: the Morse cluster against HAProxy and nginx, every front in one run.

One concern per module:
  scenarios.py  what is measured: the scenario registry (add a scenario here)
  goals.py      what counts as good enough: the goals as data (add a goal here)
  fronts.py     what is measured through: direct, morse-proxy, HAProxy, nginx
  cluster.py    the workers and the fronts on 127.0.0.1, started and stopped
  scenario.py   the Scenario base class, its result, and the hints it gives the report and the chart
  load.py       the load generators: wrk, h2load, idle connections
  measure.py    readings of a process from /proc: CPU time, RSS, peak RSS
  metrics.py    metric names, units and formats; NaN-aware median and ratio
  runner.py     runs the scenarios with the fronts interleaved (A B C D A B C D ...)
  report.py     the Markdown report;  chart.py  the PNG;  outputs.py  writes them, the JSON and the console summary
  perf.py       the perf profile written when a goal is missed
  machine.py    the machine and tool versions the report states
  procs.py      starting, waiting for and stopping processes; HTTP probes; bench/lib/fronts.sh
  settings.py   the run's settings (quick or full);  cli.py  the command line and the run from start to end
  common.py     the repository root, the log and the harness's error
"""
