#!/usr/bin/env python3
"""PyTorch (CPU) peer for the LN Lab benchmark suite.

Reads one JSON request on stdin: {"task": ..., "params": {...}, "timing": {...}, "threads": n}
and prints one JSON object on the last line of stdout: {"ok": true, "result": ...} or {"ok": false, "error": ...}.
The timing method mirrors src/timing.ts: warm-up (time and call count), then samples of `inner` calls each,
the sample count fitted to a time budget; the caller takes the median.
"""
import json
import math
import os
import resource
import sys
import time


def summarize(samples, inner, warmup_calls):
    s = sorted(samples)
    n = len(s)
    med = s[n // 2] if n % 2 == 1 else (s[n // 2 - 1] + s[n // 2]) / 2
    return {
        "median": med,
        "min": s[0],
        "max": s[-1],
        "mean": sum(s) / n,
        "reps": n,
        "inner": inner,
        "warmupCalls": warmup_calls,
        "samples": list(samples),
    }


def measure(fn, t):
    now = lambda: time.perf_counter() * 1000.0
    calls, fastest = 0, math.inf
    w0 = now()
    while calls < max(1, t["minWarmupCalls"]) or now() - w0 < t["warmupMs"]:
        s = now()
        fn()
        fastest = min(fastest, now() - s)
        calls += 1
    once = max(fastest, 1e-6)
    inner = max(1, math.ceil(t["minSampleMs"] / once))
    reps = min(t["reps"], max(t["minReps"], math.floor(t["budgetMs"] / (once * inner))))
    samples = []
    for _ in range(reps):
        s = now()
        for _ in range(inner):
            fn()
        samples.append((now() - s) / inner)
    return summarize(samples, inner, calls)


def blas_backend():
    path = "/etc/alternatives/libblas.so.3-x86_64-linux-gnu"
    try:
        target = os.path.realpath(path)
    except OSError:
        return "unknown"
    if "openblas" in target:
        return "openblas"
    if "blis" in target:
        return "blis"
    if "mkl" in target:
        return "mkl"
    return "reference BLAS" if os.path.exists(path) else "unknown"


def info(torch):
    import numpy

    return {
        "torch": torch.__version__,
        "numpy": numpy.__version__,
        "python": sys.version.split()[0],
        "threads": torch.get_num_threads(),
        "blas": blas_backend(),
        "openblasThreads": os.environ.get("OPENBLAS_NUM_THREADS"),
    }


def task_matmul(torch, p, t):
    out = {}
    g = torch.Generator().manual_seed(0)
    for n in p["sizes"]:
        a = torch.rand(n, n, generator=g) - 0.5
        b = torch.rand(n, n, generator=g) - 0.5
        for layout in p["layouts"]:
            if layout == "A·B":
                fn = lambda a=a, b=b: torch.mm(a, b)
            elif layout == "A·Bᵀ":
                fn = lambda a=a, b=b: torch.mm(a, b.t())  # a strided view: BLAS reads Bᵀ in place
            else:
                raise ValueError("unknown layout " + layout)
            with torch.no_grad():
                out["%d/%s" % (n, layout)] = measure(fn, t)
    return out


def task_layernorm(torch, p, t):
    rows, dim = p["rows"], p["dim"]
    g = torch.Generator().manual_seed(0)
    ln = torch.nn.LayerNorm(dim)
    x = torch.randn(rows, dim, generator=g).requires_grad_(True)
    w = torch.randn(rows, dim, generator=g)

    def step():
        x.grad = None
        ln.zero_grad(set_to_none=True)
        (ln(x) * w).sum().backward()

    return measure(step, t)


def task_numpy_layernorm(torch, p, t):
    """LayerNorm forward + backward written in numpy (float32), loss = sum(y * g) as in the other systems."""
    import numpy as np

    rows, dim = p["rows"], p["dim"]
    rng = np.random.default_rng(0)
    x = rng.standard_normal((rows, dim), dtype=np.float32)
    g = rng.standard_normal((rows, dim), dtype=np.float32)
    w = np.ones(dim, np.float32)
    b = np.zeros(dim, np.float32)
    eps = np.float32(1e-5)

    def step():
        mu = x.mean(-1, keepdims=True)
        xc = x - mu
        var = (xc * xc).mean(-1, keepdims=True)
        rstd = np.float32(1) / np.sqrt(var + eps)
        xhat = xc * rstd
        y = xhat * w + b
        loss = (y * g).sum()
        dw = (g * xhat).sum(0)
        db = g.sum(0)
        dxhat = g * w
        dx = rstd * (dxhat - dxhat.mean(-1, keepdims=True) - xhat * (dxhat * xhat).mean(-1, keepdims=True))
        return loss, dx, dw, db

    return measure(step, t)


def causal_mask(torch, n):
    return torch.triu(torch.ones(n, n, dtype=torch.bool), diagonal=1)


def sdpa(torch, q, k, v, blocked):
    # torch 1.13 has no F.scaled_dot_product_attention; this is its math path.
    scores = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(q.shape[-1]))
    scores = scores.masked_fill(blocked, float("-inf"))
    return torch.softmax(scores, dim=-1) @ v


def task_attention(torch, p, t):
    B, H, T, D = p["batch"], p["heads"], p["seq"], p["headDim"]
    g = torch.Generator().manual_seed(0)
    q, k, v = (torch.randn(B, H, T, D, generator=g).requires_grad_(True) for _ in range(3))
    w = torch.randn(B, H, T, D, generator=g)
    blocked = causal_mask(torch, T)

    def step():
        for a in (q, k, v):
            a.grad = None
        (sdpa(torch, q, k, v, blocked) * w).sum().backward()

    return measure(step, t)


def task_train(torch, p, t):
    nn = torch.nn
    torch.manual_seed(0)
    V, d, H, ff, L, T = p["vocab"], p["dModel"], p["nHead"], p["ff"], p["layers"], p["seq"]

    class LM(nn.Module):
        """Pre-LN GPT-style LM: the same modules and PyTorch names as @lnlab/nn's TransformerLM."""

        def __init__(self):
            super().__init__()
            self.tok_emb = nn.Embedding(V, d)
            self.pos_emb = nn.Embedding(T, d)
            layer = nn.TransformerEncoderLayer(d, H, ff, dropout=0.0, activation="gelu", batch_first=True, norm_first=True)
            self.encoder = nn.TransformerEncoder(layer, L, enable_nested_tensor=False)
            self.ln_f = nn.LayerNorm(d)
            self.lm_head = nn.Linear(d, V)
            self.register_buffer("mask", torch.triu(torch.full((T, T), float("-inf")), diagonal=1))

        def forward(self, x):
            h = self.tok_emb(x) + self.pos_emb(torch.arange(x.shape[1]))
            return self.lm_head(self.ln_f(self.encoder(h, mask=self.mask)))

    model = LM()
    model.train()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.tensor(p["x"], dtype=torch.long)
    y = torch.tensor(p["y"], dtype=torch.long)
    losses = []

    def step():
        logits = model(x)
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, V), y.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        losses.append(loss.item())

    stats = measure(step, t)
    stats["firstLoss"] = losses[0]
    stats["lastLoss"] = losses[-1]
    stats["steps"] = len(losses)
    stats["parameters"] = sum(q.numel() for q in model.parameters())
    return stats


TASKS = {
    "matmul": task_matmul,
    "layernorm": task_layernorm,
    "numpy_layernorm": task_numpy_layernorm,
    "attention": task_attention,
    "train": task_train,
}


def main():
    req = json.loads(sys.stdin.read())
    try:
        import torch

        torch.set_num_threads(int(req.get("threads", 1)))
        task = req["task"]
        if task == "info":
            result = info(torch)
        else:
            result = TASKS[task](torch, req.get("params", {}), req["timing"])
        usage = resource.getrusage(resource.RUSAGE_SELF)
        print(json.dumps({"ok": True, "result": result, "info": info(torch), "maxRssKiB": usage.ru_maxrss}))
    except Exception as e:  # reported as the peer's failure, the suite goes on
        print(json.dumps({"ok": False, "error": "%s: %s" % (type(e).__name__, e)}))


if __name__ == "__main__":
    main()
