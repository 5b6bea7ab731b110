import { type ChildProcess, spawn } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { Redis } from "ioredis";
import { freePort } from "../../lib/net.js";

/** A real redis-server on a free loopback port, without persistence. Tests own its lifecycle. */
export interface RedisServer {
  url: string;
  port: number;
  /** Stops the server (SIGKILL when `hard`). */
  stop(hard?: boolean): Promise<void>;
  /** Starts it again on the same port (after a stop), for outage drills. */
  restart(): Promise<void>;
  /** SIGSTOP: connections stay open but nothing is answered, the way a stalled Redis looks to clients. */
  pause(): void;
  /** SIGCONT after {@link pause}. */
  resume(): void;
}

export async function startRedisServer(options: { password?: string } = {}): Promise<RedisServer> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const launch = async () => {
    const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"];
    if (options.password) args.push("--requirepass", options.password);
    child = spawn("redis-server", args, { stdio: "ignore" });
    child.on("error", () => {});
    const client = new Redis({
      port,
      host: "127.0.0.1",
      password: options.password,
      lazyConnect: true,
      maxRetriesPerRequest: 0,
    });
    client.on("error", () => {});
    for (let i = 0; i < 100; i++) {
      try {
        await client.connect();
        await client.ping();
        client.disconnect();
        return;
      } catch {
        client.disconnect();
        await sleep(50);
      }
    }
    throw new Error(`redis-server did not start on port ${port} (is the redis-server package installed?)`);
  };
  await launch();
  const auth = options.password ? `:${encodeURIComponent(options.password)}@` : "";
  return {
    url: `redis://${auth}127.0.0.1:${port}`,
    port,
    async stop(hard = false) {
      const c = child;
      if (!c || c.exitCode !== null) return;
      const exited = new Promise((resolve) => c.once("exit", resolve));
      c.kill(hard ? "SIGKILL" : "SIGTERM");
      c.kill("SIGCONT"); // a paused server acts on SIGTERM only once continued
      await exited;
    },
    async restart() {
      await launch();
    },
    pause() {
      child?.kill("SIGSTOP");
    },
    resume() {
      child?.kill("SIGCONT");
    },
  };
}
