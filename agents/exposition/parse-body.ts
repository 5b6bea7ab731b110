import { ExpositionParser, type ParserLimits } from "./parser.js";
import { type Snapshot, SnapshotBuilder } from "./snapshot.js";
import type { ExpositionFormat } from "./types.js";

/**
 * Chooses the parser for a response Content-Type, as Prometheus does: `application/openmetrics-text` → OpenMetrics,
 * anything else (including none) → text 0.0.4.
 */
export function formatFromContentType(contentType: string | undefined): ExpositionFormat {
  return contentType?.trim().toLowerCase().startsWith("application/openmetrics-text") ? "openmetrics" : "text";
}

/** Parses a whole body into a snapshot with `labels` injected. Throws ExpositionParseError. */
export function parseBody(
  body: string,
  format: ExpositionFormat,
  labels: Record<string, string> = {},
  limits?: ParserLimits,
): Snapshot {
  const builder = new SnapshotBuilder(labels);
  const parser = new ExpositionParser(format, builder, limits);
  parser.push(body);
  parser.end();
  return builder.build();
}
