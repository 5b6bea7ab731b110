/**
 * A subset of CloudWatch metric math: `+ - * / ^`, parentheses, numbers, query ids, `METRICS()` (optionally
 * with a label substring filter), `[a, b]` arrays, and SUM/AVG/MIN/MAX/ABS/FILL. Series are maps
 * timestamp(ms) → value; binary operations between series keep timestamps present in both.
 */
export type Series = Map<number, number>;
type Val = number | Series | Series[];

export class ExpressionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ExpressionError";
  }
}

type Token = { t: "num"; v: number } | { t: "id"; v: string } | { t: "str"; v: string } | { t: "op"; v: string };

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src.charAt(i);
    if (c === " " || c === "\t" || c === "\n") {
      i++;
    } else if (/[0-9.]/.test(c)) {
      let j = i;
      while (j < src.length && /[0-9.eE]/.test(src.charAt(j))) j++;
      const v = Number(src.slice(i, j));
      if (!Number.isFinite(v)) throw new ExpressionError(`Invalid number at position ${i}`);
      out.push({ t: "num", v });
      i = j;
    } else if (/[A-Za-z_]/.test(c)) {
      let j = i;
      while (j < src.length && /[A-Za-z0-9_]/.test(src.charAt(j))) j++;
      out.push({ t: "id", v: src.slice(i, j) });
      i = j;
    } else if (c === '"' || c === "'") {
      const j = src.indexOf(c, i + 1);
      if (j < 0) throw new ExpressionError(`Unterminated string at position ${i}`);
      out.push({ t: "str", v: src.slice(i + 1, j) });
      i = j + 1;
    } else if ("+-*/^()[],".includes(c)) {
      out.push({ t: "op", v: c });
      i++;
    } else {
      throw new ExpressionError(`Unexpected character '${c}' at position ${i}`);
    }
  }
  return out;
}

/** Inputs an expression can reference. */
export interface ExpressionScope {
  /** Results of other queries by id. */
  byId: Map<string, Series>;
  /** MetricStat results with their labels, for METRICS(). */
  metrics: { label: string; series: Series }[];
}

const FUNCTIONS = new Set(["SUM", "AVG", "MIN", "MAX", "ABS", "FILL", "METRICS"]);

/** Evaluates `src`; the result must be one time series or an array of them. */
export function evaluateExpression(src: string, scope: ExpressionScope): Series[] {
  const tokens = tokenize(src);
  let pos = 0;
  const peek = () => tokens[pos];
  const expectOp = (v: string) => {
    const t = tokens[pos];
    if (t?.t !== "op" || t.v !== v) throw new ExpressionError(`Expected '${v}' in expression`);
    pos++;
  };

  const primary = (): Val => {
    const t = tokens[pos++];
    if (!t) throw new ExpressionError("Unexpected end of expression");
    if (t.t === "num") return t.v;
    if (t.t === "op" && t.v === "(") {
      const v = additive();
      expectOp(")");
      return v;
    }
    if (t.t === "op" && t.v === "[") {
      const items: Series[] = [];
      if (!(peek()?.t === "op" && peek()?.v === "]")) {
        for (;;) {
          items.push(...asArray(additive()));
          if (peek()?.t === "op" && peek()?.v === ",") pos++;
          else break;
        }
      }
      expectOp("]");
      return items;
    }
    if (t.t === "id") {
      const next = peek();
      if (next?.t === "op" && next.v === "(") {
        const name = t.v.toUpperCase();
        if (!FUNCTIONS.has(name)) throw new ExpressionError(`Unsupported function ${t.v}`);
        pos++;
        const args: (Val | string)[] = [];
        if (!(peek()?.t === "op" && peek()?.v === ")")) {
          for (;;) {
            const a = peek();
            if (a?.t === "str") {
              pos++;
              args.push(a.v);
            } else args.push(additive());
            if (peek()?.t === "op" && peek()?.v === ",") pos++;
            else break;
          }
        }
        expectOp(")");
        return call(name, args);
      }
      const series = scope.byId.get(t.v);
      if (!series) throw new ExpressionError(`Unrecognized id ${t.v} in expression`);
      return series;
    }
    throw new ExpressionError("Unexpected token in expression");
  };

  const call = (name: string, args: (Val | string)[]): Val => {
    if (name === "METRICS") {
      const filter = typeof args[0] === "string" ? args[0] : undefined;
      return scope.metrics.filter((m) => filter === undefined || m.label.includes(filter)).map((m) => m.series);
    }
    const first = args[0];
    if (first === undefined || typeof first === "string") throw new ExpressionError(`${name} needs an argument`);
    if (name === "ABS") return unary(first, Math.abs);
    if (name === "FILL") {
      const fillValue = args[1];
      if (typeof fillValue !== "number") throw new ExpressionError("FILL needs a numeric fill value");
      return first;
    }
    const reduce = REDUCERS[name] as (xs: number[]) => number;
    if (first instanceof Map) return reduce([...first.values()]);
    if (Array.isArray(first)) {
      const out: Series = new Map();
      const stamps = new Set<number>();
      for (const s of first) for (const ts of s.keys()) stamps.add(ts);
      for (const ts of stamps) {
        const xs: number[] = [];
        for (const s of first) {
          const v = s.get(ts);
          if (v !== undefined) xs.push(v);
        }
        out.set(ts, reduce(xs));
      }
      return out;
    }
    return first;
  };

  const power = (): Val => {
    const base = primary();
    if (peek()?.t === "op" && peek()?.v === "^") {
      pos++;
      return binary(base, signed(), (a, b) => a ** b);
    }
    return base;
  };
  /** Unary minus binds looser than `^`: -a^2 is -(a^2). */
  const signed = (): Val => {
    if (peek()?.t === "op" && peek()?.v === "-") {
      pos++;
      return unary(signed(), (x) => -x);
    }
    return power();
  };
  const multiplicative = (): Val => {
    let left = signed();
    for (;;) {
      const t = peek();
      if (t?.t === "op" && (t.v === "*" || t.v === "/")) {
        pos++;
        const right = signed();
        left = t.v === "*" ? binary(left, right, (a, b) => a * b) : binary(left, right, (a, b) => a / b);
      } else return left;
    }
  };
  const additive = (): Val => {
    let left = multiplicative();
    for (;;) {
      const t = peek();
      if (t?.t === "op" && (t.v === "+" || t.v === "-")) {
        pos++;
        const right = multiplicative();
        left = t.v === "+" ? binary(left, right, (a, b) => a + b) : binary(left, right, (a, b) => a - b);
      } else return left;
    }
  };

  const result = additive();
  if (pos !== tokens.length) throw new ExpressionError("Unexpected trailing input in expression");
  if (typeof result === "number") throw new ExpressionError("The expression must produce a time series");
  return asArray(result);
}

const REDUCERS: Record<string, (xs: number[]) => number> = {
  SUM: (xs) => xs.reduce((a, b) => a + b, 0),
  AVG: (xs) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN),
  MIN: (xs) => Math.min(...xs),
  MAX: (xs) => Math.max(...xs),
};

function asArray(v: Val): Series[] {
  if (typeof v === "number") throw new ExpressionError("A time series is required here");
  return Array.isArray(v) ? v : [v];
}

function unary(v: Val, f: (x: number) => number): Val {
  if (typeof v === "number") return f(v);
  if (v instanceof Map) return new Map([...v].map(([k, x]) => [k, f(x)]));
  return v.map((s) => new Map([...s].map(([k, x]) => [k, f(x)])));
}

function binary(a: Val, b: Val, f: (x: number, y: number) => number): Val {
  if (typeof a === "number" && typeof b === "number") return f(a, b);
  if (typeof a === "number") return unary(b, (y) => f(a, y));
  if (typeof b === "number") return unary(a, (x) => f(x, b));
  if (a instanceof Map && b instanceof Map) {
    const out: Series = new Map();
    for (const [ts, x] of a) {
      const y = b.get(ts);
      if (y !== undefined) out.set(ts, f(x, y));
    }
    return out;
  }
  if (Array.isArray(a) && b instanceof Map) return a.map((s) => binary(s, b, f) as Series);
  if (a instanceof Map && Array.isArray(b)) return b.map((s) => binary(a, s, f) as Series);
  throw new ExpressionError("Cannot combine two arrays of time series");
}
