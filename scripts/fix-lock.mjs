// Adds lock entries for platform-specific optional packages that this registry mirror does not serve,
// so that `npm ci` accepts the lock; npm skips them on this platform by their os/cpu fields.
import { readFileSync, writeFileSync } from "node:fs";

const path = process.argv[2] ?? "package-lock.json";
const lock = JSON.parse(readFileSync(path, "utf8"));
const pkgs = lock.packages;
const OS = ["android", "darwin", "linux", "win32", "freebsd", "openbsd", "netbsd", "sunos", "aix"];
const CPU = ["arm64", "x64", "arm", "ia32", "ppc64", "s390x", "riscv64", "loong64", "mips64el"];
let added = 0;
for (const [key, entry] of Object.entries(pkgs)) {
  for (const [name, range] of Object.entries(entry.optionalDependencies ?? {})) {
    const base = key === "" ? "" : `${key}/`;
    const candidate = `${base}node_modules/${name}`;
    if (pkgs[candidate] || pkgs[`node_modules/${name}`]) continue;
    const parts = name.split("/").pop().split("-");
    const os = parts.find((p) => OS.includes(p));
    const cpu = parts.find((p) => CPU.includes(p));
    if (!os || !cpu) {
      console.error(`skip ${name}: cannot infer platform`);
      continue;
    }
    const fixed = {
      version: range.replace(/^[\^~=]/, ""),
      dev: entry.dev || undefined,
      optional: true,
      os: [os],
      cpu: [cpu],
    };
    if (parts.includes("musl")) fixed.libc = ["musl"];
    pkgs[`node_modules/${name}`] = fixed;
    added++;
  }
}
writeFileSync(path, JSON.stringify(lock, null, 2) + "\n");
console.log(`added ${added} platform entries`);
