/**
 * Locates the first syntax error of RFC 8259 JSON in `text`, by offset and with a plain message. V8's own
 * `JSON.parse` messages carry a position only for some errors and word it differently across Node versions,
 * so the location comes from this scanner; it is consulted only after `JSON.parse` has refused the text.
 */
export interface JsonSyntaxError {
  /** 0-based offset of the offending character (the text's length for a premature end). */
  offset: number;
  message: string;
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const STRING_BODY = /(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*/y;

class Fail extends Error {
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}

export function findJsonSyntaxError(text: string): JsonSyntaxError | undefined {
  let at = 0;
  const describe = (offset: number) =>
    offset >= text.length ? "the end of the text" : `${JSON.stringify(text[offset])}`;
  const fail = (expected: string, offset = at): never => {
    throw new Fail(offset, `expected ${expected}, found ${describe(offset)}`);
  };
  const skipWhitespace = () => {
    while (at < text.length && " \t\n\r".includes(text[at] as string)) at++;
  };
  const string = () => {
    at++;
    STRING_BODY.lastIndex = at;
    STRING_BODY.exec(text);
    at = STRING_BODY.lastIndex;
    if (text[at] !== '"') fail(text[at] === "\\" ? "a valid escape sequence" : 'a closing "');
    at++;
  };
  const members = (close: "}" | "]", member: () => void) => {
    at++;
    skipWhitespace();
    if (text[at] === close) {
      at++;
      return;
    }
    for (;;) {
      member();
      skipWhitespace();
      if (text[at] === close) {
        at++;
        return;
      }
      if (text[at] !== ",") fail(`"," or "${close}"`);
      const comma = at;
      at++;
      skipWhitespace();
      if (text[at] === close) throw new Fail(comma, `trailing comma before "${close}" (JSON allows none)`);
    }
  };
  const value = (): void => {
    skipWhitespace();
    const c = text[at];
    if (c === "{") {
      members("}", () => {
        skipWhitespace();
        if (text[at] !== '"') fail("a double-quoted property name (JSON has no unquoted or single-quoted keys)");
        string();
        skipWhitespace();
        if (text[at] !== ":") fail('":"');
        at++;
        value();
      });
    } else if (c === "[") {
      members("]", value);
    } else if (c === '"') {
      string();
    } else if (text.startsWith("true", at) || text.startsWith("null", at)) {
      at += 4;
    } else if (text.startsWith("false", at)) {
      at += 5;
    } else {
      NUMBER.lastIndex = at;
      if (!NUMBER.test(text)) {
        const hint =
          c === "'" ? " (JSON strings take double quotes)" : c === "#" || c === "/" ? " (JSON has no comments)" : "";
        fail(`a value${hint}`);
      }
      at = NUMBER.lastIndex;
    }
  };
  try {
    value();
    skipWhitespace();
    if (at < text.length) fail("the end of the text after the top-level value");
    return undefined;
  } catch (error) {
    if (error instanceof Fail) return { offset: error.offset, message: error.message };
    throw error;
  }
}
