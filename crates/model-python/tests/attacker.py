"""The start of every attacker in the misbehaving-interpreter tests (model-python's attacks.rs,
greetbench's python_cli.rs): it answers greetbench's probe as a Python 3.11 would, then offers
what an attacker needs to speak the protocol badly. Each test appends its own behaviour.
It is the attacker, not the thing measured."""

import json, os, sys, time
ME = {"path": os.path.abspath(__file__), "implementation": "CPython", "version": "3.11.0",
      "free_threaded": False, "gil_enabled": True}
if sys.argv[1:2] == ["-c"]:
    print(json.dumps(dict(ME, uvloop=False, subinterpreters=False)))
    sys.exit(0)
def say(message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()
def ready(pid=None, workers=()):
    say({"Ready": {"pid": pid or os.getpid(), "interpreter": ME, "workers": list(workers)}})
def plan():
    return json.loads(sys.stdin.readline())["Plan"]
def done(i):
    say({"Done": {"index": i, "pid": os.getpid(), "latency_us": 1, "reply": None,
                  "checksum": 0, "error": None}})
