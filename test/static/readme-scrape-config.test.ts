import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { parse } from "yaml";
import { fromRoot } from "../../lib/paths.js";

/**
 * The README's `scrape_configs` example is what users paste: it must be a valid Prometheus configuration
 * (checked by promtool, Debian package `prometheus`), and since ECSMON_API_TOKEN guards `/sd/prometheus` as well,
 * its http_sd job must carry an `authorization` block.
 */
const dir = mkdtempSync(join(tmpdir(), "ecsmon-readme-scrape-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("the README's scrape_configs example passes promtool and sends the API token to /sd/prometheus", () => {
  const readme = readFileSync(fromRoot("README.md"), "utf8");
  const section = readme.slice(readme.indexOf("Prometheus can consume the targets directly"));
  const yaml = /```yaml\n([\s\S]*?)```/.exec(section)?.[1];
  expect(yaml, "a ```yaml block after 'Prometheus can consume the targets directly'").toBeDefined();
  const config = parse(yaml!) as {
    scrape_configs: { http_sd_configs?: { url: string; authorization?: Record<string, string> }[] }[];
  };
  const httpSd = config.scrape_configs.flatMap((c) => c.http_sd_configs ?? []);
  expect(httpSd.length).toBeGreaterThan(0);
  for (const sd of httpSd) {
    expect(sd.url).toMatch(/\/sd\/prometheus$/);
    expect(sd.authorization, `${sd.url} needs an authorization block`).toMatchObject({ type: "Bearer" });
  }

  // promtool resolves credentials_file and the file_sd path; give both a place that exists.
  const tokenFile = join(dir, "token");
  writeFileSync(tokenFile, "t0ken\n");
  const local = yaml!
    .replaceAll(/credentials_file: \S+/g, `credentials_file: ${tokenFile}`)
    .replaceAll(/files: \[[^\]]*\]/g, `files: [${join(dir, "sd.yml")}]`);
  writeFileSync(join(dir, "sd.yml"), "[]\n");
  const file = join(dir, "prometheus.yml");
  writeFileSync(file, local);
  const check = spawnSync("promtool", ["check", "config", file], { encoding: "utf8" });
  expect(check.error, "promtool (Debian package prometheus) is required").toBeUndefined();
  expect(check.status, `${check.stdout}${check.stderr}`).toBe(0);
});
