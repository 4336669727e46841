#!/usr/bin/env python3
"""Writes test/fixtures/torch-layers/*.json: PyTorch float64 references for batch norm, layer norm, dropout and
residual connections, for test/unit/parity-layers.test.ts.

Run with Debian's Python and torch (apt-get install python3-torch):  /usr/bin/python3 scripts/torch_layer_fixtures.py
The semantics are the engine's (see torch_fixtures.py for dense layers, losses and optimizers): batchnorm is
torch.nn.BatchNorm1d and layernorm torch.nn.LayerNorm, γ and β trained by the same optimizer; `add: name` adds
that earlier layer's activations to z before the activation; dropout multiplies by the engine's own mask
explicitly, z = x * mask / (1 - rate), the mask drawn from a port of the engine's seeded generator (mulberry32)
in the order the engine draws it (each dropout layer's [sample][unit] entries, forward order, batch by batch).
Every intermediate is recorded: z, a, delta = dL/dz, mu, var, xhat, running statistics, masks, dL/dinput of the
norms, the gradients, and every parameter after the update.
"""
import json
import os

import torch

from torch_fixtures import activation, data_loss, make_optimizer, rows

torch.set_default_dtype(torch.float64)
OUT = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures', 'torch-layers')
M32 = 0xFFFFFFFF


class Mulberry32:
    """src/engine/random.ts, bit for bit: Math.imul is a 32-bit wrapping multiply."""

    def __init__(self, seed):
        self.state = seed & M32

    def next(self):
        imul = lambda a, b: (a * b) & M32
        self.state = (self.state + 0x6D2B79F5) & M32
        t = self.state
        t = imul(t ^ (t >> 15), t | 1)
        t ^= (t + imul(t ^ (t >> 7), t | 61)) & M32
        return ((t ^ (t >> 14)) & M32) / 4294967296


def vector(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def run(model, steps):
    layers = model['layers']
    names = [l['name'] for l in layers]
    params, modules = [], []
    fan_in = model['input']
    for l in layers:
        kind = l.get('type', 'dense')
        if kind == 'dense':
            w = torch.tensor(l['weights'], requires_grad=True)
            b = torch.tensor(l.get('biases', [0.0] * l['units']), requires_grad=l.get('bias', True))
            modules.append((w, b))
            units = l['units']
        elif kind == 'batchnorm':
            units = fan_in
            bn = torch.nn.BatchNorm1d(units, eps=l.get('epsilon', 1e-5), momentum=l.get('momentum', 0.1))
            modules.append(bn)
        elif kind == 'layernorm':
            units = fan_in
            modules.append(torch.nn.LayerNorm(units, eps=l.get('epsilon', 1e-5)))
        else:
            units = fan_in
            modules.append(None)
        l['_units'] = units
        fan_in = units
    for l, mod in zip(layers, modules):
        if l.get('frozen', False) or mod is None:
            continue
        if isinstance(mod, tuple):
            params += [mod[0], mod[1]] if l.get('bias', True) else [mod[0]]
        else:
            params += [mod.weight, mod.bias]
    optimizer = make_optimizer(model['optimizer'], params)
    rng = Mulberry32(model.get('seed', 0))
    X = torch.tensor(model['data']['inputs'])
    Y = torch.tensor(model['data']['targets'])
    n = X.shape[0]
    batch = model.get('training', {}).get('batch', n)
    epochs = model.get('training', {}).get('epochs', 1)
    clip = model.get('clip', {})
    records = []
    for epoch in range(epochs):
        for start in range(0, n, batch):
            if len(records) == steps:
                return records
            x, y = X[start:start + batch], Y[start:start + batch]
            m = x.shape[0]
            a = x
            outs = []
            for l, mod in zip(layers, modules):
                kind = l.get('type', 'dense')
                extra = {}
                if kind == 'dense':
                    z = a @ mod[0] + mod[1]
                elif kind == 'batchnorm':
                    z = mod(a)
                    mu = a.detach().mean(0)
                    var = a.detach().var(0, unbiased=False)
                    extra = {'mu': [vector(mu)], 'var': [vector(var)],
                             'xhat': rows((a.detach() - mu) / torch.sqrt(var + mod.eps)),
                             'runningMean': [vector(mod.running_mean)], 'runningVar': [vector(mod.running_var)]}
                elif kind == 'layernorm':
                    z = mod(a)
                    mu = a.detach().mean(1, keepdim=True)
                    var = a.detach().var(1, unbiased=False, keepdim=True)
                    extra = {'mu': rows(mu), 'var': rows(var), 'xhat': rows((a.detach() - mu) / torch.sqrt(var + mod.eps))}
                else:
                    rate = l.get('rate', 0.5)
                    mask = torch.tensor([[0.0 if rng.next() < rate else 1.0 for _ in range(l['_units'])] for _ in range(m)])
                    z = a * mask / (1 - rate)
                    extra = {'mask': rows(mask)}
                core = z
                if 'add' in l:
                    z = z + outs[names.index(l['add'])]['a']
                z.retain_grad()
                act = l.get('activation', 'linear')
                out = activation(act, z, l.get('alpha', 1.0 if act == 'elu' else 0.01))
                outs.append({'input': a, 'core': core, 'z': z, 'a': out, 'extra': extra})
                a = out
            loss = data_loss(model['loss'], outs[-1]['z'], outs[-1]['a'], y)
            # Frozen layers' tensors too: their raw gradients are reported, and must not accumulate across steps.
            for mod in modules:
                for p in (mod if isinstance(mod, tuple) else [] if mod is None else mod.parameters()):
                    p.grad = None
            loss.backward(retain_graph=True)
            # The engine's gradInput is what a layer alone hands down (a residual path adds its own), taken
            # before the update changes the parameters the graph was built from. (Running backward again would add
            # into the retained z.grad, so δ is copied first.)
            for o in outs:
                o['delta'] = o['z'].grad.clone()
            grad_inputs = [rows(torch.autograd.grad(o['core'], o['input'], o['delta'], retain_graph=True)[0])
                           if l.get('type', 'dense') != 'dense' and k > 0 else None
                           for k, (l, o) in enumerate(zip(layers, outs))]
            if 'value' in clip:
                torch.nn.utils.clip_grad_value_(params, clip['value'])
            if 'norm' in clip:
                torch.nn.utils.clip_grad_norm_(params, clip['norm'])
            grads = []
            for l, mod in zip(layers, modules):
                if mod is None:
                    grads.append(([], []))
                elif isinstance(mod, tuple):
                    grads.append((rows(mod[0].grad), vector(mod[1].grad) if mod[1].grad is not None else [0.0] * l['_units']))
                else:
                    grads.append(([vector(mod.weight.grad)], vector(mod.bias.grad)))
            optimizer.step()
            record_layers = []
            for k, (l, mod, o, g) in enumerate(zip(layers, modules, outs, grads)):
                if mod is None:
                    weights, biases = [], []
                elif isinstance(mod, tuple):
                    weights, biases = rows(mod[0]), vector(mod[1])
                else:
                    weights, biases = [vector(mod.weight)], vector(mod.bias)
                entry = {'name': l['name'], 'z': rows(o['z']), 'a': rows(o['a']), 'delta': rows(o['delta']),
                         'dW': g[0], 'db': g[1], 'weights': weights, 'biases': biases, **o['extra']}
                if grad_inputs[k] is not None:
                    entry['gradInput'] = grad_inputs[k]
                record_layers.append(entry)
            records.append({'epoch': epoch, 'batch': start // batch, 'loss': float(loss), 'layers': record_layers})
    return records


def dense(gen, name, n_in, units, act, **extra):
    layer = {'name': name, 'units': units, 'activation': act,
             'weights': [[round(float(v), 6) for v in row] for row in (torch.randn(n_in, units, generator=gen) * 0.7).tolist()],
             'biases': [round(float(v), 6) for v in (torch.randn(units, generator=gen) * 0.2).tolist()]}
    layer.update(extra)
    return layer


def case(name, description, inputs, build, loss, optimizer, samples=6, batch=3, epochs=3, steps=6, targets='regression', outputs=2, seed=0, **extra):
    gen = torch.Generator().manual_seed(2000 + seed)
    layers = build(gen)
    xs = [[round(float(v), 4) for v in row] for row in (torch.randn(samples, inputs, generator=gen) * 1.5 + 0.3).tolist()]
    if targets == 'onehot':
        ys = [[1.0 if j == (i * 7 + 3) % outputs else 0.0 for j in range(outputs)] for i in range(samples)]
    elif targets == 'binary':
        ys = [[float((i + j) % 2) for j in range(outputs)] for i in range(samples)]
    else:
        ys = [[round(float(v), 4) for v in row] for row in torch.randn(samples, outputs, generator=gen).tolist()]
    model = {'name': name, 'seed': 17 + seed, 'input': inputs, 'layers': layers, 'loss': loss, 'optimizer': optimizer,
             'training': {'epochs': epochs, 'batch': batch}, 'data': {'inputs': xs, 'targets': ys}}
    model.update(extra)
    return name, description, model, steps


CASES = [
    case('batchnorm-running-stats', 'dense, BatchNorm1d (momentum 0.1) with ReLU, dense; running statistics over 6 steps', 3,
         lambda g: [dense(g, 'h1', 3, 4, 'tanh'), {'name': 'bn', 'type': 'batchnorm', 'activation': 'relu'}, dense(g, 'out', 4, 2, 'linear')],
         'mse', {'type': 'sgd', 'lr': 0.2}),
    case('batchnorm-input-adam', 'BatchNorm1d on the inputs (momentum 0.3, eps 1e-3), Adam, softmax cross-entropy', 4,
         lambda g: [{'name': 'bn', 'type': 'batchnorm', 'momentum': 0.3, 'epsilon': 1e-3}, dense(g, 'h1', 4, 5, 'elu'), dense(g, 'out', 5, 3, 'softmax')],
         'cross_entropy', {'type': 'adam', 'lr': 0.05}, samples=8, batch=4, epochs=3, targets='onehot', outputs=3, seed=1),
    case('layernorm', 'dense, LayerNorm with tanh, dense; RMSprop', 3,
         lambda g: [dense(g, 'h1', 3, 5, 'relu'), {'name': 'ln', 'type': 'layernorm', 'activation': 'tanh'}, dense(g, 'out', 5, 2, 'linear')],
         'mse', {'type': 'rmsprop', 'lr': 0.01}, seed=2),
    case('residual', 'two layers adding the same earlier layer, one of them frozen; momentum', 3,
         lambda g: [dense(g, 'h1', 3, 4, 'tanh'), dense(g, 'h2', 4, 4, 'tanh', frozen=True, add='h1'), dense(g, 'h3', 4, 4, 'linear', add='h1'), dense(g, 'out', 4, 1, 'linear')],
         'mse', {'type': 'momentum', 'lr': 0.05}, outputs=1, seed=3),
    case('dropout', 'dense, dropout 0.4 with the engine mask, dense sigmoid; binary cross-entropy', 3,
         lambda g: [dense(g, 'h1', 3, 5, 'relu'), {'name': 'drop', 'type': 'dropout', 'rate': 0.4}, dense(g, 'out', 5, 2, 'sigmoid')],
         'binary_cross_entropy', {'type': 'sgd', 'lr': 0.3}, targets='binary', seed=4),
    case('mixed-clip', 'batch norm, dropout, a residual around both, layer norm; Adam with gradient-norm clipping', 2,
         lambda g: [dense(g, 'h1', 2, 4, 'tanh'), {'name': 'bn', 'type': 'batchnorm', 'activation': 'relu'},
                    {'name': 'drop', 'type': 'dropout', 'rate': 0.25}, dense(g, 'h2', 4, 4, 'tanh', add='h1'),
                    {'name': 'ln', 'type': 'layernorm', 'add': 'bn'}, dense(g, 'out', 4, 2, 'linear')],
         'mse', {'type': 'adam', 'lr': 0.02}, samples=8, batch=4, epochs=3, seed=5, clip={'norm': 0.5}),
]


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, description, model, steps in CASES:
        steps_out = run(model, steps)
        for l in model['layers']:
            l.pop('_units', None)
        with open(os.path.join(OUT, f'{name}.json'), 'w') as f:
            json.dump({'name': name, 'description': description, 'torch_version': torch.__version__, 'model': model, 'steps': steps_out}, f)
            f.write('\n')
        print(f'{name}: {len(steps_out)} steps')


if __name__ == '__main__':
    main()
