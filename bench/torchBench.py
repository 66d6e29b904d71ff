# PyTorch peer of `rnnlab bench`: the same char LM (one-hot → nn.LSTM → nn.Linear, cross-entropy,
# Adam, gradient-norm clip 5, dropout 0.1 as the engine's default) doing forward + backward + step
# per batch. Prints one JSON object: seconds per step per thread count, the BLAS, the sgemm peak.
import json
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

args = json.loads(sys.argv[1])
V = args["vocabSize"]
torch.manual_seed(1)


def loaded_blas():
    """The BLAS shared objects mapped into this process, resolved through Debian's alternatives."""
    libs = set()
    with open("/proc/self/maps") as maps:
        for line in maps:
            path = line.split()[-1] if len(line.split()) >= 6 else ""
            name = os.path.basename(path)
            if any(k in name for k in ("blas", "mkl", "dnnl")):
                libs.add(os.path.realpath(path))
    return sorted(libs)


def blas_info():
    for part in torch.__config__.show().replace(",", "\n").splitlines():
        if "BLAS_INFO" in part:
            return part.strip()
    return "BLAS_INFO unknown"


class CharLM(nn.Module):
    def __init__(self, layers, units, dropout):
        super().__init__()
        self.lstm = nn.LSTM(V, units, layers, dropout=dropout if layers > 1 else 0.0)
        self.drop = nn.Dropout(dropout)
        self.out = nn.Linear(units, V)

    def forward(self, ids, state):
        y, state = self.lstm(F.one_hot(ids, V).float(), state)
        return self.out(self.drop(y)), state


def seconds_per_step(cfg, threads):
    torch.set_num_threads(threads)
    B, T = cfg["batch"], cfg["seqLen"]
    model = CharLM(cfg["layers"], cfg["units"], cfg["dropout"])
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    g = torch.Generator().manual_seed(2)
    ids = torch.randint(0, V, (T, B), generator=g)
    targets = torch.randint(0, V, (T, B), generator=g)
    state = None

    def step():
        nonlocal state
        logits, s = model(ids, state)
        state = tuple(x.detach() for x in s)
        loss = F.cross_entropy(logits.reshape(-1, V), targets.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()

    for _ in range(2):
        step()
    steps, t0 = 0, time.perf_counter()
    while steps < args["minSteps"] or (time.perf_counter() - t0 < args["budgetSeconds"] and steps < args["maxSteps"]):
        step()
        steps += 1
    return (time.perf_counter() - t0) / steps


def sgemm_gflops(threads, n=1024):
    torch.set_num_threads(threads)
    a, b = torch.rand(n, n), torch.rand(n, n)
    torch.mm(a, b)
    reps, t0 = 0, time.perf_counter()
    while reps < 3 or time.perf_counter() - t0 < 0.5:
        torch.mm(a, b)
        reps += 1
    return 2 * n**3 * reps / (time.perf_counter() - t0) / 1e9


result = {
    "torch": torch.__version__,
    "blasInfo": blas_info(),
    "blasLibraries": loaded_blas(),
    "env": {k: v for k, v in os.environ.items() if k.startswith("OPENBLAS_") or k in ("OMP_NUM_THREADS", "MKL_NUM_THREADS")},
    "configs": [{"name": c["name"], "secondsPerStep": {str(n): seconds_per_step(c, n) for n in args["threads"]}} for c in args["configs"]],
}
if args.get("peak"):
    result["sgemmGflops"] = {str(n): sgemm_gflops(n) for n in args["threads"]}
print(json.dumps(result))
