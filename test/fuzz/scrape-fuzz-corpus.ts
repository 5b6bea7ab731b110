import { gzipSync } from "node:zlib";
import { seededRandom } from "../../lib/rng.js";

/** One hostile response: what a target sends. Every entry is invalid, so the target must be marked failing. */
export interface FuzzCase {
  name: string;
  status?: number;
  headers: Record<string, string>;
  body: Buffer;
}

const OM_TYPE = { "content-type": "application/openmetrics-text; version=1.0.0; charset=utf-8" };
const TEXT_TYPE = { "content-type": "text/plain; version=0.0.4" };

const VALID_TEXT = `# HELP http_requests_total Requests.
# TYPE http_requests_total counter
http_requests_total{method="get",code="200"} 1027 1395066363000
http_requests_total{method="post",code="400"} 3 1395066363000
# HELP rpc_seconds RPC latency.
# TYPE rpc_seconds histogram
rpc_seconds_bucket{le="0.05"} 24054
rpc_seconds_bucket{le="0.5"} 129389
rpc_seconds_bucket{le="+Inf"} 144320
rpc_seconds_sum 53423
rpc_seconds_count 144320
# TYPE q summary
q{quantile="0.5"} 4.7
q_sum 1.7e+10
q_count 2693
temperature{room="a b",note="say \\"hi\\"\\n"} -3.5
`;

const VALID_OM = `# TYPE acme_http_router_request_seconds summary
# UNIT acme_http_router_request_seconds seconds
# HELP acme_http_router_request_seconds Latency though all of ACME's HTTP request router.
acme_http_router_request_seconds_sum{path="/api/v1",method="GET"} 9036.32
acme_http_router_request_seconds_count{path="/api/v1",method="GET"} 807283.0
acme_http_router_request_seconds_created{path="/api/v1",method="GET"} 1605281325.0
# TYPE go_goroutines gauge
# HELP go_goroutines Number of goroutines that currently exist.
go_goroutines 69
# TYPE process_cpu_seconds counter
# UNIT process_cpu_seconds seconds
process_cpu_seconds_total 4.20072246e+06
# TYPE foo histogram
foo_bucket{le="0.0"} 0
foo_bucket{le="1e-05"} 0 # {trace_id="KOO5S4vxi0o"} 0.67
foo_bucket{le="+Inf"} 17
foo_count 17
foo_sum 324789.3
# EOF
`;

/** Hand-written hostile bodies, one per kind of mistake. */
function handWritten(): FuzzCase[] {
  const text = (name: string, body: string | Buffer): FuzzCase => ({
    name,
    headers: TEXT_TYPE,
    body: Buffer.from(body),
  });
  const om = (name: string, body: string): FuzzCase => ({ name, headers: OM_TYPE, body: Buffer.from(body) });
  return [
    text("html error page", "<html><body>502 Bad Gateway</body></html>\n"),
    text("json", '{"metrics": [1, 2, 3]}\n'),
    text("metric name starting with a digit", "9lives 1\n"),
    text("metric name with a dash", "my-metric 1\n"),
    text("value missing", "up\n"),
    text("value not a number", "up yes\n"),
    text("hex value", "up 0x1F\n"),
    text("two values and a timestamp", "up 1 2 3\n"),
    text("float timestamp", "up 1 1.5\n"),
    text("unterminated label set", 'up{job="a" 1\n'),
    text("unterminated label value", 'up{job="a} 1\n'),
    text("label without quotes", "up{job=a} 1\n"),
    text("label without value", "up{job} 1\n"),
    text("bad label name", 'up{1job="a"} 1\n'),
    text("unescaped quote in a label value", 'up{job="a"b"} 1\n'),
    text("duplicate label", 'up{a="1",a="2"} 1\n'),
    text("reserved __name__ label", 'up{__name__="x"} 1\n'),
    text("unknown TYPE", "# TYPE up banana\nup 1\n"),
    text("TYPE twice", "# TYPE up gauge\n# TYPE up gauge\nup 1\n"),
    text("HELP twice", "# HELP up a\n# HELP up b\nup 1\n"),
    text("unterminated quoted metric name", '{"my.metric 1\n'),
    text("label set without a metric name", '{job="a"} 1\n'),
    text("TYPE after samples", "up 1\n# TYPE up gauge\n"),
    text("histogram bucket without le", "# TYPE h histogram\nh_bucket 1\n"),
    text("histogram bare sample", "# TYPE h histogram\nh 1\n"),
    text("summary quantile missing", "# TYPE s summary\ns 1\n"),
    text("exemplar in text format", 'c_total 1 # {trace_id="x"} 1\n'),
    text("NUL byte in name", "up\u0000x 1\n"),
    text("invalid UTF-8", Buffer.concat([Buffer.from('up{a="'), Buffer.from([0xff, 0xfe]), Buffer.from('"} 1\n')])),
    text("truncated in the middle of labels", 'http_requests_total{method="get",co'),
    text("truncated after the name", "# TYPE up gauge\nup"),
    text("binary garbage", Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x01])),
    text("line longer than the parser limit", `up{a="${"x".repeat(1_100_000)}"} 1\n`),
    text("too many labels", `up{${Array.from({ length: 300 }, (_, i) => `l${i}="v"`).join(",")}} 1\n`),
    om("OpenMetrics without # EOF", "# TYPE up gauge\nup 1\n"),
    om("OpenMetrics content after # EOF", "# EOF\nup 1\n"),
    om("OpenMetrics blank line", "up 1\n\n# EOF\n"),
    om("OpenMetrics free comment", "# hello\n# EOF\n"),
    om("OpenMetrics interleaved families", "# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\n# TYPE a gauge\n# EOF\n"),
    om("OpenMetrics bare counter sample", "# TYPE c counter\nc 1\n# EOF\n"),
    om("OpenMetrics exemplar on a gauge", '# TYPE g gauge\ng 1 # {a="b"} 1\n# EOF\n'),
    om("OpenMetrics exemplar too long", `# TYPE c counter\nc_total 1 # {a="${"b".repeat(200)}"} 1\n# EOF\n`),
    om("OpenMetrics unit not a suffix", "# TYPE a gauge\n# UNIT a bytes\n# EOF\n"),
    om("OpenMetrics stateset without state label", "# TYPE s stateset\ns 1\n# EOF\n"),
    om("OpenMetrics type untyped", "# TYPE a untyped\n# EOF\n"),
    om("OpenMetrics metadata after samples", "# TYPE a gauge\na 1\n# HELP a x\n# EOF\n"),
    om("OpenMetrics bad timestamp", "a 1 yesterday\n# EOF\n"),
    {
      name: "gzip header but plain body",
      headers: { ...TEXT_TYPE, "content-encoding": "gzip" },
      body: Buffer.from("up 1\n"),
    },
    {
      name: "truncated gzip",
      headers: { ...TEXT_TYPE, "content-encoding": "gzip" },
      body: gzipSync(VALID_TEXT).subarray(0, 40),
    },
    {
      name: "gzip bomb",
      headers: { ...TEXT_TYPE, "content-encoding": "gzip" },
      body: gzipSync(Buffer.alloc(64 * 1024 * 1024, 48)),
    },
    { name: "brotli encoding", headers: { ...TEXT_TYPE, "content-encoding": "br" }, body: Buffer.from("up 1\n") },
    { name: "huge body", headers: TEXT_TYPE, body: Buffer.from(`${"# padding\n".repeat(300_000)}up 1\n`) },
    { name: "HTTP 500", status: 500, headers: TEXT_TYPE, body: Buffer.from("up 1\n") },
    { name: "HTTP 404", status: 404, headers: TEXT_TYPE, body: Buffer.from("not found") },
    { name: "HTTP 204", status: 204, headers: TEXT_TYPE, body: Buffer.alloc(0) },
  ];
}

/**
 * Generated hostile bodies, each invalid by construction: OpenMetrics bodies truncated before `# EOF`, text
 * bodies with one sample's value replaced by garbage, a label value left unterminated, a bare quote
 * injected into a label value (escapes such as `\t` are valid: Prometheus keeps them literally), or an invalid UTF-8 byte inserted into a label value.
 */
function generated(count: number, seed: number): FuzzCase[] {
  // Seeded, so that the corpus is the same on every run.
  const rand = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;
  const textLines = VALID_TEXT.trimEnd().split("\n");
  const sampleIdx = textLines.map((l, i) => (l.startsWith("#") ? -1 : i)).filter((i) => i >= 0);
  const labelled = sampleIdx.filter((i) => textLines[i]!.includes('="'));
  const garbage = [
    "1.2.3",
    "0x10",
    "abc",
    "--1",
    "1e",
    "NaNx",
    "∞",
    "1,5",
    "+-1",
    "Infinit",
    "0b1",
    "1_000",
    "\u00a01",
  ];
  const out: FuzzCase[] = [];
  for (let n = 0; n < count; n++) {
    const kind = n % 5;
    if (kind === 0) {
      const eof = VALID_OM.lastIndexOf("# EOF");
      const cut = Math.floor(rand() * eof);
      out.push({
        name: `generated ${n}: OpenMetrics truncated at byte ${cut}`,
        headers: OM_TYPE,
        body: Buffer.from(VALID_OM.slice(0, cut)),
      });
      continue;
    }
    const lines = [...textLines];
    let what: string;
    if (kind === 1) {
      const i = pick(sampleIdx);
      const parts = lines[i]!.split(" ");
      const valueAt = lines[i]!.startsWith("temperature") ? parts.length - 1 : 1;
      const g = pick(garbage);
      parts[valueAt] = g;
      lines[i] = parts.join(" ");
      what = `value replaced by ${JSON.stringify(g)} on line ${i + 1}`;
    } else if (kind === 2) {
      const i = pick(labelled);
      const line = lines[i]!;
      const close = line.lastIndexOf('"');
      lines[i] = line.slice(0, close) + line.slice(close + 1);
      what = `closing quote removed on line ${i + 1}`;
    } else if (kind === 3) {
      const i = pick(labelled);
      const line = lines[i]!;
      const at = line.indexOf('="') + 2;
      const bare = pick(['"', 'x"', '" ', '"}']);
      lines[i] = line.slice(0, at) + bare + line.slice(at);
      what = `bare quote ${JSON.stringify(bare)} injected on line ${i + 1}`;
    } else {
      const i = pick(labelled);
      const line = lines[i]!;
      const at = line.indexOf('="') + 2;
      const body = Buffer.concat([
        Buffer.from(`${lines.slice(0, i).join("\n")}\n${line.slice(0, at)}`),
        Buffer.from([pick([0xc0, 0xff, 0xfe, 0x80, 0xed])]),
        Buffer.from(`${line.slice(at)}\n${lines.slice(i + 1).join("\n")}\n`),
      ]);
      out.push({ name: `generated ${n}: invalid UTF-8 on line ${i + 1}`, headers: TEXT_TYPE, body });
      continue;
    }
    out.push({ name: `generated ${n}: ${what}`, headers: TEXT_TYPE, body: Buffer.from(`${lines.join("\n")}\n`) });
  }
  return out;
}

/** The corpus: hand-written cases plus `generatedCount` generated ones (deterministic for a seed). */
export function fuzzCorpus(generatedCount = 180, seed = 20261121): FuzzCase[] {
  return [...handWritten(), ...generated(generatedCount, seed)];
}

/** Valid bodies the corpus is derived from (the fuzz test checks that they parse). */
export const FUZZ_SEEDS = { text: VALID_TEXT, openmetrics: VALID_OM };
