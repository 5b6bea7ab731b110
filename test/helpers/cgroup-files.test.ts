import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cgroupDirsOf, readCgroupFigures, workingSet } from "./cgroup-files.js";

describe("cgroup files", () => {
  it("finds this process's memory and CPU cgroups and reads them", async () => {
    const dirs = await cgroupDirsOf(process.pid);
    const figures = await readCgroupFigures(dirs);
    expect(figures.usage).toBeGreaterThan(0);
    expect(figures.cpuNs).toBeGreaterThan(0);
    expect(workingSet(figures)).toBeLessThanOrEqual(figures.usage);
  });

  it("reads the cgroup v2 files (memory.current, memory.stat, cpu.stat)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ecsmon-cg2-"));
    try {
      // Field layout of a cgroup v2 memory.stat / cpu.stat (Documentation/admin-guide/cgroup-v2.rst).
      await writeFile(join(dir, "memory.current"), "51380224\n");
      await writeFile(
        join(dir, "memory.stat"),
        "anon 229376\nfile 50622464\nkernel 413696\nshmem 33554432\nfile_mapped 0\nactive_anon 33558528\ninactive_anon 225280\nactive_file 4096\ninactive_file 16777216\n",
      );
      await writeFile(join(dir, "cpu.stat"), "usage_usec 3872114\nuser_usec 2000000\nsystem_usec 1872114\n");
      const figures = await readCgroupFigures({ version: "v2", memory: dir, cpu: dir });
      expect(figures).toEqual({
        version: "v2",
        usage: 51_380_224,
        inactiveFile: 16_777_216,
        cache: 50_622_464,
        shmem: 33_554_432,
        cpuNs: 3_872_114_000,
      });
      expect(workingSet(figures)).toBe(51_380_224 - 16_777_216);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
