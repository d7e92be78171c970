"""Run a student's BN (``forward`` and ``backward``) on given batches, in this process, and write what it returned.

Started by :mod:`bnviz.teach.sandbox` as ``python -I grader_child.py JOB OUT CPU_SECONDS MEMORY_BYTES``, never
imported by the app: it limits its own CPU time, address space and file size first (``resource.setrlimit``),
then imports the student's file and calls it. It uses only the standard library and NumPy (and PyTorch if
the student's file imports it), not bnviz. The student's prints are kept (the first few thousand
characters), never shown as Markdown.
"""

import io
import json
import math
import resource
import sys
import traceback

KEPT_CHARS = 4000  # of what the student's code prints
MAX_VALUES = 10_000  # a returned array with more values than this is reported by its shape only
OUTPUT_FILE_BYTES = 4 * 2**20  # the most any file this process writes may hold


class Kept(io.TextIOBase):
    """A stdout that keeps the first KEPT_CHARS characters and counts the rest."""

    def __init__(self):
        self.text, self.kept, self.dropped = [], 0, 0

    def write(self, s):
        s = str(s)
        room = max(KEPT_CHARS - self.kept, 0)
        if room:
            self.text.append(s[:room])
            self.kept += len(self.text[-1])
        self.dropped += max(len(s) - room, 0)
        return len(s)

    def value(self):
        more = f"\n… ({self.dropped:,} more characters not kept)" if self.dropped else ""
        return "".join(self.text) + more


def limit(cpu_seconds, memory_bytes):
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_FSIZE, (OUTPUT_FILE_BYTES, OUTPUT_FILE_BYTES))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def plain(value):
    """A returned array (NumPy, PyTorch, nested lists or a number) as nested lists of floats, or a note why not."""
    if hasattr(value, "detach"):  # a torch.Tensor
        value = value.detach().cpu().double().numpy()
    try:
        import numpy as np

        array = np.asarray(value, dtype=np.float64)
    except Exception as e:  # noqa: BLE001 - whatever the student returned
        return {"note": f"not an array of numbers ({type(value).__name__}: {str(e)[:120]})"}
    if array.size > MAX_VALUES:
        return {"note": f"an array of shape {tuple(array.shape)}, too large to compare"}
    return {"shape": list(array.shape), "values": [v if math.isfinite(v) else str(v) for v in array.ravel().tolist()]}


def cache_items(cache):
    """The cache's entries that are arrays or numbers, by name (a dict) or by position (a tuple or list)."""
    if isinstance(cache, dict):
        items = [(str(k), v) for k, v in cache.items()]
    elif isinstance(cache, (tuple, list)):
        items = [(f"#{i}", v) for i, v in enumerate(cache)]
    else:
        return {}
    out = {}
    for name, v in items[:64]:
        p = plain(v)
        if "values" in p:
            out[name] = p
    return out


def student_frames(tb, path):
    """The traceback's lines in the student's file only: the rest is this runner."""
    frames = [f for f in traceback.extract_tb(tb) if f.filename == path]
    return "".join(traceback.format_list(frames)).replace(path, "my_bn.py")


def run(job, results):
    """Call the student's forward and backward on each probe, filling ``results`` as it goes."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("student_bn", job["code"])
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for name in ("forward", "backward"):
        if not callable(getattr(module, name, None)):
            raise NameError(f"your file defines no function named {name}(...)")
    uses_torch = "torch" in vars(module) and "np" not in vars(module) and "numpy" not in vars(module)
    if uses_torch:
        import torch

        def array(v):
            return torch.tensor(v, dtype=torch.float64)
    else:
        import numpy as np

        def array(v):
            return np.array(v, dtype=np.float64)

    results["framework"] = "PyTorch" if uses_torch else "NumPy"
    for probe in job["probes"]:
        out = {}
        results["probes"].append(out)
        returned = module.forward(array(probe["x"]), array(probe["gamma"]), array(probe["beta"]), probe["eps"])
        if not isinstance(returned, (tuple, list)) or len(returned) != 2:
            raise TypeError(f"forward must return two things, (y, cache); it returned {type(returned).__name__}")
        y, cache = returned
        out["y"], out["cache"] = plain(y), cache_items(cache)
        returned = module.backward(array(probe["dy"]), cache)
        if not isinstance(returned, (tuple, list)) or len(returned) != 3:
            raise TypeError(
                f"backward must return three things, (dx, dgamma, dbeta); it returned {type(returned).__name__}"
            )
        out["dx"], out["dgamma"], out["dbeta"] = (plain(v) for v in returned)


def main(argv):
    job_path, out_path, cpu_seconds, memory_bytes = argv[1], argv[2], int(argv[3]), int(argv[4])
    limit(cpu_seconds, memory_bytes)
    with open(job_path) as f:
        job = json.load(f)
    kept, real = Kept(), (sys.stdout, sys.stderr)
    sys.stdout = sys.stderr = kept
    results = {"probes": []}
    try:
        run(job, results)
        status = "ok"
    except MemoryError:
        status = "memory"
    except BaseException as e:  # noqa: BLE001 - the student's code may raise anything, SystemExit included
        status = "raised"
        results["error"] = {
            "type": type(e).__name__,
            "message": str(e)[:1000],
            "where": student_frames(e.__traceback__, job["code"])[-3000:],
        }
    finally:
        sys.stdout, sys.stderr = real
    results.update(status=status, printed=kept.value())
    with open(out_path, "w") as f:
        json.dump(results, f)


if __name__ == "__main__":
    main(sys.argv)
