// Hit conditions as VS Code's Breakpoints view accepts them: `5` (the 5th hit), `>= 5`, `> 5`, `< 5`, `<= 5`,
// `== 5` and `% 5` (every 5th hit).

const HIT_CONDITION = /^\s*(>=|<=|==?|>|<|%)?\s*(\d+)\s*$/;

/** Why a hit condition cannot be read, or undefined when it can. */
export function hitConditionProblem(text: string): string | undefined {
  return HIT_CONDITION.test(text)
    ? undefined
    : `hit condition \`${text}\` is not a count: use 5, >= 5, > 5, < 5, <= 5, == 5 or % 5`;
}

export function hitConditionHolds(text: string, count: number): boolean {
  const match = HIT_CONDITION.exec(text);
  if (!match) return false;
  const n = Number(match[2]);
  switch (match[1]) {
    case '>=':
      return count >= n;
    case '>':
      return count > n;
    case '<':
      return count < n;
    case '<=':
      return count <= n;
    case '%':
      return n > 0 && count % n === 0;
    default:
      return count === n;
  }
}
