import { type ImportInput, ImportParseError } from "./import-plan.js";

/** One word of a command line and the 1-based line it starts on. */
export interface Word {
  value: string;
  line: number;
}

/**
 * Splits a command line as pasted from a README into words. Lenient where READMEs are sloppy: a leading `$ ` or
 * `> ` prompt is dropped, `\` at the end of a line continues it, a quote opens a quoted word only at the start
 * of a word (`eni's` stays one word), and a quote left open ends at the end of its line (reported through
 * `onUnclosedQuote`). `#` at the start of a word comments out the rest of the line.
 */
export function splitCommandLine(input: ImportInput, onUnclosedQuote?: (line: number) => void): Word[] {
  const words: Word[] = [];
  input.text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    let text = raw.trim().replace(/^[$>]\s+/, "");
    if (text.endsWith("\\")) text = text.slice(0, -1);
    let at = 0;
    while (at < text.length) {
      const char = text[at] as string;
      if (/\s/.test(char)) {
        at++;
        continue;
      }
      if (char === "#") break;
      if (char === '"' || char === "'") {
        const close = text.indexOf(char, at + 1);
        if (close < 0) onUnclosedQuote?.(line);
        const end = close < 0 ? text.length : close;
        words.push({ value: text.slice(at + 1, end).trimEnd(), line });
        at = end + 1;
        continue;
      }
      let end = at;
      while (end < text.length && !/\s/.test(text[end] as string)) end++;
      words.push({ value: text.slice(at, end), line });
      at = end;
    }
  });
  return words;
}

/** How one option of a tool's command line is spelled and whether it takes a value. */
export interface OptionSpec {
  long: string;
  short?: string;
  /** Values up to the next option (`--dimensions a b`), as the AWS CLI takes lists. */
  list?: boolean;
  /** A switch without a value (`-h`). */
  flag?: boolean;
}

export interface ParsedOption {
  values: string[];
  line: number;
}

/**
 * Reads `--long value`, `--long=value` and `-s value` options after the word that names the program (the last
 * word matching `program`, so a `docker run …` prefix is skipped). An unknown option, a missing value or a
 * stray word is an {@link ImportParseError} naming the line, as the tool itself would refuse the command.
 */
export function parseOptions(
  input: ImportInput,
  words: readonly Word[],
  program: RegExp,
  options: readonly OptionSpec[],
): Map<string, ParsedOption> {
  const start = findLastIndex(words, (w) => program.test(w.value)) + 1;
  const byName = new Map<string, OptionSpec>();
  for (const option of options) {
    byName.set(`--${option.long}`, option);
    if (option.short) byName.set(`-${option.short}`, option);
  }
  const parsed = new Map<string, ParsedOption>();
  for (let i = start; i < words.length; i++) {
    const word = words[i] as Word;
    const [name, inline] = word.value.startsWith("--") ? splitOnce(word.value, "=") : [word.value, undefined];
    const option = byName.get(name);
    if (!option) {
      const what = name.startsWith("-") ? `unknown option ${name}` : `unexpected argument ${JSON.stringify(name)}`;
      const known = options.map((o) => (o.short ? `-${o.short}/--${o.long}` : `--${o.long}`)).join(", ");
      throw new ImportParseError(input.name, word.line, `${what} (expected one of ${known})`);
    }
    const values: string[] = [];
    if (inline !== undefined) values.push(inline);
    else if (!option.flag) {
      while (i + 1 < words.length && !isOption(words[i + 1] as Word, byName)) {
        values.push((words[++i] as Word).value);
        if (!option.list) break;
      }
      if (values.length === 0) throw new ImportParseError(input.name, word.line, `${name} needs a value`);
    }
    const seen = parsed.get(option.long);
    parsed.set(option.long, { values: [...(seen?.values ?? []), ...values], line: word.line });
  }
  return parsed;
}

function isOption(word: Word, known: Map<string, OptionSpec>): boolean {
  return known.has(splitOnce(word.value, "=")[0]) || /^--[a-z]/.test(word.value);
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
}

function findLastIndex<T>(items: readonly T[], predicate: (item: T) => boolean): number {
  for (let i = items.length - 1; i >= 0; i--) if (predicate(items[i] as T)) return i;
  return -1;
}
