import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ManagedProcess, waitForHttp } from "../../cli/local/managed-process.js";
import { freePort } from "../../lib/net.js";

/** One active target as Prometheus's /api/v1/targets reports it: labels after relabeling, discovered before. */
export interface PrometheusTarget {
  scrapePool: string;
  scrapeUrl: string;
  health: "up" | "down" | "unknown";
  labels: Record<string, string>;
  discoveredLabels: Record<string, string>;
}

export interface PrometheusServer {
  url: string;
  configFile: string;
  /** Active targets of one scrape pool (job). */
  targets(pool: string): Promise<PrometheusTarget[]>;
  stop(): Promise<void>;
}

/**
 * Runs the real `prometheus` binary (Debian package `prometheus`) on a loopback port with the given configuration
 * text, in `dir`; resolves once /-/ready answers. A missing binary fails with a message saying what to install.
 */
export async function startPrometheus(dir: string, config: string): Promise<PrometheusServer> {
  mkdirSync(join(dir, "data"), { recursive: true });
  const configFile = join(dir, "prometheus.yml");
  writeFileSync(configFile, config);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const process = new ManagedProcess(
    "prometheus",
    "prometheus",
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { env: { PATH: globalThis.process.env.PATH }, logFile: join(dir, "prometheus.log") },
  );
  process.start();
  try {
    await waitForHttp(`${url}/-/ready`, process, 60_000);
  } catch (error) {
    await process.stop();
    throw new Error(
      `prometheus did not start (is the Debian package prometheus installed? log: ${join(dir, "prometheus.log")}): ${(error as Error).message}`,
    );
  }
  return {
    url,
    configFile,
    async targets(pool) {
      const response = await fetch(`${url}/api/v1/targets?state=active`);
      const body = (await response.json()) as { data: { activeTargets: PrometheusTarget[] } };
      return body.data.activeTargets.filter((t) => t.scrapePool === pool);
    },
    stop: () => process.stop(),
  };
}
