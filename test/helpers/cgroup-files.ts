import { readFile } from "node:fs/promises";
import { join } from "node:path";

/**
 * A container's memory and CPU read straight from its cgroup files: the independent reference the real-engine
 * tests hold the agent's figures against. cgroup v1 (`memory.usage_in_bytes`, `memory.stat`, `cpuacct.usage`) and
 * v2 (`memory.current`, `memory.stat`, `cpu.stat`) — whichever the host's memory controller is mounted as.
 */
export interface CgroupFigures {
  version: "v1" | "v2";
  /** Bytes: `memory.usage_in_bytes` (v1) or `memory.current` (v2). */
  usage: number;
  /** Bytes: `total_inactive_file` (v1, hierarchical) or `inactive_file` (v2) from `memory.stat`. */
  inactiveFile: number;
  /** Bytes of page cache incl. tmpfs/shm: `total_cache` (v1) or `file` (v2). */
  cache: number;
  /** Bytes of tmpfs/shared memory: `total_shmem` (v1) or `shmem` (v2). */
  shmem: number;
  /** Cumulative CPU nanoseconds: `cpuacct.usage` (v1) or `cpu.stat usage_usec` × 1000 (v2). */
  cpuNs: number;
}

/** Where a process's memory and CPU cgroup files live. */
export interface CgroupDirs {
  version: "v1" | "v2";
  memory: string;
  cpu: string;
}

const ROOT = "/sys/fs/cgroup";

/** The cgroup directories of process `pid` (e.g. a container's init, `docker inspect -f {{.State.Pid}}`). */
export async function cgroupDirsOf(pid: number): Promise<CgroupDirs> {
  const lines = (await readFile(`/proc/${pid}/cgroup`, "utf8")).trim().split("\n");
  const v1 = (controller: string) => {
    for (const line of lines) {
      const [, controllers = "", path = ""] = line.split(":");
      if (controllers.split(",").includes(controller)) return join(ROOT, controllers, path);
    }
    return undefined;
  };
  const memory = v1("memory");
  const cpu = v1("cpuacct");
  if (memory && cpu) return { version: "v1", memory, cpu };
  const unified = lines.find((line) => line.startsWith("0::"));
  if (!unified) throw new Error(`no memory cgroup for pid ${pid}: ${lines.join(" | ")}`);
  const dir = join(ROOT, unified.slice(3));
  return { version: "v2", memory: dir, cpu: dir };
}

function statValue(text: string, key: string): number {
  const match = new RegExp(`^${key} (\\d+)$`, "m").exec(text);
  if (!match?.[1]) throw new Error(`memory.stat has no ${key}`);
  return Number(match[1]);
}

const readNumber = async (path: string) => Number((await readFile(path, "utf8")).trim());

/** Where each figure is, per cgroup version: the memory usage file and the memory.stat keys (v1 prefixes `total_`). */
const MEMORY_SOURCES = {
  v1: {
    usage: "memory.usage_in_bytes",
    inactiveFile: "total_inactive_file",
    cache: "total_cache",
    shmem: "total_shmem",
  },
  v2: { usage: "memory.current", inactiveFile: "inactive_file", cache: "file", shmem: "shmem" },
} as const;

export async function readCgroupFigures(dirs: CgroupDirs): Promise<CgroupFigures> {
  const stat = await readFile(join(dirs.memory, "memory.stat"), "utf8");
  const source = MEMORY_SOURCES[dirs.version];
  return {
    version: dirs.version,
    usage: await readNumber(join(dirs.memory, source.usage)),
    inactiveFile: statValue(stat, source.inactiveFile),
    cache: statValue(stat, source.cache),
    shmem: statValue(stat, source.shmem),
    cpuNs:
      dirs.version === "v1"
        ? await readNumber(join(dirs.cpu, "cpuacct.usage"))
        : statValue(await readFile(join(dirs.cpu, "cpu.stat"), "utf8"), "usage_usec") * 1000,
  };
}

/** What `docker stats` shows as used (docker/cli calculateMemUsageUnixNoCache), from the cgroup files. */
export const workingSet = (f: CgroupFigures): number => (f.inactiveFile < f.usage ? f.usage - f.inactiveFile : f.usage);
