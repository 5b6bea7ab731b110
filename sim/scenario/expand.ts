const EXPRESSION = /\$\{\s*i\s*(?:([%+*/-])\s*(\d+)\s*)?\}/g;

/** Substitutes `${i}`-style expressions for index `i` in one string. */
export function substitute(text: string, i: number): string {
  if (!text.includes("${")) return text;
  return text.replace(EXPRESSION, (_m, op: string | undefined, operand: string | undefined) => {
    const n = Number(operand ?? 0);
    switch (op) {
      case "%":
        return String(n === 0 ? i : i % n);
      case "/":
        return String(n === 0 ? i : Math.floor(i / n));
      case "+":
        return String(i + n);
      case "-":
        return String(i - n);
      case "*":
        return String(i * n);
      default:
        return String(i);
    }
  });
}

function substituteDeep<T>(value: T, i: number): T {
  if (typeof value === "string") return substitute(value, i) as T;
  if (Array.isArray(value)) return value.map((v) => substituteDeep(v, i)) as T;
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[substitute(k, i)] = substituteDeep(v, i);
    return out as T;
  }
  return value;
}

/** Expands items carrying `repeat: N` into N copies with `${i}` substituted; others pass through. */
export function expandRepeats<T extends { repeat?: number | undefined }>(items: readonly T[]): Omit<T, "repeat">[] {
  const out: Omit<T, "repeat">[] = [];
  for (const item of items) {
    const { repeat, ...rest } = item;
    if (repeat === undefined) {
      out.push(rest);
      continue;
    }
    for (let i = 0; i < repeat; i++) out.push(substituteDeep(rest, i));
  }
  return out;
}
