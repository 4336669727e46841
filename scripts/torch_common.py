"""What the three PyTorch fixture scripts (torch_fixtures.py, torch_layer_fixtures.py, torch_conv_fixtures.py)
share: the engine's activations, losses, optimizers and schedules in torch terms, a layer's weights and biases as
tensors and back as JSON numbers, the batch order of a training run, random cases' numbers, and the fixture file.

Importing it sets torch's default dtype to float64: every fixture is a float64 reference.
A layer's parameters are one of: a (weights, biases) pair of tensors (dense and conv2d, weights stored as in our
file format), a torch.nn.Module with weight and bias (the norms: γ and β), or None (dropout, pooling, flatten).
"""
import json
import os

import torch

torch.set_default_dtype(torch.float64)
FIXTURES = os.path.join(os.path.dirname(__file__), '..', 'test', 'fixtures')


def activation(name, z, alpha):
    return {
        'linear': lambda: z,
        'sigmoid': lambda: torch.sigmoid(z),
        'tanh': lambda: torch.tanh(z),
        'relu': lambda: torch.relu(z),
        'leaky_relu': lambda: torch.nn.functional.leaky_relu(z, alpha),
        'elu': lambda: torch.nn.functional.elu(z, alpha),
        'softmax': lambda: torch.softmax(z, dim=1),
    }[name]()


def activate(layer, z):
    """The layer's activation of z, with the engine's default alpha (1 for ELU, 0.01 for leaky ReLU)."""
    name = layer.get('activation', 'linear')
    return activation(name, z, layer.get('alpha', 1.0 if name == 'elu' else 0.01))


def data_loss(loss, z, a, y):
    m = y.shape[0]
    kind = loss if isinstance(loss, str) else loss['type']
    e = a - y
    if kind == 'mse':
        return (0.5 * e ** 2).sum() / m
    if kind == 'mae':
        return e.abs().sum() / m
    if kind == 'huber':
        d = loss.get('delta', 1.0)
        return torch.where(e.abs() <= d, 0.5 * e ** 2, d * (e.abs() - 0.5 * d)).sum() / m
    if kind == 'cross_entropy':
        return -(y * torch.log_softmax(z, dim=1)).sum() / m
    if kind == 'binary_cross_entropy':
        return torch.nn.functional.binary_cross_entropy_with_logits(z, y, reduction='sum') / m
    raise ValueError(kind)


def make_optimizer(spec, params):
    kind = spec['type']
    lr = spec['lr']
    if kind == 'sgd':
        return torch.optim.SGD(params, lr=lr)
    if kind == 'momentum':
        return torch.optim.SGD(params, lr=lr, momentum=spec.get('momentum', 0.9))
    if kind == 'nesterov':
        return torch.optim.SGD(params, lr=lr, momentum=spec.get('momentum', 0.9), nesterov=True)
    if kind == 'adagrad':
        return torch.optim.Adagrad(params, lr=lr, eps=spec.get('epsilon', 1e-10))
    if kind == 'rmsprop':
        return torch.optim.RMSprop(params, lr=lr, alpha=spec.get('alpha', 0.99), eps=spec.get('epsilon', 1e-8))
    if kind == 'adam':
        return torch.optim.Adam(params, lr=lr, betas=(spec.get('beta1', 0.9), spec.get('beta2', 0.999)), eps=spec.get('epsilon', 1e-8))
    raise ValueError(kind)


def make_scheduler(spec, optimizer):
    schedule = spec.get('schedule', 'none')
    if schedule == 'none':
        return None
    if schedule['type'] == 'step':
        return torch.optim.lr_scheduler.StepLR(optimizer, step_size=schedule['every'], gamma=schedule['gamma'])
    if schedule['type'] == 'exponential':
        return torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma=schedule['gamma'])
    if schedule['type'] == 'cosine':
        return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=schedule['epochs'], eta_min=0)
    raise ValueError(schedule)


def clip_gradients(params, clip):
    """The model's `clip` ({value} and/or {norm}) with torch's own clip_grad_value_ / clip_grad_norm_."""
    if 'value' in clip:
        torch.nn.utils.clip_grad_value_(params, clip['value'])
    if 'norm' in clip:
        torch.nn.utils.clip_grad_norm_(params, clip['norm'])


def rows(t):
    return [[float(v) for v in row] for row in t.detach().tolist()]


def vector(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def weight_and_bias(layer, count):
    """A dense or conv2d layer's (weights, biases) as leaf tensors; without `bias` the biases stay zero."""
    w = torch.tensor(layer['weights'], dtype=torch.float64, requires_grad=True)
    b = torch.tensor(layer.get('biases', [0.0] * count), dtype=torch.float64, requires_grad=layer.get('bias', True))
    return w, b


def tensors(params):
    """Every tensor of a layer's parameters, trained or not."""
    if params is None:
        return []
    if isinstance(params, torch.nn.Module):
        return list(params.parameters())
    return list(params)


def trainable(layers, modules):
    """The tensors the optimizer updates, in layer order: not a frozen layer's, nor a bias the layer goes without."""
    params = []
    for layer, mod in zip(layers, modules):
        if layer.get('frozen', False) or mod is None:
            continue
        if isinstance(mod, torch.nn.Module):
            params += [mod.weight, mod.bias]
        else:
            params += [mod[0], mod[1]] if layer.get('bias', True) else [mod[0]]
    return params


def gradients(mod):
    """A layer's (dW, db) as the fixtures record them; a missing bias gradient (no bias) is zeros."""
    if mod is None:
        return [], []
    if isinstance(mod, torch.nn.Module):
        return [vector(mod.weight.grad)], vector(mod.bias.grad)
    w, b = mod
    return rows(w.grad), vector(b.grad) if b.grad is not None else [0.0] * b.numel()


def parameters(mod):
    """A layer's (weights, biases) as the fixtures record them: γ and β of a norm as [γ] and β."""
    if mod is None:
        return [], []
    if isinstance(mod, torch.nn.Module):
        return [vector(mod.weight)], vector(mod.bias)
    return rows(mod[0]), vector(mod[1])


def layer_record(name, z, a, delta, grads, params, **extra):
    (dW, db), (weights, biases) = grads, params
    return {'name': name, 'z': z, 'a': a, 'delta': delta, 'dW': dW, 'db': db, 'weights': weights, 'biases': biases, **extra}


def data(model):
    return (torch.tensor(model['data']['inputs'], dtype=torch.float64),
            torch.tensor(model['data']['targets'], dtype=torch.float64))


def batch_steps(model, X, Y, steps, end_of_epoch=None):
    """(epoch, batch index, x, y) of each of the first `steps` batch steps in the engine's order: epoch after epoch,
    the samples in file order, an epoch's last batch holding what is left. end_of_epoch runs after each whole epoch."""
    n = X.shape[0]
    batch = model.get('training', {}).get('batch', n)
    taken = 0
    for epoch in range(model.get('training', {}).get('epochs', 1)):
        for start in range(0, n, batch):
            if taken == steps:
                return
            taken += 1
            yield epoch, start // batch, X[start:start + batch], Y[start:start + batch]
        if end_of_epoch:
            end_of_epoch()


def rounded(t, digits):
    """A tensor's numbers as nested lists rounded to `digits` places: a random case's weights and data stay short."""
    def walk(v):
        return [walk(u) for u in v] if isinstance(v, list) else round(float(v), digits)
    return walk(t.tolist())


def make_targets(gen, kind, samples, outputs):
    """A random case's targets: 'onehot' (sample i is class (7i + 3) mod outputs), 'binary' ((i + j) mod 2), or
    normal 'regression' values drawn from gen."""
    if kind == 'onehot':
        return one_hot(samples, outputs, lambda i: i * 7 + 3)
    if kind == 'binary':
        return [[float((i + j) % 2) for j in range(outputs)] for i in range(samples)]
    return rounded(torch.randn(samples, outputs, generator=gen), 4)


def one_hot(samples, outputs, label):
    return [[1.0 if j == label(i) % outputs else 0.0 for j in range(outputs)] for i in range(samples)]


def write_fixtures(folder, cases, run):
    """Runs each (name, description, model, steps) case and writes test/fixtures/<folder>/<name>.json: name,
    description, torch version, the model, then what run(model, steps) returns (a dict: steps and anything else)."""
    out = os.path.join(FIXTURES, folder)
    os.makedirs(out, exist_ok=True)
    for name, description, model, steps in cases:
        results = run(model, steps)
        with open(os.path.join(out, f'{name}.json'), 'w') as f:
            json.dump({'name': name, 'description': description, 'torch_version': torch.__version__, 'model': model, **results}, f)
            f.write('\n')
        print(f'{name}: {len(results["steps"])} steps')
