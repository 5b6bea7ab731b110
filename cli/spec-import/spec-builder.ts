import { Document, isMap, isScalar, isSeq, LineCounter, Pair, parseDocument, Scalar, YAMLMap, YAMLSeq } from "yaml";
import { API_VERSION, checkSsmSize, formatPath, parseSpec, type SpecError } from "../../crds-like-schemas/index.js";
import {
  type ImportInput,
  ImportParseError,
  type ImportPlan,
  type SpecPath,
  type SpecValue,
  type Unconverted,
} from "./import-plan.js";

/** ECS's own name for the cluster used when none is given. */
export const ECS_DEFAULT_CLUSTER = "default";

export interface BuildOptions {
  /** `--cluster`: wins over a cluster named by the input. */
  cluster?: string | undefined;
  /** `--merge`: an existing spec whose text, comments included, is kept; the import is added to it. */
  merge?: ImportInput | undefined;
  /** The command as the user ran it, for the header comment. */
  command: string;
}

export type BuildResult =
  | { ok: true; text: string; unconverted: Unconverted[]; notes: string[] }
  | { ok: false; errors: SpecError[] };

/**
 * Writes a plan into a MonitoringSpec document (a new one, or the `--merge` spec with its comments kept), with a
 * comment above each key naming its source. The result is validated with parseSpec, the same check as
 * `ecsmon spec validate`: a value the spec refuses is taken out and listed as unconverted with the validator's
 * message, so what is written always validates. Errors that no imported value explains (an invalid `--merge`
 * spec, say) are returned instead.
 */
export function buildSpec(plan: ImportPlan, options: BuildOptions): BuildResult {
  const unconverted = [...plan.unconverted];
  const notes = [...plan.notes];
  let values = plan.clusterValues;
  let outputs = plan.outputValues;
  const clusterName = options.cluster ?? plan.cluster?.name ?? ECS_DEFAULT_CLUSTER;
  const clusterFrom = options.cluster
    ? "from --cluster"
    : (plan.cluster?.from ?? `ECS's default cluster name; pass --cluster to name another`);
  if (options.cluster && plan.cluster && plan.cluster.name !== options.cluster)
    unconverted.push({ value: plan.cluster.from, reason: `--cluster ${options.cluster} wins` });

  for (let attempt = 0; attempt < 20; attempt++) {
    const doc = baseDocument(plan, options, notes);
    const index = clusterIndex(doc, clusterName, clusterFrom);
    for (const value of values) setWithComment(doc, ["spec", "clusters", index, ...value.path], value);
    for (const value of outputs) setWithComment(doc, ["spec", "outputs", ...value.path], value);
    const rendered = doc.toString({ lineWidth: 0 });
    const text = rendered.endsWith("\n") ? rendered : `${rendered}\n`;
    const result = parseSpec(text, { source: "import" });
    if (result.ok) {
      const size = checkSsmSize(text, "Standard");
      if (!size.ok) notes.push(`The spec is ${size.bytes} bytes: ${size.message}`);
      return { ok: true, text, unconverted, notes };
    }
    const owned = (path: SpecPath, prefix: readonly (string | number)[]) => (error: SpecError) =>
      isUnder(error.path, formatPath([...prefix, ...path]));
    const refused = (list: SpecValue[], prefix: readonly (string | number)[]) =>
      list.filter((value) => result.errors.some(owned(value.path, prefix)));
    const badValues = refused(values, ["spec", "clusters", index]);
    const badOutputs = refused(outputs, ["spec", "outputs"]);
    if (badValues.length + badOutputs.length === 0) return { ok: false, errors: result.errors };
    for (const [bad, prefix] of [
      [badValues, ["spec", "clusters", index]],
      [badOutputs, ["spec", "outputs"]],
    ] as const) {
      for (const value of bad) {
        const error = result.errors.find(owned(value.path, prefix));
        unconverted.push({
          value: `${value.from}: ${JSON.stringify(value.value)}`,
          reason: error?.message ?? "invalid",
        });
      }
    }
    values = values.filter((v) => !badValues.includes(v));
    outputs = outputs.filter((v) => !badOutputs.includes(v));
  }
  return { ok: false, errors: [{ path: "", message: "the import kept producing an invalid spec" }] };
}

function isUnder(errorPath: string, valuePath: string): boolean {
  return errorPath === valuePath || errorPath.startsWith(`${valuePath}.`) || errorPath.startsWith(`${valuePath}[`);
}

function baseDocument(plan: ImportPlan, options: BuildOptions, notes: readonly string[]): Document {
  const header = [` Imported by: ${options.command}`, ...notes.map((note) => ` ${note}`)];
  if (!options.merge) {
    const doc = new Document({ apiVersion: API_VERSION, kind: "MonitoringSpec", metadata: { name: plan.tool } });
    doc.setIn(["spec", "clusters"], new YAMLSeq());
    doc.commentBefore = header.join("\n");
    return doc;
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(options.merge.text, { lineCounter, prettyErrors: false });
  const first = doc.errors[0];
  if (first)
    throw new ImportParseError(
      options.merge.name,
      lineCounter.linePos(first.pos[0]).line,
      first.message.split("\n")[0] ?? "",
    );
  if (!isMap(doc.contents))
    throw new ImportParseError(
      options.merge.name,
      1,
      "expected a MonitoringSpec: a map with apiVersion, kind and spec",
    );
  // The user's header stays first; the import's provenance goes at the end of the document.
  doc.comment = [doc.comment, ...header].filter((line) => line !== undefined && line !== null).join("\n");
  if (!isSeq(doc.getIn(["spec", "clusters"], true))) doc.setIn(["spec", "clusters"], new YAMLSeq());
  return doc;
}

/** The index of the cluster entry named `name`, appended (with a comment naming its source) when absent. */
function clusterIndex(doc: Document, name: string, from: string): number {
  const clusters = doc.getIn(["spec", "clusters"], true) as YAMLSeq;
  const found = clusters.items.findIndex((item) => isMap(item) && item.get("name") === name);
  if (found >= 0) return found;
  const entry = new YAMLMap();
  entry.commentBefore = ` ${from}`;
  entry.items.push(new Pair(new Scalar("name"), new Scalar(name)));
  clusters.items.push(entry);
  return clusters.items.length - 1;
}

/** Sets `path` to the value, creating maps on the way; the leaf key carries the source as its comment. */
function setWithComment(doc: Document, path: readonly (string | number)[], value: SpecValue): void {
  let node: unknown = doc.contents;
  for (const [i, segment] of path.entries()) {
    const last = i === path.length - 1;
    if (typeof segment === "number") {
      node = (node as YAMLSeq).items[segment];
      continue;
    }
    const map = node as YAMLMap;
    let pair = map.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === segment) as Pair | undefined;
    if (!pair) {
      pair = new Pair(new Scalar(segment), last ? null : new YAMLMap());
      map.items.push(pair);
    } else if (!isScalar(pair.key)) pair.key = new Scalar(segment);
    if (last) {
      const created = doc.createNode(value.value);
      if (isSeq(created) && Array.isArray(value.value) && value.value.every((v) => typeof v !== "object"))
        created.flow = true;
      pair.value = created;
      const key = pair.key as Scalar;
      key.commentBefore = key.commentBefore ? `${key.commentBefore}\n ${value.from}` : ` ${value.from}`;
      return;
    }
    const wantSeq = typeof path[i + 1] === "number";
    if (wantSeq ? !isSeq(pair.value) : !isMap(pair.value)) pair.value = wantSeq ? new YAMLSeq() : new YAMLMap();
    node = pair.value;
  }
}
