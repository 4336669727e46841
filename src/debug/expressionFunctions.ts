// The values the debugger's expression language computes with (numbers, strings, booleans and row-major tensors),
// its whitelisted functions, and how a value prints. Parsing and evaluation live in expression.ts.

export interface TensorValue {
  kind: 'tensor';
  rows: number;
  cols: number;
  data: ArrayLike<number>;
}
export type Value = number | string | boolean | TensorValue;

/** Every failure of the language: a parse error, an unknown name, a shape mismatch. `column` is 1-based. */
export class ExpressionError extends Error {
  override readonly name = 'ExpressionError';
  readonly column: number;

  constructor(message: string, column = 1) {
    super(message);
    this.column = column;
  }
}

export function isTensor(value: Value): value is TensorValue {
  return typeof value === 'object';
}

export const shapeOf = (t: TensorValue): string => `${t.rows}×${t.cols}`;

/** "a number", "a string", "a 2×1 tensor": how messages name a value. */
export function describe(value: Value): string {
  return isTensor(value) ? `a ${shapeOf(value)} tensor` : `a ${typeof value}`;
}

export function tensor(rows: number, cols: number, data: Float64Array): TensorValue {
  return { kind: 'tensor', rows, cols, data };
}

type Numeric = number | TensorValue;

function numeric(value: Value, what: string): Numeric {
  if (typeof value === 'number' || isTensor(value)) return value;
  throw new ExpressionError(`${what} needs a number or a tensor, not ${describe(value)}`);
}

/** f applied to every entry; a number stays a number. */
export function mapEntries(value: Numeric, f: (x: number) => number): Numeric {
  if (typeof value === 'number') return f(value);
  const out = new Float64Array(value.rows * value.cols);
  for (let i = 0; i < out.length; i++) out[i] = f(value.data[i]);
  return tensor(value.rows, value.cols, out);
}

/** Arithmetic entry by entry: tensor op number, number op tensor, or two tensors of the same shape (no broadcasting). */
export function elementwise(symbol: string, f: (a: number, b: number) => number, left: Value, right: Value): Value {
  if (typeof left === 'number' && typeof right === 'number') return f(left, right);
  if ((typeof left !== 'number' && !isTensor(left)) || (typeof right !== 'number' && !isTensor(right)))
    throw new ExpressionError(`'${symbol}' needs numbers or tensors, not ${describe(left)} and ${describe(right)}`);
  if (typeof right === 'number') return mapEntries(left, (x) => f(x, right));
  if (typeof left === 'number') return mapEntries(right, (x) => f(left, x));
  if (left.rows !== right.rows || left.cols !== right.cols)
    throw new ExpressionError(
      `'${symbol}' needs tensors of the same shape, not ${shapeOf(left)} and ${shapeOf(right)}`,
    );
  const out = new Float64Array(left.rows * left.cols);
  for (let i = 0; i < out.length; i++) out[i] = f(left.data[i], right.data[i]);
  return tensor(left.rows, left.cols, out);
}

export function frobeniusNorm(t: TensorValue): number {
  const n = t.rows * t.cols;
  let sumOfSquares = 0;
  for (let i = 0; i < n; i++) sumOfSquares += t.data[i] * t.data[i];
  if (sumOfSquares !== Infinity) return Math.sqrt(sumOfSquares);
  // Exploding gradients: entries above ~1e154 overflow when squared though the norm itself may be finite,
  // so rescale by the largest entry (an infinite entry makes the norm infinite anyway).
  let largest = 0;
  for (let i = 0; i < n; i++) largest = Math.max(largest, Math.abs(t.data[i]));
  if (largest === Infinity) return Infinity;
  let scaled = 0;
  for (let i = 0; i < n; i++) scaled += (t.data[i] / largest) ** 2;
  return largest * Math.sqrt(scaled);
}

/** min or max of one tensor's entries, or of several numbers. NaN propagates: a debugger should show it. */
function extreme(name: string, pick: (a: number, b: number) => number, args: Value[]): number {
  if (args.length === 1) {
    const only = numeric(args[0], name);
    if (typeof only === 'number') return only;
    const n = only.rows * only.cols;
    let result = n === 0 ? NaN : only.data[0];
    for (let i = 1; i < n; i++) result = pick(result, only.data[i]);
    return result;
  }
  return args
    .map((arg) => {
      if (typeof arg === 'number') return arg;
      throw new ExpressionError(
        `${name} of several values takes numbers, not ${describe(arg)}; use ${name}(t) for a tensor`,
      );
    })
    .reduce((a, b) => pick(a, b));
}

function sum(value: Value, name: string): number {
  const x = numeric(value, name);
  if (typeof x === 'number') return x;
  const n = x.rows * x.cols;
  let total = 0;
  for (let i = 0; i < n; i++) total += x.data[i];
  return total;
}

const count = (value: Value): number => {
  const x = numeric(value, 'count');
  return typeof x === 'number' ? 1 : x.rows * x.cols;
};

/** The same rule as a condition: nonzero and not NaN. */
const isSet = (x: number): boolean => x !== 0 && !Number.isNaN(x);

function quantifier(name: string, value: Value, every: boolean): boolean {
  if (typeof value === 'boolean') return value;
  const x = numeric(value, name);
  if (typeof x === 'number') return isSet(x);
  const n = x.rows * x.cols;
  for (let i = 0; i < n; i++) if (isSet(x.data[i]) !== every) return !every;
  return every;
}

/** number → boolean; tensor → a 0/1 tensor, so `any(isnan(dW))` and `sum(isnan(dW))` read naturally. */
function predicate(name: string, test: (x: number) => boolean, value: Value): Value {
  const x = numeric(value, name);
  return typeof x === 'number' ? test(x) : mapEntries(x, (entry) => (test(entry) ? 1 : 0));
}

export interface FunctionSpec {
  minArgs: number;
  maxArgs: number;
  usage: string;
  apply(args: Value[]): Value;
}

/** The only callable names. A Map, so `constructor` or `__proto__` can never resolve to anything. */
export const FUNCTIONS: ReadonlyMap<string, FunctionSpec> = new Map<string, FunctionSpec>([
  [
    'norm',
    {
      minArgs: 1,
      maxArgs: 1,
      usage: 'norm(t): the Frobenius (L2) norm; of a number, its absolute value',
      apply: ([x]) => {
        const value = numeric(x, 'norm');
        return typeof value === 'number' ? Math.abs(value) : frobeniusNorm(value);
      },
    },
  ],
  [
    'min',
    {
      minArgs: 1,
      maxArgs: Infinity,
      usage: 'min(t): the smallest entry; min(a, b, …): the smallest number',
      apply: (args) => extreme('min', Math.min, args),
    },
  ],
  [
    'max',
    {
      minArgs: 1,
      maxArgs: Infinity,
      usage: 'max(t): the largest entry; max(a, b, …): the largest number',
      apply: (args) => extreme('max', Math.max, args),
    },
  ],
  ['sum', { minArgs: 1, maxArgs: 1, usage: 'sum(t): the sum of the entries', apply: ([x]) => sum(x, 'sum') }],
  [
    'mean',
    {
      minArgs: 1,
      maxArgs: 1,
      usage: 'mean(t): the mean of the entries',
      apply: ([x]) => sum(x, 'mean') / count(x),
    },
  ],
  [
    'abs',
    {
      minArgs: 1,
      maxArgs: 1,
      usage: 'abs(x): absolute value, entry by entry',
      apply: ([x]) => mapEntries(numeric(x, 'abs'), Math.abs),
    },
  ],
  ['count', { minArgs: 1, maxArgs: 1, usage: 'count(t): the number of entries', apply: ([x]) => count(x) }],
  [
    'any',
    {
      minArgs: 1,
      maxArgs: 1,
      usage: 'any(t): whether some entry is nonzero',
      apply: ([x]) => quantifier('any', x, false),
    },
  ],
  [
    'all',
    {
      minArgs: 1,
      maxArgs: 1,
      usage: 'all(t): whether every entry is nonzero',
      apply: ([x]) => quantifier('all', x, true),
    },
  ],
  [
    'isnan',
    {
      minArgs: 1,
      maxArgs: 1,
      usage: 'isnan(x): whether x is NaN (of a tensor: 1 where an entry is NaN, else 0)',
      apply: ([x]) => predicate('isnan', Number.isNaN, x),
    },
  ],
  [
    'isfinite',
    {
      minArgs: 1,
      maxArgs: 1,
      usage: 'isfinite(x): whether x is neither NaN nor infinite (of a tensor: 1 or 0 per entry)',
      apply: ([x]) => predicate('isfinite', Number.isFinite, x),
    },
  ],
]);

/** Numbers with up to `digits` significant digits and no float noise; a tensor as its shape and summary. */
export function formatValue(value: Value, digits = 6): string {
  const precision = Number.isFinite(digits) ? Math.min(21, Math.max(1, Math.round(digits))) : 6;
  if (typeof value === 'number') return formatNumber(value, precision);
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'boolean') return String(value);
  return summarize(value, precision);
}

function formatNumber(x: number, digits: number): string {
  // Steps, epochs and counts print whole; NaN and ±Infinity as JavaScript spells them.
  if (Number.isSafeInteger(x) || !Number.isFinite(x)) return String(x);
  // toPrecision drops the float noise (0.1 + 0.2 → 0.3); String then picks the shortest spelling, with an
  // exponent below 1e-6. Large numbers take an exponent too rather than invent trailing digits. Both forms
  // parse back as numbers, so a value can be pasted into the next expression.
  const rounded = Number(x.toPrecision(digits));
  return Math.abs(rounded) >= 10 ** digits ? rounded.toExponential() : String(rounded);
}

function summarize(t: TensorValue, digits: number): string {
  const total = t.rows * t.cols;
  if (total === 0) return `${shapeOf(t)} · empty`;
  let min = Infinity;
  let max = -Infinity;
  let nans = 0;
  for (let i = 0; i < total; i++) {
    const x = t.data[i];
    if (Number.isNaN(x)) nans++;
    else {
      min = Math.min(min, x);
      max = Math.max(max, x);
    }
  }
  const parts = [shapeOf(t)];
  // min and max of the numbers that are there, and how many NaN: more useful than three NaN.
  if (nans < total) parts.push(`min ${formatNumber(min, digits)}`, `max ${formatNumber(max, digits)}`);
  parts.push(`‖·‖ ${formatNumber(frobeniusNorm(t), digits)}`);
  if (nans > 0) parts.push(`${nans} NaN`);
  return parts.join(' · ');
}
