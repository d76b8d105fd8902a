"""PyTorch 1.13 side of `npm run bench`: reads the workloads the benchmark wrote (manifest.json and raw
float32 files), runs each with the same weights and inputs on CPU (2 threads), times it warm the same
way (median of repeated runs within a time budget) and writes its first run's outputs back for the
agreement check. Forward workloads run under torch.no_grad(); the training ones (T1, T2) with autograd.
Prints one JSON object per line: {"workload", "medianMs", "runs", "outputs": [file, ...]}.
"""
import contextlib
import json
import math
import os
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

torch.set_num_threads(2)
directory = sys.argv[1]
manifest = json.load(open(os.path.join(directory, 'manifest.json')))


def load(spec):
    values = np.fromfile(os.path.join(directory, spec['file']), dtype=np.float32)
    return torch.from_numpy(values.reshape(spec['shape']).copy())


def timed(fn, warmup_ms, budget_ms, min_runs, max_runs):
    """Warm-up for warmup_ms (at least two runs unless one takes half the budget), then as runBenchmark.ts times."""
    first = time.perf_counter()
    fn()
    slow = (time.perf_counter() - first) * 1000 > budget_ms / 2
    warm = 1
    while not slow and (warm < 2 or (time.perf_counter() - first) * 1000 < warmup_ms):
        fn()
        warm += 1
    min_runs = 3 if slow else min_runs
    samples = []
    started = time.perf_counter()
    while len(samples) < max_runs and (len(samples) < min_runs or (time.perf_counter() - started) * 1000 < budget_ms):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    return statistics.median(samples), len(samples)


def multihead(w, c):
    mha = torch.nn.MultiheadAttention(c['embed'], c['heads'])
    mha.load_state_dict({'in_proj_weight': load(w['in_proj_weight']), 'in_proj_bias': load(w['in_proj_bias']), 'out_proj.weight': load(w['out_proj.weight']), 'out_proj.bias': load(w['out_proj.bias'])})
    mha.eval()
    x = load(w['x'])
    need = c.get('needWeights', True)
    return lambda: mha(x, x, x, need_weights=need)


# d2l's MultiHeadAttention (d2l/torch.py), copied in its semantics: LazyLinear without bias, heads
# folded into the batch axis, masked softmax that writes -1e6 past each valid length.
def d2l_multihead(w, c):
    W_q, W_k, W_v, W_o = (load(w[f'W_{n}.weight']) for n in 'qkvo')
    X, Y = load(w['X']), load(w['Y'])
    valid_lens = torch.tensor(c['validLens'])
    heads = c['heads']

    def transpose_qkv(t):
        t = t.reshape(t.shape[0], t.shape[1], heads, -1).permute(0, 2, 1, 3)
        return t.reshape(-1, t.shape[2], t.shape[3])

    def run():
        q, k, v = transpose_qkv(X @ W_q.T), transpose_qkv(Y @ W_k.T), transpose_qkv(Y @ W_v.T)
        lens = torch.repeat_interleave(valid_lens, repeats=heads, dim=0)
        scores = torch.bmm(q, k.transpose(1, 2)) / math.sqrt(q.shape[-1])
        mask = torch.arange(scores.shape[-1])[None, None, :] < lens[:, None, None]
        weights = F.softmax(scores.masked_fill(~mask, -1e6), dim=-1)
        out = torch.bmm(weights, v)
        out = out.reshape(-1, heads, out.shape[1], out.shape[2]).permute(0, 2, 1, 3)
        out = out.reshape(out.shape[0], out.shape[1], -1)
        return out @ W_o.T, weights
    return run


def matmul(w, c):
    a, b = load(w['a']), load(w['b'])
    return lambda: a @ b


def encoder_step(w, c):
    """T1: one Adam step of TransformerEncoder + Linear with cross-entropy; the loss and some parameters after it."""
    e = c['encoder']
    layer = torch.nn.TransformerEncoderLayer(e['dModel'], e['nhead'], e['dimFeedforward'], dropout=0.0, batch_first=True)
    model = torch.nn.Sequential(torch.nn.TransformerEncoder(layer, e['layers'], enable_nested_tensor=False),
                                torch.nn.Linear(e['dModel'], e['classes']))
    model.load_state_dict({key: load(w[key]) for key in model.state_dict()})
    optimizer = torch.optim.Adam(model.parameters(), lr=e['lr'])
    x, target = load(w['x']), load(w['target']).long().reshape(-1)
    parameters = dict(model.named_parameters())

    def run():
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x).reshape(-1, e['classes']), target)
        loss.backward()
        optimizer.step()
        return (loss.detach(),) + tuple(parameters[key].detach().clone() for key in c['reported'])
    return run


def mha_backward(w, c):
    """T2: W3's module forward, then backward from gradOut; the gradients of the input and the parameters."""
    mha = torch.nn.MultiheadAttention(c['embed'], c['heads'])
    mha.load_state_dict({key: load(w[key]) for key in mha.state_dict()})
    x, grad_out = load(w['x']).requires_grad_(), load(w['gradOut'])
    inputs = [x, mha.in_proj_weight, mha.in_proj_bias, mha.out_proj.weight, mha.out_proj.bias]

    def run():
        for t in inputs:
            t.grad = None
        out, _ = mha(x, x, x, need_weights=True)
        out.backward(grad_out)
        return tuple(t.grad for t in inputs)
    return run


builders = {'mha': multihead, 'd2l': d2l_multihead, 'matmul': matmul, 'encoderStep': encoder_step,
            'mhaBackward': mha_backward}
training = {'encoderStep', 'mhaBackward'}
for workload in manifest['workloads']:
    with contextlib.nullcontext() if workload['kind'] in training else torch.no_grad():
        run = builders[workload['kind']](workload['tensors'], workload['config'])
        result = run()
        median, runs = timed(run, manifest['warmupMs'], manifest['budgetMs'], manifest['minRuns'], manifest['maxRuns'])
        results = result if isinstance(result, tuple) else (result,)
        files = []
        for i, tensor in enumerate(results):
            if tensor is None:
                continue
            name = f"{workload['name']}.torch.{i}.bin"
            tensor.contiguous().numpy().astype(np.float32).tofile(os.path.join(directory, name))
            files.append(name)
        print(json.dumps({'workload': workload['name'], 'medianMs': median, 'runs': runs, 'outputs': files}), flush=True)
