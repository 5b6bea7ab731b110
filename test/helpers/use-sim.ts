import { afterAll, beforeAll } from "vitest";
import { type AwsClients, createAwsClients } from "../../lib/aws/clients.js";
import { type AwsServer, startAwsServer } from "../../sim/aws/server.js";
import type { SimService } from "../../sim/aws/service.js";
import { type RunningSim, type StartSimOptions, startSim } from "../../sim/index.js";

/**
 * Suite fixtures for the simulator tests. Each registers the suite's `beforeAll`/`afterAll`, starts its server
 * before the suite and stops it after; the SDK clients (`aws`, ecsmon's own factory, one attempt so an error
 * reaches the test) are made on first use and destroyed after the suite. Read the fields inside tests and hooks.
 */

/** The whole simulator (`startSim(options)`) and ecsmon's AWS clients pointed at it. */
export interface SimFixture {
  readonly sim: RunningSim;
  readonly aws: AwsClients;
}

/** The simulator's AWS front serving only the given services, and ecsmon's AWS clients pointed at it. */
export interface AwsFrontFixture {
  readonly server: AwsServer;
  readonly aws: AwsClients;
}

export function useSim(options: StartSimOptions = { nodeSurfaces: false, transitionDelayMs: 0 }): SimFixture {
  let sim: RunningSim | undefined;
  const clients = lazyClients(() => {
    const running = started(sim, "useSim");
    return { region: running.region, endpointUrl: running.endpoint };
  });
  beforeAll(async () => {
    sim = await startSim(options);
  });
  afterAll(async () => {
    clients.destroy();
    await sim?.stop();
  });
  return {
    get sim() {
      return started(sim, "useSim");
    },
    get aws() {
      return clients.get();
    },
  };
}

export function useAwsFront(services: SimService[], options: { region?: string } = {}): AwsFrontFixture {
  let server: AwsServer | undefined;
  const clients = lazyClients(() => ({
    region: options.region ?? "us-east-1",
    endpointUrl: started(server, "useAwsFront").url,
  }));
  beforeAll(async () => {
    server = await startAwsServer({ services });
  });
  afterAll(async () => {
    clients.destroy();
    await server?.close();
  });
  return {
    get server() {
      return started(server, "useAwsFront");
    },
    get aws() {
      return clients.get();
    },
  };
}

/** What the promise rejects with; throws when it resolves, so a call expected to fail cannot pass by succeeding. */
export async function rejectionOf<E = unknown>(promise: Promise<unknown>): Promise<E> {
  try {
    await promise;
  } catch (err) {
    return err as E;
  }
  throw new Error("expected the call to fail");
}

/** The SigV4 `authorization` header the front routes by (scope only: the simulator does not check signatures). */
export function sigV4Scope(service: string, region = "us-east-1"): string {
  return `AWS4-HMAC-SHA256 Credential=AKID/20260101/${region}/${service}/aws4_request, SignedHeaders=host, Signature=x`;
}

function started<T>(value: T | undefined, fixture: string): T {
  if (value === undefined) throw new Error(`${fixture}: the server starts in beforeAll`);
  return value;
}

function lazyClients(endpoint: () => { region: string; endpointUrl: string }) {
  let aws: AwsClients | undefined;
  return {
    get(): AwsClients {
      aws ??= createAwsClients({ ...endpoint(), maxAttempts: 1 });
      return aws;
    },
    destroy(): void {
      aws?.destroy();
    },
  };
}
