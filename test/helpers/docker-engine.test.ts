import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { buildBusyboxImage } from "./busybox-image.js";
import { startDockerEngine } from "./docker-engine.js";

describe("startDockerEngine", () => {
  it("runs an isolated engine, and stop() leaves no daemon, mount or directory behind", async () => {
    const engine = await startDockerEngine();
    const root = engine.dataRoot.replace(/\/data$/, "");
    let subnetPrefix = "10.unset.";
    try {
      const info = JSON.parse((await engine.docker(["info", "--format", "{{json .}}"])).stdout);
      expect(info.DockerRootDir).toBe(engine.dataRoot);
      const net = await engine.docker(["network", "create", "probe"]);
      const subnet = (
        await engine.docker(["network", "inspect", "probe", "--format", "{{(index .IPAM.Config 0).Subnet}}"])
      ).stdout.trim();
      expect(net.code).toBe(0);
      expect(subnet).toMatch(/^10\.\d+\.\d+\.0\/24$/);
      subnetPrefix = `${subnet.split(".").slice(0, 2).join(".")}.`;
      await engine.docker(["volume", "create", "probe-volume"]);
      const image = await buildBusyboxImage(engine);
      await engine.docker([
        "run",
        "-d",
        "--name",
        "sleeper",
        "--network",
        "probe",
        "-v",
        "probe-volume:/data",
        image,
        "sleep",
        "600",
      ]);
      const echoed = await engine.docker(["exec", "sleeper", "sh", "-c", "echo ok > /data/x && cat /data/x"]);
      expect(echoed.stdout.trim()).toBe("ok");
      expect(await readFile("/proc/self/mountinfo", "utf8")).toContain(root);
    } finally {
      await engine.stop();
    }
    expect(existsSync(root)).toBe(false);
    expect(execFileSync("ip", ["-o", "-4", "addr", "show"], { encoding: "utf8" })).not.toContain(subnetPrefix);
    expect(await readFile("/proc/self/mountinfo", "utf8")).not.toContain(root);
    await engine.stop();
  });

  it("fails with a clear message when the daemon cannot start", async () => {
    await expect(startDockerEngine({ extraArgs: ["--no-such-flag"] })).rejects.toThrow(
      /test Docker Engine: dockerd exited with code \d+[\s\S]*unknown flag: --no-such-flag/,
    );
  });
});
