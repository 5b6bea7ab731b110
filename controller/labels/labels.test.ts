import { describe, expect, it } from "vitest";
import { readContainerScrapes } from "./container-scrapes.js";
import { checkMetricsPath } from "./metrics-path.js";
import { parseUserLabels } from "./parse-labels.js";
import { formatLabelError, parsePortPath, parseScrapes } from "./parse-scrapes.js";

describe("parseScrapes", () => {
  it.each([
    ["8080", [{ port: 8080 }]],
    ["8080/internal/metrics,9106", [{ port: 8080, path: "/internal/metrics" }, { port: 9106 }]],
    [" 8080 , 9106/x ", [{ port: 8080 }, { port: 9106, path: "/x" }]],
    ["8080,8080", [{ port: 8080 }]],
    ["65535/a-b_c.d~e", [{ port: 65535, path: "/a-b_c.d~e" }]],
    ["1/", [{ port: 1, path: "/" }]],
  ])("%j → %j", (value, entries) => {
    const result = parseScrapes(value);
    expect(result.errors).toEqual([]);
    expect(result.entries).toEqual(entries);
  });

  it.each([
    ["9106,80a", 'PROMETHEUS_SCRAPES: invalid port "80a" (unexpected "a") at position 5'],
    ["localhost:6379", 'PROMETHEUS_SCRAPES: invalid port "localhost:6379" (unexpected "l") at position 0'],
    ["8080@evil", 'PROMETHEUS_SCRAPES: invalid port "8080@evil" (unexpected "@") at position 0'],
    ["169.254.169.254/latest", 'PROMETHEUS_SCRAPES: invalid port "169.254.169.254" (unexpected ".") at position 0'],
    ["0", "PROMETHEUS_SCRAPES: port 0 out of range 1-65535 at position 0"],
    ["70000", "PROMETHEUS_SCRAPES: port 70000 out of range 1-65535 at position 0"],
    ["8080,,9106", "PROMETHEUS_SCRAPES: empty entry at position 5"],
    ["", "PROMETHEUS_SCRAPES: empty value at position 0"],
    ["8080/../admin", 'PROMETHEUS_SCRAPES: path segment ".." is not allowed at position 5'],
    ["8080/a/..", 'PROMETHEUS_SCRAPES: path segment ".." is not allowed at position 7'],
    ["8080//evil.com/x", 'PROMETHEUS_SCRAPES: path must not start with "//" at position 4'],
    ["8080/x://y", 'PROMETHEUS_SCRAPES: "://" is not allowed in a path at position 6'],
    ["8080/a@b", 'PROMETHEUS_SCRAPES: character "@" is not allowed in a path at position 6'],
    ["8080/m?x=1", 'PROMETHEUS_SCRAPES: character "?" is not allowed in a path at position 6'],
    ["8080/m#f", 'PROMETHEUS_SCRAPES: character "#" is not allowed in a path at position 6'],
    ["8080/m%2e", 'PROMETHEUS_SCRAPES: character "%" is not allowed in a path at position 6'],
    ["8080/m\nx", 'PROMETHEUS_SCRAPES: character "\\x0a" is not allowed in a path at position 6'],
  ])("%j is rejected: %s", (value, message) => {
    const result = parseScrapes(value);
    expect(result.errors.map(formatLabelError)).toEqual([message]);
  });

  it("keeps valid entries beside a malformed one", () => {
    const result = parseScrapes("8080,80a,9106/m");
    expect(result.entries).toEqual([{ port: 8080 }, { port: 9106, path: "/m" }]);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]?.position).toBe(5);
  });
});

describe("parsePortPath (seed 002)", () => {
  it.each([
    ["9100/path/to/metrics", [{ port: 9100, path: "/path/to/metrics" }], 0],
    ["8080", [{ port: 8080 }], 0],
    ["8080,9100", [], 1],
  ])("%j", (value, entries, errorCount) => {
    const result = parsePortPath(value, "metrics");
    expect(result.entries).toEqual(entries);
    expect(result.errors).toHaveLength(errorCount);
  });
});

describe("parseUserLabels", () => {
  it.each([
    ["__scheme__=https,team=a", { labels: { team: "a" }, scheme: "https", errors: [] }],
    ["team = a , env=prod", { labels: { team: "a", env: "prod" }, errors: [] }],
    ["__metrics_path__=/internal", { labels: {}, metricsPath: "/internal", errors: [] }],
    ["", { labels: {}, errors: [] }],
    ["k=", { labels: { k: "" }, errors: [] }],
    ["skip_15s=true", { labels: { skip_15s: "true" }, errors: [] }],
  ])("%j", (value, expected) => {
    expect(parseUserLabels(value)).toEqual(expected);
  });

  it.each([
    ["__scheme__=ftp", '__scheme__ must be http or https, got "ftp"', 11],
    ["team=a,__address__=evil:80", 'reserved label name "__address__"', 7],
    ["1bad=x", 'invalid label name "1bad"', 0],
    ["novalue", 'expected key=value, got "novalue"', 0],
    ["__metrics_path__=../x", '__metrics_path__: path must start with "/"', 17],
    ["__metrics_path__=http://evil/x", '__metrics_path__: path must start with "/"', 17],
    ["a=b\u0000c", 'control character "\\x00" in value', 3],
  ])("%j is rejected", (value, message, position) => {
    const result = parseUserLabels(value);
    expect(result.errors).toEqual([{ label: "PROMETHEUS_LABELS", message, position }]);
  });
});

describe("checkMetricsPath", () => {
  it.each([
    ["/metrics", true],
    ["/a/b.c/d", true],
    ["/a/./b", false],
    ["metrics", false],
    ["/a\\b", false],
    ["/a b", false],
  ])("%j ok=%s", (path, ok) => {
    expect(checkMetricsPath(path) === undefined).toBe(ok);
  });
});

describe("readContainerScrapes", () => {
  const config = {
    scheme: "http" as const,
    labels: { scrapes: "PROMETHEUS_SCRAPES", labels: "PROMETHEUS_LABELS", portPath: "metrics-port-path" },
  };

  it.each([
    [{}, { kind: "none" }],
    [{ other: "x" }, { kind: "none" }],
    [
      { PROMETHEUS_SCRAPES: "8080/internal/metrics,9106", PROMETHEUS_LABELS: "__scheme__=https,team=a" },
      {
        kind: "scrapes",
        source: "PROMETHEUS_SCRAPES",
        endpoints: [
          { port: 8080, path: "/internal/metrics", scheme: "https" },
          { port: 9106, path: "/metrics", scheme: "https" },
        ],
        labels: { team: "a" },
        errors: [],
      },
    ],
    [
      { PROMETHEUS_SCRAPES: "9106", PROMETHEUS_LABELS: "__metrics_path__=/custom" },
      {
        kind: "scrapes",
        source: "PROMETHEUS_SCRAPES",
        endpoints: [{ port: 9106, path: "/custom", scheme: "http" }],
        labels: {},
        errors: [],
      },
    ],
    [
      { "metrics-port-path": "9100/path/to/metrics" },
      {
        kind: "scrapes",
        source: "metrics-port-path",
        endpoints: [{ port: 9100, path: "/path/to/metrics", scheme: "http" }],
        labels: {},
        errors: [],
      },
    ],
  ])("%j", (labels, expected) => {
    expect(readContainerScrapes(labels, config)).toEqual(expected);
  });

  it("a malformed labels label leaves no endpoints", () => {
    const result = readContainerScrapes({ PROMETHEUS_SCRAPES: "8080", PROMETHEUS_LABELS: "__scheme__=gopher" }, config);
    expect(result.kind === "scrapes" && result.endpoints).toEqual([]);
    expect(result.kind === "scrapes" && result.errors.length).toBe(1);
  });

  it("ignores inherited properties", () => {
    expect(readContainerScrapes(Object.create({ PROMETHEUS_SCRAPES: "80" }), config)).toEqual({ kind: "none" });
  });
});

describe("fuzz: random strings never throw and every accepted endpoint is safe", () => {
  const alphabet = "0123456789/.,:@?#%=_-abcXYZ \t\n\\~!$&'()*+;\u0000\u00e9";
  function randomString(seed: { s: number }, max: number): string {
    const next = () => {
      seed.s = (seed.s * 1103515245 + 12345) & 0x7fffffff;
      return seed.s;
    };
    const length = next() % max;
    let out = "";
    for (let i = 0; i < length; i++) out += alphabet.charAt(next() % alphabet.length);
    return out;
  }

  it("parses 5 000 random values", () => {
    const seed = { s: 42 };
    const config = { scheme: "http" as const, labels: { scrapes: "S", labels: "L", portPath: "P" } };
    for (let i = 0; i < 5_000; i++) {
      const scrapes = randomString(seed, 30);
      const labels = randomString(seed, 30);
      const result = readContainerScrapes({ S: scrapes, L: labels, P: scrapes }, config);
      expect(result.kind).toBe("scrapes");
      if (result.kind !== "scrapes") continue;
      for (const endpoint of result.endpoints) {
        expect(endpoint.port).toBeGreaterThanOrEqual(1);
        expect(endpoint.port).toBeLessThanOrEqual(65535);
        expect(checkMetricsPath(endpoint.path)).toBeUndefined();
        expect(endpoint.path).not.toMatch(/\.\.|@|\?|#|:\/\/|^\/\//);
      }
      for (const error of result.errors) {
        expect(error.position).toBeGreaterThanOrEqual(0);
        expect(error.position).toBeLessThanOrEqual(Math.max(scrapes.length, labels.length));
      }
    }
  });
});
