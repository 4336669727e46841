// Each optimizer's state and update rule together. A rule writes the update it applies into `step`
// (so the trace can show ΔW exactly) and adds it to the parameter. Formulas and operation order follow
// PyTorch's torch.optim, so results agree to rounding; momentum is written in the classical form
// V := μV − α·g, W := W + V, which is PyTorch's v := μv + g, W := W − α·v at a constant learning rate.

import type { OptimizerSpec, ScheduleSpec } from '../model/types';

/** Per-parameter optimizer memory: velocity, running averages. */
export interface OptimizerSlots {
  first: Float64Array;
  second: Float64Array;
}

export type UpdateRule = (
  param: Float64Array,
  grad: Float64Array,
  step: Float64Array,
  slots: OptimizerSlots,
  lr: number,
  t: number,
) => void;

export function updateRule(spec: OptimizerSpec): UpdateRule {
  const { momentum: mu, beta1, beta2, epsilon, alpha } = spec;
  switch (spec.type) {
    case 'sgd':
      // W := W − α·g
      return (param, grad, step, _slots, lr) => {
        for (let i = 0; i < param.length; i++) {
          step[i] = -lr * grad[i];
          param[i] += step[i];
        }
      };
    case 'momentum':
      // V := μV − α·g;  W := W + V
      return (param, grad, step, { first: velocity }, lr) => {
        for (let i = 0; i < param.length; i++) {
          velocity[i] = mu * velocity[i] - lr * grad[i];
          step[i] = velocity[i];
          param[i] += step[i];
        }
      };
    case 'nesterov':
      // v := μv + g;  W := W − α·(g + μv)   (PyTorch's Nesterov form: look ahead along the velocity)
      return (param, grad, step, { first: velocity }, lr) => {
        for (let i = 0; i < param.length; i++) {
          velocity[i] = mu * velocity[i] + grad[i];
          step[i] = -lr * (grad[i] + mu * velocity[i]);
          param[i] += step[i];
        }
      };
    case 'adagrad':
      // G := G + g²;  W := W − α·g / (√G + ε)
      return (param, grad, step, { first: sumSquares }, lr) => {
        for (let i = 0; i < param.length; i++) {
          sumSquares[i] += grad[i] * grad[i];
          step[i] = -lr * (grad[i] / (Math.sqrt(sumSquares[i]) + epsilon));
          param[i] += step[i];
        }
      };
    case 'rmsprop':
      // v := ρv + (1−ρ)g²;  W := W − α·g / (√v + ε)
      return (param, grad, step, { first: meanSquare }, lr) => {
        for (let i = 0; i < param.length; i++) {
          meanSquare[i] = meanSquare[i] * alpha + (1 - alpha) * (grad[i] * grad[i]);
          step[i] = -lr * (grad[i] / (Math.sqrt(meanSquare[i]) + epsilon));
          param[i] += step[i];
        }
      };
    case 'adam':
      // m := β₁m + (1−β₁)g;  v := β₂v + (1−β₂)g²;  W := W − α·m̂ / (√v̂ + ε) with bias-corrected m̂, v̂
      return (param, grad, step, { first: mean, second: meanSquare }, lr, t) => {
        const stepSize = lr / (1 - beta1 ** t);
        const correction2 = Math.sqrt(1 - beta2 ** t);
        for (let i = 0; i < param.length; i++) {
          mean[i] += (grad[i] - mean[i]) * (1 - beta1);
          meanSquare[i] = meanSquare[i] * beta2 + (1 - beta2) * (grad[i] * grad[i]);
          step[i] = -stepSize * (mean[i] / (Math.sqrt(meanSquare[i]) / correction2 + epsilon));
          param[i] += step[i];
        }
      };
  }
}

export function emptySlots(size: number): OptimizerSlots {
  return { first: new Float64Array(size), second: new Float64Array(size) };
}

/** Learning rate for a 0-based epoch; schedules step once per epoch, like PyTorch's lr_scheduler. */
export function scheduledLearningRate(lr: number, schedule: ScheduleSpec, epoch: number): number {
  switch (schedule.type) {
    case 'none':
      return lr;
    case 'step':
      return lr * schedule.gamma ** Math.floor(epoch / schedule.every);
    case 'exponential':
      return lr * schedule.gamma ** epoch;
    case 'cosine':
      return (lr * (1 + Math.cos((Math.PI * epoch) / schedule.epochs))) / 2;
  }
}
