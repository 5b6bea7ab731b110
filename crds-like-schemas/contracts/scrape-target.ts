import { z } from "zod";
import { LabelSet } from "../common.js";

/**
 * One scrape target assigned by the controller. The agent scrapes exactly `scheme://address metricsPath`
 * and nothing else (no host from labels, no cross-host redirects).
 */
export const ScrapeTarget = z.strictObject({
  /** `<taskArn>/<containerName>/<port><path>`; Cloud Map targets use `cloudmap/<namespace>/<service>/<instanceId>/<port><path>`. */
  id: z.string().min(1),
  /** `host:port`; host is an IPv4 address resolved by the controller. */
  address: z.string().regex(/^[0-9.]+:\d{1,5}$/, "expected ip:port"),
  scheme: z.enum(["http", "https"]),
  /** Starts with "/". */
  metricsPath: z.string().startsWith("/"),
  /** Labels the agent injects into every scraped series (cluster, service, task_family, …, PROMETHEUS_LABELS). */
  labels: LabelSet,
});
export type ScrapeTarget = z.infer<typeof ScrapeTarget>;
