import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import type { Command } from "commander";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { buildProgram } from "../../cli/program.js";
import { CONFIG_ENV_VARS } from "../../lib/config.js";
import { MALLOC_TUNING } from "../../lib/malloc-tuning.js";
import { fromRoot } from "../../lib/paths.js";

/**
 * docker-compose.yml and the Dockerfile, checked without an engine (test/docker/compose.test.ts runs them for real):
 * every ecsmon command is a real subcommand with real flags, every environment variable is one lib/config.ts
 * accepts, every referenced file exists (in the repository, and in the image where the Dockerfile must copy it),
 * docker-compose 1.29 accepts the file, and every registry image has a local stand-in.
 */

interface ComposeService {
  image?: string;
  build?: string | { context?: string; network?: string };
  ports?: string[];
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
}

const compose = parse(readFileSync(fromRoot("docker-compose.yml"), "utf8"), { merge: true }) as {
  name?: string;
  services: Record<string, ComposeService>;
};
const dockerfile = readFileSync(fromRoot("Dockerfile"), "utf8");
const ecsmonServices = Object.entries(compose.services).filter(([, s]) => s.image === "ecsmon:local");

function longFlags(command: Command): Set<string> {
  return new Set(command.options.map((option) => option.long).filter((flag): flag is string => Boolean(flag)));
}

/** Resolves `["spec", "apply", "file", "--x"]` to the deepest matching subcommand and the remaining args. */
function resolveCommand(program: Command, args: string[]): { command: Command; rest: string[] } {
  let command = program;
  let index = 0;
  while (index < args.length) {
    const next = command.commands.find((c) => c.name() === args[index]);
    if (!next) break;
    command = next;
    index++;
  }
  return { command, rest: args.slice(index) };
}

describe("docker-compose.yml", () => {
  it("has the local topology", () => {
    expect(Object.keys(compose.services).sort()).toEqual(
      ["agent-a", "agent-b", "agent-pool", "controller", "prometheus", "redis", "sim", "spec-apply"].sort(),
    );
    expect(compose.services.redis?.image).toMatch(/^redis:7/);
  });

  it.each(ecsmonServices)("%s runs a real ecsmon subcommand with existing flags", (_name, service) => {
    const program = buildProgram();
    const args = service.command ?? [];
    const { command, rest } = resolveCommand(program, args);
    expect(command, `"${args.join(" ")}" is not an ecsmon subcommand`).not.toBe(program);
    expect(command.commands, `"${args.join(" ")}" names a command group, not a command`).toEqual([]);
    const known = new Set([...longFlags(command), ...longFlags(program)]);
    for (const arg of rest.filter((a) => a.startsWith("--"))) {
      expect(known, `${command.name()} has no flag ${arg}`).toContain(arg.split("=")[0]);
    }
  });

  it.each(ecsmonServices)("%s sets only environment variables the config module accepts", (_name, service) => {
    for (const variable of Object.keys(service.environment ?? {})) {
      expect(CONFIG_ENV_VARS, `${variable} is not read by lib/config.ts`).toContain(variable);
    }
  });

  it("references only files that exist, and that the image contains", () => {
    for (const [, service] of ecsmonServices) {
      for (const arg of service.command ?? []) {
        if (!/\.(ya?ml|json)$/.test(arg) || arg.startsWith("/")) continue;
        expect(existsSync(fromRoot(arg)), `${arg} does not exist`).toBe(true);
        const topFolder = arg.split("/").slice(0, 2).join("/");
        expect(dockerfile, `the Dockerfile does not copy ${topFolder} into the runtime image`).toContain(
          `/src/${topFolder} `,
        );
      }
    }
    for (const service of Object.values(compose.services)) {
      for (const volume of service.volumes ?? []) {
        const source = volume.split(":")[0] ?? "";
        if (source.startsWith("./")) expect(existsSync(fromRoot(source)), `${source} does not exist`).toBe(true);
      }
    }
  });
});

describe("docker-compose.yml in Compose v2 and docker-compose 1.29", () => {
  it("has no top-level name (1.29: 'name' does not match any of the regexes); projects are named with -p", () => {
    expect(compose.name).toBeUndefined();
  });

  it("is valid for docker-compose 1.29 (the Debian package docker-compose)", () => {
    let output: string;
    try {
      output = execFileSync("docker-compose", ["-f", fromRoot("docker-compose.yml"), "config", "--services"], {
        encoding: "utf8",
        env: { ...process.env, DOCKER_HOST: "unix:///nonexistent" },
      });
    } catch (error) {
      const e = error as NodeJS.ErrnoException & { stderr?: string };
      throw new Error(
        e.code === "ENOENT"
          ? "docker-compose is required (Debian package docker-compose; .ci/run installs it)"
          : `docker-compose config rejected docker-compose.yml: ${e.stderr ?? e.message}`,
      );
    }
    expect(output.trim().split("\n").sort()).toEqual(Object.keys(compose.services).sort());
  });

  it("publishes ports on 127.0.0.1 only", () => {
    const ports = Object.values(compose.services).flatMap((s) => s.ports ?? []);
    expect(ports.length).toBeGreaterThan(0);
    for (const port of ports) expect(port, port).toMatch(/^127\.0\.0\.1:/);
  });

  it("builds the image on the host network (npm ci needs the registry; engines without NAT give builds none)", () => {
    const builds = Object.values(compose.services).filter((s) => s.build !== undefined);
    expect(builds).toHaveLength(1);
    expect(builds[0]?.build).toEqual({ context: ".", network: "host" });
  });

  it("every registry image it or the Dockerfile names has a stand-in in scripts/images/build-standins.sh", () => {
    const script = readFileSync(fromRoot("scripts/images/build-standins.sh"), "utf8");
    const standIns = new Set([...script.matchAll(/^readonly \w+_IMAGE="([^"]+)"$/gm)].map((m) => m[1]));
    const fromLines = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
    const images = [...Object.values(compose.services).map((s) => s.image), ...fromLines].filter(
      (image): image is string => Boolean(image) && image !== "ecsmon:local",
    );
    expect(images.length).toBeGreaterThan(0);
    for (const image of images) expect(standIns, `no stand-in for ${image}`).toContain(image);
  });
});

describe("Dockerfile", () => {
  it("needs no registry image besides its base (no `# syntax=` frontend, which BuildKit would pull)", () => {
    expect(dockerfile).not.toMatch(/^#\s*syntax=/m);
  });

  it("is multi-stage on Node 24, runs as a non-root user with ecsmon as the entrypoint", () => {
    const stages = dockerfile.match(/^FROM .+$/gm) ?? [];
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) expect(stage).toMatch(/^FROM node:24/);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^ENTRYPOINT \["ecsmon"\]$/m);
    expect(existsSync(fromRoot(".dockerignore"))).toBe(true);
  });

  it("sets the malloc tuning every long-running process gets (lib/malloc-tuning.ts)", () => {
    for (const [name, value] of Object.entries(MALLOC_TUNING))
      expect(dockerfile).toMatch(new RegExp(`^ENV ${name}=${value}$`, "m"));
  });

  it("copies every source folder the build compiles", () => {
    const build = JSON.parse(readFileSync(fromRoot("tsconfig.build.json"), "utf8")) as { include: string[] };
    for (const folder of build.include) expect(dockerfile).toContain(`COPY ${folder} ./${folder}`);
  });
});
