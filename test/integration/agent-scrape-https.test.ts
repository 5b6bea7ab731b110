import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mergeSnapshots } from "../../agents/exposition/merge.js";
import { recordingScrapeHandler } from "../helpers/scrape-once.js";
import { syncJob, target } from "../helpers/sync-job.js";

/** `__scheme__=https` (resolved by the controller into `scheme`) against a TLS target with a self-signed certificate. */
describe("https targets", () => {
  let server: Server;
  let dir: string;
  let address: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "ecsmon-tls-"));
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "1",
        "-subj",
        "/CN=127.0.0.1",
        "-keyout",
        join(dir, "key.pem"),
        "-out",
        join(dir, "cert.pem"),
      ],
      { stdio: "ignore" },
    );
    server = createServer(
      { key: readFileSync(join(dir, "key.pem")), cert: readFileSync(join(dir, "cert.pem")) },
      (req, res) => {
        if (req.url !== "/internal/metrics") return void res.writeHead(404).end();
        res.writeHead(200, { "content-type": "text/plain; version=0.0.4", "content-encoding": "gzip" });
        res.end(gzipSync("# HELP secure_total Secure.\n# TYPE secure_total counter\nsecure_total 9\n"));
      },
    );
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });

  it("scrapes https with the assigned metrics path; plain http to a TLS port fails as a connection error", async () => {
    const { handler, results } = recordingScrapeHandler(2, 3_600_000);
    const secure = { ...target("tls", address, "/internal/metrics"), scheme: "https" as const };
    const plain = target("plain", address, "/internal/metrics");
    await handler.apply(syncJob("n1", 1, [secure, plain], { intervalMs: 10_000, timeoutMs: 5_000 }));
    await handler.scrapeAll();
    const merged = mergeSnapshots(handler.snapshots()).text;
    await handler.stop();
    expect(results.find((r) => r.targetId === "tls")).toMatchObject({ ok: true, samples: 1 });
    expect(merged).toContain(
      `secure_total{cluster="test-cluster",container_name="app",metrics_endpoint="${address.split(":")[1]}/internal/metrics",task_id="tls"} 9\n`,
    );
    expect(results.find((r) => r.targetId === "plain")).toMatchObject({ ok: false });
    expect(["connection", "http_status", "parse"]).toContain(results.find((r) => r.targetId === "plain")?.errorClass);
  });
});
