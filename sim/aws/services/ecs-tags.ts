import type { ClusterStore } from "../../state/cluster-store.js";
import type { InputReader } from "../input.js";
import { AwsError, type OperationHandler } from "../service.js";
import { ecsReader, invalid } from "./ecs-input.js";

/**
 * ECS resource tags, per the API reference's `Tag` shape and tagging rules: at most 50 user tags per resource,
 * keys 1–128 characters, values 0–256, the `aws:` prefix reserved (user requests may not set or remove it).
 * Tags are kept by resource ARN beside the cluster state, since tagging changes no resource `version`.
 *
 * Callers: ecsmon's observer reads them through `include: ["TAGS"]` on DescribeClusters, DescribeServices and
 * DescribeTasks (Prometheus's `tag_cluster_*`, `tag_service_*`, `tag_task_*` labels); tests set them with
 * TagResource or with `tags` on RunTask.
 */
export interface EcsTag {
  key: string;
  value: string;
}

const MAX_TAGS = 50;

/** Tags of one simulated store's resources by ARN. */
export class EcsTagBook {
  private readonly byArn = new Map<string, Map<string, string>>();

  /** The resource's tags in the API's shape (an empty list when it has none). */
  list(arn: string): EcsTag[] {
    return [...(this.byArn.get(arn) ?? [])].map(([key, value]) => ({ key, value }));
  }

  /** Adds or overwrites tags, as TagResource does; more than 50 in total is rejected before anything changes. */
  add(arn: string, tags: readonly EcsTag[]): void {
    if (tags.length === 0) return;
    const next = new Map(this.byArn.get(arn));
    for (const tag of tags) next.set(tag.key, tag.value);
    if (next.size > MAX_TAGS) throw invalid(`The resource can have at most ${MAX_TAGS} tags.`);
    this.byArn.set(arn, next);
  }
}

const books = new WeakMap<ClusterStore, EcsTagBook>();

/** The tag book of a store (one per simulated ECS endpoint). */
export function tagBook(store: ClusterStore): EcsTagBook {
  let book = books.get(store);
  if (!book) {
    book = new EcsTagBook();
    books.set(store, book);
  }
  return book;
}

/** Reads a `tags` list of `{ key, value }` (create requests, TagResource), validated as ECS validates it. */
export function readTags(r: InputReader, field = "tags"): EcsTag[] {
  const raw = r.list<unknown>(field, { max: MAX_TAGS }) ?? [];
  return raw.map((item, index) => {
    const tag = (typeof item === "object" && item !== null ? item : {}) as Record<string, unknown>;
    const { key, value } = tag;
    if (typeof key !== "string" || key.length < 1 || key.length > 128) {
      throw invalid(`${field}[${index}].key must be a string of 1 to 128 characters.`);
    }
    if (value !== undefined && (typeof value !== "string" || value.length > 256)) {
      throw invalid(`${field}[${index}].value must be a string of at most 256 characters.`);
    }
    if (key.toLowerCase().startsWith("aws:")) throw invalid(`${field}[${index}].key: the aws: prefix is reserved.`);
    return { key, value: value ?? "" };
  });
}

/**
 * Whether a Describe request asked for tags: `include` is a list of the operation's `allowed` fields; any other
 * value is an InvalidParameterException, as ECS answers.
 */
export function includesTags(r: InputReader, allowed: readonly string[]): boolean {
  const include = r.list<unknown>("include") ?? [];
  for (const value of include) {
    if (typeof value !== "string" || !allowed.includes(value)) {
      throw invalid(`include: ${JSON.stringify(value)} is not one of ${allowed.join(", ")}.`);
    }
  }
  return include.includes("TAGS");
}

/**
 * The body of a Describe call (clusters, container instances, services): each ref found is shaped, with its
 * tags when `withTags`; each one not found is a `MISSING` failure under the ARN ECS would report.
 */
export function describeEach<T>(
  refs: readonly unknown[],
  find: (ref: string) => T | undefined,
  shape: (item: T) => object,
  tags: { book: EcsTagBook; withTags: boolean; arnOf: (item: T) => string },
  missingArn: (ref: string) => string = (ref) => ref,
): { found: unknown[]; failures: { arn: string; reason: string }[] } {
  const found: unknown[] = [];
  const failures: { arn: string; reason: string }[] = [];
  for (const ref of refs) {
    const item = typeof ref === "string" ? find(ref) : undefined;
    if (item === undefined) failures.push({ arn: missingArn(String(ref)), reason: "MISSING" });
    else found.push(tags.withTags ? { ...shape(item), tags: tags.book.list(tags.arnOf(item)) } : shape(item));
  }
  return { found, failures };
}

/** Whether `arn` names a simulated cluster, service, task, container instance or task definition. */
function resourceExists(store: ClusterStore, arn: string): boolean {
  const resource = /^arn:aws[a-z-]*:ecs:[^:]*:\d{12}:([a-z-]+)\/(.+)$/.exec(arn);
  if (!resource) return false;
  const [, type, rest] = resource as unknown as [string, string, string];
  switch (type) {
    case "cluster":
      return store.cluster(arn) !== undefined;
    case "service": {
      const cluster = store.cluster(rest.split("/")[0] ?? "");
      return cluster !== undefined && store.service(cluster.clusterArn, arn) !== undefined;
    }
    case "task":
      return store.task(arn) !== undefined;
    case "container-instance":
      return store.instance(arn) !== undefined;
    case "task-definition":
      return store.taskDefinition(arn) !== undefined;
    default:
      return false;
  }
}

function requireResource(store: ClusterStore, r: InputReader): string {
  const arn = r.reqStr("resourceArn");
  if (!resourceExists(store, arn)) {
    throw new AwsError("InvalidParameterException", "The specified resource is not valid.");
  }
  return arn;
}

/** TagResource (tests and the tag-cost benchmark tag resources as a user would; ecsmon reads tags via `include`). */
export function tagOperations(store: ClusterStore): Record<string, OperationHandler> {
  const book = tagBook(store);

  const TagResource: OperationHandler = (input) => {
    const r = ecsReader(input);
    const arn = requireResource(store, r);
    const tags = readTags(r);
    if (tags.length === 0) r.missing("tags");
    book.add(arn, tags);
    return {};
  };

  return { TagResource };
}
